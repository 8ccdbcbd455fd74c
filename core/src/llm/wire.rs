//! The providers' wire formats: request bodies and headers out, answer text and token usage back. No SDKs; the
//! requests go through the [`crate::ports::Http`] port.

use crate::ports::{HttpRequest, HttpResponse};
use serde_json::{Value, json};

/// A provider's API shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// OpenAI-compatible chat completions: OpenAI, DeepSeek, xAI Grok, Groq, Ollama, vLLM, any base URL.
    OpenAi,
    /// Anthropic Messages.
    Anthropic,
    /// Cohere Chat v2.
    Cohere,
    /// Workers AI through the Worker's `AI` binding: the request goes to `workers-ai://<binding>/<model>`, which
    /// only the Worker's Http adapter serves (by calling `env.<binding>.run(model, inputs)`); the answer is the
    /// binding's result, or the REST API's `{"result": …}` envelope.
    WorkersAi,
}

/// The URL scheme of [`Api::WorkersAi`] requests.
pub const WORKERS_AI_SCHEME: &str = "workers-ai://";

impl Api {
    /// `api` from `[llm.<name>]`, else guessed from the provider's name.
    pub fn of(name: &str, api: &str) -> Option<Self> {
        let key = if api.is_empty() { name } else { api }.to_ascii_lowercase();
        match key.as_str() {
            "anthropic" | "claude" => Some(Self::Anthropic),
            "cohere" => Some(Self::Cohere),
            "workers-ai" | "workers_ai" | "workersai" => Some(Self::WorkersAi),
            "openai" | "deepseek" | "grok" | "xai" | "groq" | "ollama" | "vllm" | "openai-compatible" => {
                Some(Self::OpenAi)
            }
            _ if api.is_empty() => Some(Self::OpenAi),
            _ => None,
        }
    }
}

/// The base URL of well-known providers, for `[llm.<name>]` sections without `endpoint`.
pub fn default_endpoint(name: &str, api: Api) -> Option<&'static str> {
    Some(match (name.to_ascii_lowercase().as_str(), api) {
        (_, Api::Anthropic) => "https://api.anthropic.com/v1",
        (_, Api::Cohere) => "https://api.cohere.com/v2",
        (_, Api::WorkersAi) => "workers-ai://AI",
        ("openai", _) => "https://api.openai.com/v1",
        ("deepseek", _) => "https://api.deepseek.com/v1",
        ("grok" | "xai", _) => "https://api.x.ai/v1",
        ("groq", _) => "https://api.groq.com/openai/v1",
        ("ollama", _) => "http://127.0.0.1:11434/v1",
        _ => return None,
    })
}

/// What one call asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Call<'a> {
    /// Base URL (`…/v1` for OpenAI-compatible and Anthropic, `…/v2` for Cohere).
    pub endpoint: &'a str,
    /// API key (empty for local servers such as Ollama).
    pub api_key: &'a str,
    /// Model name.
    pub model: &'a str,
    /// System prompt.
    pub system: &'a str,
    /// User message.
    pub user: &'a str,
    /// Sampling temperature.
    pub temperature: f64,
    /// Completion tokens at most.
    pub max_tokens: u32,
    /// Timeout of the exchange.
    pub timeout_ms: u64,
}

/// The HTTP request for `call` in `api`'s format.
pub fn request(api: Api, call: &Call<'_>) -> HttpRequest {
    let base = call.endpoint.trim_end_matches('/');
    let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
    let (url, body) = match api {
        Api::OpenAi | Api::Cohere => {
            if !call.api_key.is_empty() {
                headers.push(("authorization".to_owned(), format!("Bearer {}", call.api_key)));
            }
            let path = if api == Api::OpenAi { "chat/completions" } else { "chat" };
            let body = json!({
                "model": call.model,
                "messages": [{"role": "system", "content": call.system}, {"role": "user", "content": call.user}],
                "temperature": call.temperature,
                "max_tokens": call.max_tokens,
            });
            (format!("{base}/{path}"), body)
        }
        Api::Anthropic => {
            headers.push(("x-api-key".to_owned(), call.api_key.to_owned()));
            headers.push(("anthropic-version".to_owned(), "2023-06-01".to_owned()));
            let body = json!({
                "model": call.model,
                "system": call.system,
                "messages": [{"role": "user", "content": call.user}],
                "temperature": call.temperature,
                "max_tokens": call.max_tokens,
            });
            (format!("{base}/messages"), body)
        }
        Api::WorkersAi => {
            let body = json!({
                "messages": [{"role": "system", "content": call.system}, {"role": "user", "content": call.user}],
                "temperature": call.temperature,
                "max_tokens": call.max_tokens,
            });
            (format!("{base}/{}", call.model), body)
        }
    };
    HttpRequest {
        method: "POST".into(),
        url,
        headers,
        body: body.to_string().into_bytes(),
        timeout_ms: Some(call.timeout_ms),
    }
}

