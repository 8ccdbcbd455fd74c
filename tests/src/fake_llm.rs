//! A fake LLM provider server: the one fake the tests allow, standing in for the providers we cannot reach.
//!
//! It speaks the providers' real wire formats — OpenAI-compatible chat completions (`…/chat/completions`, what
//! OpenAI, DeepSeek, xAI, Groq, Ollama and vLLM serve), OpenAI embeddings (`…/embeddings`), Anthropic Messages
//! (`…/v1/messages`) and Cohere Chat v2 (`…/v2/chat`) — including each one's error bodies, and checks what a
//! real provider would reject (missing model, messages or key). What it answers is scripted: a [`Rule`] matches
//! a substring of the prompt (every message's text, joined) and hands out its [`Reply`]s in order, the last one
//! repeating. A reply can be an answer (fenced SQL, prose around SQL, SQL naming a column that does not exist:
//! whatever text the test scripts) or a fault: an HTTP status (500, 429 with `Retry-After`, 529), a hang past
//! the client's timeout, or malformed JSON. Every call is logged with its start and end time, so a test can show
//! that calls overlapped. A prompt no rule matches gets a 200 answer without SQL.

use crate::wire::{self, Message};
use serde_json::{Value, json};
use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// What one call gets back.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A successful answer whose text is exactly this (the SQL, fenced or wrapped in prose as scripted).
    Text(String),
    /// An error status with the provider's error body; `retry_after` seconds become a `Retry-After` header.
    Status {
        /// HTTP status, e.g. 500, 429, 529.
        status: u16,
        /// `Retry-After` in seconds.
        retry_after: Option<u64>,
    },
    /// No answer for this long (longer than the client's timeout), then the connection closes.
    Hang(Duration),
    /// A 200 whose body is not JSON.
    Malformed,
}

impl Reply {
    /// A successful answer.
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text(text.into())
    }

    /// An error status without `Retry-After`.
    pub fn status(status: u16) -> Self {
        Self::Status { status, retry_after: None }
    }
}

/// Replies for prompts that contain `contains`; the first matching rule (in the order added) answers.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Substring of the prompt.
    pub contains: String,
    /// Only calls to this model match, when set.
    pub model: Option<String>,
    /// Handed out in order; the last one repeats.
    pub replies: Vec<Reply>,
    used: usize,
}

/// Which wire format a call used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// OpenAI-compatible chat completions.
    OpenAi,
    /// OpenAI embeddings.
    Embeddings,
    /// Anthropic Messages.
    Anthropic,
    /// Cohere Chat v2.
    Cohere,
    /// Workers AI's REST API (`POST /client/v4/accounts/{account}/ai/run/{model}`): what the Worker's AI binding
    /// runs; the tests' binding stand-in (tests/cloudflare/worker.mjs) forwards `env.AI.run` here.
    WorkersAi,
}

/// One logged call.
#[derive(Debug, Clone)]
pub struct Call {
    /// Wire format.
    pub wire: Wire,
    /// Request path.
    pub path: String,
    /// `model` of the request body.
    pub model: String,
    /// Every message's text, joined by newlines (the embedding input for [`Wire::Embeddings`]).
    pub prompt: String,
    /// The whole request body.
    pub body: Value,
    /// The key the caller sent: the `Authorization: Bearer` token, else the `x-api-key` header; empty without.
    pub credential: String,
    /// Status answered (0 for a hang).
    pub status: u16,
    /// Milliseconds since the server started, when the request was read and when the answer was written.
    pub started_ms: u64,
    /// See `started_ms`.
    pub finished_ms: u64,
}

#[derive(Debug, Default)]
struct State {
    rules: Vec<Rule>,
    calls: Vec<Call>,
    latency: Duration,
}

