//! nl2sql on Cloudflare Workers: one Worker with two handlers over the one core.
//!
//! - `fetch`: the request becomes an `nl2sql_core::api::Request`, the core's `router::handle` answers it
//!   unchanged, the answer goes back as the Worker's response.
//! - `scheduled` (Cron Triggers): the statistics refresh manager's `run_scheduled`, with a budget that ends
//!   inside the invocation's wall time ([`settings::cron_budget`]).
//!
//! The adapters (wasm32 only): `kv::KvStore` (the `Store` port on a Workers KV namespace: last-write-wins,
//! eventually consistent, no compare-and-set), `fetch::FetchHttp` (`fetch`), `clock::JsClock` (`Date.now()` and
//! timers; std's clock panics on wasm32-unknown-unknown), `d1::D1Sql` (D1 bindings as databases).
//!
//! Why most of the crate is `cfg(target_arch = "wasm32")`: the `worker` crate's bindings only mean something
//! inside workerd, so on the host the crate is its platform-free parts ([`keys`], [`settings`], [`readonly`], [`wire`])
//! and their unit tests; the Worker itself is tested in Miniflare (`tests/cloudflare/`,
//! `tests/tests/contract_worker.rs`). Build: `functions/cloudflare/build.sh` (see docs/cloudflare.md).

pub mod keys;
pub mod readonly;
pub mod settings;
pub mod wire;

#[cfg(target_arch = "wasm32")]
pub mod clock;
#[cfg(target_arch = "wasm32")]
pub mod d1;
#[cfg(target_arch = "wasm32")]
mod entry;
#[cfg(target_arch = "wasm32")]
pub mod fetch;
#[cfg(target_arch = "wasm32")]
pub mod host;
#[cfg(target_arch = "wasm32")]
pub mod kv;
#[cfg(target_arch = "wasm32")]
mod testing;

/// One JSON log line (`console.log`, which Workers Logs and `wrangler tail` show): level, message, fields.
#[cfg(target_arch = "wasm32")]
pub fn log(level: &str, message: &str, fields: serde_json::Value) {
    let mut line = serde_json::json!({ "level": level, "message": message });
    if let (Some(line), serde_json::Value::Object(fields)) = (line.as_object_mut(), fields) {
        line.extend(fields);
    }
    match level {
        "error" => worker::console_error!("{line}"),
        "warn" => worker::console_warn!("{line}"),
        _ => worker::console_log!("{line}"),
    }
}
