//! Target `frames`: the WebSocket host's frame decoder (`interop_server::fuzzing`), text and
//! binary, byte arrays in parts included, and what the decoded messages do to a runtime.
//!
//! Text frames are checked against a reference decoder reading the frame as a [`Tree`]
//! (docs/websocket.md): same message, same fields, same kind of refusal (`Frame`, or `Call`
//! with the same call id). Binary frames written from fields decode to exactly those fields;
//! raw binary frames decode as their header says. Parts are joined as docs/websocket.md says
//! and the bytes a method then binds are exactly the bytes sent.

use interop_runtime::{JsRuntime, RuntimeOptions, ToJs};
use interop_server::fuzzing::{
    decode_binary, decode_text, Incoming, ProtocolError, HEADER_LEN, KIND_SEND_BYTE_ARRAY,
    KIND_SEND_BYTE_ARRAY_PART,
};
use interop_testkit::MemoryHost;
use serde::de::IgnoredAny;
use serde_json::Value;

use crate::input::Input;
use crate::methods::ASSEMBLY;
use crate::tree::{from_tree, Tree};

/// What the reference decoder expects of a text frame.
#[derive(Debug, PartialEq)]
enum Expected {
    Begin {
        call_id: u64,
        assembly: Option<String>,
        identifier: Option<String>,
        object_id: Option<u64>,
        args: Args,
    },
    End(Args),
    Cancel(u64),
    Ping(u64),
    Frame,
    Call(u64),
}

/// A JSON field written in place (compared as parsed) or as a string (compared exactly).
#[derive(Debug, PartialEq)]
enum Args {
    InPlace(Tree),
    Text(String),
}

fn field<T: serde::de::DeserializeOwned>(fields: &[Tree], index: usize) -> Result<T, ()> {
    fields
        .get(index)
        .ok_or(())
        .and_then(|tree| from_tree(tree).map_err(|_| ()))
}

fn json_field(fields: &[Tree], index: usize) -> Result<Args, ()> {
    match fields.get(index) {
        Some(tree @ Tree::Array(_)) => Ok(Args::InPlace(tree.clone())),
        Some(Tree::Leaf(Value::String(text))) => Ok(Args::Text(text.clone())),
        _ => Err(()),
    }
}

/// What the reference decoder says of a text frame.
enum Verdict {
    /// The frame decodes to this.
    Decodes(Expected),
    /// JSON in its syntax, but a string holds an escape a Rust string cannot (a lone surrogate,
    /// `"\ud800"`): the decoder passes JSON it writes in place on unread (as serde_json's
    /// `RawValue` does), so either outcome is right.
    Either,
    /// Not JSON: the decoder must refuse it.
    Refused,
}

/// The reference decoder.
fn reference(text: &str) -> Verdict {
    match Tree::parse(text) {
        Ok(tree) => Verdict::Decodes(expected(tree)),
        Err(_) if serde_json::from_str::<IgnoredAny>(text).is_ok() => Verdict::Either,
        Err(_) => Verdict::Refused,
    }
}

fn expected(tree: Tree) -> Expected {
    let Tree::Array(fields) = tree else {
        return Expected::Frame;
    };
    let Ok(kind) = field::<String>(&fields, 0) else {
        return Expected::Frame;
    };
    match kind.as_str() {
        "BeginInvokeDotNetFromJS" => {
            let Ok(call_id) = field::<Option<u64>>(&fields, 1) else {
                return Expected::Frame;
            };
            let call_id = call_id.unwrap_or(0);
            let call = || -> Result<Expected, ()> {
                if fields.len() != 6 {
                    return Err(());
                }
                Ok(Expected::Begin {
                    call_id,
                    assembly: field(&fields, 2)?,
                    identifier: field(&fields, 3)?,
                    object_id: field(&fields, 4)?,
                    args: json_field(&fields, 5)?,
                })
            };
            match call() {
                Ok(expected) => expected,
                Err(()) if call_id == 0 => Expected::Frame,
                Err(()) => Expected::Call(call_id),
            }
        }
        "EndInvokeJSFromDotNet" if fields.len() == 4 => match json_field(&fields, 3) {
            Ok(args) => Expected::End(args),
            Err(()) => Expected::Frame,
        },
        "CancelInvokeDotNetFromJS" if fields.len() == 2 => match field::<u64>(&fields, 1) {
            Ok(call_id) => Expected::Cancel(call_id),
            Err(()) => Expected::Frame,
        },
        "Ping" => match field::<u64>(&fields, 1) {
            Ok(number) => Expected::Ping(number),
            Err(()) => Expected::Frame,
        },
        _ => Expected::Frame,
    }
}

