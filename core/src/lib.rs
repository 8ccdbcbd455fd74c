//! nl2sql-core: the whole NL2SQL engine as plain Rust with no IO of its own.
//!
//! Why this shape: the same logic must run as a Lambda function, a Cloudflare Worker (wasm32-unknown-unknown),
//! a Spin component (wasm32-wasip2), in a browser, and as a local server. So the core talks to the world only
//! through four small ports ([`ports::Store`], [`ports::Http`], [`ports::Clock`], [`ports::SqlSource`]), and
//! every host calls the one [`router::handle`] with its adapters. Nothing here starts a runtime, opens a
//! socket or reads the system clock.
#![warn(missing_docs)]

pub mod admin;
pub mod advisor;
pub mod agentic;
pub mod api;
pub mod auth;
pub mod cache;
pub mod catalog;
pub mod compat;
pub mod config;
#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
pub mod databases;
pub mod ddl;
pub mod diff;
pub mod error;
pub mod golden;
pub mod guard;
pub mod introspect;
pub mod keys;
pub mod limits;
pub mod linker;
pub mod llm;
pub mod memory;
pub mod metrics;
pub mod number;
pub mod offline;
pub mod order;
pub mod ports;
pub mod router;
pub mod session;
pub mod skeleton;
pub mod spider;
pub mod sql;
pub mod stats;
pub mod time;
pub mod translate;
pub mod words;

#[doc(hidden)]
pub use async_trait;
pub use config::Config;
pub use error::{Error, Result};
