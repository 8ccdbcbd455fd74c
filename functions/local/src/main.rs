//! `nl2sql`: the local host. `nl2sql serve` runs the HTTP API, `nl2sql ask` translates one question; both
//! work with no configuration (bundled Chinook demo database, embedded store, offline translator).

mod advise;
mod app;
mod ask;
mod cli;
mod clock;
mod eval;
mod key;
mod schema;
mod server;
mod sql;
mod stats;
mod store;
// The browser playground's static files, served at `/` by `serve` (docs/wasm.md).
mod playground;

use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "nl2sql", version, about = "Natural language to safe, analysed SQL")]
struct Cli {
    /// Configuration file (TOML); defaults apply without one.
    #[arg(long, global = true, env = "NL2SQL_CONFIG")]
    config: Option<PathBuf>,
    /// Where the embedded store and the demo database live.
    #[arg(long, global = true, env = "NL2SQL_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Tenant the CLI commands act for (the server takes each request's tenant from its API key).
    #[arg(long, global = true, env = "NL2SQL_TENANT", default_value = nl2sql_core::router::DEFAULT_TENANT)]
    tenant: String,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (the default command).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "NL2SQL_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
    },
    /// Translate one question and print the SQL.
    Ask {
        /// The question.
        question: String,
        /// Registered database to ask.
        #[arg(long, short, default_value = "demo")]
        database: String,
        /// Also run the SQL (read-only, row-limited) and print the rows.
        #[arg(long, short)]
        execute: bool,
        /// Print the whole response as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Review one SQL query: findings, estimated cost, bottlenecks, index recommendations.
    Advise(advise::AdviseArgs),
    /// Register databases and inspect their skeletons.
    #[command(subcommand)]
    Schema(schema::SchemaCommand),
    /// Collect, list and prioritise table statistics.
    #[command(subcommand)]
    Stats(stats::StatsCommand),
    /// Measure schema linking (and the offline translator) on Spider-format questions.
    Eval(eval::EvalArgs),
    /// Make API keys and their configuration lines, hash a key, sign a JWT (docs/security.md).
    #[command(subcommand)]
    Key(key::KeyCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let serving = matches!(cli.command, None | Some(Command::Serve { .. }));
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, serving)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli, serving: bool) -> anyhow::Result<ExitCode> {
    // Logs go to stderr: JSON for a server not attached to a terminal, readable text otherwise.
    let early = app::load_config(None)?;
    let config = match &cli.config {
        Some(path) => {
            let _guard = init_logging(&early, serving, true);
            app::load_config(Some(path))?
        }
        None => early,
    };
    init_logging(&config, serving, false);
    let command = match cli.command {
        // Evaluation reads files only: no store, no demo database.
        Some(Command::Eval(args)) => return eval::run(args).await,
        // Keys need the configuration only.
        Some(Command::Key(command)) => return key::run(command, &config),
        other => other.unwrap_or(Command::Serve { addr: SocketAddr::from(([127, 0, 0, 1], 8080)) }),
    };
    let data_dir = cli.data_dir.clone().unwrap_or_else(app::default_data_dir);
    let app = app::App::open(config, &data_dir, &cli.tenant).await?;
    match command {
        Command::Serve { addr } => {
            server::serve(app, addr).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Ask { question, database, execute, json } => {
            Ok(ask::ask(&app, &question, &database, execute, json).await)
        }
        Command::Advise(args) => advise::run(&app, args).await,
        Command::Schema(command) => schema::run(&app, command).await,
        Command::Stats(command) => stats::run(&app, command).await,
        Command::Eval(args) => eval::run(args).await,
        Command::Key(command) => key::run(command, app.config()),
    }
}

/// Installs the global subscriber; with `scoped` only for the current thread (for config-loading warnings).
fn init_logging(
    config: &nl2sql_core::Config,
    serving: bool,
    scoped: bool,
) -> Option<tracing::subscriber::DefaultGuard> {
    let obs = &config.observability;
    let default_level = if serving { obs.log_level.as_str() } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let json = match obs.log_format.as_str() {
        "json" => true,
        "text" => false,
        _ => serving && !std::io::stderr().is_terminal(),
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if scoped {
        return Some(if json {
            tracing::subscriber::set_default(builder.json().finish())
        } else {
            tracing::subscriber::set_default(builder.finish())
        });
    }
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
    None
}
