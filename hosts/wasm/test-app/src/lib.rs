//! The wasm app of interop-wasm's Node.js tests (`hosts/wasm/tests/node.rs` builds it with
//! `cargo build --target wasm32-unknown-unknown` and `wasm-bindgen --target web`, and
//! `tests/node/app.mjs` calls it with each JS client). The items of assembly `WasmFixture` come
//! from a dependency this crate never calls (`wasm-fixture`).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use futures_util::AsyncReadExt;
use interop_runtime::{
    jsinvokable, ByteArray, CancellationToken, JsError, JsObjectRef, JsRuntime, JsStreamRef,
    ObjectRef, StreamRef,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

// The one line a final crate writes for a dependency it never names otherwise (docs/wasm.md).
use interop_wasm_test_dep as _;
use wasm_fixture as _;

/// Attaches the runtime to the page's `DotNet` when the module starts.
#[wasm_bindgen(start)]
pub fn start() -> Result<(), JsValue> {
    interop_wasm::start()?;
    Ok(())
}

/// The seed's sync sample.
#[jsinvokable("ReturnArray", assembly = "WasmApp")]
pub fn return_array() -> Vec<i32> {
    vec![1, 2, 3]
}

/// The same, async.
#[jsinvokable("ReturnArrayAsync", assembly = "WasmApp")]
pub async fn return_array_async() -> Vec<i32> {
    vec![1, 2, 3]
}

/// A JSON object in and out.
#[derive(Serialize, Deserialize)]
pub struct Point {
    x: f64,
    y: f64,
    label: String,
}

/// Doubles a point.
#[jsinvokable("Double", assembly = "WasmApp")]
pub fn double(point: Point) -> Point {
    Point {
        x: point.x * 2.0,
        y: point.y * 2.0,
        label: format!("{} x2", point.label),
    }
}

/// Adds one (called back by JavaScript inside a synchronous Rust→JS call).
#[jsinvokable("AddOne", assembly = "WasmApp")]
pub fn add_one(value: i32) -> i32 {
    value + 1
}

/// A user error: JavaScript gets its text (`detailed_errors` is on by default).
#[jsinvokable("Fail", assembly = "WasmApp")]
pub fn fail() -> Result<i32, String> {
    Err("a secret reason".to_owned())
}

/// `length` bytes: 0, 1, 2, … 255, 0, …
#[jsinvokable("MakeBytes", assembly = "WasmApp")]
pub fn make_bytes(length: usize) -> ByteArray {
    (0..length)
        .map(|index| index as u8)
        .collect::<Vec<u8>>()
        .into()
}

/// The length and the sum of the bytes, which JavaScript computes too.
#[jsinvokable("SumBytes", assembly = "WasmApp")]
pub fn sum_bytes(bytes: ByteArray) -> (usize, u64) {
    (bytes.len(), bytes.iter().map(|&byte| u64::from(byte)).sum())
}

/// A stream to JavaScript: `length` bytes 0, 1, … 255, 0, …
#[jsinvokable("SendStream", assembly = "WasmApp")]
pub fn send_stream(length: usize) -> StreamRef {
    let bytes: Vec<u8> = (0..length).map(|index| index as u8).collect();
    StreamRef::new(futures_util::io::Cursor::new(bytes))
}

/// A stream from JavaScript (`DotNet.createJSStreamReference`): its length and byte sum.
#[jsinvokable("ReceiveStream", assembly = "WasmApp")]
pub async fn receive_stream(data: JsStreamRef) -> Result<(u64, u64), String> {
    let mut reader = data
        .open_read_stream(16 * 1024 * 1024)
        .map_err(|error| error.to_string())?;
    let mut buffer = vec![0; 64 * 1024];
    let (mut length, mut sum) = (0u64, 0u64);
    loop {
        let count = reader
            .read(&mut buffer)
            .await
            .map_err(|error| error.to_string())?;
        if count == 0 {
            return Ok((length, sum));
        }
        length += count as u64;
        sum += buffer[..count]
            .iter()
            .map(|&byte| u64::from(byte))
            .sum::<u64>();
    }
}

/// The seed's sample 11 in memory: a stream from JavaScript of up to 10,000,000 bytes, its size
/// and SHA-256 (hex).
#[jsinvokable("HashStream", assembly = "WasmApp")]
pub async fn hash_stream(data: JsStreamRef) -> Result<(u64, String), String> {
    use sha2::Digest;
    let mut reader = data
        .open_read_stream(10_000_000)
        .map_err(|error| error.to_string())?;
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0; 64 * 1024];
    let mut length = 0u64;
    loop {
        let count = reader
            .read(&mut buffer)
            .await
            .map_err(|error| error.to_string())?;
        if count == 0 {
            let hash = hasher.finalize();
            let hex = hash.iter().map(|byte| format!("{byte:02x}")).collect();
            return Ok((length, hex));
        }
        length += count as u64;
        hasher.update(&buffer[..count]);
    }
}

