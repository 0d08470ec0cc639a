//! The seed's components, for pages: what a Blazor component's C# does when its button is
//! clicked, as `#[jsinvokable]` functions of the assembly `BlazorSample` that the web app's
//! buttons call. Each takes the page's [`JsRuntime`] (injected, not sent by JavaScript) and
//! keeps per-page state in it, as a component instance would.

#[cfg(not(target_arch = "wasm32"))]
use std::path::PathBuf;
#[cfg(not(target_arch = "wasm32"))]
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use interop_runtime::{jsinvokable, JsError, JsRuntime, JsStreamRef, ObjectRef, StreamRef};
use serde::Serialize;

use crate::greeting::{self, GreetingHelper};
use crate::list_items::{ListItemState, ListItems};
use crate::streams::{self, Written};
use crate::{generics, hello, list_items};

/// `CallDotNetExample2`/`4`: hands a `HelloHelper` for `name` to `sayHello1`; the message
/// `sayHello1` returned.
#[jsinvokable("TriggerDotNetInstanceMethod", assembly = "BlazorSample")]
pub async fn trigger_dotnet_instance_method(
    page: JsRuntime,
    name: String,
) -> Result<String, JsError> {
    hello::trigger_dotnet_instance_method(&page, &name).await
}

/// `CallDotNetExample3`: `sayHello2(dotNetHelper, name)`.
#[jsinvokable("TriggerSayHello2", assembly = "BlazorSample")]
pub async fn trigger_say_hello2(page: JsRuntime, name: String) -> Result<String, JsError> {
    hello::trigger_say_hello2(&page, &name).await
}

/// The page's `CallDotNetExampleOneHelper` component.
struct GreetingComponent(ObjectRef<GreetingHelper>);

/// `CallDotNetExampleOneHelper` after its first render: hands itself to `GreetingHelpers`.
#[jsinvokable("SetUpGreetingHelpers", assembly = "BlazorSample")]
pub async fn set_up_greeting_helpers(page: JsRuntime) -> Result<(), JsError> {
    let helper = ObjectRef::new(GreetingHelper::default());
    greeting::set_dot_net_helper(&page, &helper).await?;
    page.insert_extension(GreetingComponent(helper));
    Ok(())
}

/// The component's `name` field, bound to the page's input: `false` before the component is
/// set up. The page holds the helper and may be calling it right now, on another thread of a
/// multi-threaded host: `try_borrow` (which `borrow` would turn into a panic while a
/// `&mut self` method runs) reports that as an error instead.
#[jsinvokable("SetGreetingName", assembly = "BlazorSample")]
pub fn set_greeting_name(page: JsRuntime, name: String) -> Result<bool, String> {
    let Some(component) = page.extension::<GreetingComponent>() else {
        return Ok(false);
    };
    let helper = component
        .0
        .try_borrow()
        .ok_or("The greeting helper is busy with another call; try again.")?;
    helper.set_name(&name);
    Ok(true)
}

/// The values of `GenericsExample` after `invokeMethodsAsync`.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct GenericValues {
    /// `genericType1.Value`.
    pub generic_type1: String,
    /// `genericType2.Value`.
    pub generic_type2: i32,
}

/// `GenericsExample.InvokeInterop`: with `sync_interop` (the page sends it when Rust runs in the
/// page, as the seed's `OperatingSystem.IsBrowser()`) JavaScript also calls the instances
/// synchronously; over a network only asynchronously.
#[jsinvokable("InvokeInterop", assembly = "BlazorSample")]
pub async fn invoke_interop(page: JsRuntime, sync_interop: bool) -> Result<GenericValues, JsError> {
    let (generic_type1, generic_type2) = generics::invoke_interop(&page, sync_interop).await?;
    Ok(GenericValues {
        generic_type1,
        generic_type2,
    })
}

/// The four `ListItem`s of `CallDotNetExample6`, one set per page.
struct ListComponent(ListItems);

