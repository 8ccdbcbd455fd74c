//! Chinook on a private PostgreSQL server, through the local host's own test helper (shared, not copied).

use std::sync::Arc;

#[allow(dead_code)]
#[path = "../../functions/local/tests/common/postgres.rs"]
mod shared;

/// The helper's temporary directories.
fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// The password every URL carries (trust authentication ignores it), to check that none leaks.
pub const PASSWORD: &str = shared::PASSWORD;

/// A running server with Chinook loaded into database `chinook`; stopped when the last handle drops.
#[derive(Clone)]
pub struct Chinook(Arc<shared::Postgres>);

impl Chinook {
    /// The shared server of this test binary, or `None` (with a note) when PostgreSQL is not installed.
    pub fn shared() -> Option<Self> {
        shared::Postgres::shared(|pg| pg.load_chinook()).map(Self)
    }

    /// The `postgres://` URL of the Chinook database.
    pub fn url(&self) -> String {
        self.0.url("chinook")
    }
}
