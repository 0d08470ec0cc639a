//! The seed's samples in the page: the `examples` library (assembly `BlazorSample`) compiled to
//! `wasm32-unknown-unknown`, attached to the page's `DotNet` when the module starts. The page is
//! the web app's own (`examples/web`), served in in-page mode by `blazor-sample --wasm DIR`
//! (`scripts/wasm-app.sh`); see docs/wasm.md, "The web app in the page".

use wasm_bindgen::prelude::*;

// The samples are a dependency this crate never calls: naming it links its #[jsinvokable] items
// (docs/wasm.md, "Registration").
use examples as _;

/// Attaches the runtime to the page's `DotNet` (the JS client the page loaded) when the module
/// starts: from then on the page's `DotNet.invokeMethod` and `invokeMethodAsync` call the samples.
#[wasm_bindgen(start)]
pub fn start() -> Result<(), JsValue> {
    interop_wasm::start()?;
    Ok(())
}
