//! Test support for `interop-runtime` hosts: an in-memory host that exchanges exactly what a
//! JavaScript client would, and a conformance suite written once and run against every host.
//!
//! ```
//! use interop_testkit::{Invoke, MemoryClient, WireClientExt};
//! let mut client = MemoryClient::new(Default::default());
//! let (ok, json) = client.call(Invoke::r#static("Conformance", "Echo", r#"["hi"]"#));
//! assert!(ok);
//! assert_eq!(json, r#""hi""#);
//! ```

#![deny(missing_docs)]

pub mod conformance;
pub mod decode;
pub mod fixtures;
// The in-memory host is `Send + Sync` as native hosts are; on wasm32 (where the suite runs
// inside the wasm host's module, hosts/wasm/conformance-app) futures are not `Send`.
#[cfg(not(target_arch = "wasm32"))]
mod memory_host;
pub mod npm;
pub mod wasm_bindgen_cli;
mod wire;

#[cfg(not(target_arch = "wasm32"))]
pub use memory_host::{MemoryHost, SyncResponder};
#[cfg(not(target_arch = "wasm32"))]
pub use wire::MemoryClient;
pub use wire::{HostClock, Invoke, MaybeSend, Task, WireClient, WireClientExt};
