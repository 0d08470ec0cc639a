//! Error types and the reference's exact error texts (PROTOCOL.md §10).

use std::fmt;

/// The texts of PROTOCOL.md's catalog, built in one place so every host sends them verbatim.
pub(crate) mod texts {
    #![allow(unreachable_pub)]
    pub(crate) fn null_parameter(parameter: &str) -> String {
        format!("Value cannot be null. (Parameter '{parameter}')")
    }
    pub(crate) fn blank_parameter(parameter: &str) -> String {
        format!("The value cannot be an empty string or composed entirely of whitespace. (Parameter '{parameter}')")
    }
    pub(crate) fn unknown_assembly(assembly: &str) -> String {
        format!("There is no loaded assembly with the name '{assembly}'.")
    }
    pub(crate) fn unknown_static_method(assembly: &str, identifier: &str) -> String {
        format!("The assembly '{assembly}' does not contain a public invokable method with [JSInvokableAttribute(\"{identifier}\")].")
    }
    pub(crate) fn unknown_instance_method(type_name: &str, identifier: &str) -> String {
        format!("The type '{type_name}' does not contain a public invokable method with [JSInvokableAttribute(\"{identifier}\")].")
    }
    pub(crate) fn duplicate_static(assembly: &str, identifier: &str) -> String {
        format!(
            "The assembly '{assembly}' contains more than one [JSInvokable] method with identifier '{identifier}'. \
             All [JSInvokable] methods within the same assembly must have different identifiers. \
             You can pass a custom identifier as a parameter to the [JSInvokable] attribute."
        )
    }
    pub(crate) fn nested_too_deep(identifier: &str, max: usize) -> String {
        format!(
            "The call to '{identifier}' was refused: {max} calls from JavaScript are already \
             nested on this thread, each made by JavaScript that Rust called \
             (RuntimeOptions::max_nested_calls)."
        )
    }
    pub(crate) fn assembly_on_instance_call(assembly: &str) -> String {
        format!("For instance method calls, 'assemblyName' should be null. Value received: '{assembly}'.")
    }
    pub(crate) fn unknown_object(id: u64) -> String {
        format!(
            "There is no tracked object with id '{id}'. Perhaps the DotNetObjectReference instance was already disposed. (Parameter 'dotNetObjectId')"
        )
    }
    pub(crate) const INVALID_JSON: &str = "Invalid JSON";
    pub(crate) fn too_few_arguments(identifier: &str, expected: usize, received: usize) -> String {
        format!("The call to '{identifier}' expects '{expected}' parameters, but received '{received}'.")
    }
    pub(crate) fn too_many_arguments(identifier: &str, expected: usize, token: &str) -> String {
        format!(
            "Unexpected JSON token {token}. Ensure that the call to `{identifier}' is supplied with exactly '{expected}' parameters."
        )
    }
    /// A value serde could not bind to a parameter's type (not a reference text: .NET's
    /// would be a `JsonException` message), named after the call and the argument.
    pub(crate) fn argument_not_bound(identifier: &str, position: usize, inner: &str) -> String {
        format!("The call to '{identifier}' could not bind argument {position}: {inner}")
    }
    pub(crate) fn object_ref_to_plain_parameter(
        identifier: &str,
        type_name: &str,
        index: usize,
    ) -> String {
        format!(
            "In call to '{identifier}', parameter of type '{type_name}' at index {index} must be declared as type 'DotNetObjectRef<{type_name}>' to receive the incoming value."
        )
    }
    pub(crate) fn wrong_object_type(id: u64, type_name: &str) -> String {
        format!("The object with id '{id}' is not of type '{type_name}'.")
    }
    pub(crate) fn completion_deserialize(inner: &str) -> String {
        format!("An exception occurred executing JS interop: {inner}. See InnerException for more details.")
    }
    pub(crate) fn unserializable(identifier: &str, error: &dyn std::fmt::Display) -> String {
        format!("The result of '{identifier}' could not be serialized: {error}")
    }
    pub(crate) fn sync_call_of_async(identifier: &str) -> String {
        format!(
            "The method '{identifier}' is async and cannot be invoked synchronously. Use invokeMethodAsync instead."
        )
    }
    pub(crate) fn cancelled(identifier: &str) -> String {
        format!("The call to '{identifier}' was cancelled.")
    }
    pub(crate) fn panicked(identifier: &str) -> String {
        format!("The call to '{identifier}' panicked.")
    }
    pub(crate) fn hidden_user_error(identifier: &str, assembly: Option<&str>) -> String {
        match assembly {
            Some(assembly) => format!(
                "There was an exception invoking '{identifier}' on assembly '{assembly}'. For more details turn on detailed errors in the runtime options"
            ),
            None => format!(
                "There was an exception invoking '{identifier}'. For more details turn on detailed errors in the runtime options"
            ),
        }
    }
    pub(crate) fn too_deep(max_depth: usize) -> String {
        format!("The JSON value exceeds the maximum depth of {max_depth}.")
    }
    pub(crate) fn message_too_large(size: usize, max: usize) -> String {
        format!("The message of {size} bytes exceeds the maximum message size of {max} bytes.")
    }
    pub(crate) const BYTE_LIMIT: &str =
        "Exceeded the maximum byte array transfer limit for a call.";
    pub(crate) fn byte_array_out_of_order(index: u32, count: usize) -> String {
        format!("Element id '{index}' cannot be added to the byte arrays to be revived with length '{count}'.")
    }
    pub(crate) const UNEXPECTED_BYTE_ARRAY: &str =
        "JSON serialization is attempting to deserialize an unexpected byte array.";
    pub(crate) fn byte_array_not_found(index: i64) -> String {
        format!("Byte array {index} not found.")
    }
    pub(crate) const BYTE_ARRAYS_AMBIGUOUS: &str = "Cannot tell which of the byte arrays received are this result's: a call that failed may have sent some of them, or JavaScript sent byte arrays no message claims.";
    pub(crate) fn byte_arrays_mismatch(markers: usize) -> String {
        format!("This result refers to {markers} byte arrays, but no batch of byte arrays received before it can be its own.")
    }
    pub(crate) const BYTE_ARRAYS_DROPPED: &str = "The byte arrays of this result were dropped: more batches of byte arrays arrived than calls that could claim them.";
    pub(crate) fn too_many_in_flight(identifier: &str, limit: usize) -> String {
        format!("The call to '{identifier}' was rejected: {limit} calls are already in flight on this runtime.")
    }
    pub(crate) fn too_many_objects(limit: usize) -> String {
        format!("Cannot track another object: this runtime already tracks the maximum of {limit} objects.")
    }
    /// A call refused while the sync `&mut self` method `holder` runs on its object.
    pub(crate) fn object_busy_exclusive(identifier: &str, holder: &str) -> String {
        format!("The object is busy: '{identifier}' cannot run while the `&mut self` method '{holder}' runs on it (a re-entrant or concurrent call).")
    }
    /// A `&mut self` call refused while the async `&self` method `holder` is pending.
    pub(crate) fn object_busy_async(identifier: &str, holder: &str) -> String {
        format!("The object is busy: '{identifier}' takes it exclusively (`&mut self`), but the async `&self` method '{holder}' is still running on it, and an async `&self` method holds its object until it completes.")
    }
    /// A `&mut self` call refused while the sync `&self` method `holder` runs.
    pub(crate) fn object_busy_shared(identifier: &str, holder: &str) -> String {
        format!("The object is busy: '{identifier}' takes it exclusively (`&mut self`), but the `&self` method '{holder}' runs on it (a re-entrant or concurrent call).")
    }
    /// A `&mut self` call refused while Rust code holds the object.
    pub(crate) fn object_busy_rust(identifier: &str) -> String {
        format!("The object is busy: '{identifier}' takes it exclusively (`&mut self`), but Rust code holds it (`ObjectRef::borrow`).")
    }
    pub(crate) const TRACKED_ELSEWHERE: &str = "DotNetObjectReference`1 is already being tracked by a different instance of JSRuntime. A common cause is caching an instance of DotNetObjectReference globally. Consider creating instances of DotNetObjectReference at the JSInterop callsite.";
    pub(crate) const OBJECT_REF_DISPOSED: &str =
        "Cannot access a disposed object. Object name: 'ObjectRef'.";
    pub(crate) const DISCONNECTED: &str = "The JS runtime has been disconnected.";
    pub(crate) fn timed_out(identifier: &str, millis: u128) -> String {
        format!("The JS interop call '{identifier}' timed out after {millis}ms.")
    }
    pub(crate) const OUTSIDE_CALL: &str =
        "interop values (ObjectRef, JsObjectRef, ByteArray) can only be (de)serialized by a JsRuntime during a call";
    pub(crate) const JS_OBJECT_DISPOSED: &str = "The JS object reference has been disposed.";
    pub(crate) const STREAM_LENGTH_NOT_POSITIVE: &str =
        "Length must be a positive value. (Parameter 'totalLength')";
    pub(crate) fn stream_too_large(length: u64, max: u64) -> String {
        format!("The incoming data stream of length {length} exceeds the maximum allowed length {max}. (Parameter 'maxAllowedSize')")
    }
    pub(crate) const STREAM_SHORT_READ: &str =
        "Failed to read the requested number of bytes from the stream.";
    pub(crate) const STREAM_EMPTY_CHUNK: &str = "The incoming data chunk cannot be empty.";
    pub(crate) const STREAM_CHUNK_TOO_LONG: &str =
        "The incoming data chunk exceeded the permitted length.";
    pub(crate) fn stream_read_error(error: &str) -> String {
        format!("An error occurred while reading the remote stream: {error}")
    }
    pub(crate) const STREAM_IDLE: &str = "Did not receive any data in the allotted time.";
    pub(crate) const STREAM_CANCELLED: &str = "The stream was cancelled.";
    pub(crate) const STREAM_REF_IN_USE: &str =
        "The reader of this StreamRef is being sent to JavaScript (use leave_open to send it again after the transfer).";
    pub(crate) const STREAM_REF_FROM_JS: &str = "DotNetStreamReference cannot be supplied from JavaScript to .NET because the stream contents have already been transferred.";
    pub(crate) fn stream_not_available(id: u64) -> String {
        format!("The stream with ID {id} is not available. It may have timed out.")
    }
    pub(crate) fn stream_read_out_of_turn(id: u64, seq: u64, next: u64) -> String {
        format!("Read {seq} of the stream with ID {id} is out of turn: the next read is {next}.")
    }
}

