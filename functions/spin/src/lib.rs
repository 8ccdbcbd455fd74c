//! nl2sql on Fermyon Spin: one HTTP component (spin-sdk 7, WASIp3 `wasi:http/handler@0.3.0`) that hands every
//! request to the core's router unchanged.
//!
//! Why so little here: the core owns every route, status and error body; a host only builds the ports and
//! converts requests. The ports on Spin are key-value storage ([`SpinKvStore`], `spin:key-value@3.0.0`),
//! outbound HTTP ([`SpinHttp`], allowed hosts only), the WASI clocks ([`SpinClock`]) and no SQL source (a Spin
//! component cannot open arbitrary database connections, so databases are registered by DDL). Configuration
//! comes from Spin variables ([`config`]). One route is the host's own: the scheduled statistics refresh
//! ([`refresh`]), which a scheduler calls because Spin has no timer of its own inside a component.
//!
//! Everything is built once per component instance and reused by the requests that instance serves.

// The pure parts (configuration references, the refresh route, the item encoding) build and are tested on every
// target; what talks to Spin builds for wasm32 only, where the ports' futures need not be `Send`.
#[cfg(target_arch = "wasm32")]
mod clock;
#[cfg(target_arch = "wasm32")]
mod component;
pub mod config;
#[cfg(all(target_arch = "wasm32", feature = "conformance"))]
mod conformance;
#[cfg(target_arch = "wasm32")]
mod http;
#[cfg(any(target_arch = "wasm32", test))]
mod item;
#[cfg(target_arch = "wasm32")]
mod kv;
pub mod refresh;

#[cfg(target_arch = "wasm32")]
pub use clock::SpinClock;
#[cfg(target_arch = "wasm32")]
pub use http::SpinHttp;
#[cfg(target_arch = "wasm32")]
pub use kv::SpinKvStore;
