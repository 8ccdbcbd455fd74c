//! moto as the DynamoDB (and CloudFormation, S3, IAM) stand-in: moto's server on a free port, killed on drop,
//! plus `tests/aws/tool.py` for what the tests do through boto3 (create a table, deploy a stack).
//!
//! moto evaluates conditional writes and transactions like DynamoDB, but its threaded server does not make a
//! condition check and its write atomic, so `tests/aws/moto_server.py` serialises requests (DynamoDB's own
//! guarantee). moto never deletes expired items: the store's own filtering on `expires_at` is what the tests
//! see, as it is what readers rely on on AWS too (TTL deletion lags by up to days).

use crate::paths::{free_port, repo_root, venv_tool};
use serde_json::Value;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The region every test uses.
pub const REGION: &str = "us-east-1";

/// A running `moto_server`.
pub struct Moto {
    child: Child,
    port: u16,
    python: PathBuf,
}

impl Moto {
    /// Starts moto, or `None` (with a note) when the venv is missing.
    pub fn start() -> Option<Moto> {
        let python = venv_tool("python")?;
        let port = free_port();
        let child = Command::new(&python)
            .arg(repo_root().join("tests/aws/moto_server.py"))
            .args(["127.0.0.1", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn moto_server");
        let moto = Moto { child, port, python };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto_server did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(moto)
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// What an AWS SDK needs to talk to this moto: endpoint, region and dummy credentials.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", self.endpoint().as_str()),
            ("AWS_REGION", REGION),
            ("AWS_DEFAULT_REGION", REGION),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
    }

    /// Runs `tests/aws/tool.py <args>` against this moto and answers its JSON output.
    pub fn tool(&self, args: &[&str]) -> Value {
        tool(&self.python, args, &self.env())
    }

    /// Creates a table with the store's key schema (`pk`/`sk` strings, on-demand, TTL on `expires_at`).
    pub fn create_table(&self, name: &str) {
        self.tool(&["create-table", name]);
    }
}

/// Runs `tests/aws/tool.py <args>` with `python` and `env`, answering its JSON output; panics with its output
/// when it fails.
pub fn tool(python: &std::path::Path, args: &[&str], env: &[(String, String)]) -> Value {
    let out = Command::new(python)
        .arg(repo_root().join("tests/aws/tool.py"))
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("run tests/aws/tool.py");
    assert!(
        out.status.success(),
        "tool.py {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
