//! `ObjectRef<T>`: a Rust object handed to JavaScript, whose `#[jsinvokable]` methods JS can call.

use std::any::Any;
use std::cell::UnsafeCell;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Weak};

use parking_lot::Mutex;

use serde::de::{self, Deserialize, Deserializer};
use serde::ser::{self, Serialize, Serializer};

use crate::context::with_scope;
use crate::dispatch::{Call, Failure, Invocation};
use crate::error::texts;
use crate::markers;
use crate::runtime::RuntimeInner;

/// The method table of a type with a `#[jsinvokable]` impl block. Implemented by the macro only.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be handed to JavaScript: it has no `#[jsinvokable]` impl block",
    label = "`{Self}` needs a `#[jsinvokable]` impl block",
    note = "annotate one impl block of the type with `#[jsinvokable]` (it may be empty): `#[jsinvokable] impl {Self} {{ ... }}`"
)]
pub trait JsInvokable: Send + Sync + Sized + 'static {
    /// The type name used in error texts.
    const TYPE_NAME: &'static str;
    /// Every exposed method.
    const METHODS: &'static [InstanceMethod<Self>];
}

/// One exposed instance method. Built by the macro only.
#[doc(hidden)]
pub struct InstanceMethod<T: 'static> {
    /// Every identifier the method answers to.
    pub identifiers: &'static [&'static str],
    /// `async fn`: cannot be invoked synchronously.
    pub is_async: bool,
    /// Borrows the object, binds the arguments and runs the method.
    pub shim: fn(&Arc<ObjectCell<T>>, &mut Call<'_>) -> Result<Invocation, Failure>,
}

/// The storage of an object JavaScript can call: `&self` methods share it, sync `&mut self`
/// methods take it exclusively, and neither ever blocks: a conflict fails the call at once
/// with an "object is busy" text naming the call that holds the object.
#[doc(hidden)]
pub struct ObjectCell<T> {
    borrows: Mutex<Borrows>,
    value: UnsafeCell<T>,
}

// SAFETY: the borrow state gives shared access (`&T`, needs `T: Sync`) or exclusive access
// (`&mut T`, needs `T: Send`) across threads, exactly as an `RwLock<T>` would.
unsafe impl<T: Send + Sync> Sync for ObjectCell<T> {}

/// Who holds an object now.
#[derive(Default)]
struct Borrows {
    /// Shared borrows: `&self` calls and Rust code's [`ObjectRef::borrow`]s.
    shared: usize,
    /// A sync `&mut self` call holds the object.
    exclusive: bool,
    /// The calls holding a borrow (Rust code's are not listed), for the "busy" text.
    calls: Vec<Holder>,
}

/// A `#[jsinvokable]` call holding its object.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Holder {
    identifier: &'static str,
    access: Access,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    /// A sync `&self` method.
    Shared,
    /// An async `&self` method: it holds the object across its awaits, until it completes.
    SharedAsync,
    /// A sync `&mut self` method.
    Exclusive,
}

impl Borrows {
    /// The text of a call to `identifier` refused because of the borrows held now.
    fn busy(&self, identifier: &str) -> String {
        let held_by = |access| {
            self.calls
                .iter()
                .find(|holder| holder.access == access)
                .map(|holder| holder.identifier)
        };
        if let Some(holder) = held_by(Access::Exclusive) {
            texts::object_busy_exclusive(identifier, holder)
        } else if let Some(holder) = held_by(Access::SharedAsync) {
            texts::object_busy_async(identifier, holder)
        } else if let Some(holder) = held_by(Access::Shared) {
            texts::object_busy_shared(identifier, holder)
        } else {
            texts::object_busy_rust(identifier)
        }
    }

    fn release(&mut self, call: Option<Holder>) {
        if let Some(call) = call {
            if let Some(index) = self.calls.iter().position(|holder| *holder == call) {
                self.calls.swap_remove(index);
            }
        }
    }
}

impl<T> ObjectCell<T> {
    fn new(value: T) -> Self {
        ObjectCell {
            borrows: Mutex::new(Borrows::default()),
            value: UnsafeCell::new(value),
        }
    }

