//! Where the binaries and tools under test are: environment variables set by `tests/run`, else the places a
//! plain `cargo test` leaves them.

use std::net::TcpListener;
use std::path::{Path, PathBuf};

/// The workspace root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is inside the workspace").to_path_buf()
}

/// The cargo target directory this test binary was built into (`<target>/<profile>/deps/<test>`).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.ancestors().nth(3).map(Path::to_path_buf).unwrap_or_else(|| repo_root().join("target"))
}

/// The local host's binary: `NL2SQL_BIN`, else `<target>/debug/nl2sql`.
pub fn local_bin() -> PathBuf {
    std::env::var_os("NL2SQL_BIN").map(PathBuf::from).unwrap_or_else(|| target_dir().join("debug/nl2sql"))
}

/// A Lambda function's binary (`nl2sql-http`, `nl2sql-refresh`): in `NL2SQL_LAMBDA_BIN_DIR` (set by
/// `tests/run` to the release build), else the release build, else the debug build of a plain `cargo test`.
pub fn lambda_bin(name: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os("NL2SQL_LAMBDA_BIN_DIR") {
        return PathBuf::from(dir).join(name);
    }
    let release = target_dir().join("release").join(name);
    if release.exists() { release } else { target_dir().join("debug").join(name) }
}

/// The Spin test host (`tests/spin-host`): `NL2SQL_SPIN_HOST`, else `<target>/debug/nl2sql-spin-host`.
pub fn spin_host_bin() -> PathBuf {
    std::env::var_os("NL2SQL_SPIN_HOST")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("debug/nl2sql-spin-host"))
}

/// The venv holding moto, aws-sam-translator, cfn-lint and boto3 (`tests/install-python`).
pub fn venv() -> PathBuf {
    if let Some(venv) = std::env::var_os("NL2SQL_VENV") {
        return PathBuf::from(venv);
    }
    let cache = std::env::var_os("NL2SQL_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/nl2sql"));
    cache.join("venv")
}

/// A program of the venv (`python`, `moto_server`, `cfn-lint`), or `None` with a note when the venv is missing
/// (`tests/run` always installs it, so CI never skips).
pub fn venv_tool(name: &str) -> Option<PathBuf> {
    let tool = venv().join("bin").join(name);
    if tool.exists() {
        Some(tool)
    } else {
        missing(&format!("{} is missing (run tests/install-python)", tool.display()));
        None
    }
}

/// A TCP port free at the time of the call.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("its address").port()
}

/// A tool a test needs is missing: the test fails, unless `NL2SQL_ALLOW_SKIP=1` lets it pass with a note (for
/// a quick `cargo test` on a machine without the tools; `tests/run` installs them and never sets it).
pub fn missing(what: &str) {
    assert!(std::env::var("NL2SQL_ALLOW_SKIP").is_ok_and(|v| v == "1"), "{what}; set NL2SQL_ALLOW_SKIP=1 to skip");
    eprintln!("note: skipped, {what}");
}
