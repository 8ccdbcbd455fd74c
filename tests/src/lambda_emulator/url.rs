//! The front door of a Function URL: plain HTTP requests become payload format 2.0 events, the function's
//! answers become HTTP responses. Bodies that are not text are base64-encoded both ways, as Lambda does; a
//! request body over Lambda's 6 MB limit is refused before the function sees it, and a function error is a 502.

use super::{Emulator, Outcome};
use crate::wire::{self, Message};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

/// Lambda's request payload limit for synchronous invocations.
const MAX_REQUEST_BYTES: usize = 6 * 1024 * 1024;
/// The function's timeout as the template sets it.
const TIMEOUT: Duration = Duration::from_secs(30);

impl Emulator {
    /// Serves HTTP on a free port, invoking this function once per request; answers the base URL
    /// (`http://127.0.0.1:port`).
    pub fn front_door(self: &Arc<Self>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port for the front door");
        let base = format!("http://{}", listener.local_addr().expect("its address"));
        let function = Arc::downgrade(self);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let Some(function) = function.upgrade() else { return };
                std::thread::spawn(move || serve(stream, &function));
            }
        });
        base
    }
}

fn serve(stream: TcpStream, function: &Emulator) {
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    while let Ok(Some(request)) = wire::read_message(&mut reader, false) {
        let close = request.closes();
        let reply = if request.body.len() > MAX_REQUEST_BYTES {
            wire::response(
                413,
                "Payload Too Large",
                &[("content-type", "application/json")],
                br#"{"message":"Request Entity Too Large"}"#,
                close,
            )
        } else {
            let id = format!("front-door-{}", function.state.next_id.load(std::sync::atomic::Ordering::SeqCst));
            match function.invoke_raw(event(&request, &id).to_string().into_bytes(), TIMEOUT) {
                Outcome::Response(answer) => http_response(&answer, close),
                Outcome::Error(..) => wire::response(
                    502,
                    "Bad Gateway",
                    &[("content-type", "application/json")],
                    br#"{"message":"Internal Server Error"}"#,
                    close,
                ),
            }
        };
        if writer.write_all(&reply).is_err() || close {
            return;
        }
    }
}

/// Content types Lambda passes as text rather than base64.
fn is_text(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|t| {
        let t = t.to_ascii_lowercase();
        t.starts_with("text/") || ["json", "xml", "javascript", "x-www-form-urlencoded"].iter().any(|k| t.contains(k))
    })
}

/// The payload 2.0 event of an HTTP request, shaped as a Function URL sends it.
pub fn event(request: &Message, id: &str) -> Value {
    let mut parts = request.start.split(' ');
    let method = parts.next().unwrap_or("GET");
    let target = parts.next().unwrap_or("/");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers = Map::new();
    let mut cookies = Vec::new();
    for (name, value) in &request.headers {
        if name == "cookie" {
            cookies.extend(value.split("; ").map(|c| Value::from(c.to_owned())));
            continue;
        }
        let joined = match headers.get(name).and_then(Value::as_str) {
            Some(previous) => format!("{previous},{value}"),
            None => value.clone(),
        };
        headers.insert(name.clone(), joined.into());
    }
    let as_text = is_text(request.header("content-type")) && std::str::from_utf8(&request.body).is_ok();
    let body: Value = match (request.body.is_empty(), as_text) {
        (true, _) => Value::Null,
        (false, true) => String::from_utf8_lossy(&request.body).into_owned().into(),
        (false, false) => STANDARD.encode(&request.body).into(),
    };
    let mut event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "emulator",
            "domainName": "emulator.lambda-url.us-east-1.on.aws",
            "domainPrefix": "emulator",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": request.header("user-agent").unwrap_or("test"),
            },
            "requestId": id,
            "routeKey": "$default",
            "stage": "$default",
            "time": "01/Jan/2026:00:00:00 +0000",
            "timeEpoch": super::unix_ms(),
        },
        "isBase64Encoded": !(request.body.is_empty() || as_text),
    });
    if !cookies.is_empty() {
        event["cookies"] = cookies.into();
    }
    if !body.is_null() {
        event["body"] = body;
    }
    event
}

/// The HTTP response of a function's payload 2.0 answer (`statusCode`, `headers`, `body`, `isBase64Encoded`).
fn http_response(answer: &Value, close: bool) -> Vec<u8> {
    let status = answer["statusCode"].as_u64().and_then(|s| u16::try_from(s).ok()).unwrap_or(200);
    let text = answer["body"].as_str().unwrap_or_default();
    let body = if answer["isBase64Encoded"] == true {
        STANDARD.decode(text).unwrap_or_else(|e| panic!("the function answered bad base64: {e}"))
    } else {
        text.as_bytes().to_vec()
    };
    let headers: Vec<(String, String)> = answer["headers"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(name, _)| !name.eq_ignore_ascii_case("content-length"))
        .filter_map(|(name, value)| Some((name.clone(), value.as_str()?.to_owned())))
        .collect();
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    wire::response(status, "Function URL", &headers, &body, close)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_become_payload_2_events() {
        let request = Message {
            start: "POST /api/nl2sql/translate?x=1&y=%20 HTTP/1.1".into(),
            headers: vec![("content-type".into(), "application/json".into()), ("cookie".into(), "a=1; b=2".into())],
            body: br#"{"q":1}"#.to_vec(),
        };
        let event = event(&request, "r1");
        assert_eq!(event["rawPath"], "/api/nl2sql/translate");
        assert_eq!(event["rawQueryString"], "x=1&y=%20");
        assert_eq!(event["requestContext"]["http"]["method"], "POST");
        assert_eq!((event["body"].as_str(), event["isBase64Encoded"].as_bool()), (Some(r#"{"q":1}"#), Some(false)));
        assert_eq!(event["cookies"], json!(["a=1", "b=2"]));
        let binary = Message { start: "PUT /x HTTP/1.1".into(), headers: vec![], body: vec![0, 159, 146, 150] };
        let event = super::event(&binary, "r2");
        assert_eq!((event["body"].as_str(), event["isBase64Encoded"].as_bool()), (Some("AJ+Slg=="), Some(true)));
    }
}