    /// Shared access for Rust code, unless a `&mut self` call holds the object.
    fn try_borrow(&self) -> Option<Shared<'_, T>> {
        let mut borrows = self.borrows.lock();
        if borrows.exclusive {
            return None;
        }
        borrows.shared += 1;
        Some(Shared {
            cell: self,
            call: None,
        })
    }

    /// Shared access for a call of the `&self` method `identifier` (async: held until its
    /// future completes), or the text saying which `&mut self` call holds the object.
    pub fn borrow_for(
        &self,
        identifier: &'static str,
        is_async: bool,
    ) -> Result<Shared<'_, T>, String> {
        let access = if is_async {
            Access::SharedAsync
        } else {
            Access::Shared
        };
        let call = Holder { identifier, access };
        let mut borrows = self.borrows.lock();
        if borrows.exclusive {
            return Err(borrows.busy(identifier));
        }
        borrows.shared += 1;
        borrows.calls.push(call);
        Ok(Shared {
            cell: self,
            call: Some(call),
        })
    }

    /// Exclusive access for a call of the sync `&mut self` method `identifier`, or the text
    /// saying what holds the object.
    pub fn borrow_mut_for(&self, identifier: &'static str) -> Result<Exclusive<'_, T>, String> {
        let call = Holder {
            identifier,
            access: Access::Exclusive,
        };
        let mut borrows = self.borrows.lock();
        if borrows.exclusive || borrows.shared > 0 {
            return Err(borrows.busy(identifier));
        }
        borrows.exclusive = true;
        borrows.calls.push(call);
        Ok(Exclusive { cell: self, call })
    }
}

/// Shared access to an object (see [`ObjectRef::borrow`]).
pub struct Shared<'a, T> {
    cell: &'a ObjectCell<T>,
    call: Option<Holder>,
}

impl<T> Deref for Shared<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: a shared borrow is counted, so no exclusive borrow exists while `self` lives.
        unsafe { &*self.cell.value.get() }
    }
}

impl<T> Drop for Shared<'_, T> {
    fn drop(&mut self) {
        let mut borrows = self.cell.borrows.lock();
        borrows.shared -= 1;
        borrows.release(self.call);
    }
}

/// Exclusive access to an object, held while a sync `&mut self` method runs.
#[doc(hidden)]
pub struct Exclusive<'a, T> {
    cell: &'a ObjectCell<T>,
    call: Holder,
}

impl<T> Deref for Exclusive<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the object is held exclusively, so no other borrow exists while `self` lives.
        unsafe { &*self.cell.value.get() }
    }
}

impl<T> DerefMut for Exclusive<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only access through the guard.
        unsafe { &mut *self.cell.value.get() }
    }
}

impl<T> Drop for Exclusive<'_, T> {
    fn drop(&mut self) {
        let mut borrows = self.cell.borrows.lock();
        borrows.exclusive = false;
        borrows.release(Some(self.call));
    }
}

/// Where an `ObjectRef` stands with respect to the runtime it was handed to.
enum Tracking {
    Untracked,
    Tracked {
        runtime: Weak<RuntimeInner>,
        id: u64,
    },
    Disposed,
}

/// What all clones of one `ObjectRef` share: the object and its tracking state.
pub(crate) struct RefState<T> {
    object: Arc<ObjectCell<T>>,
    tracking: Mutex<Tracking>,
}

/// A reference to a Rust object that JavaScript can hold and call (`DotNetObjectReference<T>`).
///
/// Creating one registers nothing: the first serialization through a runtime assigns an id
/// (from 1, never reused) and keeps the object alive in that runtime's table until
/// [`dispose`](Self::dispose) from Rust, `dispose()` from JavaScript, or the runtime closing.
/// Clones share one id; dropping an `ObjectRef` never disposes.
///
/// ```
/// use interop_runtime::{jsinvokable, ObjectRef};
///
/// pub struct HelloHelper { name: String }
///
/// #[jsinvokable]
/// impl HelloHelper {
///     #[jsinvokable("GetHelloMessage")]
///     pub fn get_hello_message(&self) -> String { format!("Hello, {}!", self.name) }
/// }
///
/// let helper = ObjectRef::new(HelloHelper { name: "Amy Pond".into() });
/// assert_eq!(helper.borrow().get_hello_message(), "Hello, Amy Pond!");
/// assert_eq!(helper.id(), None); // not handed to JavaScript yet
/// ```
pub struct ObjectRef<T> {
    state: Arc<RefState<T>>,
}

