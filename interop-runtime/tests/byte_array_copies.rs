//! Byte arrays are not copied by the runtime: a received `ByteArray` is the buffer the host
//! staged, and a `ByteArray` a method returns reaches the host as the same buffer.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use interop_runtime::{jsinvokable, BoxFuture, ByteArray, Host, JsRuntime, ToJs};

/// Where the bytes a method received lay.
static RECEIVED_AT: Mutex<Option<usize>> = Mutex::new(None);
/// The buffer a method returns.
static TO_RETURN: Mutex<Option<Bytes>> = Mutex::new(None);

#[jsinvokable("Receive", assembly = "Copies")]
fn receive(bytes: ByteArray) -> usize {
    *RECEIVED_AT.lock().unwrap() = Some(bytes.as_ptr() as usize);
    bytes.len()
}

#[jsinvokable("Return", assembly = "Copies")]
fn give_back() -> ByteArray {
    ByteArray::from(
        TO_RETURN
            .lock()
            .unwrap()
            .clone()
            .expect("a buffer to return"),
    )
}

/// A host that keeps what it is sent.
#[derive(Default)]
struct Recorder(Mutex<Vec<ToJs>>);

impl Host for Recorder {
    fn send(&self, message: ToJs) {
        self.0.lock().unwrap().push(message);
    }
    fn spawn(&self, _: BoxFuture<()>) {}
    fn sleep(&self, _: Duration) -> BoxFuture<()> {
        Box::pin(std::future::pending())
    }
}

#[test]
fn a_received_byte_array_is_the_staged_buffer() {
    let host = Arc::new(Recorder::default());
    let runtime = JsRuntime::new(host.clone());
    let staged = Bytes::from(vec![7u8; 1000]);
    let at = staged.as_ptr() as usize;
    runtime.receive_byte_array(0, staged).unwrap();
    runtime.begin_invoke_dotnet(
        1,
        Some("Copies"),
        Some("Receive"),
        None,
        r#"[{"__byte[]":0}]"#,
    );
    assert!(matches!(
        host.0.lock().unwrap().as_slice(),
        [ToJs::EndInvokeDotNet { success: true, result_or_error, .. }] if result_or_error == "1000"
    ));
    assert_eq!(*RECEIVED_AT.lock().unwrap(), Some(at));
}

#[test]
fn a_returned_byte_array_reaches_the_host_as_the_same_buffer() {
    let host = Arc::new(Recorder::default());
    let runtime = JsRuntime::new(host.clone());
    let buffer = Bytes::from(vec![9u8; 1000]);
    *TO_RETURN.lock().unwrap() = Some(buffer.clone());
    runtime.begin_invoke_dotnet(1, Some("Copies"), Some("Return"), None, "[]");
    let sent = host.0.lock().unwrap();
    let [ToJs::ReceiveByteArray { id, bytes }, ToJs::EndInvokeDotNet {
        result_or_error, ..
    }] = sent.as_slice()
    else {
        panic!("a byte array, then the completion: {sent:?}");
    };
    assert_eq!(result_or_error, &format!(r#"{{"__byte[]":{id}}}"#));
    assert_eq!(bytes.as_ptr(), buffer.as_ptr());
    assert_eq!(bytes.len(), 1000);
}
