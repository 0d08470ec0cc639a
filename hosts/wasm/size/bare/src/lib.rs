//! One export doing what `wasm-size-interop`'s `#[jsinvokable]` function does, by hand.

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

/// A point with a label.
#[derive(Serialize, Deserialize)]
pub struct Point {
    x: f64,
    y: f64,
    label: String,
}

/// `[point]` as JSON in, the point doubled as JSON out.
#[wasm_bindgen]
pub fn double(args: String) -> Result<String, JsError> {
    let (point,): (Point,) = serde_json::from_str(&args)?;
    Ok(serde_json::to_string(&Point {
        x: point.x * 2.0,
        y: point.y * 2.0,
        label: point.label,
    })?)
}
