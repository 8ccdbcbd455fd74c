//! What the guard refuses by name: functions that sleep, read or write server files, run commands, reach other
//! databases, change settings, take locks, stop sessions or reveal the server; system catalogs; and the few
//! table-valued functions that may stand in FROM.
//!
//! The lists are per dialect in the documentation (docs/guard.md) but applied to every dialect: a name that is
//! dangerous on one database is never a legitimate call on another, and a database registered under the wrong
//! dialect must not slip through.

/// Why a function is refused, by exact (lower-case) name.
const FUNCTIONS: &[(&str, &str)] = &[
    // PostgreSQL (every other `pg_*` function is caught by the prefix below).
    ("pg_sleep", "sleeps"),
    ("pg_sleep_for", "sleeps"),
    ("pg_sleep_until", "sleeps"),
    ("pg_read_file", "reads server files"),
    ("pg_read_binary_file", "reads server files"),
    ("pg_stat_file", "reads server files"),
    ("pg_terminate_backend", "stops other sessions"),
    ("pg_cancel_backend", "stops other sessions"),
    ("set_config", "changes server settings"),
    ("current_setting", "reads server settings"),
    ("loread", "reads large objects"),
    ("lowrite", "writes large objects"),
    ("ts_stat", "runs SQL given as text"),
    ("ts_rewrite", "runs SQL given as text"),
    ("nextval", "changes sequences"),
    ("setval", "changes sequences"),
    ("currval", "reads session state"),
    ("lastval", "reads session state"),
    ("txid_current", "reads session state"),
    ("inet_server_addr", "reveals the server"),
    ("inet_server_port", "reveals the server"),
    ("inet_client_addr", "reveals the server"),
    ("inet_client_port", "reveals the server"),
    ("current_database", "reveals the server"),
    ("current_schema", "reveals the server"),
    ("current_schemas", "reveals the server"),
    ("current_catalog", "reveals the server"),
    ("current_query", "reveals the server"),
    ("current_role", "reveals the server"),
    ("obj_description", "reads the system catalog"),
    ("col_description", "reads the system catalog"),
    ("shobj_description", "reads the system catalog"),
    // MySQL / MariaDB.
    ("sleep", "sleeps"),
    ("benchmark", "burns CPU on purpose"),
    ("load_file", "reads server files"),
    ("get_lock", "takes locks"),
    ("release_lock", "takes locks"),
    ("release_all_locks", "takes locks"),
    ("is_free_lock", "takes locks"),
    ("is_used_lock", "takes locks"),
    ("master_pos_wait", "waits on replication"),
    ("source_pos_wait", "waits on replication"),
    ("wait_for_executed_gtid_set", "waits on replication"),
    ("wait_until_sql_thread_after_gtids", "waits on replication"),
    ("extractvalue", "is used for error-based extraction"),
    ("updatexml", "is used for error-based extraction"),
    ("database", "reveals the server"),
    ("schema", "reveals the server"),
    ("user", "reveals the server"),
    ("current_user", "reveals the server"),
    ("session_user", "reveals the server"),
    ("system_user", "reveals the server"),
    ("version", "reveals the server"),
    ("connection_id", "reveals the server"),
    ("found_rows", "reads session state"),
    ("row_count", "reads session state"),
    ("last_insert_id", "reads session state"),
    // SQLite (and its command-line shell's extensions).
    ("load_extension", "loads native code"),
    ("readfile", "reads server files"),
    ("writefile", "writes server files"),
    ("fts3_tokenizer", "exposes memory pointers"),
    ("edit", "starts an editor"),
    ("fsdir", "reads server directories"),
    ("lsmode", "reads server directories"),
    ("zipfile", "reads or writes archives"),
    ("zipfile_cds", "reads or writes archives"),
    ("sqlar_compress", "reads or writes archives"),
    ("sqlar_uncompress", "reads or writes archives"),
    ("eval", "runs SQL given as text"),
    ("last_insert_rowid", "reads session state"),
    ("changes", "reads session state"),
    ("total_changes", "reads session state"),
    // Other engines' classics, refused wherever they appear.
    ("system", "runs commands"),
    ("user_name", "reveals the server"),
    ("suser_name", "reveals the server"),
    ("suser_sname", "reveals the server"),
    ("host_name", "reveals the server"),
    ("db_name", "reveals the server"),
    ("schema_name", "reveals the server"),
    ("openrowset", "reaches other databases"),
    ("opendatasource", "reaches other databases"),
    ("openquery", "reaches other databases"),
    ("exec", "runs SQL given as text"),
    ("execute", "runs SQL given as text"),
];