/// The running server; stops when dropped.
#[derive(Debug)]
pub struct FakeLlm {
    url: String,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl FakeLlm {
    /// Starts on a free loopback port.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake LLM server");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let epoch = Instant::now();
        let (shared, stopping) = (Arc::clone(&state), Arc::clone(&stop));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let shared = Arc::clone(&shared);
                // One thread per connection: concurrent calls overlap as they would at a provider.
                std::thread::spawn(move || serve(stream, &shared, epoch));
            }
        });
        Self { url, state, stop }
    }

    /// `http://127.0.0.1:<port>`: the base URL to configure (providers append their paths).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Adds a rule for prompts containing `contains` (any model).
    pub fn on(&self, contains: &str, replies: Vec<Reply>) {
        self.add(contains, None, replies);
    }

    /// Adds a rule for prompts containing `contains` sent to `model`.
    pub fn on_model(&self, model: &str, contains: &str, replies: Vec<Reply>) {
        self.add(contains, Some(model.to_owned()), replies);
    }

    fn add(&self, contains: &str, model: Option<String>, replies: Vec<Reply>) {
        assert!(!replies.is_empty(), "a rule needs at least one reply");
        self.lock().rules.push(Rule { contains: contains.to_owned(), model, replies, used: 0 });
    }

    /// Delay before every answer.
    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    /// The calls so far, in the order they were read.
    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    /// Forgets the logged calls (rules stay).
    pub fn clear_calls(&self) {
        self.lock().calls.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for FakeLlm {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>, epoch: Instant) {
    let Ok(read_half) = stream.try_clone() else { return };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    while let Ok(Some(request)) = wire::read_message(&mut reader, false) {
        let started_ms = epoch.elapsed().as_millis() as u64;
        let (bytes, logged) = answer(&request, state);
        let close = request.closes();
        match bytes {
            Answer::Bytes(bytes) => {
                // Logged before the answer is written, so a client that has its answer sees the call.
                if let Some(mut call) = logged {
                    call.started_ms = started_ms;
                    call.finished_ms = epoch.elapsed().as_millis() as u64;
                    state.lock().unwrap_or_else(PoisonError::into_inner).calls.push(call);
                }
                let _ = writer.write_all(&bytes);
                if close {
                    return;
                }
            }
            Answer::Hang(duration) => {
                if let Some(mut call) = logged {
                    call.started_ms = started_ms;
                    call.finished_ms = started_ms;
                    state.lock().unwrap_or_else(PoisonError::into_inner).calls.push(call);
                }
                std::thread::sleep(duration);
                return;
            }
        }
    }
}

enum Answer {
    Bytes(Vec<u8>),
    Hang(Duration),
}

/// Parses the request, checks it as the provider would, picks the scripted reply and renders it.
fn answer(request: &Message, state: &Mutex<State>) -> (Answer, Option<Call>) {
    let path = request.start.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let wire = if path.ends_with("/chat/completions") {
        Wire::OpenAi
    } else if path.ends_with("/embeddings") {
        Wire::Embeddings
    } else if path.ends_with("/v1/messages") {
        Wire::Anthropic
    } else if path.ends_with("/v2/chat") {
        Wire::Cohere
    } else if path.contains("/ai/run/") {
        Wire::WorkersAi
    } else {
        let body = json!({"error": {"message": format!("no route {path}"), "type": "invalid_request_error"}});
        return (Answer::Bytes(render(404, &[], &body.to_string())), None);
    };
    let body: Value = match serde_json::from_slice(&request.body) {
        Ok(body) => body,
        Err(e) => return (Answer::Bytes(error(wire, 400, &format!("request body is not JSON: {e}"), None)), None),
    };
    if let Some(problem) = rejects(wire, request, &body) {
        return (Answer::Bytes(error(wire, problem.0, problem.1, None)), None);
    }
    let model = match wire {
        // The model is in the path: …/ai/run/@cf/meta/llama-3.1-8b-instruct.
        Wire::WorkersAi => path.split_once("/ai/run/").map(|(_, m)| m.to_owned()).unwrap_or_default(),
        _ => body["model"].as_str().unwrap_or_default().to_owned(),
    };
    let prompt = prompt_text(wire, &body);
    let (reply, latency) = {
        let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
        let latency = state.latency;
        let rule = state
            .rules
            .iter_mut()
            .find(|r| prompt.contains(&r.contains) && r.model.as_deref().is_none_or(|m| m == model));
        let reply = match rule {
            Some(rule) => {
                let reply = rule.replies[rule.used.min(rule.replies.len() - 1)].clone();
                rule.used += 1;
                reply
            }
            None => Reply::text("I am not sure which tables hold that; could you rephrase the question?"),
        };
        (reply, latency)
    };
    if !latency.is_zero() {
        std::thread::sleep(latency);
    }
    let mut call = Call {
        wire,
        path,
        model: model.clone(),
        prompt: prompt.clone(),
        body,
        credential: credential(request),
        status: 200,
        started_ms: 0,
        finished_ms: 0,
    };
    let bytes = match reply {
        Reply::Hang(duration) => {
            call.status = 0;
            return (Answer::Hang(duration), Some(call));
        }
        Reply::Malformed => {
            render(200, &[("content-type", "application/json")], "{\"id\": \"chatcmpl-fake\", \"choices\": [{")
        }
        Reply::Status { status, retry_after } => {
            call.status = status;
            error(wire, status, "the fake provider was scripted to fail", retry_after)
        }
        Reply::Text(text) => success(wire, &model, &call.body, &prompt, &text),
    };
    (Answer::Bytes(bytes), Some(call))
}

/// What a real provider rejects before answering: (status, message).
fn rejects(wire: Wire, request: &Message, body: &Value) -> Option<(u16, &'static str)> {
    let bearer = request.header("authorization").is_some_and(|a| a.starts_with("Bearer ") && a.len() > 7);
    if wire == Wire::WorkersAi {
        return match () {
            _ if !bearer => Some((401, "Authentication error")),
            _ if body["messages"].as_array().is_none_or(Vec::is_empty) && body["prompt"].is_null() => {
                Some((400, "Type mismatch: `messages` or `prompt` is required"))
            }
            _ => None,
        };
    }
    if body["model"].as_str().is_none_or(str::is_empty) {
        return Some((400, "`model` is required"));
    }
    match wire {
        Wire::OpenAi | Wire::Cohere if body["messages"].as_array().is_none_or(Vec::is_empty) => {
            Some((400, "`messages` must be a non-empty array"))
        }
        Wire::Cohere if !bearer => Some((401, "missing bearer token")),
        Wire::Embeddings if body["input"].is_null() => Some((400, "`input` is required")),
        Wire::Anthropic if request.header("x-api-key").is_none_or(str::is_empty) => {
            Some((401, "x-api-key header is required"))
        }
        Wire::Anthropic if request.header("anthropic-version").is_none() => {
            Some((400, "anthropic-version header is required"))
        }
        Wire::Anthropic if body["max_tokens"].as_u64().is_none() => Some((400, "max_tokens: Field required")),
        Wire::Anthropic if body["messages"].as_array().is_none_or(Vec::is_empty) => {
            Some((400, "messages: at least one message is required"))
        }
        _ => None,
    }
}

fn credential(request: &Message) -> String {
    let bearer = request.header("authorization").and_then(|a| a.strip_prefix("Bearer "));
    bearer.or_else(|| request.header("x-api-key")).unwrap_or_default().to_owned()
}

/// Every message's text (and Anthropic's top-level `system`), joined by newlines.
fn prompt_text(wire: Wire, body: &Value) -> String {
    let mut parts = Vec::new();
    let mut push = |content: &Value| match content {
        Value::String(s) => parts.push(s.clone()),
        Value::Array(blocks) => {
            parts.extend(blocks.iter().filter_map(|b| b["text"].as_str().or(b.as_str()).map(str::to_owned)))
        }
        _ => {}
    };
    match wire {
        Wire::Embeddings => push(&body["input"]),
        _ => {
            push(&body["system"]);
            for message in body["messages"].as_array().into_iter().flatten() {
                push(&message["content"]);
            }
        }
    }
    parts.join("\n")
}

/// Tokens the way the tests count them: whitespace-separated words.
fn tokens(text: &str) -> u64 {
    text.split_whitespace().count() as u64
}

fn success(wire: Wire, model: &str, body: &Value, prompt: &str, text: &str) -> Vec<u8> {
    let (input, output) = (tokens(prompt), tokens(text));
    let reply = match wire {
        Wire::OpenAi => json!({
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": input, "completion_tokens": output, "total_tokens": input + output},
        }),
        Wire::Anthropic => json!({
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "stop_sequence": null,
            "usage": {"input_tokens": input, "output_tokens": output},
        }),
        Wire::Cohere => json!({
            "id": "fake",
            "finish_reason": "COMPLETE",
            "message": {"role": "assistant", "content": [{"type": "text", "text": text}]},
            "usage": {"billed_units": {"input_tokens": input, "output_tokens": output},
                      "tokens": {"input_tokens": input, "output_tokens": output}},
        }),
        Wire::WorkersAi => json!({
            "result": {"response": text,
                       "usage": {"prompt_tokens": input, "completion_tokens": output, "total_tokens": input + output}},
            "success": true,
            "errors": [],
            "messages": [],
        }),
        Wire::Embeddings => {
            let inputs: Vec<&str> = match &body["input"] {
                Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                other => other.as_str().into_iter().collect(),
            };
            let data: Vec<Value> = inputs
                .iter()
                .enumerate()
                .map(|(i, t)| json!({"object": "embedding", "index": i, "embedding": embedding(t)}))
                .collect();
            json!({"object": "list", "data": data, "model": model,
                   "usage": {"prompt_tokens": input, "total_tokens": input}})
        }
    };
    render(200, &[("content-type", "application/json")], &reply.to_string())
}

/// A deterministic unit vector of the text's lower-cased words hashed into 64 dimensions, so paraphrases that
/// share words are close and unrelated texts are not.
pub fn embedding(text: &str) -> Vec<f64> {
    let mut v = vec![0.0f64; 64];
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let h = word
            .to_lowercase()
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        v[(h % 64) as usize] += 1.0;
    }
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    v
}

