//! A private PostgreSQL server for the integration tests: initdb + pg_ctl in a temporary directory, a free port on
//! 127.0.0.1, trust authentication, stopped (`pg_ctl stop -m immediate`) on drop.
//!
//! Tests skip with a note only when no PostgreSQL binaries are found under `/usr/lib/postgresql/*/bin`;
//! `tests/run` installs them (`tests/install-postgres`), so CI always runs them.

use super::tempdir;
use std::ffi::OsStr;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

/// Sent with every URL; trust authentication ignores it, so it only shows whether a password leaks.
pub(crate) const PASSWORD: &str = "pg-test-secret-7f3a";

/// A running private PostgreSQL server.
pub(crate) struct Postgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    /// Whether the server tools run as the `postgres` user (they refuse to run as root).
    as_postgres: bool,
}

impl Postgres {
    /// The server shared by the tests of one test binary running at the same time; started and loaded by
    /// `setup` on first use and stopped when the last test using it ends. `None` (with a note) when PostgreSQL
    /// is not installed.
    pub(crate) fn shared(setup: fn(&Postgres)) -> Option<Arc<Postgres>> {
        static SHARED: Mutex<Weak<Postgres>> = Mutex::new(Weak::new());
        let mut slot = SHARED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(pg) = slot.upgrade() {
            return Some(pg);
        }
        let pg = Arc::new(Postgres::start()?);
        let loading = Instant::now();
        setup(&pg);
        eprintln!("sample databases loaded in {:.1?}", loading.elapsed());
        *slot = Arc::downgrade(&pg);
        Some(pg)
    }

    /// A new empty server of this test's own (one it may stop). Without PostgreSQL installed it panics, or is
    /// `None` (with a note) when `NL2SQL_ALLOW_SKIP=1`.
    pub(crate) fn start() -> Option<Postgres> {
        let Some(bin) = find_bin() else {
            let what = "no PostgreSQL under /usr/lib/postgresql/*/bin (run tests/install-postgres)";
            // Missing tools fail the test unless skipping is asked for (tests/run installs them).
            assert!(std::env::var("NL2SQL_ALLOW_SKIP").is_ok_and(|v| v == "1"), "{what}; NL2SQL_ALLOW_SKIP=1 skips");
            eprintln!("note: skipped, {what}");
            return None;
        };
        let started = Instant::now();
        let as_postgres = is_root();
        // The server tools, running as `postgres`, must be able to enter the directory: keep it under /tmp.
        let dir = if as_postgres {
            tempfile::Builder::new().prefix("nl2sql-pg").tempdir_in("/tmp").expect("temp dir")
        } else {
            tempdir()
        };
        let port = TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port();
        let pg = Postgres { bin, dir, port, as_postgres };
        std::fs::create_dir(pg.dir.path().join("socket")).expect("socket dir");
        if as_postgres {
            check(Command::new("chown").arg("-R").arg("postgres:postgres").arg(pg.dir.path()).output(), "chown");
        }
        let data = pg.dir.path().join("data");
        check(
            pg.tool("initdb")
                .arg("-D")
                .arg(&data)
                .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"])
                .output(),
            "initdb",
        );
        let options = format!(
            "-h 127.0.0.1 -p {} -k {} -c fsync=off -c full_page_writes=off",
            pg.port,
            pg.dir.path().join("socket").display()
        );
        let log = pg.dir.path().join("server.log");
        let out =
            pg.tool("pg_ctl").arg("-D").arg(&data).arg("-l").arg(&log).args(["-o", &options, "-w", "start"]).output();
        if !out.as_ref().is_ok_and(|o| o.status.success()) {
            eprintln!("{}", std::fs::read_to_string(&log).unwrap_or_default());
        }
        check(out, "pg_ctl start");
        eprintln!("PostgreSQL started on port {} in {:.1?}", pg.port, started.elapsed());
        Some(pg)
    }

    /// The URL of database `db` (with a password trust authentication ignores).
    pub(crate) fn url(&self, db: &str) -> String {
        format!("postgres://postgres:{PASSWORD}@127.0.0.1:{}/{db}", self.port)
    }

    /// Loads Chinook into database `chinook` (the script drops, creates and connects to it itself).
    pub(crate) fn load_chinook(&self) {
        self.psql("postgres", "-f", fixtures().join("chinook/Chinook_PostgreSql.sql").as_os_str());
    }

    /// Loads Sakila into a new database `sakila`.
    pub(crate) fn load_sakila(&self) {
        self.psql("postgres", "-c", "CREATE DATABASE sakila".as_ref());
        self.psql("sakila", "-f", fixtures().join("sakila/postgres-sakila-schema.sql").as_os_str());
        self.psql("sakila", "-f", fixtures().join("sakila/postgres-sakila-insert-data-using-copy.sql").as_os_str());
    }

    /// Loads Northwind into a new database `northwind`.
    pub(crate) fn load_northwind(&self) {
        self.psql("postgres", "-c", "CREATE DATABASE northwind".as_ref());
        self.psql("northwind", "-f", fixtures().join("northwind/northwind_postgres.sql").as_os_str());
    }

    /// Stops the server now (`pg_ctl stop -m fast`), e.g. to play an outage.
    pub(crate) fn stop(&self) {
        let data = self.dir.path().join("data");
        check(self.tool("pg_ctl").arg("-D").arg(data).args(["-m", "fast", "-w", "stop"]).output(), "pg_ctl stop");
    }

    /// A server tool, run as `postgres` when we are root.
    fn tool(&self, name: &str) -> Command {
        let program = self.bin.join(name);
        if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(program);
            cmd
        } else {
            Command::new(program)
        }
    }

    /// Runs `psql -d db <flag> <arg>` (`-f file` or `-c sql`); errors are reported but not fatal, as the scripts
    /// expect (`DROP ... IF EXISTS`, `OWNER TO` roles...).
    pub(crate) fn psql(&self, db: &str, flag: &str, arg: &OsStr) {
        let psql = Some(self.bin.join("psql")).filter(|p| p.exists()).unwrap_or_else(|| PathBuf::from("psql"));
        let port = self.port.to_string();
        let out = Command::new(psql)
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=0", "-h", "127.0.0.1", "-p", &port, "-U", "postgres", "-d", db])
            .arg(flag)
            .arg(arg)
            .output();
        let out = check(out, "psql");
        for line in String::from_utf8_lossy(&out.stderr).lines().filter(|l| l.contains("ERROR")) {
            eprintln!("psql {db}: {line}");
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = self.tool("pg_ctl").arg("-D").arg(data).args(["-m", "immediate", "-w", "stop"]).output();
    }
}

/// `tests/fixtures/sampledb`: Chinook, Sakila and Northwind scripts. Found from the including crate's directory
/// upwards, because the workspace's `tests` crate (nl2sql-tests) includes this file too.
pub(crate) fn fixtures() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .map(|dir| dir.join("tests/fixtures/sampledb"))
        .find(|dir| dir.is_dir())
        .unwrap_or_else(|| manifest.join("../../tests/fixtures/sampledb"))
}

/// The newest `/usr/lib/postgresql/<version>/bin` holding initdb, pg_ctl and postgres.
fn find_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.split('.').next()?.parse().ok()?;
            let bin = entry.path().join("bin");
            ["initdb", "pg_ctl", "postgres"].iter().all(|t| bin.join(t).exists()).then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn check(out: std::io::Result<Output>, what: &str) -> Output {
    let out = out.unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
