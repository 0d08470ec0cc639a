//! The WebSocket framing (docs/websocket.md): JSON text frames for calls and completions,
//! binary frames with a 13-byte header for byte arrays (in parts when larger than a frame).

use std::borrow::Cow;

use axum::extract::ws::Message;
use interop_runtime::{JsInvocation, ToJs};
use serde_json::value::RawValue;

/// Binary frame kinds: a byte array (or its last part) from the page, a byte array for the
/// page, and a part of a byte array from the page with more parts to follow.
pub const KIND_SEND_BYTE_ARRAY: u8 = 1;
pub const KIND_RECEIVE_BYTE_ARRAY: u8 = 2;
pub const KIND_SEND_BYTE_ARRAY_PART: u8 = 3;
/// `kind: u8`, `id: u64` little-endian, `part: u32` little-endian.
pub const HEADER_LEN: usize = 13;

/// A message from the page, borrowing from its frame where it can.
#[derive(Debug, PartialEq, Eq)]
pub enum Incoming<'a> {
    BeginInvokeDotNet {
        call_id: u64,
        assembly: Option<String>,
        identifier: Option<String>,
        object_id: Option<u64>,
        args_json: Cow<'a, str>,
    },
    EndInvokeJs {
        triple_json: Cow<'a, str>,
    },
    /// The page aborted call `call_id` (`["CancelInvokeDotNetFromJS", callId]`).
    CancelInvokeDotNet {
        call_id: u64,
    },
    /// A byte array, or one part of it: parts of one array are numbered from 0 and follow each
    /// other with no other frame between them; `last` ends the array.
    ByteArray {
        index: u32,
        part: u32,
        last: bool,
        bytes: &'a [u8],
    },
    /// Answered with `["Pong", n]` after everything the page sent before it was processed.
    Ping(u64),
}

/// A frame the page should not have sent.
#[derive(Debug, PartialEq, Eq)]
pub enum ProtocolError {
    /// Nothing to answer: the frame is reported to the page as an `Error` message.
    Frame(String),
    /// A call with a readable id but a bad shape: the call fails with this text.
    Call { call_id: u64, text: String },
}

fn field<'a, T: serde::Deserialize<'a>>(
    fields: &[&'a RawValue],
    index: usize,
    what: &str,
) -> Result<T, String> {
    let raw = fields.get(index).ok_or_else(|| format!("missing {what}"))?;
    serde_json::from_str(raw.get()).map_err(|_| format!("{what} has the wrong type: {}", raw.get()))
}

/// A JSON text carried in a frame: a JSON array written in place (what `connect.js` sends:
/// no escaping, no copy) or, as before, a string holding the JSON.
fn json_field<'a>(
    fields: &[&'a RawValue],
    index: usize,
    what: &str,
) -> Result<Cow<'a, str>, String> {
    let raw = fields.get(index).ok_or_else(|| format!("missing {what}"))?;
    if raw.get().starts_with('[') {
        return Ok(Cow::Borrowed(raw.get()));
    }
    let text: String = serde_json::from_str(raw.get())
        .map_err(|_| format!("{what} has the wrong type: {}", raw.get()))?;
    Ok(Cow::Owned(text))
}

/// Decodes a text frame.
pub fn decode_text(text: &str) -> Result<Incoming<'_>, ProtocolError> {
    let fields: Vec<&RawValue> = serde_json::from_str(text).map_err(|error| {
        ProtocolError::Frame(format!("a text frame must be a JSON array: {error}"))
    })?;
    let kind: String = field(&fields, 0, "the message name").map_err(ProtocolError::Frame)?;
    match kind.as_str() {
        "BeginInvokeDotNetFromJS" => {
            // An absent or null call id means fire-and-forget, like 0 (PROTOCOL.md §4.5).
            let call_id = field::<Option<u64>>(&fields, 1, "callId")
                .map_err(ProtocolError::Frame)?
                .unwrap_or(0);
            let call = || -> Result<Incoming, String> {
                if fields.len() != 6 {
                    return Err(format!(
                        "BeginInvokeDotNetFromJS has 6 fields, not {}",
                        fields.len()
                    ));
                }
                Ok(Incoming::BeginInvokeDotNet {
                    call_id,
                    assembly: field(&fields, 2, "assemblyName")?,
                    identifier: field(&fields, 3, "methodIdentifier")?,
                    object_id: field(&fields, 4, "dotNetObjectId")?,
                    args_json: json_field(&fields, 5, "argsJson")?,
                })
            };
            call().map_err(|text| {
                if call_id == 0 {
                    // Fire-and-forget: no completion, not even for a bad shape.
                    ProtocolError::Frame(text)
                } else {
                    ProtocolError::Call { call_id, text }
                }
            })
        }
        "EndInvokeJSFromDotNet" => {
            if fields.len() != 4 {
                return Err(ProtocolError::Frame(format!(
                    "EndInvokeJSFromDotNet has 4 fields, not {}",
                    fields.len()
                )));
            }
            Ok(Incoming::EndInvokeJs {
                triple_json: json_field(&fields, 3, "tripleJson").map_err(ProtocolError::Frame)?,
            })
        }
        "CancelInvokeDotNetFromJS" => {
            if fields.len() != 2 {
                return Err(ProtocolError::Frame(format!(
                    "CancelInvokeDotNetFromJS has 2 fields, not {}",
                    fields.len()
                )));
            }
            Ok(Incoming::CancelInvokeDotNet {
                call_id: field(&fields, 1, "callId").map_err(ProtocolError::Frame)?,
            })
        }
        "Ping" => Ok(Incoming::Ping(
            field(&fields, 1, "the ping number").map_err(ProtocolError::Frame)?,
        )),
        other => Err(ProtocolError::Frame(format!("unknown message '{other}'"))),
    }
}

