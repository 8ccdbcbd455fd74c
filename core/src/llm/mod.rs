//! LLM providers over the [`Http`](crate::ports::Http) port, without vendor SDKs: the wire formats
//! ([`wire`]), SQL extraction from answers ([`extract`]), retries with exponential backoff and jitter that
//! honour `Retry-After`, and a circuit breaker per provider ([`mod@circuit`]). The fallback chain is the caller's
//! loop over [`chain`]; `offline` (the built-in translator) is a member of it like any provider.

pub mod circuit;
pub mod extract;
pub mod prompt;
pub mod wire;

use crate::Config;
use crate::config::Provider;
use crate::error::{Error, Result};
use crate::ports::{Ports, Precondition};
use circuit::{Circuit, Phase, Settings};
use serde::Serialize;
use wire::{Api, Failure};

/// The built-in deterministic translator's name in provider chains.
pub const OFFLINE: &str = "offline";

/// First retry delay, milliseconds; doubles per attempt up to [`BACKOFF_MAX_MS`].
const BACKOFF_BASE_MS: u64 = 250;
const BACKOFF_MAX_MS: u64 = 8_000;

/// The prompt of one call.
#[derive(Debug, Clone, Copy)]
pub struct Prompt<'a> {
    /// System message: the task, dialect rules, the schema.
    pub system: &'a str,
    /// User message: the question (and any correction request).
    pub user: &'a str,
}

/// One try at one provider, as the response reports it.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Attempt {
    /// Provider name.
    pub provider: String,
    /// `ok`, `error`, `skipped` (circuit open) or `invalid` (an answer the pipeline rejected).
    pub outcome: String,
    /// What happened.
    pub detail: String,
    /// Milliseconds it took.
    pub duration_ms: u64,
}

/// A provider's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// The model's text.
    pub text: String,
    /// Provider name.
    pub provider: String,
    /// Model.
    pub model: String,
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Completion tokens.
    pub output_tokens: u64,
    /// Cost in the configured currency (`input_cost_per_1k_tokens`, `output_cost_per_1k_tokens`).
    pub cost: f64,
}

/// The providers to try, in order: the requested one alone, else `default_provider` then
/// `fallback_providers` (each once). Unknown names are a 400.
pub fn chain(config: &Config, requested: Option<&str>) -> Result<Vec<String>> {
    let known = |name: &str| name == OFFLINE || config.llm.contains_key(name);
    if let Some(name) = requested {
        if !known(name) {
            let mut names: Vec<&str> = config.llm.keys().map(String::as_str).collect();
            names.push(OFFLINE);
            return Err(Error::bad_request(
                "unknown_provider",
                format!("provider `{name}` is not configured; configured: {}", names.join(", ")),
            ));
        }
        return Ok(vec![name.to_owned()]);
    }
    let engine = &config.nl2sql;
    let mut out: Vec<String> = Vec::new();
    for name in std::iter::once(&engine.default_provider).chain(&engine.fallback_providers) {
        if known(name) && !out.contains(name) {
            out.push(name.clone());
        }
    }
    if out.is_empty() {
        out.push(OFFLINE.to_owned());
    }
    Ok(out)
}

fn settings(config: &Config) -> Settings {
    let c = &config.nl2sql.circuit_breaker;
    Settings {
        failure_threshold: c.failure_threshold.max(1),
        reset_timeout_ms: i64::try_from(c.reset_timeout_secs.saturating_mul(1000)).unwrap_or(i64::MAX),
        half_open_max_calls: c.half_open_max_calls.max(1),
    }
}

/// The stored circuit of `provider` (closed when none is stored or it cannot be read).
pub async fn circuit(ports: &Ports<'_>, provider: &str) -> (Circuit, Option<u64>) {
    let (pk, sk) = crate::keys::circuit(provider);
    match ports.store.get(pk, &sk).await {
        Ok(Some(item)) => (serde_json::from_str(&item.value).unwrap_or_default(), Some(item.version)),
        _ => (Circuit::default(), None),
    }
}

/// The phase of every configured provider's circuit now (for metrics and /admin).
pub async fn phases(ports: &Ports<'_>) -> Vec<(String, Phase)> {
    let s = settings(ports.config);
    let now = ports.clock.now_ms();
    let mut out = Vec::new();
    for name in ports.config.llm.keys() {
        out.push((name.clone(), circuit(ports, name).await.0.phase_at(now, &s)));
    }
    out
}

async fn save(ports: &Ports<'_>, provider: &str, circuit: &Circuit, before: &Circuit) {
    crate::metrics::set(
        "nl2sql_llm_circuit_breaker_state",
        &[("provider", provider)],
        f64::from(circuit.phase.gauge()),
    );
    if circuit != before {
        let value = serde_json::to_string(circuit).unwrap_or_default();
        // Last write wins: a lost update only delays a transition by one call.
        let (pk, sk) = crate::keys::circuit(provider);
        let _ = ports.store.put(pk, &sk, &value, Precondition::None, None).await;
    }
}

/// The delay before retry number `attempt` (0 = the first retry): exponential with up to 25% jitter, at least
/// the provider's `Retry-After`.
pub fn backoff_ms(attempt: u32, retry_after_ms: Option<u64>, seed: i64) -> u64 {
    let base = BACKOFF_BASE_MS.saturating_mul(1u64 << attempt.min(16)).min(BACKOFF_MAX_MS);
    let spread = base / 4;
    let jitter = if spread == 0 { 0 } else { (seed.unsigned_abs().wrapping_mul(2_654_435_761) >> 7) % spread };
    (base + jitter).max(retry_after_ms.unwrap_or(0))
}