/// An object JavaScript calls.
pub struct Greeter {
    name: String,
}

#[jsinvokable]
impl Greeter {
    /// A sync method.
    #[jsinvokable("Greet")]
    pub fn greet(&self, greeting: String) -> String {
        format!("{greeting}, {}!", self.name)
    }

    /// An async method.
    #[jsinvokable("GreetAsync")]
    pub async fn greet_async(&self, greeting: String) -> String {
        format!("{greeting}, {}!", self.name)
    }

    /// A new greeter, handed to JavaScript.
    #[jsinvokable("NewGreeter", assembly = "WasmApp")]
    pub fn new_greeter(name: String) -> ObjectRef<Greeter> {
        ObjectRef::new(Greeter { name })
    }
}

/// The greeter Rust keeps, to dispose of it from Rust.
static HELD: Mutex<Option<ObjectRef<Greeter>>> = Mutex::new(None);

/// A greeter Rust keeps a reference to.
#[jsinvokable("HoldGreeter", assembly = "WasmApp")]
pub fn hold_greeter(name: String) -> ObjectRef<Greeter> {
    let greeter = ObjectRef::new(Greeter { name });
    *HELD.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(greeter.clone());
    greeter
}

/// Disposes of the held greeter from Rust: JavaScript's reference stops working.
#[jsinvokable("DisposeHeld", assembly = "WasmApp")]
pub fn dispose_held() -> bool {
    let held = HELD
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .take();
    held.map(|greeter| greeter.dispose()).is_some()
}

/// A generic type: one method table per instance type.
pub struct Holder<T> {
    value: Mutex<Option<T>>,
}