/// Decodes a binary frame.
pub fn decode_binary(frame: &[u8]) -> Result<Incoming<'_>, ProtocolError> {
    let Some((header, bytes)) = frame.split_first_chunk::<HEADER_LEN>() else {
        return Err(ProtocolError::Frame(format!(
            "a binary frame needs a {HEADER_LEN}-byte header, got {} bytes",
            frame.len()
        )));
    };
    let (kind, rest) = header.split_at(1);
    let (id, part) = rest.split_at(8);
    let id = u64::from_le_bytes(id.try_into().unwrap_or_default());
    let part = u32::from_le_bytes(part.try_into().unwrap_or_default());
    let last = match kind[0] {
        KIND_SEND_BYTE_ARRAY => true,
        KIND_SEND_BYTE_ARRAY_PART => false,
        other => {
            return Err(ProtocolError::Frame(format!(
                "unknown binary frame kind {other}"
            )))
        }
    };
    let index = u32::try_from(id)
        .map_err(|_| ProtocolError::Frame(format!("byte array index {id} is out of range")))?;
    // A fault planted for the fuzzing demonstration (scripts/fuzz-planted-faults.sh): a part
    // of more than 64 bytes loses its last byte.
    #[cfg(fuzz_planted_fault)]
    let bytes = match bytes.split_last() {
        Some((_, rest)) if !last && rest.len() >= 64 => rest,
        _ => bytes,
    };
    Ok(Incoming::ByteArray {
        index,
        part,
        last,
        bytes,
    })
}

/// A byte array for the page, in one frame: the header, then the bytes (their one copy).
fn binary(kind: u8, id: u64, bytes: &[u8]) -> Message {
    let mut frame = Vec::with_capacity(HEADER_LEN + bytes.len());
    frame.push(kind);
    frame.extend_from_slice(&id.to_le_bytes());
    frame.extend_from_slice(&0u32.to_le_bytes());
    frame.extend_from_slice(bytes);
    Message::Binary(frame.into())
}

/// Encodes a message for the page.
pub(crate) fn encode(message: ToJs) -> Message {
    let text = match message {
        ToJs::EndInvokeDotNet {
            call_id,
            success,
            result_or_error,
        } => serde_json::to_string(&("EndInvokeDotNet", call_id, success, result_or_error)),
        ToJs::BeginInvokeJs(JsInvocation {
            async_handle,
            identifier,
            args_json,
            result_type,
            target_instance_id,
            call_type,
        }) => serde_json::to_string(&(
            "BeginInvokeJS",
            async_handle,
            identifier,
            args_json,
            result_type as u8,
            target_instance_id,
            call_type as u8,
        )),
        ToJs::ReceiveByteArray { id, bytes } => return binary(KIND_RECEIVE_BYTE_ARRAY, id, &bytes),
    };
    // Tuples of strings, numbers and booleans always serialize.
    Message::Text(text.unwrap_or_default().into())
}

/// The answer to `["Ping", n]`.
pub(crate) fn pong(number: u64) -> Message {
    Message::Text(
        serde_json::to_string(&("Pong", number))
            .unwrap_or_default()
            .into(),
    )
}

