//! The `#[jsinvokable]` items the conformance suite calls (assembly `Conformance`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use futures_util::AsyncReadExt;
use interop_runtime::{
    jsinvokable, ByteArray, CancellationToken, JsError, JsRuntime, JsStreamRef, ObjectRef,
    StreamRef,
};
use serde::{Deserialize, Serialize};

/// A plain data type crossing the boundary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    /// Name.
    pub name: String,
    /// Age.
    pub age: u32,
}

/// A struct with a byte buffer nested in it (`{"name":"a","data":{"__byte[]":0}}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Upload {
    /// Name.
    pub name: String,
    /// The bytes, sent out of band.
    #[serde(with = "interop_runtime::byte_array")]
    pub data: Vec<u8>,
}

/// Returns its argument.
#[jsinvokable("Echo", assembly = "Conformance")]
pub fn echo(text: String) -> String {
    text
}

/// Builds a person.
#[jsinvokable("AddPerson", assembly = "Conformance")]
pub fn add_person(name: String, age: u32) -> Person {
    Person { name, age }
}

/// Async, no result.
#[jsinvokable("AsyncVoid", assembly = "Conformance")]
pub async fn async_void() {}

/// Sync, no result.
#[jsinvokable("SyncVoid", assembly = "Conformance")]
pub fn sync_void() {}

/// No parameters: extra arguments are ignored unless `strict_arguments` is on.
#[jsinvokable("NoArgs", assembly = "Conformance")]
pub fn no_args() -> u32 {
    7
}

/// Registered under its function name (`default_identifier`).
#[jsinvokable(assembly = "Conformance")]
pub fn default_identifier() -> String {
    "default".to_owned()
}

/// Answers to `Primary` and to its alias `Secondary`.
#[jsinvokable("Primary", "Secondary", assembly = "Conformance")]
pub fn aliased() -> String {
    "aliased".to_owned()
}

/// A static method whose identifier is `__Dispose`: an ordinary static lookup.
#[jsinvokable("__Dispose", assembly = "Conformance")]
pub fn static_dispose() -> String {
    "static __Dispose".to_owned()
}

/// Returns its argument, whatever JSON it is (depth limits).
#[jsinvokable("EchoValue", assembly = "Conformance")]
pub fn echo_value(value: serde_json::Value) -> serde_json::Value {
    value
}

/// Returns its argument wrapped in an array: one level deeper than it came.
#[jsinvokable("Wrap", assembly = "Conformance")]
pub fn wrap(value: serde_json::Value) -> Vec<serde_json::Value> {
    vec![value]
}

/// Fails with the given text (an `Err` of user code).
#[jsinvokable("Fail", assembly = "Conformance")]
pub fn fail(text: String) -> Result<(), String> {
    Err(text)
}

/// Panics with the given text.
#[jsinvokable("Panic", assembly = "Conformance")]
pub fn panic(text: String) {
    std::panic::panic_any(text)
}

/// Panics with the given text, in an async method.
#[jsinvokable("PanicAsync", assembly = "Conformance")]
pub async fn panic_async(text: String) {
    std::panic::panic_any(text)
}

/// What happened to the cancellable calls, by their tag: `started`, `signalled` (the token),
/// `dropped` (the future, with what it held).
static CANCEL_EVENTS: Mutex<Vec<(String, &'static str)>> = Mutex::new(Vec::new());

fn record(tag: &str, event: &'static str) {
    CANCEL_EVENTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push((tag.to_owned(), event));
}

/// The events of the calls tagged `tag`, in order (tags keep parallel cases apart).
pub fn cancel_events(tag: &str) -> Vec<&'static str> {
    CANCEL_EVENTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
        .filter(|(of, _)| of == tag)
        .map(|(_, event)| *event)
        .collect()
}

/// Held by a cancellable call's future: records `dropped` when the future is dropped.
struct DropProbe(String);

