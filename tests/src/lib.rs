//! End-to-end test support shared by every host's tests.
//!
//! Why a crate: the HTTP contract is the same on every platform, so one suite ([`contract::run`]) is pointed at
//! each host's real binary (the local `nl2sql serve`, the Lambda HTTP function behind [`lambda_emulator`]);
//! the helpers it needs (an HTTP client, moto, PostgreSQL, locating binaries) live beside it. The tests
//! themselves are in `tests/tests/`.
//!
//! Nothing here is imitation of the code under test: the hosts run as their release or debug binaries, the
//! Lambda function talks to a Runtime API over HTTP exactly as on AWS, DynamoDB is moto, PostgreSQL is a real
//! server.

pub mod client;
pub mod contract;
pub mod fake_llm;
pub mod lambda_emulator;
pub mod local;
pub mod miniflare;
pub mod moto;
pub mod paths;
pub mod pg;
pub mod spin;
pub mod wire;
