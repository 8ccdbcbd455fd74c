//! A Lambda Runtime API emulator: runs a function's real binary as Lambda does and hands it invocations.
//!
//! The function process gets `AWS_LAMBDA_RUNTIME_API` pointing at [`Emulator`]'s server and polls
//! `GET /2018-06-01/runtime/invocation/next` (long poll), answering with `POST .../invocation/{id}/response` or
//! `.../error`; start-up failures go to `.../init/error`. [`Emulator::invoke`] queues an event and waits for its
//! outcome. [`Emulator::front_door`] adds what a Function URL does: plain HTTP requests become payload-2.0
//! events and the function's answers become HTTP responses again (see [`crate::lambda_emulator::url`]).

pub mod url;

use crate::wire::{self, Message};
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const PREFIX: &str = "/2018-06-01/runtime";

/// How an invocation ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The function's response payload.
    Response(Value),
    /// The function reported an error: its `errorType` and the whole error document.
    Error(String, Value),
}

struct Invocation {
    id: String,
    payload: Vec<u8>,
    deadline_ms: u64,
}

#[derive(Default)]
struct State {
    queue: Mutex<VecDeque<Invocation>>,
    ready: Condvar,
    waiting: Mutex<HashMap<String, Sender<Outcome>>>,
    init_error: Mutex<Option<Value>>,
    next_id: AtomicU64,
    polls: AtomicU64,
}

/// A function process and its Runtime API; the process is killed on drop.
pub struct Emulator {
    state: Arc<State>,
    child: Mutex<Child>,
    /// When the process was spawned.
    pub spawned_at: Instant,
    name: String,
    logs: tempfile::NamedTempFile,
}

