//! Per-runtime settings: limits, timeouts and error policy.

use std::time::Duration;

/// Settings of one [`JsRuntime`](crate::JsRuntime). Every limit is configurable.
///
/// ```
/// use std::time::Duration;
/// let options = interop_runtime::RuntimeOptions::default()
///     .js_call_timeout(Some(Duration::from_secs(5)))
///     .max_tracked_objects(1_000);
/// assert_eq!(options.max_json_depth, 32);
/// ```
#[derive(Debug, Clone)]
pub struct RuntimeOptions {
    /// Send the text of errors raised by user code (`Err`, panics) to JavaScript. When off, a
    /// generic text naming the identifier is sent and the details only go to the log. Caller
    /// errors (lookup, arity, types) are always sent verbatim.
    pub detailed_errors: bool,
    /// Reject extra arguments to zero-parameter methods (by default they are ignored, as .NET does).
    pub strict_arguments: bool,
    /// Refuse to create the runtime when the registry holds duplicate identifiers.
    pub strict_registry: bool,
    /// Maximum nesting depth of each argument value and each completion value.
    pub max_json_depth: usize,
    /// Maximum size of one incoming JSON text (arguments or completion), in bytes.
    pub max_message_size: Option<usize>,
    /// Maximum total size of the byte arrays staged for one call, counting each as `max(4, len)`.
    pub max_staged_bytes: Option<usize>,
    /// Maximum number of Rust→JS calls awaiting completion.
    pub max_pending_js_calls: usize,
    /// Maximum number of asynchronous JS→Rust calls running at once.
    pub max_in_flight_calls: usize,
    /// Maximum number of objects JavaScript can hold references to.
    pub max_tracked_objects: usize,
    /// Default timeout of Rust→JS calls (`None`: wait forever).
    pub js_call_timeout: Option<Duration>,
    /// The assemblies JavaScript may call static functions of (`None`: all). Others answer
    /// as if they did not exist: `There is no loaded assembly with the name '<asm>'.`
    pub allowed_assemblies: Option<Vec<String>>,
    /// Largest chunk a [`JsReadStream`](crate::JsReadStream) asks JavaScript for, in bytes
    /// (also capped by [`max_staged_bytes`](Self::max_staged_bytes)).
    pub stream_chunk_size: usize,
    /// How many chunk-function calls a [`JsReadStream`](crate::JsReadStream) keeps requested
    /// ahead.
    pub stream_pull_window: usize,
    /// How many chunks of [`stream_chunk_size`](Self::stream_chunk_size) one chunk-function
    /// call asks for (at least 1; when [`max_staged_bytes`](Self::max_staged_bytes) is set, a
    /// call's total stays within it, since a completion's byte arrays are staged together).
    pub stream_chunks_per_request: usize,
    /// How long a [`JsReadStream`](crate::JsReadStream) waits for a chunk before failing with
    /// `Did not receive any data in the allotted time.` (`None`: forever).
    pub stream_idle_timeout: Option<Duration>,
    /// The global JS function that reads chunks of stream data, called with
    /// `[{"__jsObjectId":id}, offset, count, chunkSize]` and answering an array of
    /// `Uint8Array`s of `chunkSize` bytes each (the last may be shorter), `count` bytes in all.
    /// The hosts of this project install it (PROTOCOL.md §8.1); a custom host must too.
    pub stream_chunk_function: String,
    /// How long a [`StreamRef`](crate::StreamRef) sent to JavaScript waits for its first read
    /// before it is dropped (`None`: forever). A later read fails with
    /// `The stream with ID <id> is not available. It may have timed out.`
    pub stream_claim_timeout: Option<Duration>,
    /// The global JS function that sets up a stream Rust sends, called (fire-and-forget) with
    /// `[id]` when a [`StreamRef`](crate::StreamRef) is serialized. The hosts of this project
    /// install it; it builds a `ReadableStream` pulling `ReadDotNetStream` and passes it to
    /// the client's `supplyDotNetStream(id, stream)`.
    pub stream_supply_function: String,
    /// How many reads past the next one JavaScript may ask for on a stream Rust sends
    /// (`ReadDotNetStream`); a read further ahead fails at once instead of waiting.
    pub stream_reads_ahead: u64,
    /// How long an async method that takes a [`CancellationToken`](crate::CancellationToken)
    /// may keep running after JavaScript cancelled its call, before its future is dropped (on
    /// the host's clock). A method without the token is dropped at once.
    pub cancellation_grace: Duration,
    /// How many JS→Rust calls may be running at once on one thread, each called by JavaScript
    /// that Rust called synchronously (JavaScript → Rust → JavaScript → Rust …, on an
    /// in-process host: through `invoke_sync`, or a Rust→JS call whose function the client
    /// runs at once). The call one past it fails at once, so a page cannot recurse until the
    /// stack runs out (on wasm32 that would overwrite the module's memory: the stack there has
    /// no guard page).
    pub max_nested_calls: usize,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        RuntimeOptions {
            detailed_errors: true,
            strict_arguments: false,
            strict_registry: false,
            max_json_depth: 32,
            max_message_size: None,
            max_staged_bytes: None,
            max_pending_js_calls: 10_000,
            max_in_flight_calls: 10_000,
            max_tracked_objects: 100_000,
            js_call_timeout: Some(Duration::from_secs(60)),
            allowed_assemblies: None,
            stream_chunk_size: 32 * 1024,
            stream_pull_window: 4,
            stream_chunks_per_request: 4,
            stream_idle_timeout: Some(Duration::from_secs(60)),
            stream_chunk_function: "jsinvokable.readStreamChunks".to_owned(),
            stream_claim_timeout: Some(Duration::from_secs(10)),
            stream_supply_function: "jsinvokable.supplyDotNetStream".to_owned(),
            stream_reads_ahead: 4,
            cancellation_grace: Duration::from_secs(5),
            max_nested_calls: 32,
        }
    }
}