impl<T: JsInvokable> Clone for ObjectRef<T> {
    fn clone(&self) -> Self {
        ObjectRef {
            state: Arc::clone(&self.state),
        }
    }
}

impl<T: JsInvokable> fmt::Debug for ObjectRef<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectRef")
            .field("type", &T::TYPE_NAME)
            .field("id", &self.id())
            .finish()
    }
}

impl<T: JsInvokable> ObjectRef<T> {
    /// Wraps a value so it can be handed to JavaScript.
    pub fn new(value: T) -> Self {
        ObjectRef {
            state: Arc::new(RefState {
                object: Arc::new(ObjectCell::new(value)),
                tracking: Mutex::new(Tracking::Untracked),
            }),
        }
    }

    /// Shared access to the object, like `RefCell::borrow`.
    ///
    /// Use it only where no `&mut self` method can be running: before the object is handed to
    /// JavaScript, after it is disposed and no call is left on it, or for a type with no
    /// `&mut self` method. Once a page holds the object it can call such a method at any
    /// moment, and on a multi-threaded host (the WebSocket server) that call runs while Rust
    /// code on another thread borrows; there use [`try_borrow`](Self::try_borrow) and handle
    /// `None`. Holding the borrow makes the page's `&mut self` calls fail "busy" meanwhile.
    ///
    /// # Panics
    /// If a synchronous `&mut self` method is running on the object right now.
    pub fn borrow(&self) -> Shared<'_, T> {
        self.try_borrow()
            .expect("ObjectRef::borrow while a `&mut self` method is running on the object")
    }

    /// Shared access to the object, or `None` while a synchronous `&mut self` method is
    /// running on it. Prefer it to [`borrow`](Self::borrow) wherever JavaScript can call the
    /// object at the same time (it holds a reference and the type has `&mut self` methods).
    ///
    /// ```
    /// use interop_runtime::{jsinvokable, ObjectRef};
    ///
    /// pub struct Draft { text: String }
    ///
    /// #[jsinvokable]
    /// impl Draft {
    ///     #[jsinvokable("Append")]
    ///     pub fn append(&mut self, more: String) { self.text.push_str(&more); }
    /// }
    ///
    /// fn length(draft: &ObjectRef<Draft>) -> Result<usize, String> {
    ///     let draft = draft.try_borrow().ok_or("the page is editing the draft; try again")?;
    ///     Ok(draft.text.len())
    /// }
    /// # assert_eq!(length(&ObjectRef::new(Draft { text: "abc".into() })), Ok(3));
    /// ```
    pub fn try_borrow(&self) -> Option<Shared<'_, T>> {
        self.state.object.try_borrow()
    }

    /// The id JavaScript knows this object by, once it has been handed to a runtime.
    pub fn id(&self) -> Option<u64> {
        match *self.state.tracking.lock() {
            Tracking::Tracked { id, .. } => Some(id),
            Tracking::Untracked | Tracking::Disposed => None,
        }
    }

    /// Whether the reference was disposed (from Rust, from JavaScript, or by its runtime closing).
    pub fn is_disposed(&self) -> bool {
        matches!(*self.state.tracking.lock(), Tracking::Disposed)
    }

    /// Stops tracking the object: JavaScript can no longer call it. Idempotent.
    pub fn dispose(&self) {
        let previous = std::mem::replace(&mut *self.state.tracking.lock(), Tracking::Disposed);
        if let Tracking::Tracked { runtime, id } = previous {
            if let Some(runtime) = runtime.upgrade() {
                runtime.untrack(id);
            }
        }
    }
}

/// An object in a runtime's table, with its type erased.
pub(crate) trait TrackedObject: Send + Sync {
    fn type_name(&self) -> &'static str;
    /// Index and asyncness of the method answering to `identifier`.
    fn find_method(&self, identifier: &str) -> Option<(usize, bool)>;
    fn invoke(&self, index: usize, call: &mut Call<'_>) -> Result<Invocation, Failure>;
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
    /// Called when the runtime drops the object from its table.
    fn mark_disposed(&self);
}

impl<T: JsInvokable> TrackedObject for RefState<T> {
    fn type_name(&self) -> &'static str {
        T::TYPE_NAME
    }

    fn find_method(&self, identifier: &str) -> Option<(usize, bool)> {
        T::METHODS
            .iter()
            .position(|method| method.identifiers.contains(&identifier))
            .map(|index| (index, T::METHODS[index].is_async))
    }