/// Calls `name` with retries until it answers, fails for good, its circuit is open, or `deadline_ms` (unix ms)
/// would pass; every try is appended to `attempts`. `None` means: go on to the next provider.
pub async fn call(
    ports: &Ports<'_>,
    name: &str,
    prompt: Prompt<'_>,
    deadline_ms: i64,
    attempts: &mut Vec<Attempt>,
) -> Option<Completion> {
    let config = ports.config;
    let spec = config.llm.get(name)?;
    let api = match Api::of(name, &spec.api) {
        Some(api) => api,
        None => {
            attempts.push(attempt(name, "error", format!("unknown api `{}`", spec.api), 0));
            return None;
        }
    };
    let endpoint =
        if spec.endpoint.is_empty() { wire::default_endpoint(name, api) } else { Some(spec.endpoint.as_str()) };
    let Some(endpoint) = endpoint else {
        attempts.push(attempt(name, "error", format!("[llm.{name}] needs an endpoint"), 0));
        return None;
    };
    let s = settings(config);
    for retry in 0..=spec.max_retries {
        let (mut state, _) = circuit(ports, name).await;
        let before = state;
        let now = ports.clock.now_ms();
        if !state.admit(now, &s) {
            attempts.push(attempt(name, "skipped", "circuit open".into(), 0));
            save(ports, name, &state, &before).await;
            return None;
        }
        save(ports, name, &state, &before).await;
        // `[llm.<name>] rate_limit` requests per minute (0: none): over it, the next provider answers rather
        // than this request waiting.
        if spec.rate_limit > 0 {
            let (pk, sk) = crate::keys::provider_rate(name);
            if let Ok(Some(free_in)) = crate::limits::take(ports, pk, &sk, spec.rate_limit, spec.rate_limit).await {
                let why = format!("over its {} requests per minute; one is free again in {free_in} s", spec.rate_limit);
                attempts.push(attempt(name, "skipped", why, 0));
                return None;
            }
        }
        let remaining = u64::try_from(deadline_ms - now).unwrap_or(0);
        let timeout_ms = spec.timeout.saturating_mul(1000).min(remaining.max(1));
        let request = wire::request(
            api,
            &wire::Call {
                endpoint,
                api_key: spec.api_key.expose(),
                model: &spec.model,
                system: prompt.system,
                user: prompt.user,
                temperature: spec.temperature,
                max_tokens: spec.max_tokens,
                timeout_ms,
            },
        );
        let result = match ports.http.send(request).await {
            Ok(response) => wire::response(api, &response),
            Err(e) => Err(Failure::Transport(e.to_string())),
        };
        let took = u64::try_from(ports.clock.now_ms() - now).unwrap_or(0);
        let status = if result.is_ok() { "success" } else { "error" };
        crate::metrics::add("nl2sql_llm_requests_total", &[("provider", name), ("status", status)], 1.0);
        crate::metrics::observe("nl2sql_llm_request_duration_seconds", &[("provider", name)], took as f64 / 1000.0);
        if let Ok(answer) = &result {
            crate::metrics::add(
                "nl2sql_llm_tokens_used_total",
                &[("provider", name), ("type", "input")],
                answer.input_tokens as f64,
            );
            crate::metrics::add(
                "nl2sql_llm_tokens_used_total",
                &[("provider", name), ("type", "output")],
                answer.output_tokens as f64,
            );
        }
        let (mut state, _) = circuit(ports, name).await;
        let before = state;
        match result {
            Ok(answer) => {
                state.succeeded();
                save(ports, name, &state, &before).await;
                attempts.push(attempt(
                    name,
                    "ok",
                    format!("{} tokens in, {} out", answer.input_tokens, answer.output_tokens),
                    took,
                ));
                let cost = cost(spec, answer.input_tokens, answer.output_tokens);
                return Some(Completion {
                    text: answer.text,
                    provider: name.to_owned(),
                    model: spec.model.clone(),
                    input_tokens: answer.input_tokens,
                    output_tokens: answer.output_tokens,
                    cost,
                });
            }
            Err(failure) => {
                attempts.push(attempt(name, "error", failure.describe(), took));
                if !failure.transient() {
                    return None;
                }
                state.failed(ports.clock.now_ms(), &s);
                save(ports, name, &state, &before).await;
                if retry == spec.max_retries {
                    return None;
                }
                let retry_after = match &failure {
                    Failure::Status { retry_after_ms, .. } => *retry_after_ms,
                    _ => None,
                };
                let delay = backoff_ms(retry, retry_after, ports.clock.now_ms());
                if ports.clock.now_ms().saturating_add(i64::try_from(delay).unwrap_or(i64::MAX)) >= deadline_ms {
                    return None;
                }
                ports.clock.sleep(delay).await;
            }
        }
    }
    None
}

fn cost(spec: &Provider, input: u64, output: u64) -> f64 {
    (input as f64 * spec.input_cost_per_1k_tokens + output as f64 * spec.output_cost_per_1k_tokens) / 1000.0
}

fn attempt(provider: &str, outcome: &str, detail: String, duration_ms: u64) -> Attempt {
    Attempt { provider: provider.to_owned(), outcome: outcome.to_owned(), detail, duration_ms }
}

#[cfg(test)]
mod tests;