impl DropProbe {
    fn new(tag: String) -> Self {
        record(&tag, "started");
        DropProbe(tag)
    }
}

impl Drop for DropProbe {
    fn drop(&mut self) {
        record(&self.0, "dropped");
    }
}

/// Runs until it is cancelled (no `CancellationToken`: its future is dropped at once).
#[jsinvokable("RunUntilCancelled", assembly = "Conformance")]
pub async fn run_until_cancelled(tag: String) -> String {
    let _probe = DropProbe::new(tag);
    std::future::pending::<String>().await
}

/// Waits for its token; then returns (`stop`) or keeps running until the grace period ends.
/// The token sits between the arguments: it is not one of them.
#[jsinvokable("WaitForCancel", assembly = "Conformance")]
pub async fn wait_for_cancel(tag: String, cancel: CancellationToken, stop: bool) -> String {
    let probe = DropProbe::new(tag);
    cancel.cancelled().await;
    record(&probe.0, "signalled");
    if stop {
        return "stopped".to_owned();
    }
    std::future::pending::<String>().await
}

/// Returns a new counter object.
#[jsinvokable("NewCounter", assembly = "Conformance")]
pub fn new_counter(start: u64) -> ObjectRef<Counter> {
    ObjectRef::new(Counter::new(start))
}

/// Returns an object of another type than [`Counter`].
#[jsinvokable("NewOther", assembly = "Conformance")]
pub fn new_other() -> ObjectRef<Other> {
    ObjectRef::new(Other)
}

/// Reads a counter JavaScript passes back as `{"__dotNetObject":n}` (an error while a
/// `&mut self` call holds it, which a multi-threaded host can run at the same time).
#[jsinvokable("CounterValue", assembly = "Conformance")]
pub fn counter_value(counter: ObjectRef<Counter>) -> Result<u64, String> {
    let counter = counter.try_borrow().ok_or("The counter is busy.")?;
    Ok(counter.value.load(Ordering::SeqCst))
}

/// Reads an optional counter (`null` gives 0).
#[jsinvokable("MaybeCounterValue", assembly = "Conformance")]
pub fn maybe_counter_value(counter: Option<ObjectRef<Counter>>) -> Result<u64, String> {
    counter.map_or(Ok(0), counter_value)
}

/// Serializes references A, B, C, A and a new one: ids `n, n+1, n+2, n, n+3`.
#[jsinvokable("RefSequence", assembly = "Conformance")]
pub fn ref_sequence() -> Vec<ObjectRef<Counter>> {
    let a = ObjectRef::new(Counter::new(1));
    let b = ObjectRef::new(Counter::new(2));
    let c = ObjectRef::new(Counter::new(3));
    vec![a.clone(), b, c, a, ObjectRef::new(Counter::new(1))]
}

/// Two clones of one reference: one id.
#[jsinvokable("Clones", assembly = "Conformance")]
pub fn clones() -> (ObjectRef<Counter>, ObjectRef<Counter>) {
    let a = ObjectRef::new(Counter::new(0));
    (a.clone(), a)
}

/// Bytes in, the same bytes reversed out.
#[jsinvokable("ReverseBytes", assembly = "Conformance")]
pub fn reverse_bytes(bytes: ByteArray) -> ByteArray {
    let mut bytes = bytes.into_vec();
    bytes.reverse();
    ByteArray::from(bytes)
}

/// Two byte arrays in, their concatenation out.
#[jsinvokable("ConcatBytes", assembly = "Conformance")]
pub fn concat_bytes(first: ByteArray, second: ByteArray) -> ByteArray {
    let mut bytes = first.into_vec();
    bytes.extend_from_slice(&second);
    ByteArray::from(bytes)
}

/// A struct with nested bytes in; the same struct out, its bytes reversed.
#[jsinvokable("ReverseUpload", assembly = "Conformance")]
pub fn reverse_upload(mut upload: Upload) -> Upload {
    upload.data.reverse();
    upload
}

