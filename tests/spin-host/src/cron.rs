//! `nl2sql-spin-host cron`: Spin's cron trigger for one tick. It instantiates a cron component (world
//! `fermyon:spin-cron/spin-cron`, WASIp2, like the trigger-cron plugin on Spin 3), gives it `wasi:config/store`
//! over the `SPIN_VARIABLE_*` variables and outbound HTTP through the allow-list, calls `handle-cron-event`
//! once and exits 0 when it answers `ok`, 1 with the component's error otherwise.

use crate::{Shared, State};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::error::Context as _;
use wasmtime::{Engine, Store};
use wasmtime_wasi::WasiCtx;
use wasmtime_wasi_http::WasiHttpCtx;

mod bindings {
    wasmtime::component::bindgen!({
        path: "../../functions/spin-cron/wit",
        world: "nl2sql:spin-cron/cron",
        exports: { default: async },
    });
}

use bindings::fermyon::spin_cron::cron_types::{Error, Metadata};
use bindings::wasi::config::store;

impl store::Host for State {
    fn get(&mut self, key: String) -> Result<Option<String>, store::Error> {
        Ok(self.shared.variables.get(&key).cloned())
    }

    fn get_all(&mut self) -> Result<Vec<(String, String)>, store::Error> {
        Ok(self.shared.variables.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }
}

impl bindings::fermyon::spin_cron::cron_types::Host for State {}

/// Runs one tick of `component`; the component's own error is `Ok(Err(..))`.
pub(crate) async fn tick(
    engine: &Engine,
    component: &Component,
    shared: Arc<Shared>,
) -> wasmtime::Result<Result<(), String>> {
    let mut linker = Linker::<State>::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    store::add_to_linker::<_, HasSelf<State>>(&mut linker, |s| s)?;
    let outbound = crate::outbound::Outbound::new(&shared.allowed_outbound);
    let wasi = WasiCtx::builder().inherit_stdout().inherit_stderr().build();
    let state = State { shared, table: ResourceTable::new(), wasi, http: WasiHttpCtx::new(), outbound };
    let mut store = Store::new(engine, state);
    let cron = bindings::Cron::instantiate_async(&mut store, component, &linker).await.context("instantiating")?;
    let timestamp = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let result =
        cron.call_handle_cron_event(&mut store, Metadata { timestamp }).await.context("the cron handler trapped")?;
    Ok(result.map_err(|Error::Other(message)| message))
}
