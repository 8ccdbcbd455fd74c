//! DDL import against real dump files (`core/tests/fixtures/ddl`, see SOURCES.md there). The SQLite scripts are
//! checked against SQLite itself in `functions/local/tests/ddl_sqlite.rs` (the core names no database driver).

use super::*;
use crate::catalog::{Column, ForeignKey, Index, Table};

const CHINOOK_PG: &str = include_str!("../../tests/fixtures/ddl/chinook_postgres.sql");
const SAKILA_PG: &str = include_str!("../../tests/fixtures/ddl/sakila_postgres_schema.sql");
const SAKILA_PG_DATA: &str = include_str!("../../tests/fixtures/ddl/sakila_postgres_data_excerpt.sql");
const NORTHWIND_PG: &str = include_str!("../../tests/fixtures/ddl/northwind_postgres.sql");

fn import(text: &str, dialect: Dialect) -> DdlImport {
    parse(text, dialect).unwrap_or_else(|e| panic!("import failed: {e}"))
}

/// The `invalid_ddl` message for DDL that must not import.
fn invalid(text: &str, dialect: Dialect) -> String {
    match parse(text, dialect) {
        Err(e) => {
            assert_eq!(e.code(), "invalid_ddl", "{e}");
            e.to_string()
        }
        Ok(import) => panic!("imported: {:?}", import.catalog),
    }
}

fn table<'a>(import: &'a DdlImport, name: &str) -> &'a Table {
    import.catalog.tables.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("no table {name}"))
}

fn column<'a>(table: &'a Table, name: &str) -> &'a Column {
    table.columns.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no column {}.{name}", table.name))
}

fn names(import: &DdlImport) -> Vec<&str> {
    import.catalog.tables.iter().map(|t| t.name.as_str()).collect()
}

fn fk(columns: &[&str], ref_table: &str, ref_columns: &[&str]) -> ForeignKey {
    ForeignKey {
        columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        ref_table: ref_table.to_owned(),
        ref_columns: ref_columns.iter().map(|c| (*c).to_owned()).collect(),
    }
}

