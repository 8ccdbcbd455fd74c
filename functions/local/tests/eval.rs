//! `nl2sql eval` on a small committed Spider sample (30 questions over three databases, see
//! `fixtures/spider/SOURCES.md`): the JSON lines, the summary object, the human summary, and that linking finds
//! the gold tables within half of each database's skeleton.

use serde_json::Value;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_nl2sql");
const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/spider");

fn eval(extra: &[&str]) -> String {
    let out = Command::new(BIN)
        .arg("eval")
        .arg("--questions")
        .arg(format!("{FIXTURE}/questions.json"))
        .arg("--tables")
        .arg(format!("{FIXTURE}/tables.json"))
        .arg("--databases")
        .arg(format!("{FIXTURE}/database"))
        .args(extra)
        .env_remove("NL2SQL_CONFIG")
        .output()
        .expect("run nl2sql eval");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn json_lines(extra: &[&str]) -> (Vec<Value>, Value) {
    let mut lines: Vec<Value> = eval(&[&["--json"], extra].concat())
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l} is JSON: {e}")))
        .collect();
    let summary = lines.pop().expect("a summary line")["summary"].clone();
    (lines, summary)
}

#[test]
fn per_database_linking_finds_the_gold_tables_in_half_the_skeleton() {
    let (questions, summary) = json_lines(&["--execute"]);
    assert_eq!(questions.len(), 30);
    for q in &questions {
        for field in ["db_id", "question", "hardness", "gold_tables", "linked_tables", "pruned_tokens", "full_tokens"] {
            assert!(!q[field].is_null(), "{field} missing in {q}");
        }
        // The pruned skeleton never exceeds min(2000, its database's) nor the budget reported.
        let (pruned, full) = (q["pruned_tokens"].as_u64().unwrap_or(0), q["full_tokens"].as_u64().unwrap_or(0));
        assert!(pruned <= 2000 && pruned <= full && pruned <= q["budget"].as_u64().unwrap_or(0), "{q}");
        assert!(q["execution"].is_boolean(), "{q}");
        assert!(q["gold_parsed"].as_bool().unwrap_or(false), "{q}");
    }
    assert_eq!(summary["mode"], "per-database");
    assert_eq!(summary["databases"], 3);
    let overall = &summary["overall"];
    assert_eq!(overall["questions"], 30);
    assert!(overall["table_recall"].as_f64().unwrap_or(0.0) >= 0.95, "{summary:#}");
    assert!(overall["column_recall"].as_f64().unwrap_or(0.0) >= 0.9, "{summary:#}");
    assert!(overall["token_ratio"].as_f64().unwrap_or(1.0) <= 0.5, "{summary:#}");
    assert!(overall["execution_accuracy"].is_number(), "{summary:#}");
    for db in ["college_3", "hospital_1", "e_government"] {
        assert_eq!(summary["by_database"][db]["questions"], 10, "{summary:#}");
    }
    let hardness: usize = ["easy", "medium", "hard", "extra"]
        .iter()
        .filter_map(|h| summary["by_hardness"][h]["questions"].as_u64())
        .sum::<u64>() as usize;
    assert_eq!(hardness, 30);
}

#[test]
fn union_linking_prefixes_tables_with_their_database() {
    let (questions, summary) = json_lines(&["--union", "--limit", "12"]);
    assert_eq!(questions.len(), 12);
    assert_eq!(summary["mode"], "union");
    assert!(summary["overall"]["table_recall"].as_f64().unwrap_or(0.0) >= 0.85, "{summary:#}");
    let first = &questions[0];
    let linked = first["linked_tables"].as_array().expect("linked tables");
    assert!(linked.iter().all(|t| t.as_str().is_some_and(|t| t.contains('.'))), "{first}");
    assert!(first["pruned_tokens"].as_u64().unwrap_or(u64::MAX) <= 2000);
}

#[test]
fn the_human_summary_has_databases_and_hardness() {
    let text = eval(&["--budget", "300"]);
    let head = "per-database linking, budget min(300, 1 x full skeleton) tokens, context beyond the evidence up to 0.5";
    assert!(text.starts_with(head), "{text}");
    for word in ["college_3", "hospital_1", "e_government", "easy", "all questions", "mean of per-database"] {
        assert!(text.contains(word), "{word} missing from\n{text}");
    }
}