/// A successful answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The model's text.
    pub text: String,
    /// Prompt tokens the provider counted.
    pub input_tokens: u64,
    /// Completion tokens the provider counted.
    pub output_tokens: u64,
}

/// Why a call did not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// An error status; `retry_after_ms` from a `Retry-After` header in seconds.
    Status {
        /// HTTP status.
        status: u16,
        /// The provider's error message.
        message: String,
        /// `Retry-After`, milliseconds.
        retry_after_ms: Option<u64>,
    },
    /// A 2xx whose body is not the provider's answer format.
    Malformed(String),
    /// No response: timeout or connection failure.
    Transport(String),
}

impl Failure {
    /// Whether trying again (here or at the next provider) can help: server errors, rate limits, overload,
    /// timeouts, garbled answers. A 4xx other than 408/409/429 is the request's fault and would fail again.
    pub fn transient(&self) -> bool {
        match self {
            Self::Status { status, .. } => matches!(status, 408 | 409 | 429) || *status >= 500,
            Self::Malformed(_) | Self::Transport(_) => true,
        }
    }

    /// One line for the attempt log.
    pub fn describe(&self) -> String {
        match self {
            Self::Status { status, message, .. } => format!("HTTP {status}: {message}"),
            Self::Malformed(why) => format!("malformed answer: {why}"),
            Self::Transport(why) => format!("no response: {why}"),
        }
    }
}

/// Reads `response` in `api`'s format.
pub fn response(api: Api, response: &HttpResponse) -> Result<Answer, Failure> {
    let body: Option<Value> = serde_json::from_slice(&response.body).ok();
    if !(200..300).contains(&response.status) {
        let message = body
            .as_ref()
            .and_then(|b| b["error"]["message"].as_str().or(b["message"].as_str()).map(str::to_owned))
            .unwrap_or_else(|| String::from_utf8_lossy(&response.body).chars().take(200).collect());
        let retry_after_ms = response
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))
            .and_then(|(_, v)| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| (s * 1000.0) as u64);
        return Err(Failure::Status { status: response.status, message, retry_after_ms });
    }
    let body = body.ok_or_else(|| Failure::Malformed("the body is not JSON".into()))?;
    let texts = |blocks: &Value| -> Option<String> {
        let parts: Vec<&str> = blocks
            .as_array()?
            .iter()
            .filter(|b| b["type"].as_str().is_none_or(|t| t == "text"))
            .filter_map(|b| b["text"].as_str())
            .collect();
        (!parts.is_empty()).then(|| parts.concat())
    };
    let (text, input, output) = match api {
        Api::OpenAi => (
            body["choices"][0]["message"]["content"].as_str().map(str::to_owned),
            &body["usage"]["prompt_tokens"],
            &body["usage"]["completion_tokens"],
        ),
        Api::Anthropic => (texts(&body["content"]), &body["usage"]["input_tokens"], &body["usage"]["output_tokens"]),
        Api::Cohere => {
            let usage = if body["usage"]["tokens"].is_object() {
                &body["usage"]["tokens"]
            } else {
                &body["usage"]["billed_units"]
            };
            (texts(&body["message"]["content"]), &usage["input_tokens"], &usage["output_tokens"])
        }
        Api::WorkersAi => {
            let result = if body["result"].is_object() { &body["result"] } else { &body };
            (
                result["response"].as_str().map(str::to_owned),
                &result["usage"]["prompt_tokens"],
                &result["usage"]["completion_tokens"],
            )
        }
    };
    let text = text.ok_or_else(|| Failure::Malformed("no answer text in the response".into()))?;
    Ok(Answer { text, input_tokens: input.as_u64().unwrap_or(0), output_tokens: output.as_u64().unwrap_or(0) })
}