#[jsinvokable]
impl<T: DeserializeOwned + Serialize + Clone + Send + Sync + 'static> Holder<T> {
    /// Replaces the value.
    #[jsinvokable("Set")]
    pub fn set(&self, value: T) {
        *self
            .value
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(value);
    }

    /// The value.
    #[jsinvokable("Get")]
    pub fn get(&self) -> Option<T> {
        self.value
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

/// Two instantiations of the generic type, handed to JavaScript.
#[jsinvokable("NewHolders", assembly = "WasmApp")]
pub fn new_holders() -> (ObjectRef<Holder<String>>, ObjectRef<Holder<i32>>) {
    (
        ObjectRef::new(Holder {
            value: Mutex::new(None),
        }),
        ObjectRef::new(Holder {
            value: Mutex::new(None),
        }),
    )
}

/// Rust calls the methods of a JavaScript object, async and sync: `jsMakeCounter(10)`.
#[jsinvokable("UseJsObject", assembly = "WasmApp")]
pub async fn use_js_object(js: JsRuntime) -> Result<(i32, i32), JsError> {
    let counter = js.invoke::<JsObjectRef>("jsMakeCounter", (10,)).await?;
    let first = counter.invoke::<i32>("increment", (1,)).await?;
    let second = counter.invoke_sync::<i32>("increment", (2,))?;
    counter.dispose();
    Ok((first, second))
}

/// Rust calls JavaScript asynchronously: `jsGreet('Amy')`.
#[jsinvokable("CallJs", assembly = "WasmApp")]
pub async fn call_js(js: JsRuntime) -> Result<String, JsError> {
    js.invoke::<String>("jsGreet", ("Amy",)).await
}

/// Rust calls JavaScript without a value back: `jsRecord(7)`, then reads what it recorded.
#[jsinvokable("CallJsVoid", assembly = "WasmApp")]
pub async fn call_js_void(js: JsRuntime) -> Result<i32, JsError> {
    js.invoke_void("jsRecord", (7,)).await?;
    js.invoke::<i32>("jsRecorded", ()).await
}

/// Rust calls JavaScript synchronously: `jsAdd(2, 3)`.
#[jsinvokable("CallJsSync", assembly = "WasmApp")]
pub fn call_js_sync(js: JsRuntime) -> Result<i32, JsError> {
    js.invoke_sync::<i32>("jsAdd", (2, 3))
}

/// JS → Rust → JS → Rust, all synchronous: `jsReenter` calls `DotNet.invokeMethod('WasmApp',
/// 'AddOne', 41)`.
#[jsinvokable("Reenter", assembly = "WasmApp")]
pub fn reenter(js: JsRuntime) -> Result<i32, JsError> {
    js.invoke_sync::<i32>("jsReenter", ())
}

/// A synchronous Rust→JS call that throws: the text JavaScript's error gives.
#[jsinvokable("CallJsSyncThrows", assembly = "WasmApp")]
pub fn call_js_sync_throws(js: JsRuntime) -> String {
    match js.invoke_sync::<i32>("jsThrow", ()) {
        Ok(value) => format!("no error: {value}"),
        Err(error) => error.to_string(),
    }
}

/// Bytes JavaScript returns to Rust: their length and sum.
#[jsinvokable("FetchJsBytes", assembly = "WasmApp")]
pub async fn fetch_js_bytes(js: JsRuntime) -> Result<(usize, u64), JsError> {
    let bytes = js.invoke::<ByteArray>("jsBytes", ()).await?;
    Ok((bytes.len(), bytes.iter().map(|&byte| u64::from(byte)).sum()))
}

/// A Rust→JS call that never completes, with a timeout of `milliseconds`: the error's text.
#[jsinvokable("CallJsTimeout", assembly = "WasmApp")]
pub async fn call_js_timeout(js: JsRuntime, milliseconds: u64) -> String {
    let call = js
        .call("jsNever")
        .timeout(Some(Duration::from_millis(milliseconds)));
    match call.invoke::<String>().await {
        Ok(value) => format!("no timeout: {value}"),
        Err(error) => error.to_string(),
    }
}

/// Panics with `message` (under `panic = "abort"` the module stops: docs/wasm.md, "Panics").
#[jsinvokable("Boom", assembly = "WasmApp")]
pub fn boom(message: String) -> i32 {
    panic!("{message}")
}

/// Calls `jsBoom` synchronously and gives any error it raised as a value (`jsBoom` calls
/// `Boom`: the module stops, and this must not go on to return).
#[jsinvokable("CatchJsError", assembly = "WasmApp")]
pub fn catch_js_error(js: JsRuntime) -> String {
    match js.invoke_sync::<i32>("jsBoom", ()) {
        Ok(value) => format!("no error: {value}"),
        Err(error) => format!("caught: {error}"),
    }
}

/// Waits for a JavaScript promise that never settles (until the 60 s timeout).
#[jsinvokable("WaitForJs", assembly = "WasmApp")]
pub async fn wait_for_js(js: JsRuntime) -> Result<i32, JsError> {
    js.invoke::<i32>("jsNever", ()).await
}

/// A method whose future is not `Send`, which only wasm32 accepts (native hosts refuse it at
/// compile time).
#[cfg(target_arch = "wasm32")]
mod not_send {
    use std::cell::Cell;
    use std::rc::Rc;

    use interop_runtime::jsinvokable;
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        /// `jsDelayed(value)`: a promise of `value`, resolved on a later turn of the event loop.
        #[wasm_bindgen(js_name = jsDelayed)]
        fn js_delayed(value: &str) -> js_sys::Promise;
    }

    /// An async method whose future is not `Send` (it holds an `Rc` and awaits a `JsFuture`),
    /// as Leptos and Yew code is: it runs on the page's event loop.
    #[jsinvokable("AwaitPromises", assembly = "WasmApp")]
    pub async fn await_promises(first: String, second: String) -> Result<String, String> {
        let count = Rc::new(Cell::new(0));
        let mut texts = Vec::new();
        for value in [first, second] {
            let resolved = wasm_bindgen_futures::JsFuture::from(js_delayed(&value))
                .await
                .map_err(|error| format!("the promise was rejected: {error:?}"))?;
            count.set(count.get() + 1);
            texts.push(resolved.as_string().unwrap_or_default());
        }
        Ok(format!(
            "{} after {} promises",
            texts.join(" "),
            count.get()
        ))
    }

    /// Panics with `message` in its future, after a turn of the event loop.
    #[jsinvokable("BoomAsync", assembly = "WasmApp")]
    pub async fn boom_async(message: String) -> i32 {
        let _ = wasm_bindgen_futures::JsFuture::from(js_delayed("tick")).await;
        panic!("{message}")
    }
}

