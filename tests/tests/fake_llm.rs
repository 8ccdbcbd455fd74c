//! The fake LLM server speaks each provider's wire format, checks requests as the provider would, and plays its
//! script (answers, faults, latency) — checked here so the pipeline tests can rely on it.

use nl2sql_tests::client::Client;
use nl2sql_tests::fake_llm::{FakeLlm, Reply, Wire, embedding, overlapped};
use serde_json::{Value, json};
use std::time::Duration;

fn post(llm: &FakeLlm, path: &str, headers: &[(&str, &str)], body: &Value) -> (u16, Option<String>, Value) {
    let reply = Client::new(llm.url()).try_send("POST", path, headers, body.to_string().as_bytes()).expect("send");
    let retry = reply.header("retry-after").map(str::to_owned);
    let value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
    (reply.status, retry, value)
}

fn openai(question: &str) -> Value {
    json!({"model": "gpt-4o-mini", "messages": [
        {"role": "system", "content": "You translate questions to SQL."},
        {"role": "user", "content": question}]})
}

const BEARER: (&str, &str) = ("authorization", "Bearer sk-test");

#[test]
fn answers_in_each_providers_format() {
    let llm = FakeLlm::start();
    llm.on("albums", vec![Reply::text("```sql\nSELECT Title FROM Album\n```")]);

    let (status, _, v) = post(&llm, "/v1/chat/completions", &[BEARER], &openai("List the albums"));
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["object"], "chat.completion");
    assert_eq!(v["choices"][0]["message"]["content"], "```sql\nSELECT Title FROM Album\n```");
    assert!(v["usage"]["prompt_tokens"].as_u64() > Some(0) && v["usage"]["total_tokens"].as_u64() > Some(0));

    let anthropic = json!({"model": "claude-x", "max_tokens": 256, "system": "Translate to SQL.",
                           "messages": [{"role": "user", "content": [{"type": "text", "text": "all albums"}]}]});
    let headers = [("x-api-key", "k"), ("anthropic-version", "2023-06-01")];
    let (status, _, v) = post(&llm, "/v1/messages", &headers, &anthropic);
    assert_eq!((status, v["type"].as_str(), v["content"][0]["type"].as_str()), (200, Some("message"), Some("text")));
    assert_eq!(v["content"][0]["text"], "```sql\nSELECT Title FROM Album\n```");
    assert!(v["usage"]["input_tokens"].as_u64() > Some(0));

    let cohere = json!({"model": "command-r", "messages": [{"role": "user", "content": "the albums"}]});
    let (status, _, v) = post(&llm, "/v2/chat", &[BEARER], &cohere);
    assert_eq!((status, v["finish_reason"].as_str()), (200, Some("COMPLETE")), "{v}");
    assert_eq!(v["message"]["content"][0]["text"], "```sql\nSELECT Title FROM Album\n```");

    let (status, _, v) = post(&llm, "/v1/embeddings", &[BEARER], &json!({"model": "e", "input": ["a b", "c"]}));
    assert_eq!(status, 200);
    assert_eq!(v["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["data"][1]["index"], 1);

    let calls = llm.calls();
    let wires: Vec<Wire> = calls.iter().map(|c| c.wire).collect();
    assert_eq!(wires, [Wire::OpenAi, Wire::Anthropic, Wire::Cohere, Wire::Embeddings]);
    assert!(calls[1].prompt.contains("Translate to SQL.") && calls[1].prompt.contains("all albums"));
    assert_eq!(calls[0].model, "gpt-4o-mini");
}

#[test]
fn rejects_what_the_real_provider_rejects() {
    let llm = FakeLlm::start();
    let (status, _, v) = post(&llm, "/v1/chat/completions", &[BEARER], &json!({"messages": []}));
    assert_eq!((status, v["error"]["type"].as_str()), (400, Some("invalid_request_error")));
    let body = json!({"model": "c", "messages": [{"role": "user", "content": "x"}]});
    let (status, _, v) = post(&llm, "/v1/messages", &[("anthropic-version", "2023-06-01")], &body);
    assert_eq!((status, v["error"]["type"].as_str()), (401, Some("authentication_error")));
    let (status, _, v) = post(&llm, "/v1/messages", &[("x-api-key", "k"), ("anthropic-version", "1")], &body);
    assert_eq!(status, 400, "max_tokens is required: {v}");
    let (status, _, _) = post(&llm, "/v2/chat", &[], &body);
    assert_eq!(status, 401);
    assert!(llm.calls().is_empty(), "rejected requests are not scripted calls");
}

#[test]
fn plays_faults_in_order_then_repeats_the_last_reply() {
    let llm = FakeLlm::start();
    llm.on(
        "flaky",
        vec![
            Reply::status(500),
            Reply::Status { status: 429, retry_after: Some(2) },
            Reply::Malformed,
            Reply::text("SELECT 1"),
        ],
    );
    llm.on_model("other-model", "flaky", vec![Reply::text("never for gpt-4o-mini")]);
    let path = "/v1/chat/completions";
    let (status, _, v) = post(&llm, path, &[BEARER], &openai("a flaky one"));
    assert_eq!((status, v["error"]["type"].as_str()), (500, Some("server_error")));
    let (status, retry, v) = post(&llm, path, &[BEARER], &openai("a flaky one"));
    assert_eq!((status, retry.as_deref(), v["error"]["code"].as_str()), (429, Some("2"), Some("rate_limit_exceeded")));
    let reply = Client::new(llm.url())
        .try_send("POST", path, &[BEARER], openai("a flaky one").to_string().as_bytes())
        .expect("send");
    assert_eq!(reply.status, 200);
    assert!(serde_json::from_slice::<Value>(&reply.body).is_err(), "malformed JSON");
    for _ in 0..2 {
        let (status, _, v) = post(&llm, path, &[BEARER], &openai("a flaky one"));
        assert_eq!((status, v["choices"][0]["message"]["content"].as_str()), (200, Some("SELECT 1")));
    }
    let statuses: Vec<u16> = llm.calls().iter().map(|c| c.status).collect();
    assert_eq!(statuses, [500, 429, 200, 200, 200]);

    let (status, _, v) = post(&llm, path, &[BEARER], &openai("no rule for this"));
    let text = v["choices"][0]["message"]["content"].as_str().unwrap_or_default().to_owned();
    assert!(status == 200 && !text.to_uppercase().contains("SELECT"), "an unscripted prompt gets no SQL: {text}");
}

#[test]
fn hangs_past_a_timeout_and_logs_overlapping_calls() {
    let llm = FakeLlm::start();
    llm.on("slow", vec![Reply::Hang(Duration::from_secs(3))]);
    let started = std::time::Instant::now();
    let mut stream = std::net::TcpStream::connect(llm.url().trim_start_matches("http://")).expect("connect");
    stream.set_read_timeout(Some(Duration::from_millis(300))).expect("timeout");
    let body = openai("slow please").to_string();
    let head = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer k\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    std::io::Write::write_all(&mut stream, head.as_bytes()).expect("write");
    let mut buf = [0u8; 16];
    let read = std::io::Read::read(&mut stream, &mut buf);
    assert!(read.is_err(), "no answer within the client's timeout");
    assert!(started.elapsed() < Duration::from_secs(2));

    llm.set_latency(Duration::from_millis(300));
    llm.on("parallel", vec![Reply::text("SELECT 2")]);
    llm.clear_calls();
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let url = llm.url().to_owned();
            std::thread::spawn(move || {
                let body = openai("parallel").to_string();
                Client::new(&url).try_send("POST", "/v1/chat/completions", &[BEARER], body.as_bytes()).expect("send")
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().expect("thread").status, 200);
    }
    let calls = llm.calls();
    assert_eq!(calls.len(), 3);
    assert!(calls.iter().all(|c| c.finished_ms >= c.started_ms + 300), "latency applied: {calls:?}");
    assert!(overlapped(&calls), "concurrent calls overlap in the log");
    assert!(!overlapped(&calls[..1]));
}

#[test]
fn embeddings_are_deterministic_and_close_for_paraphrases() {
    let a = embedding("How many albums does each artist have?");
    let b = embedding("how many albums has each artist got");
    let c = embedding("average invoice total by country");
    let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(p, q)| p * q).sum::<f64>();
    assert_eq!(a, embedding("How many albums does each artist have?"));
    assert!(dot(&a, &b) > 0.6 && dot(&a, &c) < 0.3, "{} {}", dot(&a, &b), dot(&a, &c));
}
