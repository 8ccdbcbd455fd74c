//! Shared by the integration tests: a real `nl2sql serve` process on a free port, spoken to over real HTTP.
// Each test crate uses a different part of this module.
#![allow(dead_code)]

pub(crate) mod postgres;
pub(crate) mod sqlite;

use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_nl2sql");

/// A running `nl2sql serve`, killed on drop.
pub(crate) struct Server {
    child: Child,
    port: u16,
}

impl Server {
    pub(crate) fn start(data_dir: &Path, extra_env: &[(&str, &str)], config: Option<&Path>) -> Server {
        Self::start_on("127.0.0.1", data_dir, extra_env, config)
    }

    /// Listening on `host` (the tests still connect through 127.0.0.1).
    pub(crate) fn start_on(host: &str, data_dir: &Path, extra_env: &[(&str, &str)], config: Option<&Path>) -> Server {
        let port = TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port();
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--addr", &format!("{host}:{port}")])
            .arg("--data-dir")
            .arg(data_dir)
            .env_remove("NL2SQL_CONFIG")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(config) = config {
            cmd.arg("--config").arg(config);
        }
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("spawn nl2sql serve");
        let server = Server { child, port };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok((200, _)) = server.try_request("GET", "/health/readiness", b"") {
                return server;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("server did not become ready on port {port}");
    }

    pub(crate) fn try_request(&self, method: &str, path: &str, body: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        self.try_request_with(method, path, &[], body)
    }

    /// A request with extra headers (`name: value` lines).
    pub(crate) fn try_request_with(
        &self,
        method: &str,
        path: &str,
        headers: &[&str],
        body: &[u8],
    ) -> std::io::Result<(u16, Vec<u8>)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let extra: String = headers.iter().map(|h| format!("{h}\r\n")).collect();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes())?;
        // A server may answer and close before reading a huge body; that is not a client error here.
        let _ = stream.write_all(body);
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        let text = String::from_utf8_lossy(&raw);
        let (head, body) =
            text.split_once("\r\n\r\n").ok_or_else(|| std::io::Error::other(format!("bad response: {text}")))?;
        let status =
            head.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| std::io::Error::other("no status"))?;
        let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            dechunk(body)
        } else {
            body.to_owned()
        };
        Ok((status, body.into_bytes()))
    }

    pub(crate) fn request(&self, method: &str, path: &str, body: &[u8]) -> (u16, Value) {
        let (status, body) = self.try_request(method, path, body).expect("request");
        let value = serde_json::from_slice(&body)
            .unwrap_or_else(|_| panic!("non-JSON body: {}", String::from_utf8_lossy(&body)));
        (status, value)
    }

    pub(crate) fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.request("POST", path, body.to_string().as_bytes())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}

pub(crate) fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}