fn error(wire: Wire, status: u16, message: &str, retry_after: Option<u64>) -> Vec<u8> {
    let body = match wire {
        Wire::OpenAi | Wire::Embeddings => {
            let (kind, code) = match status {
                429 => ("requests", json!("rate_limit_exceeded")),
                400..=499 => ("invalid_request_error", Value::Null),
                _ => ("server_error", Value::Null),
            };
            json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
        }
        Wire::Anthropic => {
            let kind = match status {
                400 => "invalid_request_error",
                401 => "authentication_error",
                429 => "rate_limit_error",
                529 => "overloaded_error",
                _ => "api_error",
            };
            json!({"type": "error", "error": {"type": kind, "message": message}})
        }
        Wire::Cohere => json!({"message": message}),
        Wire::WorkersAi => json!({"result": null, "success": false, "errors": [{"code": 3040, "message": message}],
                                  "messages": []}),
    };
    let retry = retry_after.map(|s| s.to_string());
    let mut headers = vec![("content-type", "application/json")];
    if let Some(seconds) = retry.as_deref() {
        headers.push(("retry-after", seconds));
    }
    render(status, &headers, &body.to_string())
}

fn render(status: u16, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        529 => "Overloaded",
        _ => "Error",
    };
    wire::response(status, reason, headers, body.as_bytes(), false)
}

/// Whether any two of `calls` overlapped in time (one started before another finished).
pub fn overlapped(calls: &[Call]) -> bool {
    calls
        .iter()
        .enumerate()
        .any(|(i, a)| calls.iter().skip(i + 1).any(|b| a.started_ms < b.finished_ms && b.started_ms < a.finished_ms))
}
