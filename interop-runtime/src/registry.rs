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
    pub shim: fn(&Call<'_>) -> Result<Invocation, Failure>,
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

/// An `(assembly, identifier)` key whose hash covers the identifier and only the length of
/// the assembly name: one string hashed per call instead of two. The few identifiers shared
/// across assemblies are told apart by the key comparison.
#[derive(Clone, Copy, Eq)]
struct Key<'a> {
    assembly: &'a str,
    identifier: &'a str,
}

impl PartialEq for Key<'_> {
    #[inline(always)]
    fn eq(&self, other: &Self) -> bool {
        same_text(self.identifier, other.identifier) && same_text(self.assembly, other.assembly)
    }
}

/// String equality that compares names of up to 16 bytes (most identifiers and assembly
/// names) with two overlapping loads per side instead of a call to `memcmp`.
#[inline(always)]
fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let len = a.len();
    if len != b.len() {
        return false;
    }
    match len {
        8..=16 => {
            word::<8>(a, 0) == word::<8>(b, 0) && word::<8>(a, len - 8) == word::<8>(b, len - 8)
        }
        4..=7 => {
            word::<4>(a, 0) == word::<4>(b, 0) && word::<4>(a, len - 4) == word::<4>(b, len - 4)
        }
        _ => a == b,
    }
}

/// `N` bytes of `bytes` from `at` as one integer (`at + N <= bytes.len()`).
#[inline(always)]
fn word<const N: usize>(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word[..N].copy_from_slice(&bytes[at..at + N]);
    u64::from_ne_bytes(word)
}

impl std::hash::Hash for Key<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write(self.identifier.as_bytes());
        state.write_usize(self.assembly.len());
    }
}

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
                let key = Key {
                    assembly: method.assembly,
                    identifier,
                };
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
        methods.get(&Key {
            assembly,
            identifier,
        })
    }

    /// The function registered alone under `(assembly, identifier)`, if any.
    #[inline]
    pub(crate) fn find(&self, assembly: &str, identifier: &str) -> Option<&'static StaticMethod> {
        match self.slot(assembly, identifier) {
            Some(Slot::Unique(method)) => Some(*method),
            _ => None,
        }
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
            .filter_map(
                |(
                    &Key {
                        assembly,
                        identifier,
                    },
                    slot,
                )| match slot {
                    Slot::Unique(method) => Some(RegisteredMethod {
                        assembly,
                        identifier,
                        rust_path: method.rust_path,
                        is_async: method.is_async,
                    }),
                    Slot::Duplicate(_) => None,
                },
            )
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