fn index(name: &str, columns: &[&str], unique: bool) -> Index {
    Index { name: name.to_owned(), columns: columns.iter().map(|c| (*c).to_owned()).collect(), unique }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The skipped entry at `line`.
fn skipped_at(import: &DdlImport, line: usize) -> &Skipped {
    import
        .skipped
        .iter()
        .find(|s| s.line == line)
        .unwrap_or_else(|| panic!("nothing skipped at line {line}: {:#?}", import.skipped))
}

#[test]
fn chinook_postgres_script() {
    let import = import(CHINOOK_PG, Dialect::Postgres);
    assert_eq!(
        names(&import),
        [
            "album",
            "artist",
            "customer",
            "employee",
            "genre",
            "invoice",
            "invoice_line",
            "media_type",
            "playlist",
            "playlist_track",
            "track"
        ]
    );
    let track = table(&import, "track");
    assert_eq!(track.primary_key, ["track_id"]);
    assert_eq!(column(track, "unit_price").data_type, "numeric(10,2)");
    assert_eq!(column(track, "name").data_type, "character varying(200)");
    assert_eq!(column(track, "track_id").data_type, "integer");
    assert!(!column(track, "track_id").nullable && column(track, "composer").nullable);
    assert_eq!(
        track.foreign_keys,
        [
            fk(&["album_id"], "album", &["album_id"]),
            fk(&["genre_id"], "genre", &["genre_id"]),
            fk(&["media_type_id"], "media_type", &["media_type_id"])
        ]
    );
    assert_eq!(track.indexes[0], index("track_album_id_idx", &["album_id"], false));
    assert_eq!(column(table(&import, "employee"), "birth_date").data_type, "timestamp without time zone");
    assert_eq!(table(&import, "playlist_track").primary_key, ["playlist_id", "track_id"]);

    let skipped: Vec<(usize, &str)> = import.skipped.iter().map(|s| (s.line, s.statement.as_str())).collect();
    assert_eq!(
        skipped,
        [
            (19, "DROP DATABASE IF EXISTS chinook"),
            (25, "CREATE DATABASE chinook"),
            (28, "\\c chinook;"),
            (222, "INSERT INTO genre (genre_id, name) VALUES (1, N'Rock'), (2,...")
        ]
    );
    assert_eq!(skipped_at(&import, 28).reason, "client command, not SQL");
    assert_eq!(skipped_at(&import, 25).reason, "CREATE DATABASE does not define tables, keys or indexes");
}

#[test]
fn sakila_postgres_dump_with_functions_views_types_and_inheritance() {
    let import = import(SAKILA_PG, Dialect::Postgres);
    assert_eq!(import.catalog.tables.len(), 21);
    let film = table(&import, "film");
    assert_eq!(film.primary_key, ["film_id"]);
    let types: Vec<(&str, &str)> = film.columns.iter().map(|c| (c.name.as_str(), c.data_type.as_str())).collect();
    assert_eq!(
        types,
        [
            ("film_id", "integer"),
            ("title", "character varying(255)"),
            ("description", "text"),
            ("release_year", "year"),
            ("language_id", "integer"),
            ("original_language_id", "integer"),
            ("rental_duration", "smallint"),
            ("rental_rate", "numeric(4,2)"),
            ("length", "smallint"),
            ("replacement_cost", "numeric(5,2)"),
            ("rating", "mpaa_rating"),
            ("last_update", "timestamp without time zone"),
            ("special_features", "text[]"),
            ("fulltext", "tsvector"),
        ]
    );
    assert_eq!(column(film, "film_id").default.as_deref(), Some("nextval('film_film_id_seq'::regclass)"));
    assert_eq!(column(film, "rating").default.as_deref(), Some("'G'::mpaa_rating"));
    assert!(film.foreign_keys.contains(&fk(&["original_language_id"], "language", &["language_id"])));
    assert!(film.indexes.contains(&index("film_fulltext_idx", &["fulltext"], false)));
    let store = table(&import, "store");
    assert!(store.indexes.contains(&index("idx_unq_manager_staff_id", &["manager_staff_id"], true)));
    assert!(store.unique.is_empty(), "a unique index is not a constraint");
    assert_eq!(
        table(&import, "rental").indexes.iter().find(|i| i.unique).map(|i| i.columns.clone()),
        Some(strings(&["rental_date", "inventory_id", "customer_id"]))
    );
    // INHERITS copies the parent's columns (with NOT NULL and defaults), not its keys.
    let payment = table(&import, "payment");
    let partition = table(&import, "payment_p2007_01");
    assert_eq!(partition.columns, payment.columns);
    assert!(partition.primary_key.is_empty());
    assert!(partition.foreign_keys.contains(&fk(&["rental_id"], "rental", &["rental_id"])));

    let reasons = |prefix: &str| import.skipped.iter().filter(|s| s.statement.starts_with(prefix)).count();
    assert_eq!(skipped_at(&import, 89).statement, "CREATE FUNCTION _group_concat(text, text) RETURNS text AS $_...");
    assert_eq!(skipped_at(&import, 89).reason, "CREATE FUNCTION does not define tables, keys or indexes");
    assert_eq!(reasons("CREATE FUNCTION"), 9);
    assert_eq!(reasons("CREATE VIEW"), 7);
    assert_eq!(reasons("CREATE TRIGGER"), 15);
    assert_eq!(reasons("CREATE RULE"), 6);
    assert_eq!(skipped_at(&import, 64).statement, "CREATE TYPE mpaa_rating AS ENUM ( 'G', 'PG', 'PG-13', 'R', '...");
    assert!(skipped_at(&import, 79).statement.starts_with("CREATE DOMAIN year"));
    assert!(skipped_at(&import, 58).reason.starts_with("ignored: OWNER TO"), "{:?}", skipped_at(&import, 58));
    // Sequences are not tables, so `ALTER TABLE seq OWNER TO` is merely skipped.
    assert!(skipped_at(&import, 40).reason.starts_with("ignored: OWNER TO"));
}

#[test]
fn copy_data_blocks_and_settings_are_skipped() {
    let text = format!("{SAKILA_PG}{SAKILA_PG_DATA}");
    let offset = SAKILA_PG.lines().count();
    let import = import(&text, Dialect::Postgres);
    assert_eq!(import.catalog, self::import(SAKILA_PG, Dialect::Postgres).catalog);
    let copy = skipped_at(&import, offset + 114);
    assert_eq!(copy.statement, "COPY public.language (language_id, name, last_update) FROM s...");
    assert_eq!(copy.reason, "COPY does not define tables, keys or indexes");
    assert!(skipped_at(&import, offset + 142).statement.starts_with("COPY public.country"));
    // The line after each data block is a statement again.
    assert!(skipped_at(&import, offset + 128).statement.starts_with("ALTER TABLE language ENABLE TRIGGER"));
    assert!(skipped_at(&import, offset + 16).statement.starts_with("SELECT pg_catalog.setval"));
}

#[test]
fn northwind_references_without_columns_mean_the_primary_key() {
    let import = import(NORTHWIND_PG, Dialect::Postgres);
    assert_eq!(import.catalog.tables.len(), 14);
    let orders = table(&import, "orders");
    assert_eq!(orders.primary_key, ["order_id"]);
    assert!(orders.foreign_keys.contains(&fk(&["customer_id"], "customers", &["customer_id"])));
    assert!(orders.foreign_keys.contains(&fk(&["ship_via"], "shippers", &["shipper_id"])));
    let demo = table(&import, "customer_customer_demo");
    assert_eq!(demo.primary_key, ["customer_id", "customer_type_id"]);
    assert_eq!(column(table(&import, "categories"), "picture").data_type, "bytea");
    assert_eq!(column(table(&import, "order_details"), "unit_price").data_type, "real");
    // DROP TABLE IF EXISTS before the tables exist changes nothing and is not worth a note.
    assert!(import.skipped.iter().all(|s| !s.statement.starts_with("DROP")));
    assert!(import.skipped.iter().any(|s| s.statement.starts_with("INSERT INTO categories")));
}

#[test]
fn mysql_dump_with_backticks_keys_and_table_options() {
    let script = r"-- MySQL dump 10.13
/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8mb4 */;
DROP TABLE IF EXISTS `language`;
CREATE TABLE `language` (
  `language_id` tinyint unsigned NOT NULL AUTO_INCREMENT,
  `name` char(20) NOT NULL,
  PRIMARY KEY (`language_id`)
) ENGINE=InnoDB AUTO_INCREMENT=7 DEFAULT CHARSET=utf8mb4;

CREATE TABLE `film` (
  `film_id` smallint unsigned NOT NULL AUTO_INCREMENT,
  `title` varchar(128) NOT NULL COMMENT 'shown to customers',
  `language_id` tinyint unsigned NOT NULL,
  `original_language_id` tinyint unsigned DEFAULT NULL,
  `rating` enum('G','PG','PG-13','R','NC-17') DEFAULT 'G',
  `rental_rate` decimal(4,2) NOT NULL DEFAULT '4.99',
  `last_update` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`film_id`),
  UNIQUE KEY `uk_title` (`title`),
  KEY `idx_title` (`title`(10)),
  INDEX (`rating`),
  CONSTRAINT `fk_film_language` FOREIGN KEY (`language_id`) REFERENCES `language` (`language_id`) ON UPDATE CASCADE,
  FOREIGN KEY (`original_language_id`) REFERENCES `language` (`language_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='the films';

LOCK TABLES `film` WRITE;
INSERT INTO `film` VALUES (1,'ACADEMY DINOSAUR\'s; \\',1,NULL,'PG','0.99','2006-02-15 05:03:42');
UNLOCK TABLES;
DELIMITER ;;
CREATE TRIGGER `ins_film` AFTER INSERT ON `film` FOR EACH ROW BEGIN
    INSERT INTO film_text (film_id, title) VALUES (new.film_id, new.title);
  END;;
DELIMITER ;
ALTER TABLE `film` ADD COLUMN `length` smallint unsigned DEFAULT NULL AFTER `rental_rate`, ADD KEY `idx_length` (`length`);
";
    let import = import(script, Dialect::Mysql);
    assert_eq!(names(&import), ["film", "language"]);
    let film = table(&import, "film");
    assert_eq!(film.comment.as_deref(), Some("the films"));
    assert_eq!(film.primary_key, ["film_id"]);
    assert_eq!(column(film, "film_id").data_type, "smallint unsigned");
    assert_eq!(column(film, "rating").data_type, "enum('G','PG','PG-13','R','NC-17')");
    assert_eq!(column(film, "rating").default.as_deref(), Some("G"));
    assert_eq!(column(film, "rental_rate").default.as_deref(), Some("4.99"));
    assert_eq!(column(film, "original_language_id").default, None);
    assert_eq!(column(film, "title").comment.as_deref(), Some("shown to customers"));
    assert_eq!(column(film, "length").data_type, "smallint unsigned");
    assert_eq!(film.unique, [strings(&["title"])]);
    assert_eq!(
        film.indexes,
        [
            index("uk_title", &["title"], true),
            index("idx_title", &["title"], false),
            index("rating", &["rating"], false),
            // MySQL indexes foreign keys that no index covers, named after the constraint or the column.
            index("fk_film_language", &["language_id"], false),
            index("original_language_id", &["original_language_id"], false),
            index("idx_length", &["length"], false),
        ]
    );
    assert_eq!(
        film.foreign_keys,
        [
            fk(&["language_id"], "language", &["language_id"]),
            fk(&["original_language_id"], "language", &["language_id"])
        ]
    );
    let skipped: Vec<(usize, &str)> = import.skipped.iter().map(|s| (s.line, s.reason.as_str())).collect();
    assert_eq!(
        skipped,
        [
            (27, "LOCK does not define tables, keys or indexes"),
            (28, "INSERT does not define tables, keys or indexes"),
            (29, "UNLOCK does not define tables, keys or indexes"),
            (30, "client command, not SQL"),
            (31, "CREATE TRIGGER does not define tables, keys or indexes"),
            (34, "client command, not SQL"),
        ]
    );
}

#[test]
fn postgres_names_keys_and_defaults_follow_the_server() {
    let script = r#"
CREATE TABLE "Customer" (
    Id serial PRIMARY KEY,
    "Email" varchar(80) NOT NULL UNIQUE,
    code char(3),
    tags text[] DEFAULT '{}'::text[],
    note text DEFAULT NULL,
    created timestamptz DEFAULT now(),
    UNIQUE (code, "Email"),
    CONSTRAINT customer_code UNIQUE (code)
);
CREATE TABLE sales.orders (
    id bigint GENERATED ALWAYS AS IDENTITY,
    customer integer REFERENCES "Customer",
    total numeric(12,2) NOT NULL DEFAULT 0,
    CONSTRAINT orders_pk PRIMARY KEY (id)
);
CREATE TABLE a_b (c int UNIQUE);
CREATE TABLE a (b_c int UNIQUE);
CREATE INDEX ON sales.orders (lower(total::text), customer);
CREATE UNIQUE INDEX orders_total ON ONLY sales.orders USING btree (total DESC);
COMMENT ON TABLE sales.orders IS 'Orders';
COMMENT ON COLUMN public."Customer".code IS 'ISO code';
"#;
    let import = import(script, Dialect::Postgres);
    assert_eq!(names(&import), ["Customer", "a", "a_b", "sales.orders"]);
    let customer = table(&import, "Customer");
    let id = column(customer, "id");
    assert_eq!((id.data_type.as_str(), id.nullable), ("integer", false));
    assert_eq!(id.default.as_deref(), Some("nextval('\"Customer_id_seq\"'::regclass)"));
    assert_eq!(column(customer, "Email").data_type, "character varying(80)");
    assert_eq!(column(customer, "code").data_type, "character(3)");
    assert_eq!(column(customer, "code").comment.as_deref(), Some("ISO code"));
    assert_eq!(column(customer, "tags").default.as_deref(), Some("'{}'::text[]"));
    assert_eq!(column(customer, "note").default, None);
    assert_eq!(column(customer, "created").data_type, "timestamp with time zone");
    assert_eq!(customer.primary_key, ["id"]);
    assert_eq!(customer.unique, [strings(&["Email"]), strings(&["code", "Email"]), strings(&["code"])]);
    assert_eq!(
        customer.indexes,
        [
            index("Customer_Email_key", &["Email"], true),
            index("Customer_code_Email_key", &["code", "Email"], true),
            index("customer_code", &["code"], true)
        ]
    );
    // Index names are unique per schema: PostgreSQL numbers the second `a_b_c_key`.
    assert_eq!(table(&import, "a_b").indexes[0].name, "a_b_c_key");
    assert_eq!(table(&import, "a").indexes[0].name, "a_b_c_key1");

    let orders = table(&import, "sales.orders");
    assert_eq!(orders.comment.as_deref(), Some("Orders"));
    assert!(!column(orders, "id").nullable);
    assert_eq!(orders.foreign_keys, [fk(&["customer"], "Customer", &["id"])]);
    assert_eq!(
        orders.indexes,
        [
            index("orders_lower_customer_idx", &["lower(total::text)", "customer"], false),
            index("orders_total", &["total"], true)
        ]
    );
}

#[test]
fn alter_table_changes_columns_and_keys() {
    let script = "CREATE TABLE a (id int, name text, old int);\n\
                  CREATE TABLE b (id int, a_id int, extra int);\n\
                  ALTER TABLE ONLY a ADD CONSTRAINT a_pkey PRIMARY KEY (id);\n\
                  ALTER TABLE a ADD COLUMN created date NOT NULL, DROP COLUMN old;\n\
                  ALTER TABLE a RENAME COLUMN name TO title;\n\
                  ALTER TABLE a ALTER COLUMN title SET NOT NULL, ALTER COLUMN title SET DEFAULT 'x';\n\
                  ALTER TABLE b ADD FOREIGN KEY (a_id) REFERENCES a, ADD UNIQUE (extra);\n\
                  ALTER TABLE b ADD FOREIGN KEY (id) REFERENCES a (id);\n\
                  ALTER TABLE a RENAME CONSTRAINT a_pkey TO a_key;\n\
                  ALTER TABLE b DROP CONSTRAINT b_id_fkey;\n\
                  ALTER TABLE b DROP CONSTRAINT b_extra_key, ALTER COLUMN extra TYPE bigint;\n\
                  ALTER TABLE a RENAME TO alpha;\n\
                  ALTER TABLE alpha OWNER TO postgres, ENABLE TRIGGER ALL;\n\
                  ALTER TABLE ONLY alpha CLUSTER ON a_key;";
    let import = import(script, Dialect::Postgres);
    assert_eq!(names(&import), ["alpha", "b"]);
    let alpha = table(&import, "alpha");
    let columns: Vec<&str> = alpha.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(columns, ["id", "title", "created"]);
    assert!(!column(alpha, "title").nullable);
    assert_eq!(column(alpha, "title").default.as_deref(), Some("'x'::text"));
    let b = table(&import, "b");
    assert_eq!(b.foreign_keys, [fk(&["a_id"], "alpha", &["id"])]);
    assert!(b.unique.is_empty() && b.indexes.is_empty());
    assert_eq!(column(b, "extra").data_type, "bigint");
    let reasons: Vec<(usize, &str)> = import.skipped.iter().map(|s| (s.line, s.reason.as_str())).collect();
    assert_eq!(reasons[0], (13, "ignored: OWNER TO postgres; ENABLE TRIGGER ALL"));
    assert_eq!(reasons[1].0, 14);
    assert!(reasons[1].1.starts_with("Expected: ADD, RENAME"), "{}", reasons[1].1);
    assert!(reasons[1].1.ends_with("at line 14, column 24"), "{}", reasons[1].1);
}

#[test]
fn views_sequences_and_partitions_are_not_tables() {
    let script = "CREATE TABLE m (id int NOT NULL, at date) PARTITION BY RANGE (at);\n\
                  CREATE TABLE m_2024 (id int NOT NULL, at date);\n\
                  ALTER TABLE ONLY m ATTACH PARTITION m_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n\
                  CREATE TABLE m_2025 PARTITION OF m FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\n\
                  CREATE INDEX m_2024_id_idx ON m_2024 (id);\n\
                  CREATE MATERIALIZED VIEW public.mv AS SELECT 1 AS a WITH NO DATA;\n\
                  CREATE INDEX mv_a ON mv (a);\n\
                  CREATE SEQUENCE s START WITH 1 INCREMENT BY 1;\n\
                  ALTER TABLE s OWNER TO postgres;\n\
                  COMMENT ON COLUMN mv.a IS 'x';\n\
                  DROP TABLE IF EXISTS gone;";
    let import = import(script, Dialect::Postgres);
    assert_eq!(names(&import), ["m"]);
    let lines: Vec<usize> = import.skipped.iter().map(|s| s.line).collect();
    assert_eq!(lines, [3, 4, 5, 6, 7, 8, 9, 10]);
    assert_eq!(skipped_at(&import, 7).reason, "`mv` is not a table");
}

#[test]
fn malformed_ddl_is_an_error_naming_the_line() {
    let message = invalid(
        "-- header\nCREATE TABLE ok (id int);\n\nCREATE TABLE broken (\n  id int,,\n  x int\n);",
        Dialect::Postgres,
    );
    assert!(message.starts_with("line 4: Expected: "), "{message}");
    assert!(message.contains("at line 5, column 10"), "{message}");
    assert!(message.ends_with("in `CREATE TABLE broken ( id int,, x int )`"), "{message}");

    let message = invalid("CREATE TABLE a (id int);\nALTER TABLE b ADD PRIMARY KEY (id);", Dialect::Postgres);
    assert_eq!(message, "line 2: unknown table `b` in `ALTER TABLE b ADD PRIMARY KEY (id)`");
    let message = invalid("CREATE TABLE a (id int);\nCREATE INDEX i ON a (nope);", Dialect::Sqlite);
    assert_eq!(message, "line 2: unknown column `nope` in table `a` in `CREATE INDEX i ON a (nope)`");
    let message = invalid("CREATE TABLE a (id int);\nCOMMENT ON COLUMN a.nope IS 'x';", Dialect::Postgres);
    assert!(message.starts_with("line 2: unknown column `nope`"), "{message}");
    let message = invalid(
        "CREATE TABLE a (id int PRIMARY KEY);\n\nCREATE TABLE b (a_id int REFERENCES a (nope));",
        Dialect::Postgres,
    );
    assert!(message.starts_with("line 3: unknown column `nope` in table `a`"), "{message}");
    let message = invalid("CREATE TABLE a (id int);\nCREATE TABLE A (id int);", Dialect::Sqlite);
    assert!(message.starts_with("line 2: table `A` is already defined at line 1"), "{message}");
    // Unquoted PostgreSQL names fold to lower case, so these are two spellings of one table.
    invalid("CREATE TABLE t (id int);\nCREATE TABLE T (id int);", Dialect::Postgres);
    assert_eq!(names(&import("CREATE TABLE t (id int);\nCREATE TABLE \"T\" (id int);", Dialect::Postgres)), ["T", "t"]);
}

#[test]
fn input_without_tables_is_an_error() {
    for text in ["", "-- nothing\n", "SELECT 1;\nCREATE VIEW v AS SELECT 1;"] {
        assert_eq!(invalid(text, Dialect::Postgres), "no CREATE TABLE statements found");
    }
}

#[test]
fn foreign_keys_to_tables_outside_the_script_are_dropped_with_a_note() {
    let import = import("CREATE TABLE a (\n  id int,\n  b_id int REFERENCES b (id)\n);", Dialect::Postgres);
    assert!(table(&import, "a").foreign_keys.is_empty());
    assert_eq!(import.skipped[0].line, 1);
    assert_eq!(import.skipped[0].reason, "foreign key (b_id) references `b`, which is not defined; the key is ignored");
}

#[test]
fn line_numbers_and_previews() {
    let index = LineIndex::new("a\nb\n\nc");
    assert_eq!([index.line(0), index.line(2), index.line(4), index.line(5)], [1, 2, 3, 4]);
    assert_eq!(preview("SELECT   1,\n\t2"), "SELECT 1, 2");
    let long = preview(&format!("SELECT {}", "x, ".repeat(40)));
    assert_eq!(long.chars().count(), 63);
    assert!(long.ends_with("..."));
}
