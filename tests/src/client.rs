//! A plain HTTP/1.1 client over `std::net` (one connection per request), so the tests see exactly the bytes
//! a host sends.

use crate::wire::{self, Message};
use serde_json::Value;
use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A response.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON; panics (failing the test) with the body when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| {
            panic!("status {}, non-JSON body: {}", self.status, String::from_utf8_lossy(&self.body))
        })
    }

    /// The first header called `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Talks to one base URL, `http://host:port`, optionally with an API key.
#[derive(Debug, Clone)]
pub struct Client {
    authority: String,
    key: Option<String>,
}

impl Client {
    /// A client for `base_url` (`http://127.0.0.1:8080`, no path) that sends no key.
    pub fn new(base_url: &str) -> Self {
        let authority = base_url.trim_start_matches("http://").trim_end_matches('/').to_owned();
        Self { authority, key: None }
    }

    /// A client for `base_url` whose [`Client::send`], [`Client::get`] and [`Client::json`] send `key` as
    /// `Authorization: Bearer <key>`.
    pub fn with_key(base_url: &str, key: &str) -> Self {
        Self { key: Some(key.to_owned()), ..Self::new(base_url) }
    }

    /// Sends one request; transport failures are errors, any status is a reply.
    pub fn try_send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> std::io::Result<Reply> {
        let mut stream = TcpStream::connect(&self.authority)?;
        stream.set_read_timeout(Some(Duration::from_secs(120)))?;
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nhost: {}\r\ncontent-length: {}\r\nconnection: close\r\n",
            self.authority,
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        // A server may answer (413) and close before reading a large body; the answer still counts.
        let _ = stream.write_all(body);
        let Message { start, headers, body } = wire::read_message(&mut BufReader::new(stream), true)?
            .ok_or_else(|| std::io::Error::other("connection closed without a response"))?;
        let status = start
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line `{start}`")))?;
        Ok(Reply { status, headers, body })
    }

    /// Sends one request (with the client's key, if any), panicking on transport failures.
    pub fn send(&self, method: &str, path: &str, body: &[u8]) -> Reply {
        let auth = self.key.as_ref().map(|k| format!("Bearer {k}"));
        let mut headers = vec![("content-type", "application/json")];
        headers.extend(auth.as_deref().map(|a| ("authorization", a)));
        self.try_send(method, path, &headers, body).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// GET, answering status and JSON body.
    pub fn get(&self, path: &str) -> (u16, Value) {
        let reply = self.send("GET", path, b"");
        (reply.status, reply.json())
    }

    /// A JSON request, answering status and JSON body.
    pub fn json(&self, method: &str, path: &str, body: &Value) -> (u16, Value) {
        let reply = self.send(method, path, body.to_string().as_bytes());
        (reply.status, reply.json())
    }
}
