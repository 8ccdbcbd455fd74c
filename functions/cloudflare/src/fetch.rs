//! The `Http` port on the Workers `fetch` API (for LLM providers). A timeout aborts the request through an
//! `AbortController`; error messages never carry the URL (some providers take their key in the query).
//!
//! `workers-ai://<binding>/<model>` requests (the core's Workers AI provider) are not fetched: they call the
//! Worker's AI binding, `env.<binding>.run(model, body)`, and answer its result as a JSON body.

use futures_util::future::{Either, select};
use nl2sql_core::llm::wire::WORKERS_AI_SCHEME;
use nl2sql_core::ports::{Http, HttpRequest, HttpResponse};
use nl2sql_core::{Error, Result, port};
use std::pin::pin;
use std::time::Duration;
use worker::js_sys::{self, Function, Promise, Reflect, Uint8Array};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{AbortController, AbortSignal, Delay, Env, Fetch, web_sys};

/// Outbound HTTP through `fetch`, and Workers AI through the environment's AI binding.
pub struct FetchHttp {
    env: Env,
}

impl FetchHttp {
    /// Over `env` (for the AI binding).
    pub fn new(env: Env) -> Self {
        Self { env }
    }
}

/// An answer as a provider would give it: `status` with `{"error": {"message"}}`.
fn error_response(status: u16, message: String) -> HttpResponse {
    let body = serde_json::json!({"error": {"message": message}}).to_string().into_bytes();
    HttpResponse { status, headers: Vec::new(), body }
}

/// `env.<binding>.run(model, body)`: 200 with the result as JSON; a missing binding is 400 (not worth retrying),
/// a failed run 502 (the core retries and falls back). The body goes over as `JSON.parse` makes it (plain
/// objects; a serde conversion would hand the binding `Map`s).
async fn workers_ai(env: &Env, target: &str, body: &[u8]) -> HttpResponse {
    let Some((binding, model)) = target.split_once('/') else {
        return error_response(400, format!("workers-ai URL needs <binding>/<model>, not `{target}`"));
    };
    let ai = Reflect::get(env, &binding.into()).ok().filter(|v| !v.is_undefined() && !v.is_null());
    let Some(ai) = ai else {
        return error_response(
            400,
            format!("the Worker has no Workers AI binding `{binding}` (wrangler.toml: [ai] binding = \"{binding}\")"),
        );
    };
    let call = || -> std::result::Result<Promise, JsValue> {
        let input = js_sys::JSON::parse(&String::from_utf8_lossy(body))?;
        let run: Function = Reflect::get(&ai, &"run".into())?.dyn_into()?;
        run.call2(&ai, &model.into(), &input)?.dyn_into()
    };
    let message = |e: JsValue| {
        e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).or_else(|| e.as_string()).unwrap_or_default()
    };
    let result = match call() {
        Ok(promise) => JsFuture::from(promise).await,
        Err(e) => return error_response(400, format!("Workers AI: {}", message(e))),
    };
    match result {
        Ok(output) => {
            let json = js_sys::JSON::stringify(&output).map(String::from).unwrap_or_default();
            HttpResponse { status: 200, headers: Vec::new(), body: json.into_bytes() }
        }
        Err(e) => error_response(502, format!("Workers AI: {}", message(e))),
    }
}

const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

fn provider(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Provider(format!("{what}: {e}"))
}

/// The `fetch` Request of `request`.
/// The `fetch` Request of `request`.
fn build(request: &HttpRequest) -> Result<worker::Request> {
    let method = request.method.to_ascii_uppercase();
    if !METHODS.contains(&method.as_str()) {
        return Err(Error::Internal(format!("unsupported HTTP method `{}`", request.method)));
    }
    let headers = web_sys::Headers::new().map_err(|e| provider("headers", format!("{e:?}")))?;
    for (name, value) in &request.headers {
        headers.append(name, value).map_err(|_| Error::Internal(format!("invalid HTTP header `{name}`")))?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method(&method);
    init.set_headers(&headers);
    if !request.body.is_empty() {
        init.set_body(&Uint8Array::from(request.body.as_slice()));
    }
    let inner = web_sys::Request::new_with_str_and_init(&request.url, &init)
        .map_err(|_| Error::Internal("invalid request URL".into()))?;
    Ok(worker::Request::from(inner))
}

async fn exchange(request: worker::Request, signal: AbortSignal) -> Result<HttpResponse> {
    let mut response =
        Fetch::Request(request).send_with_signal(&signal).await.map_err(|e| provider("fetch failed", e))?;
    let status = response.status_code();
    let headers = response.headers().entries().collect();
    let body = response.bytes().await.map_err(|e| provider("reading the response", e))?;
    Ok(HttpResponse { status, headers, body })
}

port! {
impl Http for FetchHttp {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse> {
        if let Some(target) = request.url.strip_prefix(WORKERS_AI_SCHEME) {
            let run = workers_ai(&self.env, target, &request.body);
            let Some(ms) = request.timeout_ms else { return Ok(run.await) };
            return match select(pin!(run), pin!(Delay::from(Duration::from_millis(ms)))).await {
                Either::Left((response, _)) => Ok(response),
                Either::Right(((), _)) => Err(Error::Provider(format!("Workers AI timed out after {ms} ms"))),
            };
        }
        let controller = AbortController::default();
        let fetch = exchange(build(&request)?, controller.signal());
        let Some(ms) = request.timeout_ms else { return fetch.await };
        match select(pin!(fetch), pin!(Delay::from(Duration::from_millis(ms)))).await {
            Either::Left((response, _)) => response,
            Either::Right(((), _)) => {
                controller.abort();
                Err(Error::Provider(format!("HTTP request timed out after {ms} ms")))
            }
        }
    }
}
}
