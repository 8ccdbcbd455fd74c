//! AWS end to end, from the template to running functions:
//!
//! 1. `infra/aws/template.yaml` expands (aws-sam-translator) and passes cfn-lint, source and expansion, with no
//!    error or warning; a typo in a resource reference is caught.
//! 2. The expansion deploys into moto's CloudFormation, which creates the table and both functions'
//!    configuration (environment from the template's parameters, the database URL from Secrets Manager).
//! 3. The real release binaries run under the Lambda Runtime API emulator with exactly that environment,
//!    against the stack's table and Chinook on PostgreSQL: register, translate, read statistics, fire scheduled
//!    events at the refresh function and see the statistics refreshed.
//!
//! `cold_start` measures process start to first answer (docs/aws.md). Skipped with a note only when the Python
//! venv or PostgreSQL is missing; `tests/run` installs both.

use nl2sql_tests::client::Client;
use nl2sql_tests::lambda_emulator::{Emulator, Outcome};
use nl2sql_tests::moto::{Moto, tool};
use nl2sql_tests::paths::{lambda_bin, repo_root, venv_tool};
use nl2sql_tests::pg::{Chinook, PASSWORD};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// The configuration the stack is deployed with: a small run size and a short staleness, so three scheduled
/// runs show the queue (6 tables, then the other 5) and a refresh of tables gone stale.
const CONFIG: &str = "[nl2sql.refresh_manager]\nmax_tables_per_run = 6\nstaleness_threshold = 2\n";

/// cfn-lint's exit status and output for `template`.
fn cfn_lint(cfn_lint: &Path, template: &Path) -> (i32, String) {
    let out = Command::new(cfn_lint).arg(template).output().expect("run cfn-lint");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

/// Expands the SAM template `source` into `out` and lints both: the expansion must be linted too, because
/// cfn-lint on the SAM source does not look into the resources the transform generates (a typo in a policy's
/// `!GetAtt` passes there).
fn validate(python: &Path, lint: &Path, env: &[(String, String)], source: &Path, out: &Path) -> Vec<(i32, String)> {
    tool(python, &["expand", &source.to_string_lossy(), &out.to_string_lossy()], env);
    vec![cfn_lint(lint, source), cfn_lint(lint, out)]
}

#[test]
fn template_to_running_functions() {
    let (Some(python), Some(lint)) = (venv_tool("python"), venv_tool("cfn-lint")) else { return };
    let Some(chinook) = Chinook::shared() else { return };
    let Some(moto) = Moto::start() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let template = repo_root().join("infra/aws/template.yaml");

    // 1. Validation, and a typo it must catch.
    let expanded = dir.path().join("expanded.json");
    for (status, output) in validate(&python, &lint, &moto.env(), &template, &expanded) {
        assert_eq!(status, 0, "cfn-lint found problems:\n{output}");
    }
    let text = std::fs::read_to_string(&template).expect("read the template");
    assert!(text.contains("!GetAtt Table.Arn"), "the template references the table's ARN");
    let typo = dir.path().join("typo.yaml");
    std::fs::write(&typo, text.replacen("!GetAtt Table.Arn", "!GetAtt Tabel.Arn", 1)).expect("write");
    let results = validate(&python, &lint, &moto.env(), &typo, &dir.path().join("typo.json"));
    let (status, output) = &results[1];
    assert!(status & 2 != 0 && output.contains("Tabel"), "cfn-lint must report the typo as an error:\n{output}");

    // 2. Deploy into moto's CloudFormation, the database URL coming from Secrets Manager.
    tool(&python, &["create-secret", "nl2sql/chinook", &chinook.url()], &moto.env());
    let params = ["DatabaseUrlSecret=nl2sql/chinook".to_owned(), format!("ConfigToml={CONFIG}")];
    let mut args = vec!["deploy", expanded.to_str().expect("utf-8 path"), "nl2sql"];
    args.extend(params.iter().map(String::as_str));
    let stack = moto.tool(&args);
    assert_eq!(stack["status"], "CREATE_COMPLETE", "{stack}");
    assert_eq!(stack["resources"]["Table"]["type"], "AWS::DynamoDB::Table", "{stack}");
    let table = stack["outputs"]["TableName"].as_str().expect("the table's name").to_owned();
    let http_env = function_env(&stack, "HttpFunction", &moto);
    assert!(http_env.contains(&("NL2SQL_TABLE".into(), table.clone())), "{stack}");
    assert_eq!(stack["functions"]["HttpFunction"]["runtime"], "provided.al2023");

    // 3. The release binaries against the stack's table and Chinook.
    let http = Arc::new(Emulator::start(&lambda_bin("nl2sql-http"), &http_env));
    let api = Client::new(&http.front_door());
    let refresh = Emulator::start(&lambda_bin("nl2sql-refresh"), &function_env(&stack, "RefreshFunction", &moto));
    serve_and_refresh(&api, &refresh);

    let logs = http.logs();
    assert!(!logs.contains(PASSWORD), "the database URL never reaches the logs");
    let emf: Vec<Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.get("_aws").is_some())
        .collect();
    assert!(
        emf.iter().any(|m| m["Route"] == "POST /api/nl2sql/translate"
            && m["Status"] == "200"
            && m["nl2sql_requests_total"] == 1.0),
        "a CloudWatch EMF line per request:\n{logs}"
    );
    // The core's metrics, as increases with their labels as dimensions: the translation counted as a query.
    assert!(
        emf.iter().any(|m| m["nl2sql_queries_total"] == 1.0
            && m["status"] == "success"
            && m["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == json!([["status"]])),
        "the core's nl2sql_queries_total as an EMF line:\n{logs}"
    );
}

/// The environment CloudFormation gave `function`, plus what the Lambda service adds on AWS (credentials and
/// region; here also moto's endpoint).
fn function_env(stack: &Value, function: &str, moto: &Moto) -> Vec<(String, String)> {
    let configured = stack["functions"][function]["environment"].as_object().expect("the function's environment");
    let mut env: Vec<(String, String)> =
        configured.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned())).collect();
    env.extend(moto.env());
    env
}

