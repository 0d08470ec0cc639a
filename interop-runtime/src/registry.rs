//! The process-wide registry of static `#[jsinvokable]` functions, built once from `inventory`.

use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::dispatch::{Call, Failure, Invocation};
use crate::error::{texts, RegistryError};

/// One static `#[jsinvokable]` function, as the macro submits it.
#[doc(hidden)]
pub struct StaticMethod {
    /// The namespace JavaScript names (`'BlazorSample'`).
    pub assembly: &'static str,
    /// Every identifier the function answers to (the first one, then aliases).
    pub identifiers: &'static [&'static str],
    /// The Rust path, for diagnostics.
    pub rust_path: &'static str,
    /// Where it is defined, for diagnostics.
    pub file: &'static str,
    /// Where it is defined, for diagnostics.
    pub line: u32,
    /// `async fn`: cannot be invoked synchronously.
    pub is_async: bool,
    /// Binds the arguments and runs the function.
    pub shim: fn(&mut Call<'_>) -> Result<Invocation, Failure>,
}

inventory::collect!(StaticMethod);

impl StaticMethod {
    fn location(&self) -> String {
        format!("{} ({}:{})", self.rust_path, self.file, self.line)
    }
}

/// What one `(assembly, identifier)` key leads to.
enum Slot {
    Unique(&'static StaticMethod),
    /// Two or more functions claim the key: calls fail with the reference's text.
    Duplicate(String),
}

/// An `(assembly, identifier)` key.
type Key<'a> = (&'a str, &'a str);

/// The hash index of every static function, keyed by `(assembly, identifier)`: one hash and
/// one probe per call. The assembly names are kept apart for the "no loaded assembly" text.
pub(crate) struct Registry {
    methods: FxHashMap<Key<'static>, Slot>,
    assemblies: FxHashSet<&'static str>,
    duplicates: Vec<String>,
}

impl Registry {
    fn build() -> Registry {
        let mut methods: FxHashMap<Key<'static>, Slot> = FxHashMap::default();
        let mut assemblies = FxHashSet::default();
        let mut duplicates = Vec::new();
        for method in inventory::iter::<StaticMethod> {
            assemblies.insert(method.assembly);
            for &identifier in method.identifiers {
                let key = (method.assembly, identifier);
                match methods.get_mut(&key) {
                    None => {
                        methods.insert(key, Slot::Unique(method));
                    }
                    Some(slot) => {
                        let previous = match slot {
                            Slot::Unique(previous) => previous.location(),
                            Slot::Duplicate(_) => "an earlier definition".to_owned(),
                        };
                        let line = format!(
                            "'{}' in assembly '{}': {} and {}",
                            identifier,
                            method.assembly,
                            previous,
                            method.location()
                        );
                        tracing::error!("duplicate [JSInvokable] identifier {line}");
                        duplicates.push(line);
                        *slot =
                            Slot::Duplicate(texts::duplicate_static(method.assembly, identifier));
                    }
                }
            }
        }
        tracing::debug!(
            identifiers = methods.len(),
            assemblies = assemblies.len(),
            "registry of #[jsinvokable] functions built"
        );
        Registry {
            methods,
            assemblies,
            duplicates,
        }
    }

    /// The registry, built on first use.
    pub(crate) fn get() -> &'static Registry {
        static REGISTRY: OnceLock<Registry> = OnceLock::new();
        REGISTRY.get_or_init(|| {
            run_static_constructors();
            Registry::build()
        })
    }

    /// What `(assembly, identifier)` leads to, if anything.
    #[inline]
    fn slot<'a>(&'a self, assembly: &'a str, identifier: &'a str) -> Option<&'a Slot> {
        // The map is covariant in its key, so borrowed names can be looked up directly.
        let methods: &FxHashMap<Key<'_>, Slot> = &self.methods;
        methods.get(&(assembly, identifier))
    }

    /// Looks a static call up, with the reference's texts for unknown names.
    /// A duplicated key gives the reference's duplicate text.
    pub(crate) fn lookup(
        &self,
        assembly: &str,
        identifier: &str,
    ) -> Result<&'static StaticMethod, String> {
        match self.slot(assembly, identifier) {
            Some(Slot::Unique(method)) => Ok(*method),
            Some(Slot::Duplicate(text)) => Err(text.clone()),
            None if self.assemblies.contains(assembly) => {
                Err(texts::unknown_static_method(assembly, identifier))
            }
            None => Err(texts::unknown_assembly(assembly)),
        }
    }

    pub(crate) fn check(&self) -> Result<(), RegistryError> {
        if self.duplicates.is_empty() {
            Ok(())
        } else {
            Err(RegistryError {
                duplicates: self.duplicates.clone(),
            })
        }
    }

    fn entries(&self) -> Vec<RegisteredMethod> {
        let mut entries: Vec<RegisteredMethod> = self
            .methods
            .iter()
            .filter_map(|(&(assembly, identifier), slot)| match slot {
                Slot::Unique(method) => Some(RegisteredMethod {
                    assembly,
                    identifier,
                    rust_path: method.rust_path,
                    is_async: method.is_async,
                }),
                Slot::Duplicate(_) => None,
            })
            .collect();
        entries.sort_by_key(|entry| (entry.assembly, entry.identifier));
        entries
    }
}

/// On `wasm32-unknown-unknown`, `inventory`'s constructors run through `__wasm_call_ctors`,
/// which wasm-bindgen never calls: run them once, before the registry is first read.
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
fn run_static_constructors() {
    use std::sync::atomic::{AtomicBool, Ordering};
    static DONE: AtomicBool = AtomicBool::new(false);
    extern "C" {
        fn __wasm_call_ctors();
    }
    if !DONE.swap(true, Ordering::AcqRel) {
        // SAFETY: the linker's constructor entry point, called once (the flag above) before
        // anything reads what the constructors register.
        unsafe { __wasm_call_ctors() }
    }
}

/// Elsewhere the platform runs static constructors before `main`.
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
fn run_static_constructors() {}

/// One callable static identifier, as [`registered_methods`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredMethod {
    /// The namespace JavaScript names.
    pub assembly: &'static str,
    /// The identifier JavaScript names.
    pub identifier: &'static str,
    /// The Rust function behind it.
    pub rust_path: &'static str,
    /// Whether it is an `async fn`.
    pub is_async: bool,
}

/// Checks the registry of static `#[jsinvokable]` functions: an error lists every duplicated
/// `(assembly, identifier)` with both definitions. Call it from a test of your crate.
///
/// ```
/// interop_runtime::check_registry().expect("no duplicate identifiers");
/// ```
pub fn check_registry() -> Result<(), RegistryError> {
    Registry::get().check()
}

/// Every callable static identifier, sorted; shows which crates made it into the link.
/// Instance methods are not listed: their tables belong to types.
pub fn registered_methods() -> Vec<RegisteredMethod> {
    Registry::get().entries()
}