fn args_of(text: &str, borrowed: bool) -> Args {
    if !borrowed {
        return Args::Text(text.to_owned());
    }
    match Tree::parse(text) {
        Ok(tree) => Args::InPlace(tree),
        Err(error) => {
            // Only with a string escape a Rust string cannot hold (see `Verdict::Either`).
            assert!(
                serde_json::from_str::<IgnoredAny>(text).is_ok(),
                "a JSON field written in place decoded to a text that is not JSON: {text:?}: {error}"
            );
            Args::Text(text.to_owned())
        }
    }
}

fn decoded(incoming: &Result<Incoming<'_>, ProtocolError>) -> Expected {
    match incoming {
        Ok(Incoming::BeginInvokeDotNet {
            call_id,
            assembly,
            identifier,
            object_id,
            args_json,
        }) => Expected::Begin {
            call_id: *call_id,
            assembly: assembly.clone(),
            identifier: identifier.clone(),
            object_id: *object_id,
            args: args_of(
                args_json,
                matches!(args_json, std::borrow::Cow::Borrowed(_)),
            ),
        },
        Ok(Incoming::EndInvokeJs { triple_json }) => Expected::End(args_of(
            triple_json,
            matches!(triple_json, std::borrow::Cow::Borrowed(_)),
        )),
        Ok(Incoming::CancelInvokeDotNet { call_id }) => Expected::Cancel(*call_id),
        Ok(Incoming::Ping(number)) => Expected::Ping(*number),
        Ok(Incoming::ByteArray { .. }) => panic!("a text frame decoded to a byte array"),
        Err(ProtocolError::Frame(_)) => Expected::Frame,
        Err(ProtocolError::Call { call_id, .. }) => Expected::Call(*call_id),
    }
}

/// Applies a decoded text message to `runtime` as the connection does; checks that a call
/// completes exactly once when it must.
fn apply(host: &MemoryHost, runtime: &JsRuntime, incoming: Incoming<'_>) {
    match incoming {
        Incoming::BeginInvokeDotNet {
            call_id,
            assembly,
            identifier,
            object_id,
            args_json,
        } => {
            runtime.begin_invoke_dotnet(
                call_id,
                assembly.as_deref(),
                identifier.as_deref(),
                object_id,
                &args_json,
            );
            host.run_until_stalled();
            let completions = host
                .take_messages()
                .into_iter()
                .filter(|message| {
                    matches!(message, ToJs::EndInvokeDotNet { call_id: id, .. } if *id == call_id)
                })
                .count();
            // The methods of `Fuzz` are synchronous: they complete at once, others may wait.
            let must = call_id != 0 && assembly.as_deref() == Some(ASSEMBLY);
            assert!(
                completions <= 1,
                "call {call_id} completed {completions} times"
            );
            assert!(!must || completions == 1, "call {call_id} did not complete");
            if call_id == 0 {
                assert_eq!(completions, 0, "a fire-and-forget call was answered");
            }
        }
        Incoming::EndInvokeJs { triple_json } => {
            let _ = runtime.end_invoke_js(&triple_json);
        }
        Incoming::CancelInvokeDotNet { call_id } => {
            // Whatever it names, a cancel answers nothing at once and never panics.
            runtime.cancel_invoke_dotnet(call_id);
        }
        Incoming::Ping(_) | Incoming::ByteArray { .. } => {}
    }
}

fn text_frame(host: &MemoryHost, runtime: &JsRuntime, text: &str) {
    let incoming = decode_text(text);
    let got = decoded(&incoming);
    match reference(text) {
        Verdict::Decodes(expected) => assert_eq!(got, expected, "text frame {text:?}"),
        Verdict::Either => {}
        Verdict::Refused => assert!(
            matches!(got, Expected::Frame | Expected::Call(_)),
            "a text frame that is not JSON decoded: {text:?} -> {got:?}"
        ),
    }
    if let Ok(incoming) = incoming {
        apply(host, runtime, incoming);
    }
}

/// A byte array being joined from its parts.
struct Joining {
    index: u32,
    next_part: u32,
    bytes: Vec<u8>,
}

