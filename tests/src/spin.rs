//! The Spin component as a process: the test host (`tests/spin-host`, wasmtime with Spin's key-value and
//! variables) serving a built component on a free port, its key-value data in a SQLite file that outlives the
//! process, killed on drop.

use crate::client::Client;
use crate::paths::{free_port, spin_host_bin};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How to start the test host.
#[derive(Debug, Clone, Default)]
pub struct SpinOptions {
    /// Spin variables (`name`, value), passed as `SPIN_VARIABLE_<NAME>` like `spin up`'s environment provider.
    pub variables: Vec<(String, String)>,
    /// Store labels the component may open (Spin's `key_value_stores`); `default` when empty.
    pub kv_labels: Vec<String>,
    /// Origins the component may call (Spin's `allowed_outbound_hosts`).
    pub allowed_outbound: Vec<String>,
    /// Run as component `<id>` of `infra/spin/spin.toml`: its store labels, allowed hosts and variables (the
    /// variables above then override the manifest's application variables), plus the grants above.
    pub manifest_component: Option<String>,
}

impl SpinOptions {
    /// Component `id` of `infra/spin/spin.toml`, with these application variables.
    pub fn from_manifest(id: &str, variables: &[(&str, &str)]) -> Self {
        SpinOptions {
            manifest_component: Some(id.to_owned()),
            variables: variables.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            ..SpinOptions::default()
        }
    }

    fn apply(&self, command: &mut Command) {
        if let Some(id) = &self.manifest_component {
            command.arg("--manifest").arg(crate::paths::repo_root().join("infra/spin/spin.toml"));
            command.args(["--component-id", id]);
        }
        for label in &self.kv_labels {
            command.args(["--kv-label", label]);
        }
        for origin in &self.allowed_outbound {
            command.args(["--allow-outbound", origin]);
        }
        for (name, value) in &self.variables {
            command.env(format!("SPIN_VARIABLE_{}", name.to_ascii_uppercase()), value);
        }
    }
}

/// A running test host.
pub struct SpinHost {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
}

impl SpinHost {
    /// Serves `component` with its key-value data in `kv_file` and waits until it is alive (`/health/liveness`
    /// answers 200).
    pub fn start(component: &Path, kv_file: &Path, options: &SpinOptions) -> SpinHost {
        let host = SpinHost::start_unready(component, kv_file, options);
        let reply = host.client().send("GET", "/health/liveness", b"");
        assert_eq!(reply.status, 200, "the component is not alive: {}", String::from_utf8_lossy(&reply.body));
        host
    }

    /// Like [`SpinHost::start`], but only waits until the component answers at all (whatever the status).
    pub fn start_unready(component: &Path, kv_file: &Path, options: &SpinOptions) -> SpinHost {
        let bin = spin_host_bin();
        assert!(
            bin.exists(),
            "{} is missing (cargo build -p nl2sql-spin-host, or set NL2SQL_SPIN_HOST)",
            bin.display()
        );
        assert!(component.exists(), "{} is missing (tests/run builds the components)", component.display());
        let base_url = format!("http://127.0.0.1:{}", free_port());
        let mut command = Command::new(&bin);
        command.arg("--component").arg(component).arg("--kv-file").arg(kv_file);
        command.args(["--listen", base_url.trim_start_matches("http://")]);
        // Compiled code is cached beside the build, so only the first start of a component compiles it.
        command.arg("--cache-dir").arg(crate::paths::target_dir().join("spin-host-cache"));
        options.apply(&mut command);
        let child = command
            .stdout(Stdio::null())
            .stderr(if std::env::var_os("NL2SQL_SPIN_LOG").is_some() { Stdio::inherit() } else { Stdio::null() })
            .spawn()
            .unwrap_or_else(|e| panic!("spawning {}: {e}", bin.display()));
        let mut host = SpinHost { child, base_url };
        let client = Client::new(&host.base_url);
        // The host compiles the component before it listens: allow for a slow machine.
        let deadline = Instant::now() + Duration::from_secs(300);
        while client.try_send("GET", "/health/liveness", &[], b"").is_err() {
            if let Ok(Some(status)) = host.child.try_wait() {
                panic!("the Spin test host exited with {status} (NL2SQL_SPIN_LOG=1 shows its log)");
            }
            assert!(Instant::now() < deadline, "the Spin test host did not start listening");
            std::thread::sleep(Duration::from_millis(100));
        }
        host
    }

    /// A client for this host.
    pub fn client(&self) -> Client {
        Client::new(&self.base_url)
    }
}

impl Drop for SpinHost {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs one tick of Spin's cron trigger on `component` (`nl2sql-spin-host cron`): `Ok` with its stdout when
/// the component's `handle-cron-event` answered `ok`, `Err` with the host's stderr when it failed.
pub fn cron_tick(component: &Path, options: &SpinOptions) -> Result<String, String> {
    let bin = spin_host_bin();
    assert!(bin.exists(), "{} is missing (cargo build -p nl2sql-spin-host, or set NL2SQL_SPIN_HOST)", bin.display());
    assert!(component.exists(), "{} is missing (tests/run builds the components)", component.display());
    let mut command = Command::new(&bin);
    command.arg("cron").arg("--component").arg(component);
    command.arg("--cache-dir").arg(crate::paths::target_dir().join("spin-host-cache"));
    options.apply(&mut command);
    let output = command.output().unwrap_or_else(|e| panic!("running {}: {e}", bin.display()));
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    if output.status.success() { Ok(text(&output.stdout)) } else { Err(text(&output.stderr)) }
}

/// The product component: `NL2SQL_SPIN_WASM`, else what `functions/spin/build.sh` wrote.
pub fn component() -> PathBuf {
    std::env::var_os("NL2SQL_SPIN_WASM")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::paths::repo_root().join("functions/spin/build/nl2sql_spin.wasm"))
}

/// The test build with the `conformance` feature: `NL2SQL_SPIN_TEST_WASM`, else the debug build.
pub fn test_component() -> PathBuf {
    std::env::var_os("NL2SQL_SPIN_TEST_WASM")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::paths::target_dir().join("wasm32-wasip2/debug/nl2sql_spin.wasm"))
}

/// The cron component: `NL2SQL_SPIN_CRON_WASM`, else what `functions/spin/build.sh` wrote.
pub fn cron_component() -> PathBuf {
    std::env::var_os("NL2SQL_SPIN_CRON_WASM")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::paths::repo_root().join("functions/spin/build/nl2sql_spin_cron.wasm"))
}
