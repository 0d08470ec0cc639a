//! The server end to end over a real socket: a call, a byte array, a ping, a bad frame,
//! the origin check.

use futures_util::{SinkExt, StreamExt};
use interop_server::{InteropServer, ServerOptions};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

/// Links the test kit's fixtures (assembly "Conformance") into this test binary.
const _: fn(String) -> String = interop_testkit::fixtures::echo;

async fn start(options: ServerOptions) -> (InteropServer, String) {
    let server = InteropServer::new(options);
    let app = server.router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let shutdown = server.shutdown_signal();
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
            .unwrap();
    });
    (server, format!("ws://{address}/_interop/ws"))
}

async fn next_text(
    socket: &mut (impl StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin),
) -> String {
    loop {
        match socket.next().await.expect("a frame").expect("no error") {
            Message::Text(text) => return text.to_string(),
            Message::Binary(bytes) => return format!("binary {:?}", bytes.to_vec()),
            _ => continue,
        }
    }
}

#[tokio::test]
async fn a_call_bytes_a_ping_and_a_bad_frame() {
    let (_server, url) = start(ServerOptions::default()).await;
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    socket
        .send(Message::text(
            r#"["BeginInvokeDotNetFromJS",1,"Conformance","Echo",null,"[\"hi\"]"]"#,
        ))
        .await
        .unwrap();
    assert_eq!(
        next_text(&mut socket).await,
        r#"["EndInvokeDotNet",1,true,"\"hi\""]"#
    );

    let mut frame = vec![1u8];
    frame.extend_from_slice(&0u64.to_le_bytes());
    frame.extend_from_slice(&0u32.to_le_bytes());
    frame.extend_from_slice(&[1, 2, 3]);
    socket.send(Message::binary(frame)).await.unwrap();
    socket
        .send(Message::text(r#"["BeginInvokeDotNetFromJS",2,"Conformance","ReverseBytes",null,"[{\"__byte[]\":0}]"]"#))
        .await
        .unwrap();
    let mut expected = vec![2u8];
    expected.extend_from_slice(&1u64.to_le_bytes());
    expected.extend_from_slice(&0u32.to_le_bytes());
    expected.extend_from_slice(&[3, 2, 1]);
    assert_eq!(next_text(&mut socket).await, format!("binary {expected:?}"));
    assert_eq!(
        next_text(&mut socket).await,
        r#"["EndInvokeDotNet",2,true,"{\"__byte[]\":1}"]"#
    );

    socket.send(Message::text("garbage")).await.unwrap();
    let error = next_text(&mut socket).await;
    assert!(
        error.starts_with(r#"["Error","a text frame must be a JSON array"#),
        "{error}"
    );
    socket.send(Message::text(r#"["Ping",7]"#)).await.unwrap();
    assert_eq!(next_text(&mut socket).await, r#"["Pong",7]"#);
}

#[tokio::test]
async fn another_origin_is_refused_and_the_same_origin_accepted() {
    let (_server, url) = start(ServerOptions::default()).await;
    let mut request = url.clone().into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Origin", "http://evil.example".parse().unwrap());
    let refused = tokio_tungstenite::connect_async(request).await.unwrap_err();
    assert!(refused.to_string().contains("403"), "{refused}");

    let mut request = url.clone().into_client_request().unwrap();
    let host = request.headers()["Host"].to_str().unwrap().to_owned();
    request
        .headers_mut()
        .insert("Origin", format!("http://{host}").parse().unwrap());
    assert!(tokio_tungstenite::connect_async(request).await.is_ok());
}

/// The status of an upgrade of `url` with `origin` (101 when it opens).
async fn upgrade_with_origin(url: &str, origin: &str) -> u16 {
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Origin", origin.parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Ok((_, response)) => response.status().as_u16(),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("the upgrade failed without a response: {other}"),
    }
}

/// `allowed_origins` replaces the rule: only the listed origins, compared exactly (scheme, case
/// and port), may connect, the server's own origin included; `null` never.
#[tokio::test]
async fn configured_origins_are_compared_exactly() {
    let (_server, url) = start(ServerOptions {
        allowed_origins: Some(vec!["https://app.example".to_owned()]),
        ..ServerOptions::default()
    })
    .await;
    let own = url.replace("ws://", "http://").replace("/_interop/ws", "");
    assert_eq!(upgrade_with_origin(&url, "https://app.example").await, 101);
    for refused in [
        "http://app.example",
        "https://APP.example",
        "https://app.example:443",
        "https://app.example.attacker.example",
        own.as_str(),
        "null",
    ] {
        assert_eq!(upgrade_with_origin(&url, refused).await, 403, "{refused}");
    }
}

/// `AllowedHosts::Any` (behind a proxy that checks names) serves every host name but keeps the
/// same-origin rule: a page may connect only to the host it was served from.
#[tokio::test]
async fn the_any_opt_out_keeps_the_same_origin_rule() {
    let (_server, url) = start(ServerOptions {
        allowed_hosts: interop_server::AllowedHosts::Any,
        ..ServerOptions::default()
    })
    .await;
    let own = url.replace("ws://", "http://").replace("/_interop/ws", "");
    assert_eq!(upgrade_with_origin(&url, &own).await, 101);
    for refused in ["http://attacker.example", "null"] {
        assert_eq!(upgrade_with_origin(&url, refused).await, 403, "{refused}");
    }
}
