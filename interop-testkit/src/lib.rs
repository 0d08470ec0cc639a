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
mod memory_host;
pub mod npm;
mod wire;

pub use memory_host::{MemoryHost, SyncResponder};
pub use wire::{HostClock, Invoke, MemoryClient, Task, WireClient, WireClientExt};
