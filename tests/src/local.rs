//! The local host as a process: `nl2sql serve` on a free port with its own data directory, killed on drop.

use crate::client::Client;
use crate::paths::{free_port, local_bin};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `nl2sql serve`.
pub struct LocalHost {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    _data: tempfile::TempDir,
}

impl LocalHost {
    /// Starts the binary ([`local_bin`]) with `env` added and waits until it is ready.
    pub fn start(env: &[(String, String)]) -> LocalHost {
        let bin = local_bin();
        assert!(bin.exists(), "{} is missing (cargo build -p nl2sql, or set NL2SQL_BIN)", bin.display());
        let data = tempfile::tempdir().expect("temp dir");
        let base_url = format!("http://127.0.0.1:{}", free_port());
        let child = Command::new(&bin)
            .args(["serve", "--addr", base_url.trim_start_matches("http://")])
            .arg("--data-dir")
            .arg(data.path())
            .env_remove("NL2SQL_CONFIG")
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("spawning {}: {e}", bin.display()));
        let host = LocalHost { child, base_url, _data: data };
        let client = Client::new(&host.base_url);
        let deadline = Instant::now() + Duration::from_secs(60);
        while !client.try_send("GET", "/health/readiness", &[], b"").is_ok_and(|r| r.status == 200) {
            assert!(Instant::now() < deadline, "nl2sql serve did not become ready");
            std::thread::sleep(Duration::from_millis(50));
        }
        host
    }
}

impl Drop for LocalHost {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
