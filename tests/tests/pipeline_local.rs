//! The translation pipeline end to end through the local host (`nl2sql serve`, real SQLite demo database)
//! against the fake LLM server (the one fake: it speaks the OpenAI and Anthropic wire formats).

use nl2sql_tests::client::Client;
use nl2sql_tests::fake_llm::{FakeLlm, Reply, Wire, overlapped};
use nl2sql_tests::local::LocalHost;
use serde_json::{Value, json};
use std::time::Duration;

/// A local host whose providers are `primary` (OpenAI format, model gpt-fake) and `secondary` (Anthropic format,
/// model claude-fake) on the fake server.
fn host(llm: &FakeLlm, dir: &tempfile::TempDir, nl2sql: &str) -> LocalHost {
    let config = format!(
        r#"
[nl2sql]
default_provider = "primary"
query_timeout = 20
{nl2sql}
[nl2sql.circuit_breaker]
failure_threshold = 2
reset_timeout_secs = 2
half_open_max_calls = 1
[llm.primary]
api = "openai"
endpoint = "{url}/v1"
model = "gpt-fake"
api_key = "${{FAKE_LLM_KEY}}"
max_retries = 1
timeout = 5
input_cost_per_1k_tokens = 1.0
output_cost_per_1k_tokens = 2.0
[llm.secondary]
api = "anthropic"
endpoint = "{url}/v1"
model = "claude-fake"
api_key = "${{FAKE_LLM_KEY}}"
max_retries = 0
timeout = 5
"#,
        url = llm.url()
    );
    let path = dir.path().join("nl2sql.toml");
    std::fs::write(&path, config).expect("write config");
    LocalHost::start(&[("NL2SQL_CONFIG".into(), path.display().to_string()), ("FAKE_LLM_KEY".into(), "sk-fake".into())])
}

fn translate(host: &LocalHost, body: Value) -> (u16, Value) {
    let reply = Client::new(&host.base_url)
        .try_send("POST", "/api/nl2sql/translate", &[("content-type", "application/json")], body.to_string().as_bytes())
        .expect("translate");
    (reply.status, reply.json())
}

fn metrics(host: &LocalHost) -> String {
    let reply = Client::new(&host.base_url).try_send("GET", "/metrics", &[], b"").expect("metrics");
    assert_eq!(reply.status, 200);
    String::from_utf8(reply.body).expect("utf-8")
}

fn fenced(sql: &str) -> Reply {
    Reply::text(format!("Here is the query:\n```sql\n{sql}\n```\nIt answers the question."))
}

fn calls_to(llm: &FakeLlm, model: &str) -> usize {
    llm.calls().iter().filter(|c| c.model == model).count()
}

#[test]
fn a_failing_primary_falls_back_and_its_circuit_opens_then_closes() {
    let llm = FakeLlm::start();
    // primary: two 500s (one request: first try + one retry), then answers the trial call after the reset.
    llm.on_model("gpt-fake", "", vec![Reply::status(500), Reply::status(500), fenced("SELECT Name FROM Genre")]);
    llm.on_model("claude-fake", "How many artists", vec![fenced("SELECT COUNT(*) AS n FROM Artist")]);
    llm.on_model("claude-fake", "How many albums", vec![fenced("SELECT COUNT(*) AS n FROM Album")]);
    let dir = tempfile::tempdir().expect("dir");
    let host = host(&llm, &dir, "fallback_providers = [\"secondary\"]");

    let (status, answer) =
        translate(&host, json!({"question": "How many artists are there?", "database": "demo", "execute": true}));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["provider"], "secondary");
    assert_eq!(answer["rows"]["rows"][0][0], 275, "executed on the demo database: {answer}");
    let outcomes: Vec<(&str, &str)> = answer["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| (a["provider"].as_str().unwrap_or(""), a["outcome"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(outcomes, [("primary", "error"), ("primary", "error"), ("secondary", "ok")]);
    assert!(
        metrics(&host).contains("nl2sql_llm_circuit_breaker_state{provider=\"primary\"} 1"),
        "open after 2 failures"
    );

    let (status, answer) = translate(&host, json!({"question": "How many albums are there?", "database": "demo"}));
    assert_eq!((status, answer["provider"].as_str()), (200, Some("secondary")), "{answer}");
    assert_eq!(answer["attempts"][0]["outcome"], "skipped");
    assert_eq!(calls_to(&llm, "gpt-fake"), 2, "no call to an open circuit");

    std::thread::sleep(Duration::from_millis(2200));
    let (status, answer) = translate(&host, json!({"question": "List the genre names", "database": "demo"}));
    assert_eq!((status, answer["provider"].as_str()), (200, Some("primary")), "the trial call answers: {answer}");
    assert_eq!(calls_to(&llm, "gpt-fake"), 3);
    let text = metrics(&host);
    assert!(text.contains("nl2sql_llm_circuit_breaker_state{provider=\"primary\"} 0"), "closed again:\n{text}");
    assert!(text.contains("nl2sql_llm_requests_total{provider=\"primary\",status=\"error\"} 2"), "{text}");
    assert!(answer["cost"].as_f64() > Some(0.0) && answer["tokens"]["total"].as_u64() > Some(0), "{answer}");
}

