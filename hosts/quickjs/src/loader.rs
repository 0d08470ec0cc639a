//! Module resolution and loading: the JS client from memory, everything else from disk.

use std::path::{Component, Path, PathBuf};

use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::module::Declared;
use rquickjs::{Ctx, Error, Module, Result};

/// The specifier the bootstrap imports the client by.
pub(crate) const CLIENT_SPECIFIER: &str = "@jsinvokable/client";

/// The specifier the bootstrap imports the host's stream functions by
/// ([`interop_runtime::HOST_STREAMS_JS`]).
pub(crate) const HOST_STREAMS_SPECIFIER: &str = "@jsinvokable/host-streams";

/// Resolves `./` and `../` against the importing module (or the module root), `file://` URLs
/// and absolute paths, to absolute paths.
pub(crate) struct FileResolver {
    pub(crate) root: PathBuf,
}

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
        let name = name.strip_prefix("file://").unwrap_or(name);
        let path = Path::new(name);
        let resolved = if path.is_absolute() {
            normalize(path)
        } else if name.starts_with("./") || name.starts_with("../") {
            let base = Path::new(base);
            let directory = if base.is_absolute() {
                base.parent().unwrap_or(&self.root).to_path_buf()
            } else {
                self.root.clone()
            };
            normalize(&directory.join(path))
        } else {
            return Err(Error::new_resolving(base, name));
        };
        Ok(resolved.to_string_lossy().into_owned())
    }
}

/// Serves the client's source under [`CLIENT_SPECIFIER`] and the host's stream functions under
/// [`HOST_STREAMS_SPECIFIER`], and reads other modules from disk.
pub(crate) struct FileLoader {
    pub(crate) client_source: String,
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
        let source = std::fs::read(name)
            .map_err(|error| Error::new_loading_message(name, error.to_string()))?;
        Module::declare(ctx.clone(), name, source)
    }
}