    fn invoke(&self, index: usize, call: &mut Call<'_>) -> Result<Invocation, Failure> {
        (T::METHODS[index].shim)(&self.object, call)
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }

    fn mark_disposed(&self) {
        *self.tracking.lock() = Tracking::Disposed;
    }
}

impl<T: JsInvokable> Serialize for ObjectRef<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let id = with_scope(|scope| {
            let runtime = scope.runtime.inner();
            let mut tracking = self.state.tracking.lock();
            match &*tracking {
                Tracking::Tracked { runtime: owner, id } => {
                    if std::ptr::eq(owner.as_ptr(), Arc::as_ptr(runtime)) {
                        Ok(*id)
                    } else {
                        Err(texts::TRACKED_ELSEWHERE.to_owned())
                    }
                }
                Tracking::Disposed => Err(texts::OBJECT_REF_DISPOSED.to_owned()),
                Tracking::Untracked => {
                    let entry: Arc<dyn TrackedObject> = self.state.clone();
                    let id = runtime.track(entry).inspect_err(|text| {
                        scope.set_limit_error(text.clone());
                    })?;
                    *tracking = Tracking::Tracked {
                        runtime: Arc::downgrade(runtime),
                        id,
                    };
                    Ok(id)
                }
            }
        })
        .map_err(ser::Error::custom)?
        .map_err(ser::Error::custom)?;
        markers::serialize_id(serializer, markers::DOTNET_OBJECT, id)
    }
}

impl<'de, T: JsInvokable> Deserialize<'de> for ObjectRef<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let id = markers::deserialize_id(deserializer, markers::DOTNET_OBJECT)?;
        let id = u64::try_from(id).map_err(|_| de::Error::custom(texts::unknown_object(0)))?;
        with_scope(|scope| {
            let entry = scope
                .runtime
                .inner()
                .tracked(id)
                .ok_or_else(|| texts::unknown_object(id))?;
            let state = entry
                .into_any()
                .downcast::<RefState<T>>()
                .map_err(|_| texts::wrong_object_type(id, T::TYPE_NAME))?;
            Ok(ObjectRef { state })
        })
        .map_err(de::Error::custom)?
        .map_err(|text: String| de::Error::custom(text))
    }
}

#[cfg(test)]
mod tests {
    use super::ObjectCell;

    /// A conflict names what holds the object; a borrow that ends stops being named.
    #[test]
    fn busy_texts_name_the_holder() {
        let cell = ObjectCell::new(0u32);
        let exclusive = |cell: &ObjectCell<u32>| cell.borrow_mut_for("Reset").err();

        let rust = cell.try_borrow();
        assert_eq!(
            exclusive(&cell).as_deref(),
            Some("The object is busy: 'Reset' takes it exclusively (`&mut self`), but Rust code holds it (`ObjectRef::borrow`).")
        );
        let sync = cell.borrow_for("Get", false);
        assert_eq!(
            exclusive(&cell).as_deref(),
            Some("The object is busy: 'Reset' takes it exclusively (`&mut self`), but the `&self` method 'Get' runs on it (a re-entrant or concurrent call).")
        );
        let pending = cell.borrow_for("Ask", true);
        let pending_again = cell.borrow_for("Ask", true);
        // The pending async call is named first: it is what holds the object longest.
        assert_eq!(
            exclusive(&cell).as_deref(),
            Some("The object is busy: 'Reset' takes it exclusively (`&mut self`), but the async `&self` method 'Ask' is still running on it, and an async `&self` method holds its object until it completes.")
        );
        drop((pending, pending_again));
        assert!(exclusive(&cell)
            .unwrap_or_default()
            .contains("method 'Get' runs"));
        drop((rust, sync));

        let held = cell.borrow_mut_for("Write");
        assert!(held.is_ok());
        let refused = "The object is busy: 'Get' cannot run while the `&mut self` method 'Write' runs on it (a re-entrant or concurrent call).";
        assert_eq!(
            cell.borrow_for("Get", false).err().as_deref(),
            Some(refused)
        );
        assert!(cell.try_borrow().is_none());
        drop(held);
        assert!(cell.borrow_mut_for("Write").is_ok());
        assert!(cell.borrow_for("Get", false).is_ok());
    }
}