/// `ListItem` number `index` was clicked: `updateMessageCaller` with its helper. Returns the
/// state of every item afterwards.
#[jsinvokable("ClickListItem", assembly = "BlazorSample")]
pub async fn click_list_item(page: JsRuntime, index: usize) -> Result<Vec<ListItemState>, JsError> {
    if page.extension::<ListComponent>().is_none() {
        page.insert_extension(ListComponent(ListItems::default()));
    }
    let Some(list) = page.extension::<ListComponent>() else {
        return Err(JsError::Arguments(
            "the list component is missing".to_owned(),
        ));
    };
    list.0.click(&page, index).await?;
    Ok(list.0.states())
}

/// What `jsFunction` did with the object it was handed.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct JsFunctionReport {
    /// The helper's action ran.
    pub called: bool,
    /// JavaScript disposed the reference.
    pub disposed: bool,
}

/// Hands a helper to `jsFunction`, which calls it and disposes it back to back.
#[jsinvokable("TriggerJsFunction", assembly = "BlazorSample")]
pub async fn trigger_js_function(page: JsRuntime) -> Result<JsFunctionReport, JsError> {
    let called = std::sync::Arc::new(Mutex::new(false));
    let flag = std::sync::Arc::clone(&called);
    let helper = ObjectRef::new(list_items::MessageUpdateInvokeHelper::new(move || {
        *flag.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = true;
    }));
    page.invoke_void("jsFunction", (&helper,)).await?;
    let called = *called
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    Ok(JsFunctionReport {
        called,
        disposed: helper.is_disposed(),
    })
}

/// JS isolation: imports `specifier` as a module, calls its `greet` export, and hands a
/// `HelloHelper` for `name` to its `callRust` export.
#[jsinvokable("UseIsolatedModule", assembly = "BlazorSample")]
pub async fn use_isolated_module(
    page: JsRuntime,
    specifier: String,
    name: String,
) -> Result<String, JsError> {
    let module = page.import(&specifier).await?;
    let greeting = module.invoke::<String>("greet", ("Rust",)).await?;
    let helper = ObjectRef::new(hello::HelloHelper::new(name));
    let hello = module.invoke::<String>("callRust", (&helper,)).await;
    helper.dispose();
    Ok(format!("{greeting} / {}", hello?))
}

/// A `HelloHelper` for `name`, handed to JavaScript, which owns it (and disposes it).
#[jsinvokable("CreateHelloHelper", assembly = "BlazorSample")]
pub fn create_hello_helper(name: String) -> ObjectRef<hello::HelloHelper> {
    ObjectRef::new(hello::HelloHelper::new(name))
}

/// Calls the page's global function `identifier` and returns what it resolves with: Rust
/// calling JavaScript by a name the page chooses.
#[jsinvokable("CallPageFunction", assembly = "BlazorSample")]
pub async fn call_page_function(page: JsRuntime, identifier: String) -> Result<String, JsError> {
    page.invoke::<String>(&identifier, ()).await
}

/// What the stream samples show: the bytes that arrived and their SHA-256, or why they did
/// not (the text of the error, shown by the page as a component would show the exception's
/// message; returned as a value so the host's hiding of user-code errors does not apply).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(untagged)]
pub enum StreamOutcome {
    /// Every byte arrived.
    Received {
        /// The byte count.
        bytes: u64,
        /// SHA-256 of the bytes, lowercase hex.
        sha256: String,
    },
    /// The stream was refused or failed.
    Failed {
        /// The error's text.
        error: String,
    },
}

impl From<Result<Written, Box<dyn std::error::Error + Send + Sync>>> for StreamOutcome {
    fn from(result: Result<Written, Box<dyn std::error::Error + Send + Sync>>) -> Self {
        match result {
            Ok(written) => StreamOutcome::Received {
                bytes: written.bytes,
                sha256: written.sha256,
            },
            Err(error) => StreamOutcome::Failed {
                error: error.to_string(),
            },
        }
    }
}

/// A directory of one stream sample run under the temp directory, named after the process
/// and a counter so that concurrent runs (two pages, two servers) never share `file.txt`;
/// removed with everything in it when dropped (the run ended, failed or was cancelled).
#[cfg(not(target_arch = "wasm32"))]
struct RunDirectory(PathBuf);

