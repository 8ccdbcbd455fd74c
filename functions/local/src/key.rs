//! `nl2sql key`: make API keys and their configuration lines, hash a key, sign a JWT. Nothing is stored: the
//! key is printed once, and only its hash goes into `[security] api_keys` (docs/security.md).

use clap::{Subcommand, ValueEnum};
use nl2sql_core::Config;
use nl2sql_core::auth::{hash_key, hex, sign_jwt};
use std::io::{BufRead, Read};
use std::process::ExitCode;

#[derive(Subcommand)]
pub(crate) enum KeyCommand {
    /// Make a new random API key: prints the key once (keep it; it cannot be recovered) and its configuration line.
    New {
        /// Tenant the key acts for.
        #[arg(long)]
        tenant: String,
        /// Its role.
        #[arg(long, value_enum, default_value = "user")]
        role: Role,
    },
    /// Print the `sha256:…` hash of a key for `[security] api_keys`; the key is read from stdin (so it stays out
    /// of the shell history) unless given.
    Hash {
        /// The key (default: first line of stdin).
        key: Option<String>,
    },
    /// Sign an HS256 JWT with the configuration's `[security] jwt_secret` (for tests and service accounts).
    Token {
        /// The `tenant` claim.
        #[arg(long)]
        tenant: String,
        /// The `role` claim.
        #[arg(long, value_enum, default_value = "user")]
        role: Role,
        /// The `sub` claim.
        #[arg(long, default_value = "nl2sql-cli")]
        sub: String,
        /// Lifetime in seconds (default `[security] jwt_expiration`).
        #[arg(long)]
        ttl: Option<u64>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Role {
    Admin,
    User,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::User => "user",
        }
    }
}

pub(crate) fn run(command: KeyCommand, config: &Config) -> anyhow::Result<ExitCode> {
    match command {
        KeyCommand::New { tenant, role } => {
            valid_tenant(&tenant)?;
            let mut bytes = [0u8; 32];
            std::fs::File::open("/dev/urandom")
                .and_then(|mut f| f.read_exact(&mut bytes))
                .map_err(|e| anyhow::anyhow!("reading /dev/urandom: {e}"))?;
            let key = format!("nl2sql_{}", hex(&bytes));
            println!("key (shown once; give it to the client, store it nowhere else):\n  {key}\n");
            println!("[security] api_keys entry:");
            println!("  \"{tenant}:{}:{}\"", role.name(), hash_key(&key));
        }
        KeyCommand::Hash { key } => {
            let key = match key {
                Some(key) => key,
                None => {
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            anyhow::ensure!(!key.is_empty(), "no key given (pass it, or one line on stdin)");
            println!("{}", hash_key(&key));
        }
        KeyCommand::Token { tenant, role, sub, ttl } => {
            valid_tenant(&tenant)?;
            let secret = config.security.jwt_secret.expose();
            anyhow::ensure!(!secret.is_empty(), "[security] jwt_secret is not set in the configuration (--config)");
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
            let exp = now + ttl.unwrap_or(config.security.jwt_expiration);
            let claims = serde_json::json!({"sub": sub, "tenant": tenant, "role": role.name(), "iat": now, "exp": exp});
            println!("{}", sign_jwt(&claims, secret.as_bytes()));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn valid_tenant(tenant: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        nl2sql_core::keys::valid_name(tenant),
        "tenant `{tenant}` must be 1-64 of A-Z a-z 0-9 _ -, not starting with _"
    );
    Ok(())
}