fn frame(kind: u8, id: u64, part: u32, bytes: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(HEADER_LEN + bytes.len());
    frame.push(kind);
    frame.extend_from_slice(&id.to_le_bytes());
    frame.extend_from_slice(&part.to_le_bytes());
    frame.extend_from_slice(bytes);
    frame
}

/// The check: frames and operations read from `data` (see the module's documentation).
pub fn frames(data: &[u8]) {
    let mut input = Input::new(data);
    let host = MemoryHost::new();
    let runtime = host.runtime(RuntimeOptions::default());
    let mut joining: Option<Joining> = None;
    // Arrays joined since the last JSON message, as the runtime has them staged.
    let mut staged: Vec<Vec<u8>> = Vec::new();
    let mut steps = 0;
    while !input.is_empty() && steps < 64 {
        steps += 1;
        match input.below(4) {
            0 => {
                let text = input.text();
                text_frame(&host, &runtime, &text);
                joining = None;
                staged.clear();
            }
            1 => {
                // A raw binary frame: it decodes as its header says.
                let raw = input.chunk(40);
                let got = decode_binary(raw);
                match raw {
                    [kind @ (KIND_SEND_BYTE_ARRAY | KIND_SEND_BYTE_ARRAY_PART), header @ ..]
                        if header.len() >= HEADER_LEN - 1 =>
                    {
                        let id = u64::from_le_bytes(header[..8].try_into().unwrap_or_default());
                        let part = u32::from_le_bytes(header[8..12].try_into().unwrap_or_default());
                        let expected = u32::try_from(id).ok().map(|index| Incoming::ByteArray {
                            index,
                            part,
                            last: *kind == KIND_SEND_BYTE_ARRAY,
                            bytes: &raw[HEADER_LEN..],
                        });
                        match expected {
                            Some(expected) => assert_eq!(got, Ok(expected), "binary frame {raw:?}"),
                            None => assert!(matches!(got, Err(ProtocolError::Frame(_)))),
                        }
                    }
                    _ => assert!(
                        matches!(got, Err(ProtocolError::Frame(_))),
                        "binary frame {raw:?} -> {got:?}"
                    ),
                }
            }
            _ => {
                // One part of the next byte array, written from its fields.
                let flags = input.byte();
                let last = flags & 1 == 1;
                let index = match &joining {
                    Some(joining) if flags & 2 == 0 => joining.index,
                    _ => u32::try_from(staged.len()).unwrap_or(u32::MAX),
                };
                let part = match &joining {
                    Some(joining) if flags & 4 == 0 => joining.next_part,
                    _ if flags & 8 == 0 => 0,
                    _ => input.u32(),
                };
                let bytes = input.chunk(200);
                let kind = if last {
                    KIND_SEND_BYTE_ARRAY
                } else {
                    KIND_SEND_BYTE_ARRAY_PART
                };
                let raw = frame(kind, u64::from(index), part, bytes);
                let got = decode_binary(&raw);
                assert_eq!(
                    got,
                    Ok(Incoming::ByteArray {
                        index,
                        part,
                        last,
                        bytes
                    }),
                    "a byte-array frame decoded otherwise"
                );
                // Joining, as docs/websocket.md says: parts from 0, in order, the last ends it.
                let mut current = match joining.take() {
                    Some(current) if current.index == index && current.next_part == part => current,
                    None if part == 0 => Joining {
                        index,
                        next_part: 0,
                        bytes: Vec::new(),
                    },
                    _ => {
                        staged.clear();
                        continue;
                    }
                };
                current.bytes.extend_from_slice(bytes);
                current.next_part += 1;
                if last {
                    assert!(
                        runtime
                            .receive_byte_array(index, current.bytes.clone())
                            .is_ok()
                            || index as usize != staged.len(),
                        "a byte array in order was refused"
                    );
                    staged.push(current.bytes);
                } else {
                    joining = Some(current);
                }
            }
        }
    }
    // The last array joined is the one a method binds.
    if let Some(bytes) = staged.last() {
        let index = staged.len() - 1;
        let result = runtime.invoke_dotnet(
            Some(ASSEMBLY),
            Some("OneBytes"),
            None,
            &format!(r#"[{{"__byte[]":{index}}}]"#),
        );
        let mut expected = String::new();
        crate::methods::describe_bytes(&mut expected, bytes);
        let expected = format!("({expected};)");
        assert_eq!(
            result,
            serde_json::to_string(&expected).map_err(|error| error.to_string()),
            "the bytes sent in parts"
        );
    }
    runtime.close();
}
