//! `nl2sql schema sync|show|diff`: register a database from DDL or a live connection, print its skeleton
//! (whole or linked to a question), or preview what a re-registration would change.

use crate::app::App;
use crate::cli::{encode, fail};
use clap::{Args, Subcommand};
use nl2sql_core::api::{RegisterRequest, Request};
use nl2sql_core::databases;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub(crate) enum SchemaCommand {
    /// Register (or re-register) a database and print what changed.
    Sync(Source),
    /// Print a database's skeleton, or the part linked to a question.
    Show {
        /// Registered database.
        database: String,
        /// Link to this question under the token budget.
        #[arg(long, short)]
        question: Option<String>,
        /// Token budget of the linked skeleton.
        #[arg(long)]
        budget: Option<usize>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show how DDL or a live database differs from what is registered, without writing anything.
    Diff(Source),
}

#[derive(Args)]
pub(crate) struct Source {
    /// Database name.
    database: String,
    /// Dialect: sqlite, postgres, mysql [default: the connection URL's scheme, else postgres].
    #[arg(long)]
    dialect: Option<String>,
    /// DDL file (`-` for stdin).
    #[arg(long, conflicts_with = "connection", required_unless_present = "connection")]
    ddl: Option<PathBuf>,
    /// Connection secret name (an environment variable holding the URL).
    #[arg(long)]
    connection: Option<String>,
}

impl Source {
    fn request(&self) -> anyhow::Result<RegisterRequest> {
        let ddl = match &self.ddl {
            Some(path) if path.as_os_str() == "-" => {
                let mut text = String::new();
                std::io::stdin().read_to_string(&mut text)?;
                Some(text)
            }
            Some(path) => {
                Some(std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?)
            }
            None => None,
        };
        // With a connection and no --dialect, the URL's scheme says which it is (the URL itself stays in the
        // environment; only its scheme is read).
        let from_url = || {
            let url = std::env::var(self.connection.as_deref()?).ok()?;
            let scheme = url.split(':').next()?.to_ascii_lowercase();
            match scheme.as_str() {
                "sqlite" => Some("sqlite"),
                "postgres" | "postgresql" => Some("postgres"),
                _ => None,
            }
        };
        let dialect = self.dialect.clone().unwrap_or_else(|| from_url().unwrap_or("postgres").to_owned());
        Ok(RegisterRequest { dialect, connection: self.connection.clone(), ddl })
    }
}

pub(crate) async fn run(app: &App, command: SchemaCommand) -> anyhow::Result<ExitCode> {
    let ports = app.ports();
    match command {
        SchemaCommand::Sync(source) => {
            let request = source.request()?;
            let body =
                serde_json::json!({"dialect": request.dialect, "connection": request.connection, "ddl": request.ddl});
            let path = format!("/api/nl2sql/databases/{}", source.database);
            let response = app.call(Request::new("PUT", &path, body.to_string())).await;
            let value = response.body_json();
            if response.status != 200 {
                return Ok(fail(&value));
            }
            let db = &value["database"];
            let changed = value["changed"].as_bool().unwrap_or(false);
            println!(
                "{} {}: {} tables, fingerprint {}",
                if changed { "registered" } else { "unchanged" },
                db["name"].as_str().unwrap_or_default(),
                db["tables"],
                db["fingerprint"].as_str().unwrap_or_default()
            );
            for change in value["changes"].as_array().into_iter().flatten() {
                println!("  {}", change.as_str().unwrap_or_default());
            }
            for skipped in value["skipped"].as_array().into_iter().flatten() {
                println!(
                    "skipped line {}: {} ({})",
                    skipped["line"],
                    skipped["statement"].as_str().unwrap_or_default(),
                    skipped["reason"].as_str().unwrap_or_default()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        SchemaCommand::Show { database, question, budget, json } => {
            let mut path = format!("/api/nl2sql/databases/{database}/skeleton?");
            if let Some(q) = &question {
                path.push_str(&format!("question={}&", encode(q)));
            }
            if let Some(b) = budget {
                path.push_str(&format!("budget={b}"));
            }
            let response = app.call(Request::new("GET", &path, Vec::new())).await;
            let value = response.body_json();
            if response.status != 200 {
                return Ok(fail(&value));
            }
            if json {
                println!("{value:#}");
            } else {
                println!("{}", value["text"].as_str().unwrap_or_default());
                println!("-- {} of {} tokens", value["tokens"], value["full_tokens"]);
                for pick in value["tables"].as_array().into_iter().flatten() {
                    let reasons: Vec<&str> =
                        pick["reasons"].as_array().into_iter().flatten().filter_map(|r| r.as_str()).collect();
                    println!("-- {}: {}", pick["table"].as_str().unwrap_or_default(), reasons.join("; "));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        SchemaCommand::Diff(source) => {
            let request = source.request()?;
            databases::validate_name("database", &source.database)?;
            let ingested = match databases::ingest(&ports, &request).await {
                Ok(ingested) => ingested,
                Err(e) => return Ok(fail(&e.to_json())),
            };
            let diff =
                databases::diff_against(&ports, app.tenant(), &source.database, &ingested.schema.catalog).await?;
            if diff.is_empty() {
                println!("no differences");
            } else {
                println!("{}", diff.summary());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