/// An `Error` message telling the page what was wrong with a frame.
pub(crate) fn error_message(text: &str) -> Message {
    Message::Text(
        serde_json::to_string(&("Error", text))
            .unwrap_or_default()
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_calls_completions_and_byte_arrays() {
        assert_eq!(
            decode_text(r#"["BeginInvokeDotNetFromJS",3,"Asm","Id",null,"[1]"]"#),
            Ok(Incoming::BeginInvokeDotNet {
                call_id: 3,
                assembly: Some("Asm".into()),
                identifier: Some("Id".into()),
                object_id: None,
                args_json: Cow::Borrowed("[1]")
            })
        );
        assert_eq!(
            decode_text(r#"["EndInvokeJSFromDotNet",2,true,"[2,true,5]"]"#),
            Ok(Incoming::EndInvokeJs {
                triple_json: "[2,true,5]".into()
            })
        );
        assert_eq!(
            decode_text(r#"["CancelInvokeDotNetFromJS",9]"#),
            Ok(Incoming::CancelInvokeDotNet { call_id: 9 })
        );
        let mut frame = vec![KIND_SEND_BYTE_ARRAY];
        frame.extend_from_slice(&7u64.to_le_bytes());
        frame.extend_from_slice(&0u32.to_le_bytes());
        frame.extend_from_slice(b"abc");
        assert_eq!(
            decode_binary(&frame),
            Ok(Incoming::ByteArray {
                index: 7,
                part: 0,
                last: true,
                bytes: b"abc"
            })
        );
        frame[0] = KIND_SEND_BYTE_ARRAY_PART;
        frame[9..13].copy_from_slice(&2u32.to_le_bytes());
        assert_eq!(
            decode_binary(&frame),
            Ok(Incoming::ByteArray {
                index: 7,
                part: 2,
                last: false,
                bytes: b"abc"
            })
        );
    }

    #[test]
    fn json_may_be_written_in_place_or_as_a_string() {
        assert_eq!(
            decode_text(r#"["BeginInvokeDotNetFromJS",3,"Asm","Id",null,["a\"b",{"x":1}]]"#),
            Ok(Incoming::BeginInvokeDotNet {
                call_id: 3,
                assembly: Some("Asm".into()),
                identifier: Some("Id".into()),
                object_id: None,
                args_json: Cow::Borrowed(r#"["a\"b",{"x":1}]"#)
            })
        );
        assert_eq!(
            decode_text(r#"["EndInvokeJSFromDotNet",2,true,[2,true,{"a":[1]}]]"#),
            Ok(Incoming::EndInvokeJs {
                triple_json: Cow::Borrowed(r#"[2,true,{"a":[1]}]"#)
            })
        );
        assert_eq!(
            decode_text(r#"["BeginInvokeDotNetFromJS",3,"Asm","Id",null,{"x":1}]"#),
            Err(ProtocolError::Call {
                call_id: 3,
                text: r#"argsJson has the wrong type: {"x":1}"#.into()
            })
        );
    }

    #[test]
    fn a_null_call_id_is_fire_and_forget() {
        assert_eq!(
            decode_text(r#"["BeginInvokeDotNetFromJS",null,"Asm","Id",null,"[]"]"#),
            Ok(Incoming::BeginInvokeDotNet {
                call_id: 0,
                assembly: Some("Asm".into()),
                identifier: Some("Id".into()),
                object_id: None,
                args_json: "[]".into()
            })
        );
    }

    #[test]
    fn refuses_bad_frames_with_a_reason() {
        for bad in [
            "",
            "{}",
            "[]",
            "[1]",
            r#"["Nope"]"#,
            r#"["EndInvokeJSFromDotNet",1]"#,
            r#"["CancelInvokeDotNetFromJS"]"#,
            r#"["CancelInvokeDotNetFromJS",-1]"#,
            r#"["CancelInvokeDotNetFromJS","1"]"#,
            r#"["CancelInvokeDotNetFromJS",1,2]"#,
        ] {
            assert!(
                matches!(decode_text(bad), Err(ProtocolError::Frame(_))),
                "{bad}"
            );
        }
        assert_eq!(
            decode_text(r#"["BeginInvokeDotNetFromJS",4,"Asm",7,null,"[]"]"#),
            Err(ProtocolError::Call {
                call_id: 4,
                text: "methodIdentifier has the wrong type: 7".into()
            })
        );
        assert_eq!(
            decode_text(r#"["BeginInvokeDotNetFromJS",0,"Asm",7,null,"[]"]"#),
            Err(ProtocolError::Frame(
                "methodIdentifier has the wrong type: 7".into()
            ))
        );
        assert!(matches!(
            decode_binary(&[1, 2, 3]),
            Err(ProtocolError::Frame(_))
        ));
        assert!(matches!(
            decode_binary(&[9; 20]),
            Err(ProtocolError::Frame(_))
        ));
    }
}
