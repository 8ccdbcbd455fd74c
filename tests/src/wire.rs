//! HTTP/1.1 messages on a byte stream: just enough for the test client and the Lambda emulator's servers
//! (Content-Length and chunked bodies, keep-alive).

use std::io::{self, BufRead};

/// One request or response: its start line, headers (names lower-cased) and body.
#[derive(Debug, Clone, Default)]
pub struct Message {
    /// `GET /path HTTP/1.1` or `HTTP/1.1 200 OK`.
    pub start: String,
    /// Header name (lower case) and value pairs, in order.
    pub headers: Vec<(String, String)>,
    /// The decoded body.
    pub body: Vec<u8>,
}

impl Message {
    /// The first header called `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Whether the peer asked to close the connection after this message.
    pub fn closes(&self) -> bool {
        self.header("connection").is_some_and(|c| c.eq_ignore_ascii_case("close"))
    }
}

/// Reads the next message; `None` at a clean end of stream. `eof_body` reads a body without a length up to the
/// end of the stream (a response on a closing connection); requests without a length have no body.
pub fn read_message(reader: &mut impl BufRead, eof_body: bool) -> io::Result<Option<Message>> {
    let mut start = String::new();
    loop {
        if reader.read_line(&mut start)? == 0 {
            return Ok(None);
        }
        if !start.trim().is_empty() {
            break;
        }
        start.clear();
    }
    let mut message = Message { start: start.trim_end().to_owned(), ..Message::default() };
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "headers cut short"));
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            message.headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    if message.header("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        message.body = read_chunked(reader)?;
    } else if let Some(length) = message.header("content-length") {
        let length: usize = length.parse().map_err(|_| io::Error::other(format!("bad content-length {length}")))?;
        message.body = vec![0; length];
        reader.read_exact(&mut message.body)?;
    } else if eof_body {
        reader.read_to_end(&mut message.body)?;
    }
    Ok(Some(message))
}

fn read_chunked(reader: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size)?;
        let size = size.trim().split(';').next().unwrap_or_default();
        let size = usize::from_str_radix(size, 16).map_err(|_| io::Error::other(format!("bad chunk size {size}")))?;
        if size == 0 {
            // Trailers (lambda_runtime sends error trailers on streamed responses) up to the empty line.
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
                    return Ok(body);
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        let mut crlf = [0; 2];
        reader.read_exact(&mut crlf)?;
    }
}

/// A response with a length, ready to write.
pub fn response(status: u16, reason: &str, headers: &[(&str, &str)], body: &[u8], close: bool) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {status} {reason}\r\ncontent-length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if close {
        head.push_str("connection: close\r\n");
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    out
}
