//! Installs pinned npm packages for tests, once per target directory, race-free.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

/// A lock taken by creating a directory (atomic on every file system); removed on drop.
struct DirLock(PathBuf);

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = fs::remove_dir(&self.0);
    }
}

fn acquire(lock: &Path) -> Result<DirLock, String> {
    let started = SystemTime::now();
    loop {
        match fs::create_dir(lock) {
            Ok(()) => return Ok(DirLock(lock.to_path_buf())),
            Err(error) if error.kind() == ErrorKind::AlreadyExists => {
                // A lock older than ten minutes belongs to an install that died.
                let stale = fs::metadata(lock)
                    .and_then(|metadata| metadata.modified())
                    .ok()
                    .and_then(|modified| modified.elapsed().ok())
                    .is_some_and(|age| age > Duration::from_secs(600));
                if stale {
                    let _ = fs::remove_dir(lock);
                } else if started.elapsed().unwrap_or_default() > Duration::from_secs(900) {
                    return Err(format!(
                        "timed out waiting for the npm install lock {}",
                        lock.display()
                    ));
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(error) => return Err(format!("cannot create {}: {error}", lock.display())),
        }
    }
}

/// Installs the packages pinned by `package_dir` (its `package.json` and
/// `package-lock.json`) into `destination` with `npm ci`, unless the same lockfile is already
/// installed there, and returns `destination/node_modules`. Concurrent callers wait for one
/// install.
pub fn install(package_dir: &Path, destination: &Path) -> Result<PathBuf, String> {
    let read = |name: &str| {
        fs::read_to_string(package_dir.join(name))
            .map_err(|error| format!("cannot read {name} in {}: {error}", package_dir.display()))
    };
    let (manifest, lockfile) = (read("package.json")?, read("package-lock.json")?);
    let marker = destination.join(".installed-lockfile");
    let node_modules = destination.join("node_modules");
    let installed = || fs::read_to_string(&marker).is_ok_and(|installed| installed == lockfile);
    if installed() {
        return Ok(node_modules);
    }
    if let Some(parent) = destination.parent() {
        fs::create_dir_all(parent)
            .map_err(|error| format!("cannot create {}: {error}", parent.display()))?;
    }
    let _lock = acquire(&destination.with_extension("lock"))?;
    if installed() {
        return Ok(node_modules);
    }
    fs::create_dir_all(destination)
        .map_err(|error| format!("cannot create {}: {error}", destination.display()))?;
    fs::write(destination.join("package.json"), manifest).map_err(|error| error.to_string())?;
    fs::write(destination.join("package-lock.json"), &lockfile)
        .map_err(|error| error.to_string())?;
    let output = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(destination)
        .output()
        .map_err(|error| format!("cannot run npm (is Node.js installed?): {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "npm ci failed in {}: {}",
            destination.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    fs::write(&marker, lockfile).map_err(|error| error.to_string())?;
    Ok(node_modules)
}

/// The prefix of the npm aliases under which `npm-client-lines/package.json` pins each release
/// of Microsoft's client (`dotnet-js-interop-10.0.11` for `@microsoft/dotnet-js-interop@10.0.11`).
const CLIENT_ALIAS: &str = "dotnet-js-interop-";

/// Every release of Microsoft's `@microsoft/dotnet-js-interop` pinned in `package_dir` (npm
/// aliases named `dotnet-js-interop-<version>`), installed into `destination` as
/// [`install`] does: each version with the path of its module (its package's `main`: the
/// file's place changed between releases), oldest first.
pub fn microsoft_clients(
    package_dir: &Path,
    destination: &Path,
) -> Result<Vec<(String, PathBuf)>, String> {
    let node_modules = install(package_dir, destination)?;
    let read_json = |path: &Path| -> Result<serde_json::Value, String> {
        let text = fs::read_to_string(path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        serde_json::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))
    };
    let manifest = read_json(&package_dir.join("package.json"))?;
    let dependencies = manifest["dependencies"]
        .as_object()
        .ok_or_else(|| format!("no dependencies in {}", package_dir.display()))?;
    let mut clients = Vec::new();
    for alias in dependencies.keys() {
        let Some(version) = alias.strip_prefix(CLIENT_ALIAS) else {
            continue;
        };
        let package = node_modules.join(alias);
        let main = read_json(&package.join("package.json"))?["main"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("{alias} names no main module"))?;
        clients.push((version.to_owned(), package.join(main)));
    }
    let numbers = |version: &str| -> Vec<u64> {
        version
            .split('.')
            .map(|part| part.parse().unwrap_or(0))
            .collect()
    };
    clients.sort_by_key(|(version, _)| numbers(version));
    Ok(clients)
}
