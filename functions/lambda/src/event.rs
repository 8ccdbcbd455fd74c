//! Function URL / HTTP API (payload format 2.0) requests to and from the core's host-neutral types. lambda_http
//! has already decoded the event (base64 bodies, cookies into a header); this only copies fields.

use lambda_http::{Body, Response};
use nl2sql_core::api::Request;

/// The core request of an HTTP event: method, raw path, raw query, headers, body bytes.
pub fn to_core(event: lambda_http::Request) -> Request {
    let (parts, body) = event.into_parts();
    let body = match body {
        Body::Empty => Vec::new(),
        Body::Text(text) => text.into_bytes(),
        Body::Binary(bytes) => bytes,
        // Body is non-exhaustive; anything new carries bytes the same way.
        other => other.as_ref().to_vec(),
    };
    Request {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        headers: parts
            .headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
        body,
    }
}

/// The HTTP response of a core response; JSON bodies go back as text, anything else as binary (base64 in the
/// payload).
pub fn from_core(response: nl2sql_core::api::Response) -> Response<Body> {
    let is_text = response.headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("content-type") && (v.starts_with("application/json") || v.starts_with("text/"))
    });
    let body = match (is_text, String::from_utf8(response.body)) {
        (true, Ok(text)) => Body::Text(text),
        (_, Ok(text)) => Body::Binary(text.into_bytes()),
        (_, Err(e)) => Body::Binary(e.into_bytes()),
    };
    let mut out = Response::new(body);
    *out.status_mut() = lambda_http::http::StatusCode::from_u16(response.status)
        .unwrap_or(lambda_http::http::StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in response.headers {
        if let (Ok(name), Ok(value)) =
            (lambda_http::http::HeaderName::try_from(name), lambda_http::http::HeaderValue::try_from(value))
        {
            out.headers_mut().insert(name, value);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Function URL event as Lambda delivers it (payload format 2.0).
    const EVENT: &str = r#"{
        "version": "2.0", "routeKey": "$default", "rawPath": "/api/nl2sql/databases/shop/skeleton",
        "rawQueryString": "question=How+many%20orders%3F", "cookies": ["a=b"],
        "headers": {"content-type": "application/json", "host": "abc.lambda-url.eu-west-1.on.aws"},
        "queryStringParameters": {"question": "How many orders?"},
        "requestContext": {"accountId": "anonymous", "apiId": "abc", "domainName": "abc.lambda-url.eu-west-1.on.aws",
            "domainPrefix": "abc", "http": {"method": "GET", "path": "/api/nl2sql/databases/shop/skeleton",
            "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "test"}, "requestId": "r1",
            "routeKey": "$default", "stage": "$default", "time": "01/Jan/2026:00:00:00 +0000", "timeEpoch": 0},
        "body": "eyJhIjoxfQ==", "isBase64Encoded": true
    }"#;

    #[test]
    fn function_url_events_round_trip() {
        let event = lambda_http::request::from_str(EVENT).expect("a valid event");
        let request = to_core(event);
        assert_eq!((request.method.as_str(), request.path.as_str()), ("GET", "/api/nl2sql/databases/shop/skeleton"));
        assert_eq!(request.query_param("question").as_deref(), Some("How many orders?"));
        assert_eq!(request.body, br#"{"a":1}"#);
        assert_eq!(request.header("cookie"), Some("a=b"));

        let response = from_core(nl2sql_core::api::Response::json(404, &serde_json::json!({"error": {"code": "x"}})));
        assert_eq!(response.status(), 404);
        assert!(matches!(response.body(), Body::Text(t) if t.contains("\"code\":\"x\"")));
        assert_eq!(response.headers()["content-type"], "application/json");
    }
}