/// The message of a deserialization error without the position serde_json appends to data
/// errors (`… at line 1 column 14`): the catalog texts the marker readers raise (`Byte array 5
/// not found.`) must arrive verbatim, and the position is relative to one value's text anyway.
/// Whether a deserialization error is serde's own account of a value that does not fit the
/// type (as opposed to a text a marker reader gives verbatim, from the reference).
pub(crate) fn is_type_mismatch(text: &str) -> bool {
    const SERDE_TEXTS: [&str; 7] = [
        "invalid type:",
        "invalid value:",
        "invalid length",
        "missing field",
        "unknown field",
        "unknown variant",
        "duplicate field",
    ];
    SERDE_TEXTS.iter().any(|prefix| text.starts_with(prefix))
}

pub(crate) fn deserialize_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    if error.is_data() && error.line() != 0 {
        let suffix = format!(" at line {} column {}", error.line(), error.column());
        if let Some(message) = text.strip_suffix(&suffix) {
            return message.to_owned();
        }
    }
    text
}

/// Why a Rust→JavaScript call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsError {
    /// JavaScript threw or rejected. The text is its message (its first line) and stack.
    Js(String),
    /// The call did not complete within the timeout.
    Timeout(String),
    /// The runtime closed (the page or connection went away) before the call completed.
    Disconnected,
    /// The arguments could not be serialized (or a limit refused them).
    Arguments(String),
    /// The result could not be deserialized into the requested type.
    Result(String),
    /// The host cannot run this kind of call (a synchronous call over a network host).
    Unsupported(String),

    /// A stream could not be opened or read: over `max_allowed_size`, a chunk of the wrong
    /// size, an error thrown while JavaScript read its data, no data within the idle timeout,
    /// or cancelled.
    Stream(String),
}

impl fmt::Display for JsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsError::Js(text)
            | JsError::Timeout(text)
            | JsError::Arguments(text)
            | JsError::Result(text)
            | JsError::Unsupported(text)
            | JsError::Stream(text) => f.write_str(text),
            JsError::Disconnected => f.write_str(texts::DISCONNECTED),
        }
    }
}

impl std::error::Error for JsError {}

/// A problem found when building the registry of `#[jsinvokable]` items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryError {
    /// One line per duplicated `(assembly, identifier)`, naming both definitions.
    pub duplicates: Vec<String>,
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} duplicate [JSInvokable] identifier(s):",
            self.duplicates.len()
        )?;
        for line in &self.duplicates {
            writeln!(f, "  {line}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RegistryError {}
