//! `spin:variables/variables@3.0.0` from the host's environment, like `spin up`'s environment provider: the
//! variable `name` is `SPIN_VARIABLE_NAME`. A variable that is not set is `undefined`.

use crate::State;
use crate::bindings::spin::variables::variables::{self, Error};
use std::collections::BTreeMap;
use wasmtime::component::{Accessor, HasSelf};

/// The `SPIN_VARIABLE_*` variables of the host's environment, by lower-case Spin variable name.
pub(crate) fn from_env() -> BTreeMap<String, String> {
    std::env::vars().filter_map(|(k, v)| Some((k.strip_prefix("SPIN_VARIABLE_")?.to_ascii_lowercase(), v))).collect()
}

/// Spin's rule for variable names: lower-case ASCII letters, digits and underscores, starting with a letter.
fn valid(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl variables::Host for State {}

impl<T> variables::HostWithStore<T> for HasSelf<State> {
    async fn get(accessor: &Accessor<T, Self>, name: String) -> wasmtime::Result<Result<String, Error>> {
        if !valid(&name) {
            return Ok(Err(Error::InvalidName(name)));
        }
        let value = accessor.with(|mut access| access.get().shared.variables.get(&name).cloned());
        Ok(value.ok_or(Error::Undefined(name)))
    }
}