/// Calls JavaScript back with the runtime it was called from.
#[jsinvokable("CallBack", assembly = "Conformance")]
pub async fn call_back(runtime: JsRuntime, identifier: String) -> Result<String, JsError> {
    runtime.invoke::<String>(&identifier, ()).await
}

/// What reading a stream gave: how many bytes, and their sum (a cheap check of the content).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamSummary {
    /// Bytes read.
    pub length: u64,
    /// The sum of the bytes read.
    pub sum: u64,
}

impl StreamSummary {
    /// The summary of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        StreamSummary {
            length: bytes.len() as u64,
            sum: bytes.iter().map(|&byte| u64::from(byte)).sum(),
        }
    }
}

/// Reads a whole JS stream, refusing more than `max_allowed_size` bytes.
pub async fn read_whole_stream(
    data: &JsStreamRef,
    max_allowed_size: u64,
) -> Result<StreamSummary, String> {
    let mut reader = data
        .open_read_stream(max_allowed_size)
        .map_err(|error| error.to_string())?;
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .await
        .map_err(|error| error.to_string())?;
    Ok(StreamSummary::of(&bytes))
}

/// Reads the JS stream passed as an argument.
#[jsinvokable("ReadStream", assembly = "Conformance")]
pub async fn read_stream(
    data: JsStreamRef,
    max_allowed_size: u64,
) -> Result<StreamSummary, String> {
    read_whole_stream(&data, max_allowed_size).await
}

/// Reads the first `count` bytes of a JS stream, then drops the reader (cancelling the rest).
#[jsinvokable("ReadStreamStart", assembly = "Conformance")]
pub async fn read_stream_start(data: JsStreamRef, count: usize) -> Result<StreamSummary, String> {
    let mut reader = data
        .open_read_stream(data.len())
        .map_err(|error| error.to_string())?;
    let mut bytes = vec![0; count];
    reader
        .read_exact(&mut bytes)
        .await
        .map_err(|error| error.to_string())?;
    Ok(StreamSummary::of(&bytes))
}

/// Disposes a JS stream reference, then tries to read it.
#[jsinvokable("ReadDisposedStream", assembly = "Conformance")]
pub async fn read_disposed_stream(data: JsStreamRef) -> Result<StreamSummary, String> {
    data.dispose();
    read_whole_stream(&data, data.len()).await
}

/// The declared length of a JS stream, without reading it.
#[jsinvokable("StreamLength", assembly = "Conformance")]
pub fn stream_length(data: JsStreamRef) -> u64 {
    data.len()
}

/// The bytes of a test stream of `length` bytes: a pattern, so misplaced chunks show.
pub fn pattern(length: usize) -> Vec<u8> {
    (0..length).map(|index| (index % 251) as u8).collect()
}

/// A stream of `length` pattern bytes for JavaScript.
#[jsinvokable("Download", assembly = "Conformance")]
pub fn download(length: usize) -> StreamRef {
    StreamRef::new(futures_util::io::Cursor::new(pattern(length)))
}

/// A stream whose reader yields `good` pattern bytes, then fails with `disk on fire`.
#[jsinvokable("BrokenDownload", assembly = "Conformance")]
pub fn broken_download(good: usize) -> StreamRef {
    StreamRef::new(FailingReader {
        good: pattern(good),
        served: false,
    })
}

/// Takes a `StreamRef` from JavaScript, which can never work.
#[jsinvokable("UploadStreamRef", assembly = "Conformance")]
pub fn upload_stream_ref(_stream: StreamRef) {}

/// Yields its bytes in one read, then fails.
struct FailingReader {
    good: Vec<u8>,
    served: bool,
}