/// Why a function is refused, by (lower-case) name prefix.
const PREFIXES: &[(&str, &str)] = &[
    ("pg_", "is a PostgreSQL administration or catalog function"),
    ("lo_", "reads or writes large objects (server files)"),
    ("dblink", "reaches other databases"),
    ("query_to_xml", "runs SQL given as text"),
    ("table_to_xml", "reads whole tables by name"),
    ("schema_to_xml", "reads whole schemas by name"),
    ("database_to_xml", "reads the whole database"),
    ("cursor_to_xml", "reads cursors"),
    ("has_", "reads the system catalog"),
    ("to_reg", "reads the system catalog"),
    ("sys_", "runs commands"),
    ("sqlite_", "reveals the server"),
    ("pragma_", "reads the system catalog"),
    ("shell_", "is a shell function"),
    ("xp_", "runs commands"),
    ("sp_", "runs procedures"),
    ("dbms_", "is a system package"),
    ("utl_", "is a system package"),
];

/// The table-valued functions FROM may use; every other one is refused.
const TABLE_FUNCTIONS: &[&str] = &[
    "generate_series",
    "generate_subscripts",
    "unnest",
    "json_each",
    "json_tree",
    "json_each_text",
    "jsonb_each",
    "jsonb_each_text",
    "json_array_elements",
    "json_array_elements_text",
    "jsonb_array_elements",
    "jsonb_array_elements_text",
    "json_to_recordset",
    "jsonb_to_recordset",
    "regexp_split_to_table",
    "string_to_table",
];

/// Schemas that hold system catalogs (lower case).
const SYSTEM_SCHEMAS: &[&str] =
    &["pg_catalog", "information_schema", "pg_toast", "mysql", "performance_schema", "sys", "sqlite_temp"];

/// Why calling `name` (one identifier, any case) is refused, if it is.
pub(super) fn function(name: &str) -> Option<&'static str> {
    let name = name.to_ascii_lowercase();
    FUNCTIONS
        .iter()
        .find(|(n, _)| *n == name)
        .or_else(|| PREFIXES.iter().find(|(p, _)| name.starts_with(p)))
        .map(|(_, why)| *why)
}

/// Whether `name` (one identifier, any case) may stand in FROM as a table-valued function.
pub(super) fn table_function(name: &str) -> bool {
    TABLE_FUNCTIONS.iter().any(|f| f.eq_ignore_ascii_case(name))
}

/// Whether `schema` (one identifier, any case) is a system schema.
pub(super) fn system_schema(schema: &str) -> bool {
    let schema = schema.to_ascii_lowercase();
    SYSTEM_SCHEMAS.contains(&schema.as_str()) || schema.starts_with("pg_temp")
}

/// Whether a relation named by `parts` (as written) is a system catalog: in a system schema, or a name
/// PostgreSQL resolves in `pg_catalog` before any user schema (`pg_*`), or SQLite's reserved `sqlite_*` tables.
pub(super) fn system_relation(parts: &[&str]) -> bool {
    let Some((last, schemas)) = parts.split_last() else { return false };
    let last = last.to_ascii_lowercase();
    schemas.iter().any(|s| system_schema(s)) || last.starts_with("pg_") || last.starts_with("sqlite_")
}
