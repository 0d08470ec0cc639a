//! The process-wide registry of static `#[jsinvokable]` functions, built once from `inventory`.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

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
pub(crate) enum Slot {
    Unique(&'static StaticMethod),
    /// Two or more functions claim the key: calls fail with the reference's text.
    Duplicate(String),
}

/// The hash index of every static function, keyed by assembly then identifier.
pub(crate) struct Registry {
    assemblies: FxHashMap<&'static str, FxHashMap<&'static str, Slot>>,
    duplicates: Vec<String>,
}

impl Registry {
    fn build() -> Registry {
        let mut assemblies: FxHashMap<&'static str, FxHashMap<&'static str, Slot>> =
            FxHashMap::default();
        let mut duplicates = Vec::new();
        let mut count = 0usize;
        for method in inventory::iter::<StaticMethod> {
            let methods = assemblies.entry(method.assembly).or_default();
            for &identifier in method.identifiers {
                count += 1;
                match methods.get_mut(identifier) {
                    None => {
                        methods.insert(identifier, Slot::Unique(method));
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
            identifiers = count,
            assemblies = assemblies.len(),
            "registry of #[jsinvokable] functions built"
        );
        Registry {
            assemblies,
            duplicates,
        }
    }

    /// The registry, built on first use.
    pub(crate) fn get() -> &'static Registry {
        static REGISTRY: OnceLock<Registry> = OnceLock::new();
        REGISTRY.get_or_init(Registry::build)
    }

    /// Looks a static call up, with the reference's texts for unknown names.
    pub(crate) fn lookup(&self, assembly: &str, identifier: &str) -> Result<&Slot, String> {
        let methods = self
            .assemblies
            .get(assembly)
            .ok_or_else(|| texts::unknown_assembly(assembly))?;
        methods
            .get(identifier)
            .ok_or_else(|| texts::unknown_static_method(assembly, identifier))
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
            .assemblies
            .iter()
            .flat_map(|(assembly, methods)| {
                methods
                    .iter()
                    .filter_map(move |(identifier, slot)| match slot {
                        Slot::Unique(method) => Some(RegisteredMethod {
                            assembly,
                            identifier,
                            rust_path: method.rust_path,
                            is_async: method.is_async,
                        }),
                        Slot::Duplicate(_) => None,
                    })
            })
            .collect();
        entries.sort_by_key(|entry| (entry.assembly, entry.identifier));
        entries
    }
}

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