impl RuntimeOptions {
    /// Sets [`detailed_errors`](Self::detailed_errors).
    pub fn detailed_errors(mut self, on: bool) -> Self {
        self.detailed_errors = on;
        self
    }
    /// Sets [`strict_arguments`](Self::strict_arguments).
    pub fn strict_arguments(mut self, on: bool) -> Self {
        self.strict_arguments = on;
        self
    }
    /// Sets [`strict_registry`](Self::strict_registry).
    pub fn strict_registry(mut self, on: bool) -> Self {
        self.strict_registry = on;
        self
    }
    /// Sets [`max_json_depth`](Self::max_json_depth).
    pub fn max_json_depth(mut self, depth: usize) -> Self {
        self.max_json_depth = depth;
        self
    }
    /// Sets [`max_message_size`](Self::max_message_size).
    pub fn max_message_size(mut self, bytes: Option<usize>) -> Self {
        self.max_message_size = bytes;
        self
    }
    /// Sets [`max_staged_bytes`](Self::max_staged_bytes).
    pub fn max_staged_bytes(mut self, bytes: Option<usize>) -> Self {
        self.max_staged_bytes = bytes;
        self
    }
    /// Sets [`max_pending_js_calls`](Self::max_pending_js_calls).
    pub fn max_pending_js_calls(mut self, calls: usize) -> Self {
        self.max_pending_js_calls = calls;
        self
    }
    /// Sets [`max_in_flight_calls`](Self::max_in_flight_calls).
    pub fn max_in_flight_calls(mut self, calls: usize) -> Self {
        self.max_in_flight_calls = calls;
        self
    }
    /// Sets [`max_tracked_objects`](Self::max_tracked_objects).
    pub fn max_tracked_objects(mut self, objects: usize) -> Self {
        self.max_tracked_objects = objects;
        self
    }
    /// Sets [`allowed_assemblies`](Self::allowed_assemblies).
    pub fn allowed_assemblies<I, S>(mut self, assemblies: Option<I>) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_assemblies =
            assemblies.map(|assemblies| assemblies.into_iter().map(Into::into).collect());
        self
    }

    /// Sets [`js_call_timeout`](Self::js_call_timeout).
    pub fn js_call_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.js_call_timeout = timeout;
        self
    }

    /// Sets [`stream_chunk_size`](Self::stream_chunk_size).
    pub fn stream_chunk_size(mut self, bytes: usize) -> Self {
        self.stream_chunk_size = bytes;
        self
    }
    /// Sets [`stream_pull_window`](Self::stream_pull_window).
    pub fn stream_pull_window(mut self, chunks: usize) -> Self {
        self.stream_pull_window = chunks;
        self
    }
    /// Sets [`stream_chunks_per_request`](Self::stream_chunks_per_request).
    pub fn stream_chunks_per_request(mut self, chunks: usize) -> Self {
        self.stream_chunks_per_request = chunks;
        self
    }

    /// Sets [`stream_idle_timeout`](Self::stream_idle_timeout).
    pub fn stream_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.stream_idle_timeout = timeout;
        self
    }
    /// Sets [`stream_chunk_function`](Self::stream_chunk_function).
    pub fn stream_chunk_function(mut self, identifier: impl Into<String>) -> Self {
        self.stream_chunk_function = identifier.into();
        self
    }
    /// Sets [`stream_claim_timeout`](Self::stream_claim_timeout).
    pub fn stream_claim_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.stream_claim_timeout = timeout;
        self
    }
    /// Sets [`stream_supply_function`](Self::stream_supply_function).
    pub fn stream_supply_function(mut self, identifier: impl Into<String>) -> Self {
        self.stream_supply_function = identifier.into();
        self
    }
    /// Sets [`stream_reads_ahead`](Self::stream_reads_ahead).
    pub fn stream_reads_ahead(mut self, reads: u64) -> Self {
        self.stream_reads_ahead = reads;
        self
    }
    /// Sets [`cancellation_grace`](Self::cancellation_grace).
    pub fn cancellation_grace(mut self, grace: Duration) -> Self {
        self.cancellation_grace = grace;
        self
    }
    /// Sets [`max_nested_calls`](Self::max_nested_calls).
    pub fn max_nested_calls(mut self, calls: usize) -> Self {
        self.max_nested_calls = calls;
        self
    }
}
