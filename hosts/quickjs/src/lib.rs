//! Embedded QuickJS host for `interop-runtime`: JavaScript run in the engine calls
//! `#[jsinvokable]` Rust through `DotNet`, and Rust calls JavaScript through the engine's
//! [`JsRuntime`](interop_runtime::JsRuntime). In-process, so synchronous calls work both ways.
//!
//! ```
//! use interop_quickjs::{Engine, EngineOptions};
//!
//! #[interop_runtime::jsinvokable("Twice", assembly = "Docs")]
//! fn twice(n: i32) -> i32 { n * 2 }
//!
//! let engine = Engine::new(EngineOptions::default()).unwrap();
//! let json = engine.eval_json("return await DotNet.invokeMethodAsync('Docs', 'Twice', 21)").unwrap();
//! assert_eq!(json.as_deref(), Some("42"));
//! ```

#![deny(missing_docs)]

mod args; // pays: an async call is 15.7k instructions with it, 18.7k (1.2-1.4x the time) without
mod bridge;
mod engine;
mod entry;
mod error;
mod host;
mod loader;

pub use engine::{Client, Engine, EngineOptions, OutputKind, OutputSink};
pub use entry::DEFAULT_MAX_STACK_SIZE;
pub use error::EngineError;
