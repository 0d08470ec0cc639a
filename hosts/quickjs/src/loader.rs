//! Module resolution and loading: the JS client from memory, everything else from disk, and
//! only from below the module roots.
//!
//! A specifier is `./…` or `../…` (against the importing module's directory, or the first root
//! for a module that is not a file), an absolute path, or a `file://` URL (its path, read as
//! written: the prelude's `URL` does not percent-encode). Its path is normalized (`.` and `..`
//! removed) and must lie below a root before the file system is touched, so JavaScript cannot
//! probe which files exist elsewhere; then symbolic links are resolved and the real path must
//! lie below a root too. The module's name is that real path.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::module::Declared;
use rquickjs::{Ctx, Error, Module, Result};

/// The specifier the bootstrap imports the client by.
pub(crate) const CLIENT_SPECIFIER: &str = "@jsinvokable/client";

/// The specifier the bootstrap imports the host's stream functions by
/// ([`interop_runtime::HOST_STREAMS_JS`]).
pub(crate) const HOST_STREAMS_SPECIFIER: &str = "@jsinvokable/host-streams";

/// The directories modules are read from, with symbolic links resolved.
pub(crate) struct Roots(Vec<PathBuf>);

impl Roots {
    /// The module root first, then the extra roots. A root that cannot be resolved (it does not
    /// exist) is kept as given, normalized: nothing below it can be read.
    pub(crate) fn new(module_root: &Path, extra: &[PathBuf]) -> Self {
        Roots(
            std::iter::once(module_root)
                .chain(extra.iter().map(PathBuf::as_path))
                .map(|root| std::fs::canonicalize(root).unwrap_or_else(|_| normalize(root)))
                .collect(),
        )
    }

    /// The module root: `document.baseURI`, and the base of relative imports from a module
    /// that is not a file.
    pub(crate) fn base(&self) -> &Path {
        &self.0[0]
    }

    fn contains(&self, path: &Path) -> bool {
        self.0.iter().any(|root| path.starts_with(root))
    }

    /// The real path of `path` (absolute, normalized) if it and its real path lie below a root.
    fn confine(&self, path: &Path) -> std::result::Result<PathBuf, String> {
        const OUTSIDE: &str = "it is outside the module roots, where modules are read from";
        if !self.contains(path) {
            return Err(OUTSIDE.to_owned());
        }
        let real = std::fs::canonicalize(path).map_err(|error| error.to_string())?;
        if !self.contains(&real) {
            return Err(OUTSIDE.to_owned());
        }
        Ok(real)
    }
}

/// Removes `.` and `..` from a path without reading the file system (`..` above the root stays
/// at the root, as in a URL).
fn normalize(path: &Path) -> PathBuf {
    let mut normalized = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                normalized.pop();
            }
            Component::CurDir => {}
            other => normalized.push(other.as_os_str()),
        }
    }
    normalized
}

/// Resolves specifiers to real paths below the roots.
pub(crate) struct FileResolver {
    pub(crate) roots: Arc<Roots>,
}

impl Resolver for FileResolver {
    fn resolve<'js>(
        &mut self,
        _: &Ctx<'js>,
        base: &str,
        name: &str,
        _: Option<ImportAttributes<'js>>,
    ) -> Result<String> {
        if name == CLIENT_SPECIFIER || name == HOST_STREAMS_SPECIFIER {
            return Ok(name.to_owned());
        }
        let refuse = |message: &str| Error::new_resolving_message(base, name, message);
        let (specifier, url) = match name.strip_prefix("file://") {
            Some(path) => (path, true),
            None => (name, false),
        };
        let path = Path::new(specifier);
        let path = if path.is_absolute() {
            normalize(path)
        } else if url {
            return Err(refuse("a file:// URL must hold an absolute path"));
        } else if specifier.starts_with("./") || specifier.starts_with("../") {
            let base = Path::new(base);
            let directory = match base.parent() {
                Some(directory) if base.is_absolute() => directory,
                _ => self.roots.base(),
            };
            normalize(&directory.join(path))
        } else {
            return Err(refuse(
                "only ./ and ../ paths, absolute paths and file:// URLs are resolved",
            ));
        };
        let real = self.roots.confine(&path).map_err(|text| refuse(&text))?;
        Ok(real.to_string_lossy().into_owned())
    }
}

/// Serves the client's source under [`CLIENT_SPECIFIER`] and the host's stream functions under
/// [`HOST_STREAMS_SPECIFIER`], and reads other modules from disk, below the roots only.
pub(crate) struct FileLoader {
    pub(crate) client_source: String,
    pub(crate) roots: Arc<Roots>,
}

impl Loader for FileLoader {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        _: Option<ImportAttributes<'js>>,
    ) -> Result<Module<'js, Declared>> {
        if name == CLIENT_SPECIFIER {
            return Module::declare(ctx.clone(), name, self.client_source.clone());
        }
        if name == HOST_STREAMS_SPECIFIER {
            return Module::declare(ctx.clone(), name, interop_runtime::HOST_STREAMS_JS);
        }
        // The resolver names only real paths below a root; checked again where the file is read.
        let path = self
            .roots
            .confine(Path::new(name))
            .map_err(|text| Error::new_loading_message(name, text))?;
        let source = std::fs::read(path)
            .map_err(|error| Error::new_loading_message(name, error.to_string()))?;
        Module::declare(ctx.clone(), name, source)
    }
}
