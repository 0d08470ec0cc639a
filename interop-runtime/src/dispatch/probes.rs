//! The autoref probes the macro's shims use: which path binds a method's arguments, and
//! whether every parameter is a scalar. Each picks an impl by whether a bound holds, at
//! compile time (`(&&Probe::<T>::new()).method()` finds the impl for `&Probe<T>` when `T`
//! meets its bound, else the fallback for `Probe<T>`).

use std::marker::PhantomData;

use serde::de::DeserializeOwned;

use super::binding::{Call, Param};
use super::completion::Failure;
use crate::error::texts;

/// Names the tuple of a method's arguments for [`BindArgs`] and [`UnboundArgs`].
#[doc(hidden)]
pub struct Args<T>(PhantomData<fn() -> T>);

impl<T> Args<T> {
    /// A marker value: `(&&Args::<(Arg<A>, Arg<B>)>::new()).bind(call, params, scalar)` binds
    /// them when the tuple is `Deserialize`. Otherwise the fallback is chosen, so that a
    /// parameter type that is not `Deserialize` is reported once, on its own token, by
    /// [`Call::arg`].
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Args(PhantomData)
    }
}

/// Binds the arguments (chosen when their types are `Deserialize`).
#[doc(hidden)]
pub trait BindArgs<T> {
    /// Reads every argument.
    fn bind(&self, call: &mut Call<'_>, params: &[Param], scalar: bool) -> Result<T, Failure>;
}

impl<T: DeserializeOwned> BindArgs<T> for &Args<T> {
    #[inline]
    fn bind(&self, call: &mut Call<'_>, params: &[Param], scalar: bool) -> Result<T, Failure> {
        call.bind(params, scalar)
    }
}

/// The fallback, for a method that does not compile: [`Call::arg`] reports the parameter type
/// that is not `Deserialize`.
#[doc(hidden)]
pub trait UnboundArgs<T> {
    /// Never called in a program that compiles.
    fn bind(&self, call: &mut Call<'_>, params: &[Param], scalar: bool) -> Result<T, Failure>;
}

impl<T> UnboundArgs<T> for Args<T> {
    fn bind(&self, _: &mut Call<'_>, _: &[Param], _: bool) -> Result<T, Failure> {
        Err(Failure::Caller(texts::INVALID_JSON.to_owned()))
    }
}

/// An argument type that deserializes only from a JSON string, number, literal or `null`:
/// no object-reference marker can bind to it and no nesting can reach it.
#[doc(hidden)]
pub trait ScalarArgument {}

macro_rules! scalar_arguments {
    ($($ty:ty),*) => { $(impl ScalarArgument for $ty {})* };
}
scalar_arguments!(
    bool, char, String, i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64
);
impl<T: ScalarArgument> ScalarArgument for Option<T> {}

/// Names one argument type for [`IsScalar`] and [`NotScalar`].
#[doc(hidden)]
pub struct Scalar<T: ?Sized>(PhantomData<fn() -> Box<T>>);

impl<T: ?Sized> Scalar<T> {
    /// A marker value; `(&&Scalar::<A>::new()).is_scalar()` is `true` exactly when `A` is a
    /// [`ScalarArgument`].
    #[allow(clippy::new_without_default)]
    #[inline]
    pub fn new() -> Self {
        Scalar(PhantomData)
    }
}

/// Chosen for [`ScalarArgument`] types.
#[doc(hidden)]
pub trait IsScalar {
    /// `true`.
    fn is_scalar(&self) -> bool;
}

impl<T: ScalarArgument> IsScalar for &Scalar<T> {
    #[inline]
    fn is_scalar(&self) -> bool {
        true
    }
}

/// The fallback for every other type.
#[doc(hidden)]
pub trait NotScalar {
    /// `false`.
    fn is_scalar(&self) -> bool;
}

impl<T: ?Sized> NotScalar for Scalar<T> {
    #[inline]
    fn is_scalar(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::{IsScalar as _, NotScalar as _, Scalar};

    #[test]
    // The probe is used as the macro writes it: through two references.
    #[allow(clippy::needless_borrow)]
    fn scalar_probe_names_exactly_the_scalar_types() {
        assert!((&&Scalar::<String>::new()).is_scalar());
        assert!((&&Scalar::<u32>::new()).is_scalar());
        assert!((&&Scalar::<Option<f64>>::new()).is_scalar());
        assert!(!(&&Scalar::<Vec<String>>::new()).is_scalar());
        assert!(!(&&Scalar::<serde_json::Value>::new()).is_scalar());
        assert!(!(&&Scalar::<crate::ByteArray>::new()).is_scalar());
        assert!(!(&&Scalar::<Option<crate::JsObjectRef>>::new()).is_scalar());
    }
}
