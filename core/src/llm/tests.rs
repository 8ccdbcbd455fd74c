use super::*;
use crate::memory::{ManualClock, MemoryStore};
use crate::ports::{Clock, Http, HttpRequest, HttpResponse};
use futures_executor::block_on;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// Plays scripted responses in order (the last repeats) and records the requests.
struct Script {
    replies: Vec<HttpResponse>,
    seen: Mutex<Vec<HttpRequest>>,
}

impl Script {
    fn new(replies: Vec<HttpResponse>) -> Self {
        Self { replies, seen: Mutex::new(Vec::new()) }
    }
    fn seen(&self) -> Vec<HttpRequest> {
        self.seen.lock().expect("lock").clone()
    }
}

crate::port! {
impl Http for Script {
    async fn send(&self, request: HttpRequest) -> crate::error::Result<HttpResponse> {
        let mut seen = self.seen.lock().expect("lock");
        seen.push(request);
        Ok(self.replies[(seen.len() - 1).min(self.replies.len() - 1)].clone())
    }
}
}

fn openai_ok(text: &str) -> HttpResponse {
    let body = json!({"choices": [{"message": {"role": "assistant", "content": text}}],
                      "usage": {"prompt_tokens": 100, "completion_tokens": 10}});
    HttpResponse { status: 200, headers: vec![], body: body.to_string().into_bytes() }
}

fn status(code: u16, retry_after: Option<&str>) -> HttpResponse {
    let headers = retry_after.map(|r| vec![("Retry-After".to_owned(), r.to_owned())]).unwrap_or_default();
    HttpResponse { status: code, headers, body: br#"{"error":{"message":"boom","type":"server_error"}}"#.to_vec() }
}

fn config() -> Config {
    let toml = r#"
        [nl2sql]
        default_provider = "primary"
        fallback_providers = ["offline"]
        [nl2sql.circuit_breaker]
        failure_threshold = 3
        reset_timeout_secs = 30
        half_open_max_calls = 1
        [llm.primary]
        api = "openai"
        endpoint = "http://llm.test/v1"
        model = "m"
        api_key = "sk-1"
        max_retries = 2
        input_cost_per_1k_tokens = 0.5
        output_cost_per_1k_tokens = 1.5
    "#;
    Config::from_toml(toml, &|_: &str| None).expect("config").config
}

struct World {
    config: Config,
    store: MemoryStore,
    clock: Arc<ManualClock>,
    http: Script,
}

impl World {
    fn new(replies: Vec<HttpResponse>) -> Self {
        let clock = Arc::new(ManualClock::new(1_800_000_000_000));
        let store = MemoryStore::new(clock.clone());
        Self { config: config(), store, clock, http: Script::new(replies) }
    }
    fn ports(&self) -> Ports<'_> {
        Ports { http: &self.http, ..crate::memory::ports(&self.config, &self.store, self.clock.as_ref()) }
    }
    fn call(&self) -> (Option<Completion>, Vec<Attempt>) {
        let ports = self.ports();
        let mut attempts = Vec::new();
        let deadline = self.clock.now_ms() + 60_000;
        let prompt = Prompt { system: "schema", user: "question" };
        let out = block_on(call(&ports, "primary", prompt, deadline, &mut attempts));
        (out, attempts)
    }
}

#[test]
fn retries_transient_failures_honouring_retry_after() {
    let world = World::new(vec![status(500, None), status(429, Some("7")), openai_ok("SELECT 1")]);
    let t0 = world.clock.now_ms();
    let (answer, attempts) = world.call();
    let answer = answer.expect("third try answers");
    assert_eq!((answer.text.as_str(), answer.input_tokens, answer.output_tokens), ("SELECT 1", 100, 10));
    assert!((answer.cost - (100.0 * 0.5 + 10.0 * 1.5) / 1000.0).abs() < 1e-12);
    let outcomes: Vec<&str> = attempts.iter().map(|a| a.outcome.as_str()).collect();
    assert_eq!(outcomes, ["error", "error", "ok"]);
    assert!(world.clock.now_ms() - t0 >= 7_000 + 250, "waited the backoff and the 7 s Retry-After");
    let sent = world.http.seen();
    assert_eq!(sent[0].url, "http://llm.test/v1/chat/completions");
    assert!(sent[0].headers.contains(&("authorization".into(), "Bearer sk-1".into())));
}

