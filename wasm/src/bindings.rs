//! The wasm-bindgen exports: [`crate::api`] one to one. A failure is thrown as the JSON text of the core's
//! error body (`{"error":{"code","message"}}`); `js/nl2sql.js` turns it into an `Error` with `code`.

use crate::api;
use nl2sql_core::Error;
use wasm_bindgen::prelude::*;

fn thrown(result: Result<String, Error>) -> Result<String, JsValue> {
    result.map_err(|e| JsValue::from_str(&e.to_json().to_string()))
}

/// The package version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

#[wasm_bindgen(js_name = registerSchema)]
pub fn register_schema(ddl: &str, dialect: &str) -> Result<String, JsValue> {
    thrown(api::register(ddl, dialect))
}

#[wasm_bindgen]
pub fn skeleton(catalog: &str, samples: &str) -> Result<String, JsValue> {
    thrown(api::skeleton(catalog, samples))
}

#[wasm_bindgen]
pub fn link(question: &str, catalog: &str, samples: &str, options: &str) -> Result<String, JsValue> {
    thrown(api::link(question, catalog, samples, options))
}

#[wasm_bindgen]
pub fn translate(question: &str, catalog: &str, samples: &str, options: &str) -> Result<String, JsValue> {
    thrown(api::translate(question, catalog, samples, options))
}

#[wasm_bindgen]
pub fn advise(sql: &str, catalog: &str, stats: &str, options: &str) -> Result<String, JsValue> {
    thrown(api::advise(sql, catalog, stats, options))
}

#[wasm_bindgen]
pub fn estimate(sql: &str, catalog: &str, stats: &str, options: &str) -> Result<String, JsValue> {
    thrown(api::estimate(sql, catalog, stats, options))
}

#[wasm_bindgen]
pub fn selectivity(condition: &str, stats: &str, options: &str) -> Result<String, JsValue> {
    thrown(api::selectivity(condition, stats, options))
}

#[wasm_bindgen]
pub fn guard(sql: &str, catalog: &str, options: &str) -> Result<String, JsValue> {
    thrown(api::guard(sql, catalog, options))
}

#[wasm_bindgen]
pub fn assess(question: &str, catalog: &str, samples: &str, options: &str) -> Result<String, JsValue> {
    thrown(api::assess(question, catalog, samples, options))
}