#[cfg(not(target_arch = "wasm32"))]
impl RunDirectory {
    async fn create() -> std::io::Result<Self> {
        static RUNS: AtomicU64 = AtomicU64::new(1);
        let path = std::env::temp_dir().join(format!(
            "blazor-sample-{}-{}",
            std::process::id(),
            RUNS.fetch_add(1, Ordering::Relaxed)
        ));
        tokio::fs::create_dir_all(&path).await?;
        Ok(RunDirectory(path))
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Drop for RunDirectory {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Sample 11: asks the page's `streamToDotNet()` for a stream, opens it with
/// [`streams::SAMPLE_MAX_ALLOWED_SIZE`] (or, with `default_limit`, .NET's default
/// [`JsStreamRef::DEFAULT_MAX_ALLOWED_SIZE`], which refuses it), copies it into `file.txt` in a
/// directory of this run's own, and reports the file's size and SHA-256. The directory is
/// removed afterwards. In the page (wasm32), where there is no file system, the bytes are kept
/// in memory instead, and the same size and SHA-256 reported.
#[jsinvokable("StreamToFile", assembly = "BlazorSample")]
pub async fn stream_to_file(page: JsRuntime, default_limit: bool) -> StreamOutcome {
    let max_allowed_size = if default_limit {
        JsStreamRef::DEFAULT_MAX_ALLOWED_SIZE
    } else {
        streams::SAMPLE_MAX_ALLOWED_SIZE
    };
    copy_sample_stream(&page, max_allowed_size).await.into()
}

/// Sample 11's copy into `file.txt`, in a directory of its own.
#[cfg(not(target_arch = "wasm32"))]
async fn copy_sample_stream(
    page: &JsRuntime,
    max_allowed_size: u64,
) -> Result<Written, Box<dyn std::error::Error + Send + Sync>> {
    let directory = RunDirectory::create().await?;
    let path = directory.0.join("file.txt");
    streams::stream_to_file(page, &path, max_allowed_size).await?;
    let summary = tokio::task::spawn_blocking(move || streams::file_summary(&path)).await??;
    drop(directory);
    Ok(summary)
}

/// Sample 11's copy in the page: into memory.
#[cfg(target_arch = "wasm32")]
async fn copy_sample_stream(
    page: &JsRuntime,
    max_allowed_size: u64,
) -> Result<Written, Box<dyn std::error::Error + Send + Sync>> {
    let content = streams::stream_to_memory(page, max_allowed_size).await?;
    Ok(streams::summary(&content))
}

/// The largest download [`download_stream`] generates: 256 MiB.
pub const DOWNLOAD_MAX_LENGTH: u64 = 256 * 1024 * 1024;

/// A stream from Rust: `length` generated [`streams::pattern_byte`]s, which the page reads with
/// `arrayBuffer()` and hashes.
#[jsinvokable("DownloadStream", assembly = "BlazorSample")]
pub fn download_stream(length: u64) -> Result<StreamRef, String> {
    if length > DOWNLOAD_MAX_LENGTH {
        return Err(format!(
            "A download is at most {DOWNLOAD_MAX_LENGTH} bytes; {length} were asked for."
        ));
    }
    Ok(StreamRef::new(streams::PatternReader::new(length)))
}

/// The `max_allowed_size` of [`upload_file`]: 256 MiB.
pub const UPLOAD_MAX_ALLOWED_SIZE: u64 = 256 * 1024 * 1024;

/// The page's file picker: reads the chosen file (a `DotNet.createJSStreamReference(file)`)
/// with [`UPLOAD_MAX_ALLOWED_SIZE`], reporting progress to the page's
/// `reportUploadProgress(read, total)` as the bytes arrive, and returns the byte count and the
/// SHA-256 computed here.
///
/// Progress calls are fire-and-forget: each is sent, and its future dropped at once, so the
/// transfer never waits for the page to draw (the page's late answers are ignored). They go
/// out before this call's result, on the same connection, so the page has drawn the last one
/// (`read == total`) by the time it sees the result.
#[jsinvokable("UploadFile", assembly = "BlazorSample")]
pub async fn upload_file(page: JsRuntime, file: JsStreamRef) -> StreamOutcome {
    let report = |read: u64, total: u64| {
        drop(page.invoke_void("reportUploadProgress", (read, total)));
    };
    streams::read_and_hash(&file, UPLOAD_MAX_ALLOWED_SIZE, report)
        .await
        .into()
}