#[test]
fn a_wrong_column_is_corrected_and_a_model_that_keeps_failing_gets_a_422() {
    let llm = FakeLlm::start();
    llm.on_model(
        "gpt-fake",
        "How many tracks",
        vec![fenced("SELECT COUNT(*) FROM Track WHERE Colour = 'red'"), fenced("SELECT COUNT(*) AS n FROM Track")],
    );
    llm.on_model("gpt-fake", "customer ages", vec![fenced("SELECT Age FROM Customer")]);
    let dir = tempfile::tempdir().expect("dir");
    let host = host(&llm, &dir, "");

    let (status, answer) =
        translate(&host, json!({"question": "How many tracks are there?", "database": "demo", "execute": true}));
    assert_eq!(status, 200, "{answer}");
    assert!(answer["sql"].as_str().is_some_and(|s| s.contains("COUNT(*)") && !s.contains("Colour")), "{answer}");
    let attempts = answer["attempts"].as_array().expect("attempts");
    assert!(
        attempts
            .iter()
            .any(|a| a["outcome"] == "invalid" && a["detail"].as_str().is_some_and(|d| d.contains("Colour"))),
        "{answer}"
    );
    assert_eq!(attempts.last().map(|a| &a["outcome"]), Some(&json!("ok")));
    assert_eq!(answer["rows"]["rows"][0][0], 3503);
    let second =
        llm.calls().into_iter().filter(|c| c.prompt.contains("How many tracks")).nth(1).expect("a second call");
    assert!(
        second.prompt.contains("was rejected") && second.prompt.contains("Colour"),
        "the error went back to the model"
    );

    let (status, error) =
        translate(&host, json!({"question": "What are the customer ages?", "database": "demo", "provider": "primary"}));
    assert_eq!((status, error["error"]["code"].as_str()), (422, Some("untranslatable")), "{error}");
    let message = error["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("3 answers rejected") && message.matches("Age").count() >= 3,
        "lists every attempt: {message}"
    );
}

#[test]
fn a_complex_question_runs_in_stages_whose_tasks_overlap_and_the_result_executes() {
    let llm = FakeLlm::start();
    llm.set_latency(Duration::from_millis(400));
    llm.on("Task t1:", vec![fenced("SELECT Country, COUNT(*) AS customers FROM Customer GROUP BY Country")]);
    llm.on(
        "Task t2:",
        vec![fenced("SELECT BillingCountry AS Country, SUM(Total) AS total FROM Invoice GROUP BY BillingCountry")],
    );
    llm.on(
        "Task t3:",
        vec![fenced("SELECT t1.Country, t1.customers, t2.total FROM t1 JOIN t2 ON t1.Country = t2.Country WHERE t2.total > 100 ORDER BY t2.total DESC")],
    );
    let dir = tempfile::tempdir().expect("dir");
    let host = host(&llm, &dir, "");
    let question = "Compare the number of customers per country with the total invoice amount per country, \
                    keeping countries where the total exceeds 100";

    let analysis = Client::new(&host.base_url)
        .try_send(
            "POST",
            "/api/nl2sql/analyze",
            &[],
            json!({"question": question, "database": "demo"}).to_string().as_bytes(),
        )
        .expect("analyze");
    let analysis = analysis.json();
    assert_eq!(analysis["decompose"], true, "{analysis}");
    assert_eq!(llm.calls().len(), 0, "analyze calls no model");

    let (status, answer) = translate(&host, json!({"question": question, "database": "demo", "execute": true}));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["decomposition"]["stages"], 2, "{answer}");
    assert!(answer["sql"].as_str().is_some_and(|s| s.starts_with("WITH t1 AS (")), "{answer}");
    let rows = answer["rows"]["rows"].as_array().expect("rows");
    assert!(!rows.is_empty() && rows[0][0] == "USA", "{answer}");
    let stage1: Vec<_> =
        llm.calls().into_iter().filter(|c| c.prompt.contains("Task t1:") || c.prompt.contains("Task t2:")).collect();
    assert_eq!(stage1.len(), 2);
    assert!(overlapped(&stage1), "stage 1's tasks ran at the same time: {stage1:?}");
    let stage2 = llm.calls().into_iter().find(|c| c.prompt.contains("Task t3:")).expect("stage 2");
    assert!(stage1.iter().all(|c| c.finished_ms <= stage2.started_ms), "stage 2 after stage 1");
    assert!(metrics(&host).contains("nl2sql_agentic_decompositions_total 1"));
}

