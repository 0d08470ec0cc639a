//! Server-wide budgets: counts shared by every connection, each with a maximum.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A count with a maximum, shared by every connection.
#[derive(Debug)]
pub(crate) struct Budget {
    used: AtomicUsize,
    max: usize,
}

impl Budget {
    pub(crate) fn new(max: usize) -> Self {
        Budget {
            used: AtomicUsize::new(0),
            max,
        }
    }

    /// Takes `amount` unless that would pass the maximum.
    pub(crate) fn try_take(&self, amount: usize) -> bool {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(amount).filter(|&total| total <= self.max)
            })
            .is_ok()
    }

    /// Gives back `amount` taken before.
    pub(crate) fn give_back(&self, amount: usize) {
        self.used.fetch_sub(amount, Ordering::AcqRel);
    }

    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Acquire)
    }

    pub(crate) fn max(&self) -> usize {
        self.max
    }
}

/// An amount taken from a budget, given back when dropped.
#[derive(Debug)]
pub(crate) struct Taken {
    budget: Arc<Budget>,
    amount: usize,
}

impl Taken {
    /// Nothing taken yet from `budget`.
    pub(crate) fn none(budget: &Arc<Budget>) -> Self {
        Taken {
            budget: Arc::clone(budget),
            amount: 0,
        }
    }

    /// Takes `amount` more, unless the budget is spent.
    pub(crate) fn try_add(&mut self, amount: usize) -> bool {
        let taken = self.budget.try_take(amount);
        if taken {
            self.amount += amount;
        }
        taken
    }

    /// Gives back everything taken so far.
    pub(crate) fn release(&mut self) {
        self.budget.give_back(std::mem::take(&mut self.amount));
    }

    /// How much is held.
    pub(crate) fn amount(&self) -> usize {
        self.amount
    }

    /// Moves `amount` of what is held (at most all of it) to a new holder.
    pub(crate) fn split_off(&mut self, amount: usize) -> Taken {
        let amount = amount.min(self.amount);
        self.amount -= amount;
        Taken {
            budget: Arc::clone(&self.budget),
            amount,
        }
    }
}

impl Drop for Taken {
    fn drop(&mut self) {
        self.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_is_taken_up_to_its_maximum_and_given_back_on_drop() {
        let budget = Arc::new(Budget::new(10));
        let mut first = Taken::none(&budget);
        assert!(first.try_add(6));
        assert!(first.try_add(4));
        assert!(!first.try_add(1));
        assert_eq!(first.amount(), 10);
        let part = first.split_off(3);
        assert_eq!((first.amount(), part.amount(), budget.used()), (7, 3, 10));
        drop(part);
        assert_eq!(budget.used(), 7);
        assert!(first.try_add(3));
        let mut second = Taken::none(&budget);
        assert!(!second.try_add(1));
        drop(first);
        assert!(second.try_add(10));
        second.release();
        assert_eq!(budget.used(), 0);
        assert!(!budget.try_take(usize::MAX));
    }
}