impl Emulator {
    /// Starts the Runtime API on a free port and spawns `binary` against it with `env` added to a Lambda-like
    /// environment. Returns at once: invocations queued now wait for the function's first poll.
    pub fn start(binary: &Path, env: &[(String, String)]) -> Emulator {
        assert!(
            binary.exists(),
            "{} is missing (tests/run builds it: cargo build --release -p nl2sql-lambda)",
            binary.display()
        );
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port for the Runtime API");
        let api = listener.local_addr().expect("its address");
        let state = Arc::new(State::default());
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = shared.clone();
                std::thread::spawn(move || serve_runtime(stream, &state));
            }
        });
        let name = binary.file_name().and_then(|n| n.to_str()).unwrap_or("function").to_owned();
        let mut command = Command::new(binary);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", api.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", &name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "emulator")
            .env("LAMBDA_TASK_ROOT", binary.parent().unwrap_or(Path::new(".")))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        // Both streams go to one file, as Lambda sends both to the function's log stream.
        let logs = tempfile::NamedTempFile::new().expect("a log file");
        let append = || std::fs::OpenOptions::new().append(true).open(logs.path()).expect("the log file");
        let (stdout, stderr) = (append(), append());
        command.stdout(Stdio::from(stdout)).stderr(Stdio::from(stderr));
        let spawned_at = Instant::now();
        let child = command.spawn().unwrap_or_else(|e| panic!("spawning {}: {e}", binary.display()));
        Emulator { state, child: Mutex::new(child), spawned_at, name, logs }
    }

    /// Queues `payload` and waits up to `timeout` for its outcome; the function sees a deadline of `timeout`
    /// from now. Panics when the function died or did not answer.
    pub fn invoke(&self, payload: &Value, timeout: Duration) -> Outcome {
        self.invoke_raw(payload.to_string().into_bytes(), timeout)
    }

    fn invoke_raw(&self, payload: Vec<u8>, timeout: Duration) -> Outcome {
        let id = format!("{}-{}", self.name, self.state.next_id.fetch_add(1, Ordering::SeqCst));
        let deadline_ms = unix_ms() + u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        let (tx, rx): (Sender<Outcome>, Receiver<Outcome>) = mpsc::channel();
        lock(&self.state.waiting).insert(id.clone(), tx);
        lock(&self.state.queue).push_back(Invocation { id: id.clone(), payload, deadline_ms });
        self.state.ready.notify_all();
        let until = Instant::now() + timeout;
        loop {
            if let Ok(outcome) = rx.recv_timeout(Duration::from_millis(50)) {
                return outcome;
            }
            if let Some(error) = lock(&self.state.init_error).clone() {
                panic!("{} failed to initialise: {error}\n{}", self.name, self.logs());
            }
            if let Ok(Some(status)) = lock(&self.child).try_wait() {
                panic!("{} exited ({status}) before answering invocation {id}:\n{}", self.name, self.logs());
            }
            assert!(
                Instant::now() < until,
                "{} did not answer invocation {id} within {timeout:?}:\n{}",
                self.name,
                self.logs()
            );
        }
    }

    /// How many times the function has polled for an invocation (1 once its start-up is done).
    pub fn polls(&self) -> u64 {
        self.state.polls.load(Ordering::SeqCst)
    }

    /// Everything the function wrote to stdout and stderr so far (its CloudWatch log stream on AWS).
    pub fn logs(&self) -> String {
        std::fs::read_to_string(self.logs.path()).unwrap_or_default()
    }

    /// The process id, e.g. to read its memory use.
    pub fn pid(&self) -> u32 {
        lock(&self.child).id()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let mut child = lock(&self.child);
        let _ = child.kill();
        let _ = child.wait();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// One connection from the function's runtime client (kept alive across requests).
fn serve_runtime(stream: TcpStream, state: &State) {
    let mut writer = match stream.try_clone() {
        Ok(writer) => writer,
        Err(_) => return,
    };
    let mut reader = BufReader::new(stream);
    while let Ok(Some(request)) = wire::read_message(&mut reader, false) {
        let reply = runtime_reply(&request, state);
        if writer.write_all(&reply).is_err() || request.closes() {
            return;
        }
    }
}

fn runtime_reply(request: &Message, state: &State) -> Vec<u8> {
    let mut parts = request.start.split(' ');
    let (method, path) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    let accepted =
        wire::response(202, "Accepted", &[("content-type", "application/json")], br#"{"status":"OK"}"#, false);
    let Some(route) = path.strip_prefix(PREFIX) else {
        return wire::response(404, "Not Found", &[], b"", false);
    };
    match (method, route.split('/').filter(|s| !s.is_empty()).collect::<Vec<_>>().as_slice()) {
        ("GET", ["invocation", "next"]) => {
            state.polls.fetch_add(1, Ordering::SeqCst);
            let mut queue = lock(&state.queue);
            let invocation = loop {
                match queue.pop_front() {
                    Some(invocation) => break invocation,
                    None => queue = state.ready.wait(queue).unwrap_or_else(|p| p.into_inner()),
                }
            };
            let deadline = invocation.deadline_ms.to_string();
            let arn = "arn:aws:lambda:us-east-1:123456789012:function:emulated";
            let headers = [
                ("content-type", "application/json"),
                ("lambda-runtime-aws-request-id", invocation.id.as_str()),
                ("lambda-runtime-deadline-ms", deadline.as_str()),
                ("lambda-runtime-invoked-function-arn", arn),
                ("lambda-runtime-trace-id", "Root=1-00000000-000000000000000000000000;Sampled=0"),
            ];
            wire::response(200, "OK", &headers, &invocation.payload, false)
        }
        ("POST", ["invocation", id, "response"]) => {
            let payload = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
            finish(state, id, Outcome::Response(payload));
            accepted
        }
        ("POST", ["invocation", id, "error"]) => {
            let document: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
            let kind = document["errorType"]
                .as_str()
                .or_else(|| request.header("lambda-runtime-function-error-type"))
                .unwrap_or("Unhandled")
                .to_owned();
            finish(state, id, Outcome::Error(kind, document));
            accepted
        }
        ("POST", ["init", "error"]) => {
            let document = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
            *lock(&state.init_error) = Some(document);
            accepted
        }
        _ => wire::response(404, "Not Found", &[], b"", false),
    }
}

fn finish(state: &State, id: &str, outcome: Outcome) {
    if let Some(waiter) = lock(&state.waiting).remove(id) {
        let _ = waiter.send(outcome);
    }
}