impl futures_util::AsyncRead for FailingReader {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &mut [u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        if self.served || self.good.is_empty() {
            return std::task::Poll::Ready(Err(std::io::Error::other("disk on fire")));
        }
        let count = buf.len().min(self.good.len());
        buf[..count].copy_from_slice(&self.good[..count]);
        self.good.drain(..count);
        self.served = self.good.is_empty();
        std::task::Poll::Ready(Ok(count))
    }
}

/// An object with shared state.
pub struct Counter {
    value: AtomicU64,
    log: Mutex<Vec<String>>,
}

impl Counter {
    /// A counter starting at `start`.
    pub fn new(start: u64) -> Self {
        Counter {
            value: AtomicU64::new(start),
            log: Mutex::new(Vec::new()),
        }
    }
}

#[jsinvokable]
impl Counter {
    /// Adds and returns the new value.
    #[jsinvokable("Add")]
    pub fn add(&self, amount: u64) -> u64 {
        self.value.fetch_add(amount, Ordering::SeqCst) + amount
    }

    /// Async read.
    #[jsinvokable("GetAsync")]
    pub async fn get_async(&self) -> u64 {
        self.value.load(Ordering::SeqCst)
    }

    /// Sync write through `&mut self`; returns the notes so far.
    #[jsinvokable("Reset")]
    pub fn reset(&mut self, note: String) -> Vec<String> {
        *self.value.get_mut() = 0;
        let log = self
            .log
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        log.push(note);
        log.clone()
    }

    /// Calls the JS function `identifier` and returns its result plus the counter's value.
    #[jsinvokable("AskJs")]
    pub async fn ask_js(&self, runtime: JsRuntime, identifier: String) -> Result<String, JsError> {
        let answer = runtime.invoke::<String>(&identifier, ()).await?;
        Ok(format!("{answer}:{}", self.value.load(Ordering::SeqCst)))
    }

    /// Holds the object exclusively while calling the JS function `identifier` synchronously;
    /// returns what JavaScript returned, or the text it threw.
    #[jsinvokable("ExclusiveSyncCallBack")]
    pub fn exclusive_sync_call_back(&mut self, runtime: JsRuntime, identifier: String) -> String {
        *self.value.get_mut() += 1;
        match runtime.invoke_sync::<String>(&identifier, ()) {
            Ok(text) => text,
            Err(error) => format!("threw: {error}"),
        }
    }

    /// Panics while holding the object exclusively.
    #[jsinvokable("PanicExclusive")]
    pub fn panic_exclusive(&mut self) {
        panic!("exclusive panic")
    }

    /// An `Err` from an instance method.
    #[jsinvokable("FailInstance")]
    pub fn fail_instance(&self, text: String) -> Result<u64, String> {
        Err(text)
    }
}

/// An object of another type, for wrong-type arguments.
pub struct Other;

#[jsinvokable]
impl Other {
    /// Its name.
    #[jsinvokable("Name")]
    pub fn name(&self) -> String {
        "other".to_owned()
    }
}

/// A generic object: one method table per instance type.
pub struct Holder<T> {
    value: Mutex<Option<T>>,
}

#[jsinvokable]
impl<T: serde::de::DeserializeOwned + Serialize + Clone + Send + Sync + 'static> Holder<T> {
    /// Replaces the value.
    #[jsinvokable("Set")]
    pub fn set(&self, value: T) {
        *self
            .value
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(value);
    }

    /// The value, `null` before the first `Set`.
    #[jsinvokable("Get")]
    pub async fn get(&self) -> Option<T> {
        self.value
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// A `Holder<String>`.
#[jsinvokable("NewTextHolder", assembly = "Conformance")]
pub fn new_text_holder() -> ObjectRef<Holder<String>> {
    ObjectRef::new(Holder {
        value: Mutex::new(None),
    })
}

/// A `Holder<i32>`.
#[jsinvokable("NewNumberHolder", assembly = "Conformance")]
pub fn new_number_holder() -> ObjectRef<Holder<i32>> {
    ObjectRef::new(Holder {
        value: Mutex::new(None),
    })
}
