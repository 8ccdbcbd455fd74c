//! nl2sql-wasm: the core's pure functions for JavaScript — DDL to catalog, skeleton, schema linking, the SQL
//! guard, the code advisor, the cardinality estimator, question complexity and plans, and the offline translator —
//! for browsers, Node and bundlers.
//!
//! Why this shape: the package must be small (≤ 600 KB gzipped, `docs/wasm.md`), so it exports plain functions
//! over data and never the router, the store, the statistics refresh or the configuration parser: whatever the
//! exports do not reach, the linker drops. Values cross the boundary as JSON text, not through
//! serde-wasm-bindgen: the core already links serde_json's serialisers for every type it stores, so JSON adds no
//! second copy of them. The JSON is the HTTP API's (snake_case fields, the same `{"code","message"}` errors);
//! `js/nl2sql.js` parses it, turns errors into JS `Error`s with a `code`, and holds the schema handle.
//!
//! [`api`] is the platform-free layer (tested natively); `bindings` (wasm32 only) exports it with wasm-bindgen.

pub mod api;
mod convert;

#[cfg(target_arch = "wasm32")]
pub mod bindings;