fn serve_and_refresh(api: &Client, refresh: &Emulator) {
    let (status, body) =
        api.json("PUT", "/api/nl2sql/databases/chinook", &json!({"dialect": "postgres", "connection": "DATABASE_URL"}));
    assert_eq!((status, body["database"]["tables"].as_u64()), (200, Some(11)), "{body}");
    let ask = json!({"question": "How many tracks are there?", "database": "chinook", "execute": true});
    let (status, answer) = api.json("POST", "/api/nl2sql/translate", &ask);
    assert_eq!((status, &answer["rows"]["rows"]), (200, &json!([[3503]])), "{answer}");

    let list = || {
        let (status, list) = api.get("/api/nl2sql/statistics/tables?database=chinook");
        assert_eq!(status, 200, "{list}");
        list["tables"].as_array().cloned().unwrap_or_default()
    };
    assert!(list().iter().all(|t| t["refreshed_at"].is_null()), "nothing collected before the first run");

    let scheduled = json!({"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {}});
    let run = |timeout: Duration| match refresh.invoke(&scheduled, timeout) {
        Outcome::Response(report) => report,
        Outcome::Error(kind, error) => panic!("the refresh function failed ({kind}): {error}\n{}", refresh.logs()),
    };
    let refreshed = |report: &Value| report["refreshed"].as_array().map_or(0, Vec::len);
    let first = run(Duration::from_secs(300));
    assert_eq!((refreshed(&first), first["remaining"].as_array().map(Vec::len)), (6, Some(5)), "{first}");
    let second = run(Duration::from_secs(300));
    assert_eq!(refreshed(&second), 5, "the next run takes the rest: {second}");
    let tables = list();
    assert!(tables.iter().all(|t| t["refreshed_at"].is_string() && t["stale"] == false), "{tables:?}");

    let refreshed_at = |table: &str| {
        let (status, detail) = api.get(&format!("/api/nl2sql/statistics/tables/{table}?database=chinook"));
        assert_eq!(status, 200, "{detail}");
        detail["statistics"]["refreshed_at_ms"].as_i64().expect("refreshed_at_ms")
    };
    let names: Vec<String> = tables.iter().filter_map(|t| t["table"].as_str().map(str::to_owned)).collect();
    let before: Vec<(String, i64)> = names.iter().map(|t| (t.clone(), refreshed_at(t))).collect();
    std::thread::sleep(Duration::from_millis(2_100)); // past the staleness threshold
    let third = run(Duration::from_secs(300));
    assert_eq!(refreshed(&third), 6, "six stale tables again: {third}");
    for table in third["refreshed"].as_array().into_iter().flatten().filter_map(|r| r["table"].as_str()) {
        let (_, at) = before.iter().find(|(t, _)| t == table).expect("a known table");
        assert!(refreshed_at(table) > *at, "{table}'s refreshed_at advanced: {third}");
    }

    // An invocation with almost no time left starts nothing.
    let late = run(Duration::from_secs(2));
    assert_eq!(late["stopped_by"], "deadline", "{late}");
}

/// Process start to first answer of the HTTP function through the emulator, and the binaries' sizes
/// (docs/aws.md). Prints; timing is never asserted.
#[test]
fn cold_start() {
    let Some(moto) = Moto::start() else { return };
    moto.create_table("cold-start");
    let mut env = moto.env();
    env.push(("NL2SQL_TABLE".into(), "cold-start".into()));
    for path in ["/health/liveness", "/health/readiness"] {
        let mut samples = Vec::new();
        for _ in 0..7 {
            let function = Emulator::start(&lambda_bin("nl2sql-http"), &env);
            let event = json!({
                "version": "2.0", "rawPath": path, "rawQueryString": "", "headers": {},
                "requestContext": {"http": {"method": "GET", "path": path}, "stage": "$default"}, "isBase64Encoded": false
            });
            let outcome = function.invoke(&event, Duration::from_secs(30));
            let elapsed = function.spawned_at.elapsed();
            assert!(matches!(&outcome, Outcome::Response(r) if r["statusCode"] == 200), "{outcome:?}");
            samples.push(elapsed);
        }
        samples.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        eprintln!(
            "cold start, process start -> first answer of GET {path}: min {:.1} ms, median {:.1} ms, max {:.1} ms",
            ms(samples[0]),
            ms(samples[samples.len() / 2]),
            ms(samples[samples.len() - 1])
        );
    }
    for name in ["nl2sql-http", "nl2sql-refresh"] {
        let bin = lambda_bin(name);
        let size = std::fs::metadata(&bin).map(|m| m.len()).unwrap_or(0);
        eprintln!("{}: {:.1} MiB", bin.display(), size as f64 / 1024.0 / 1024.0);
    }
}
