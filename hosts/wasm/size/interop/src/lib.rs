//! The function of `wasm-size-bare`, as a `#[jsinvokable]` item on the wasm host.

use interop_runtime::jsinvokable;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

/// A point with a label.
#[derive(Serialize, Deserialize)]
pub struct Point {
    x: f64,
    y: f64,
    label: String,
}

/// The point doubled.
#[jsinvokable("Double", assembly = "Size")]
pub fn double(point: Point) -> Point {
    Point {
        x: point.x * 2.0,
        y: point.y * 2.0,
        label: point.label,
    }
}

/// Attaches the runtime to the page's `DotNet`.
#[wasm_bindgen(start)]
pub fn start() -> Result<(), JsValue> {
    interop_wasm::start()?;
    Ok(())
}