/// The baselines of the benchmark (`scripts/wasm-bench.sh`, `hosts/wasm/benches/node.mjs`): bare
/// wasm-bindgen exports doing the same serde work as the `#[jsinvokable]` functions they are
/// compared with, on JSON text JavaScript makes and parses itself.
pub mod bare {
    use base64::Engine;
    use wasm_bindgen::prelude::*;

    use super::Point;

    /// As `ReturnArray`: no arguments (`[]`), `[1,2,3]`.
    #[wasm_bindgen(js_name = bareReturnArray)]
    pub fn bare_return_array(args: String) -> Result<String, JsError> {
        serde_json::from_str::<[(); 0]>(&args)?;
        Ok(serde_json::to_string(&[1, 2, 3])?)
    }

    /// As `Double`: `[point]`, the point doubled.
    #[wasm_bindgen(js_name = bareDouble)]
    pub fn bare_double(args: String) -> Result<String, JsError> {
        let (point,): (Point,) = serde_json::from_str(&args)?;
        Ok(serde_json::to_string(&super::double(point))?)
    }

    /// As `SumBytes`, the bytes as a base64 string: their length and sum.
    #[wasm_bindgen(js_name = bareSumBase64)]
    pub fn bare_sum_base64(base64: String) -> Result<String, JsError> {
        let bytes = base64::engine::general_purpose::STANDARD.decode(base64)?;
        let sum: u64 = bytes.iter().map(|&byte| u64::from(byte)).sum();
        Ok(serde_json::to_string(&(bytes.len(), sum))?)
    }
}

/// How many calls saw the page abort them: signalled through their token, dropped without one.
static SIGNALLED: AtomicU32 = AtomicU32::new(0);
static DROPPED: AtomicU32 = AtomicU32::new(0);

/// Waits until the page aborts the call (`invokeMethodWithSignalAsync`), and notes it.
#[jsinvokable("WaitForAbort", assembly = "WasmApp")]
pub async fn wait_for_abort(token: CancellationToken) -> String {
    token.cancelled().await;
    SIGNALLED.fetch_add(1, Ordering::Relaxed);
    "saw the abort".into()
}

/// Notes that the future holding it was dropped.
struct DropNote;

impl Drop for DropNote {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

/// Waits for JavaScript forever, until the page aborts the call and its future is dropped.
#[jsinvokable("WaitUntilDropped", assembly = "WasmApp")]
pub async fn wait_until_dropped(js: JsRuntime) -> Result<i32, JsError> {
    let _note = DropNote;
    js.invoke::<i32>("jsNever", ()).await
}

/// The calls told of an abort so far: signalled, dropped.
#[jsinvokable("AbortsSeen", assembly = "WasmApp")]
pub fn aborts_seen() -> (u32, u32) {
    (
        SIGNALLED.load(Ordering::Relaxed),
        DROPPED.load(Ordering::Relaxed),
    )
}

/// JS → Rust → JS → … `depth` times, synchronously: `jsRecurse(n)` calls
/// `DotNet.invokeMethod('WasmApp', 'Recurse', n)`. Gives the depth reached.
#[jsinvokable("Recurse", assembly = "WasmApp")]
pub fn recurse(js: JsRuntime, depth: u32) -> Result<u32, JsError> {
    if depth == 0 {
        return Ok(0);
    }
    js.invoke_sync::<u32>("jsRecurse", (depth - 1,))
        .map(|reached| reached + 1)
}

/// Starts `jsAgain(depth - 1)` without waiting for it, until `depth` is 0: the client runs the
/// function at once, and it calls `Again` back synchronously, so the calls nest too.
#[jsinvokable("Again", assembly = "WasmApp")]
pub fn again(js: JsRuntime, depth: u32) -> u32 {
    if depth > 0 {
        drop(js.invoke_void("jsAgain", (depth - 1,)));
    }
    depth
}