#[test]
fn a_request_error_is_not_retried() {
    let world = World::new(vec![status(400, None), openai_ok("SELECT 1")]);
    let (answer, attempts) = world.call();
    assert!(answer.is_none());
    assert_eq!(attempts.len(), 1);
    assert!(attempts[0].detail.contains("HTTP 400") && attempts[0].detail.contains("boom"), "{attempts:?}");
}

#[test]
fn the_circuit_opens_skips_and_closes_after_the_reset_timeout() {
    let world = World::new(vec![status(503, None)]);
    // 3 tries (max_retries 2) fail: the threshold of 3 opens the circuit.
    let (answer, attempts) = world.call();
    assert!(answer.is_none() && attempts.len() == 3);
    let ports = world.ports();
    assert_eq!(block_on(phases(&ports)), [("primary".to_owned(), Phase::Open)]);
    let (_, attempts) = world.call();
    assert_eq!((attempts.len(), attempts[0].outcome.as_str()), (1, "skipped"));
    assert_eq!(world.http.seen().len(), 3, "no call while open");

    world.clock.advance(30_000);
    assert_eq!(block_on(phases(&ports)), [("primary".to_owned(), Phase::HalfOpen)]);
    let world2 = World { http: Script::new(vec![openai_ok("SELECT 2")]), ..world };
    let (answer, attempts) = world2.call();
    assert_eq!(answer.map(|a| a.text).as_deref(), Some("SELECT 2"), "{attempts:?}");
    assert_eq!(block_on(phases(&world2.ports())), [("primary".to_owned(), Phase::Closed)]);
}

#[test]
fn the_chain_is_the_default_then_the_fallbacks() {
    let config = config();
    assert_eq!(chain(&config, None).expect("chain"), ["primary", "offline"]);
    assert_eq!(chain(&config, Some("offline")).expect("chain"), ["offline"]);
    let err = chain(&config, Some("gpt")).expect_err("unknown");
    assert!(err.to_string().contains("primary"), "{err}");
    assert_eq!(chain(&Config::default(), None).expect("chain"), ["offline"]);
}

