//! The built Cloudflare Worker (`functions/cloudflare/build/`) in Miniflare, i.e. workerd with real KV and D1,
//! through `tests/cloudflare/serve.mjs`. KV and D1 persist in a directory the caller owns, so a second start
//! on the same directory sees the first one's data.

use crate::paths::{free_port, repo_root};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running Worker; stopped (workerd included) on drop.
pub struct Worker {
    child: Child,
    url: String,
}

impl Worker {
    /// Starts the Worker with its state in `persist`. Panics (failing the test) when Node, Miniflare
    /// (`tests/install-cloudflare`) or the build (`functions/cloudflare/build.sh`) is missing: `tests/run`
    /// provides all three, so the test never passes without running.
    pub fn start(persist: &Path) -> Worker {
        Self::start_with(persist, &serde_json::json!({}))
    }

    /// Like [`Worker::start`], with extra bindings (`{"NAME": value}`; an object value becomes a JSON binding,
    /// e.g. `NL2SQL_CONFIG`), handed to `serve.mjs` as `NL2SQL_WORKER_VARS`.
    pub fn start_with(persist: &Path, vars: &serde_json::Value) -> Worker {
        Self::start_full(persist, vars, None)
    }

    /// Like [`Worker::start_with`], and with `ai` (the fake LLM server's URL) a Workers AI binding `AI` whose
    /// `run` goes to that server in Workers AI's REST format (`tests/cloudflare/worker.mjs`).
    pub fn start_full(persist: &Path, vars: &serde_json::Value, ai: Option<&str>) -> Worker {
        let dir = repo_root().join("tests/cloudflare");
        assert!(
            dir.join("node_modules/miniflare").exists(),
            "Miniflare is not installed in tests/cloudflare/node_modules: run tests/install-cloudflare"
        );
        let node = std::env::var_os("NL2SQL_NODE").unwrap_or_else(|| "node".into());
        let port = free_port();
        let mut child = Command::new(&node)
            .arg(dir.join("serve.mjs"))
            .arg(port.to_string())
            .arg(persist)
            .env("NL2SQL_WORKER_VARS", vars.to_string())
            .env("NL2SQL_WORKER_AI", ai.unwrap_or_default())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {} (Node.js is needed for Miniflare): {e}", node.to_string_lossy()));
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        // Workers' console output keeps coming on stdout: drain it for the whole run (a full pipe would stall
        // workerd), handing over the `listening <url>` line.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                match line.strip_prefix("listening ") {
                    Some(url) => {
                        let _ = tx.send(url.to_owned());
                    }
                    None => eprintln!("worker: {line}"),
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(120);
        let url = loop {
            if let Ok(url) = rx.recv_timeout(Duration::from_millis(200)) {
                break url;
            }
            if let Some(status) = child.try_wait().expect("serve.mjs status") {
                panic!("tests/cloudflare/serve.mjs exited with {status} before listening (see its output above)");
            }
            assert!(Instant::now() < deadline, "the Worker did not start within two minutes");
        };
        Worker { child, url }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.url
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing stdin asks serve.mjs to dispose of Miniflare (and its workerd) and exit.
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
