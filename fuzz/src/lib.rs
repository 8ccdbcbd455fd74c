//! What the fuzz targets check, one function per target: any input, in each of the three dialects, is an answer
//! or an error, never a panic or a crash; the SQL guard's output is also a fixed point (guarded again, it comes
//! back unchanged), so what runs is exactly what was checked.

use nl2sql_core::advisor::{self, Context};
use nl2sql_core::catalog::{Catalog, Dialect};
use nl2sql_core::guard::{self, Settings};
use std::sync::OnceLock;

const DIALECTS: [Dialect; 3] = [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql];

/// The Chinook catalog, per dialect.
fn catalogs() -> &'static [Catalog; 3] {
    static CATALOGS: OnceLock<[Catalog; 3]> = OnceLock::new();
    CATALOGS.get_or_init(|| {
        let chinook: Catalog = serde_json::from_str(include_str!("../../core/tests/fixtures/chinook.catalog.json"))
            .expect("the Chinook catalog fixture parses");
        DIALECTS.map(|dialect| Catalog { dialect, ..chinook.clone() })
    })
}

/// The input as text (invalid UTF-8 replaced: the service only ever sees strings).
fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// The `guard` target.
pub fn guard(data: &[u8]) {
    let sql = text(data);
    let settings = Settings::default();
    for catalog in catalogs() {
        if let Ok(guarded) = guard::check(&sql, catalog.dialect, catalog, &settings) {
            let again = guard::check(&guarded.sql, catalog.dialect, catalog, &settings);
            match again {
                Ok(again) => {
                    assert_eq!(
                        again.sql, guarded.sql,
                        "{:?}: the guard's output changed when guarded again",
                        catalog.dialect
                    );
                    assert!(
                        again.changes.is_empty(),
                        "{:?}: {:?} on the guard's own output",
                        catalog.dialect,
                        again.changes
                    );
                }
                Err(e) => panic!("{:?}: the guard refused its own output `{}`: {e}", catalog.dialect, guarded.sql),
            }
        }
    }
}

/// The `ddl` target.
pub fn ddl(data: &[u8]) {
    let text = text(data);
    for dialect in DIALECTS {
        let _ = nl2sql_core::ddl::parse(&text, dialect);
    }
}

/// The `advisor` target: with and without the catalog.
pub fn advisor(data: &[u8]) {
    let sql = text(data);
    for catalog in catalogs() {
        for known in [Some(catalog), None] {
            let context = Context::new(catalog.dialect, known, &[], advisor::Settings::default());
            let _ = advisor::analyze(&sql, &context);
        }
    }
}
