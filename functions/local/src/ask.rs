//! `nl2sql ask`: the same router call as `POST /api/nl2sql/translate`, printed for people or as JSON.

use crate::app::App;
use nl2sql_core::api::{Request, TranslateResponse};
use nl2sql_core::ports::Rows;
use std::process::ExitCode;

/// Widest cell printed; longer values are cut with an ellipsis.
const MAX_CELL: usize = 40;

pub(crate) async fn ask(app: &App, question: &str, database: &str, execute: bool, json: bool) -> ExitCode {
    let body = serde_json::json!({"question": question, "database": database, "execute": execute});
    let request = Request::new("POST", "/api/nl2sql/translate", body.to_string());
    let response = app.call(request).await;
    let value = response.body_json();
    if response.status != 200 {
        let code = value["error"]["code"].as_str().unwrap_or("error");
        let message = value["error"]["message"].as_str().unwrap_or("unknown error");
        eprintln!("error ({code}): {message}");
        return ExitCode::FAILURE;
    }
    if json {
        println!("{value:#}");
        return ExitCode::SUCCESS;
    }
    match serde_json::from_value::<TranslateResponse>(value) {
        Ok(answer) => {
            println!("{}", answer.sql);
            println!("-- {} (confidence {:.2})", answer.explanation, answer.confidence);
            if let Some(rows) = &answer.rows {
                println!();
                print!("{}", render_table(rows));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: unexpected response: {e}");
            ExitCode::FAILURE
        }
    }
}

fn cell(value: &serde_json::Value) -> String {
    let text = match value {
        serde_json::Value::Null => "NULL".to_owned(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > MAX_CELL {
        format!("{}…", text.chars().take(MAX_CELL - 1).collect::<String>())
    } else {
        text
    }
}

/// Renders rows as an aligned text table with a row count line.
fn render_table(rows: &Rows) -> String {
    let cells: Vec<Vec<String>> = rows.rows.iter().map(|r| r.iter().map(cell).collect()).collect();
    let numeric: Vec<bool> = (0..rows.columns.len())
        .map(|i| rows.rows.iter().all(|r| r.get(i).is_some_and(|v| v.is_number() || v.is_null())))
        .collect();
    let widths: Vec<usize> = rows
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| cells.iter().map(|r| r[i].chars().count()).chain([c.chars().count()]).max().unwrap_or(0))
        .collect();
    let line = |values: &[String], out: &mut String| {
        let parts: Vec<String> = values
            .iter()
            .enumerate()
            .map(
                |(i, v)| if numeric[i] { format!("{v:>w$}", w = widths[i]) } else { format!("{v:<w$}", w = widths[i]) },
            )
            .collect();
        out.push_str(parts.join(" | ").trim_end());
        out.push('\n');
    };
    let mut out = String::new();
    line(&rows.columns, &mut out);
    out.push_str(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("-+-"));
    out.push('\n');
    for row in &cells {
        line(row, &mut out);
    }
    let n = rows.rows.len();
    out.push_str(&format!(
        "({n} row{}{})\n",
        if n == 1 { "" } else { "s" },
        if rows.truncated { ", truncated" } else { "" }
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table_aligns_numbers_right_and_counts_rows() {
        let rows = Rows {
            columns: vec!["Country".into(), "customers".into()],
            rows: vec![vec![json!("USA"), json!(13)], vec![json!("Czech Republic"), json!(2)]],
            truncated: false,
        };
        let text = render_table(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Country        | customers");
        assert_eq!(lines[2], "USA            |        13");
        assert_eq!(lines[3], "Czech Republic |         2");
        assert_eq!(lines[4], "(2 rows)");
    }
}
