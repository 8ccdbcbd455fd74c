//! nl2sql on Fermyon Spin, the scheduler's half: the component `[[trigger.cron]]` runs (Spin's cron trigger
//! plugin). On every tick it POSTs to the HTTP component's scheduled refresh route
//! (`<refresh_origin>/cron/refresh`, bearer `refresh_token`) and fails the tick unless that answers 2xx.
//!
//! Why a second component instead of a cron export on the first: the cron trigger plugin runs components on
//! Spin 3's runtime (WASIp2, synchronous exports), while the HTTP component is a WASIp3 component for Spin 4's;
//! and one refresh route keeps every scheduler (this one, a Kubernetes CronJob beside SpinKube, `curl`) on the
//! same path. This component is plain WASIp2: `wasi:http/outgoing-handler` and `wasi:config/store` (how Spin
//! hands components their variables), nothing else.

#[allow(unsafe_code, unreachable_pub, reason = "generated canonical ABI glue; the only unsafe code in the crate")]
mod bindings {
    wit_bindgen::generate!({ path: "wit", world: "nl2sql:spin-cron/cron", generate_all });

    use super::Cron;
    export!(Cron with_types_in self);
}

use bindings::wasi::config::store;
use bindings::{Error, Guest, Metadata};

/// The variable naming the HTTP component's origin, e.g. `http://127.0.0.1:3000`.
pub const ORIGIN_VARIABLE: &str = "refresh_origin";
/// The variable holding the refresh route's bearer token.
pub const TOKEN_VARIABLE: &str = "refresh_token";
/// The refresh route's path on that origin.
pub const PATH: &str = "/cron/refresh";

struct Cron;

impl Guest for Cron {
    fn handle_cron_event(metadata: Metadata) -> Result<(), Error> {
        let origin = variable(ORIGIN_VARIABLE)?
            .ok_or_else(|| Error::Other(format!("the Spin variable `{ORIGIN_VARIABLE}` is not set")))?;
        let token = variable(TOKEN_VARIABLE)?.unwrap_or_default();
        let url = format!("{}{PATH}", origin.trim_end_matches('/'));
        let (status, body) = outbound::post(&url, &token).map_err(Error::Other)?;
        let body = String::from_utf8_lossy(&body);
        if (200..300).contains(&status) {
            println!("nl2sql-cron: tick {}: refresh answered {status}: {body}", metadata.timestamp);
            Ok(())
        } else {
            Err(Error::Other(format!("{url} answered {status}: {body}")))
        }
    }
}

/// A Spin variable; unset and empty are both `None`.
fn variable(name: &str) -> Result<Option<String>, Error> {
    let value = store::get(name).map_err(|e| Error::Other(format!("reading the variable `{name}`: {e:?}")))?;
    Ok(value.filter(|v| !v.is_empty()))
}

mod outbound {
    //! One blocking `POST` through `wasi:http/outgoing-handler@0.2`.

    use wasip2::http::outgoing_handler;
    use wasip2::http::types::{Fields, IncomingBody, Method, OutgoingBody, OutgoingRequest, Scheme};
    use wasip2::io::streams::StreamError;

    /// Sends an empty `POST` to `url` with `Authorization: Bearer <token>`; the status and body come back.
    pub(crate) fn post(url: &str, token: &str) -> Result<(u16, Vec<u8>), String> {
        let (scheme, rest) = url.split_once("://").ok_or_else(|| format!("`{url}` is not an absolute URL"))?;
        let scheme = match scheme {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            other => return Err(format!("unsupported scheme `{other}` in `{url}`")),
        };
        let (authority, path) = rest.find('/').map_or((rest, "/"), |i| rest.split_at(i));
        let auth = format!("Bearer {token}").into_bytes();
        let headers = Fields::from_list(&[("authorization".to_owned(), auth)]).map_err(|e| format!("{e:?}"))?;
        let request = OutgoingRequest::new(headers);
        let invalid = |what: &str| format!("invalid {what} in `{url}`");
        request.set_method(&Method::Post).map_err(|()| invalid("method"))?;
        request.set_scheme(Some(&scheme)).map_err(|()| invalid("scheme"))?;
        request.set_authority(Some(authority)).map_err(|()| invalid("authority"))?;
        request.set_path_with_query(Some(path)).map_err(|()| invalid("path"))?;
        let body = request.body().map_err(|()| "the request body was already taken".to_owned())?;
        OutgoingBody::finish(body, None).map_err(|e| format!("finishing the request body: {e:?}"))?;

        let pending = outgoing_handler::handle(request, None).map_err(|e| format!("sending to {url}: {e:?}"))?;
        pending.subscribe().block();
        let response = pending
            .get()
            .ok_or("no response after the wait")?
            .map_err(|()| "the response was already taken")?
            .map_err(|e| format!("sending to {url}: {e:?}"))?;
        let status = response.status();
        let incoming = response.consume().map_err(|()| "the response body was already taken")?;
        let stream = incoming.stream().map_err(|()| "the response stream was already taken")?;
        let mut body = Vec::new();
        loop {
            match stream.blocking_read(64 * 1024) {
                Ok(chunk) => body.extend_from_slice(&chunk),
                Err(StreamError::Closed) => break,
                Err(StreamError::LastOperationFailed(e)) => return Err(format!("reading the response: {e:?}")),
            }
        }
        drop(stream);
        drop(IncomingBody::finish(incoming));
        Ok((status, body))
    }
}