#[test]
fn caches_hit_without_provider_calls_until_the_schema_changes() {
    let llm = FakeLlm::start();
    llm.on("artists", vec![fenced("SELECT COUNT(*) AS n FROM Artist")]);
    let dir = tempfile::tempdir().expect("dir");
    let host = host(&llm, &dir, "");
    let client = Client::new(&host.base_url);
    let ddl = |extra: &str| json!({"dialect": "sqlite", "ddl": format!("CREATE TABLE Artist (ArtistId INTEGER PRIMARY KEY, Name TEXT{extra});")});
    let put = |body: Value| {
        client.try_send("PUT", "/api/nl2sql/databases/music", &[], body.to_string().as_bytes()).expect("put")
    };
    assert_eq!(put(ddl("")).status, 200);

    let ask = |q: &str| translate(&host, json!({"question": q, "database": "music"}));
    let (status, first) = ask("How many artists are there?");
    assert_eq!((status, first["cache"].as_str()), (200, Some("miss")), "{first}");
    assert_eq!(llm.calls().len(), 1);
    let (_, second) = ask("How many artists are there?");
    assert_eq!(second["cache"], "exact");
    assert_eq!(second["sql"], first["sql"]);
    let (_, paraphrase) = ask("how many artists are there in total");
    assert_eq!(paraphrase["cache"], "semantic", "{paraphrase}");
    assert_eq!(llm.calls().len(), 1, "hits call no provider");
    let text = metrics(&host);
    assert!(
        text.contains("nl2sql_cache_hits{layer=\"exact\"} 1")
            && text.contains("nl2sql_cache_hits{layer=\"semantic\"} 1"),
        "{text}"
    );

    assert_eq!(put(ddl(", Country TEXT")).status, 200, "schema changed");
    // Neither layer answers from the old schema: the paraphrase misses, and so does the original question.
    let (_, after) = ask("how many artists are there in total");
    assert_eq!(after["cache"], "miss");
    assert_eq!(llm.calls().len(), 2);
    assert_eq!(put(ddl(", Country TEXT, Born INTEGER")).status, 200);
    let (_, after) = ask("How many artists are there?");
    assert_eq!(after["cache"], "miss");
    assert_eq!(llm.calls().len(), 3);
    assert_eq!(put(ddl(", Country TEXT, Born INTEGER")).status, 200, "unchanged DDL");
    let (_, again) = ask("How many artists are there?");
    assert_eq!(again["cache"], "exact", "re-registering the same schema keeps the cache");
}

#[test]
fn a_follow_up_in_a_session_keeps_the_previous_filters() {
    let llm = FakeLlm::start();
    // The follow-up's prompt also holds the first question (the conversation), so its rule comes first.
    llm.on(
        "only for 2022",
        vec![fenced(
            "SELECT InvoiceId, Total FROM Invoice WHERE BillingCountry = 'Germany' AND strftime('%Y', InvoiceDate) = '2022'",
        )],
    );
    llm.on(
        "invoices from Germany",
        vec![fenced("SELECT InvoiceId, Total FROM Invoice WHERE BillingCountry = 'Germany'")],
    );
    let dir = tempfile::tempdir().expect("dir");
    let host = host(&llm, &dir, "");
    let (status, first) = translate(
        &host,
        json!({"question": "List the invoices from Germany", "database": "demo", "session_id": "s-1"}),
    );
    assert_eq!(status, 200, "{first}");
    let (status, follow) = translate(
        &host,
        json!({"question": "only for 2022", "database": "demo", "session_id": "s-1", "execute": true}),
    );
    assert_eq!(status, 200, "{follow}");
    let sql = follow["sql"].as_str().unwrap_or_default();
    assert!(sql.contains("'Germany'") && sql.contains("2022"), "{sql}");
    assert!(!follow["rows"]["rows"].as_array().expect("rows").is_empty());
    let call = llm.calls().into_iter().find(|c| c.prompt.contains("only for 2022")).expect("follow-up call");
    assert!(call.prompt.contains("BillingCountry = 'Germany'"), "the previous SQL was in the prompt");
    assert_eq!(call.wire, Wire::OpenAi);
    // Another session does not see it.
    let (_, other) = translate(&host, json!({"question": "only for 2022", "database": "demo", "session_id": "s-2"}));
    let call = llm.calls().into_iter().filter(|c| c.prompt.contains("only for 2022")).nth(1).expect("second session");
    assert!(!call.prompt.contains("Germany"), "{other}");
}