#[test]
fn each_wire_format_round_trips() {
    let call = wire::Call {
        endpoint: "https://x/v1/",
        api_key: "k",
        model: "m",
        system: "sys",
        user: "q",
        temperature: 0.0,
        max_tokens: 99,
        timeout_ms: 1000,
    };
    let anthropic = wire::request(Api::Anthropic, &call);
    assert_eq!(anthropic.url, "https://x/v1/messages");
    let body: Value = serde_json::from_slice(&anthropic.body).expect("json");
    assert_eq!((body["system"].as_str(), body["max_tokens"].as_u64()), (Some("sys"), Some(99)));
    assert!(anthropic.headers.iter().any(|(k, v)| k == "x-api-key" && v == "k"));
    let reply = json!({"content": [{"type": "text", "text": "SELECT "}, {"type": "text", "text": "1"}],
                       "usage": {"input_tokens": 5, "output_tokens": 2}});
    let ok = HttpResponse { status: 200, headers: vec![], body: reply.to_string().into_bytes() };
    assert_eq!(wire::response(Api::Anthropic, &ok).expect("ok").text, "SELECT 1");

    let cohere = wire::request(Api::Cohere, &wire::Call { endpoint: "https://c/v2", ..call.clone() });
    assert_eq!(cohere.url, "https://c/v2/chat");
    let reply = json!({"message": {"content": [{"type": "text", "text": "SELECT 3"}]},
                       "usage": {"tokens": {"input_tokens": 4, "output_tokens": 1}}});
    let ok = HttpResponse { status: 200, headers: vec![], body: reply.to_string().into_bytes() };
    let answer = wire::response(Api::Cohere, &ok).expect("ok");
    assert_eq!((answer.text.as_str(), answer.input_tokens), ("SELECT 3", 4));

    let workers_ai = wire::request(
        Api::WorkersAi,
        &wire::Call { endpoint: "workers-ai://AI", model: "@cf/meta/llama-3.1-8b-instruct", ..call.clone() },
    );
    assert_eq!(workers_ai.url, "workers-ai://AI/@cf/meta/llama-3.1-8b-instruct");
    assert!(workers_ai.headers.iter().all(|(k, _)| k != "authorization"), "the binding needs no key");
    let body: Value = serde_json::from_slice(&workers_ai.body).expect("json");
    assert_eq!(body["messages"][1]["content"], "q");
    for reply in [
        json!({"response": "SELECT 4", "usage": {"prompt_tokens": 7, "completion_tokens": 2}}),
        json!({"result": {"response": "SELECT 4", "usage": {"prompt_tokens": 7, "completion_tokens": 2}},
               "success": true, "errors": [], "messages": []}),
    ] {
        let ok = HttpResponse { status: 200, headers: vec![], body: reply.to_string().into_bytes() };
        let answer = wire::response(Api::WorkersAi, &ok).expect("ok");
        assert_eq!((answer.text.as_str(), answer.input_tokens, answer.output_tokens), ("SELECT 4", 7, 2));
    }
    assert_eq!(Api::of("edge", "workers-ai"), Some(Api::WorkersAi));
    assert_eq!(wire::default_endpoint("edge", Api::WorkersAi), Some("workers-ai://AI"));

    let garbled = HttpResponse { status: 200, headers: vec![], body: b"{\"choices\": [".to_vec() };
    assert!(matches!(wire::response(Api::OpenAi, &garbled), Err(Failure::Malformed(_))));
    let limited = status(429, Some("2"));
    let failure = wire::response(Api::OpenAi, &limited).expect_err("429");
    assert!(failure.transient());
    assert!(matches!(failure, Failure::Status { retry_after_ms: Some(2000), .. }));
    assert_eq!(Api::of("claude", ""), Some(Api::Anthropic));
    assert_eq!(Api::of("my-vllm", ""), Some(Api::OpenAi));
    assert_eq!(Api::of("x", "soap"), None);
}

#[test]
fn backoff_grows_with_jitter_and_respects_retry_after() {
    let d0 = backoff_ms(0, None, 12345);
    let d3 = backoff_ms(3, None, 12345);
    assert!((250..=312).contains(&d0) && (2000..=2500).contains(&d3), "{d0} {d3}");
    assert_eq!(backoff_ms(0, Some(9000), 1), 9000);
    assert!(backoff_ms(40, None, 7) <= 10_000);
}

#[test]
fn a_provider_over_its_requests_per_minute_is_skipped_until_its_bucket_refills() {
    let mut world = World::new(vec![openai_ok("SELECT 1")]);
    world.config.llm.get_mut("primary").expect("primary").rate_limit = 2;
    assert!(world.call().0.is_some());
    assert!(world.call().0.is_some());
    let (out, attempts) = world.call();
    assert!(out.is_none(), "the third request within the minute goes to the next provider");
    assert_eq!(attempts[0].outcome, "skipped");
    assert!(attempts[0].detail.contains("2 requests per minute"), "{:?}", attempts[0]);
    assert_eq!(world.http.seen().len(), 2, "no request over the limit reaches the provider");
    world.clock.advance(30_000);
    assert!(world.call().0.is_some(), "half a minute refills one of two tokens");
    assert_eq!(world.http.seen().len(), 3);
}
