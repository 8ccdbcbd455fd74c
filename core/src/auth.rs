//! Authentication: who is calling, for which tenant, in which role.
//!
//! Credentials arrive as `Authorization: Bearer <credential>` or `X-API-Key: <key>`. A credential is either
//! - an API key: its SHA-256 is compared, in constant time, with every hash in `[security] api_keys`
//!   (`{ hash = "sha256:<hex>", tenant = "acme", role = "user" }`); raw keys are never configured, stored or
//!   logged; or
//! - with `[security] jwt_secret` set, an HS256 JWT (three dot-separated parts) whose signature is checked in
//!   constant time and whose claims give `tenant`, `role` (default `user`) and `exp` (required, checked against
//!   the `Clock` port; `nbf` too when present).
//!
//! Without keys, JWT secret or `require_auth`, authentication is off: every request runs as an admin of the
//! default tenant (the local host then serves loopback only).

use crate::api::Request;
use crate::config::Security;
use crate::error::{Error, Result};
use crate::keys;
use crate::router::DEFAULT_TENANT;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// What a caller may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Everything, including `/admin/*`.
    Admin,
    /// The API without `/admin/*`.
    User,
}

/// One `[security] api_keys` entry, `"<tenant>:<role>:sha256:<hex>"`: the key's hash (never the key), its
/// tenant and role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiKey<'a> {
    /// Tenant the key acts for.
    pub tenant: &'a str,
    /// Its role.
    pub role: Role,
    /// `sha256:<64 hex digits>` of the key.
    pub hash: &'a str,
}

/// Reads an `api_keys` entry; `None` when it is not `<tenant>:<admin|user>:sha256:<64 hex digits>`.
pub fn parse_key(entry: &str) -> Option<ApiKey<'_>> {
    let mut parts = entry.splitn(3, ':');
    let (tenant, role, hash) = (parts.next()?, parts.next()?, parts.next()?);
    let role = match role {
        "admin" => Role::Admin,
        "user" => Role::User,
        _ => return None,
    };
    let hex_ok =
        hash.strip_prefix("sha256:").is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
    (keys::valid_name(tenant) && hex_ok).then_some(ApiKey { tenant, role, hash })
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The tenant every store key of the request is scoped to.
    pub tenant: String,
    /// What it may do.
    pub role: Role,
}

impl Principal {
    /// The caller when authentication is off, and the local CLI's: an admin of `tenant`.
    pub fn local(tenant: &str) -> Self {
        Self { tenant: tenant.to_owned(), role: Role::Admin }
    }
}

/// Whether requests must authenticate: keys or a JWT secret configured, or `require_auth`.
pub fn enabled(security: &Security) -> bool {
    security.require_auth || !security.api_keys.is_empty() || !security.jwt_secret.is_empty()
}

/// The caller of `request`, at `now_ms` for JWT expiry.
pub fn authenticate(request: &Request, security: &Security, now_ms: i64) -> Result<Principal> {
    if !enabled(security) {
        return Ok(Principal::local(DEFAULT_TENANT));
    }
    let bearer = request.header("authorization").and_then(|v| {
        let (scheme, rest) = v.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
    });
    let Some(credential) = bearer.or_else(|| request.header("x-api-key").map(str::trim)) else {
        return Err(unauthorized("send an API key as `Authorization: Bearer <key>` or `X-API-Key: <key>`"));
    };
    if !security.jwt_secret.is_empty() && credential.split('.').count() == 3 {
        return verify_jwt(credential, security.jwt_secret.expose().as_bytes(), now_ms);
    }
    let digest = hash_key(credential);
    // Every configured hash is compared, so the time taken does not say which (or whether one) matched.
    let mut found = None;
    for key in security.api_keys.iter().filter_map(|entry| parse_key(entry.expose())) {
        if ct_eq(digest.as_bytes(), key.hash.to_ascii_lowercase().as_bytes()) {
            found = Some(key);
        }
    }
    found
        .map(|key| Principal { tenant: key.tenant.to_owned(), role: key.role })
        .ok_or_else(|| unauthorized("the API key is not valid"))
}

/// `Unauthorized` with status 401.
fn unauthorized(message: &str) -> Error {
    Error::Unauthorized { status: 401, message: message.to_owned() }
}

/// The configured form of an API key's hash: `sha256:<hex>` of its bytes.
pub fn hash_key(key: &str) -> String {
    format!("sha256:{}", hex(&Sha256::digest(key.as_bytes())))
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// Equality whose time depends only on the lengths.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// HMAC-SHA256 (RFC 2104) of the concatenated `parts` under `key`.
fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    for part in parts {
        inner.update(part);
    }
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// Checks an HS256 JWT and maps its claims to the caller.
fn verify_jwt(token: &str, secret: &[u8], now_ms: i64) -> Result<Principal> {
    let invalid = |why: &str| unauthorized(&format!("the token is not valid: {why}"));
    let mut parts = token.split('.');
    let (Some(head), Some(body), Some(signature)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid("not a JWT"));
    };
    let header: Value = decode_json(head).ok_or_else(|| invalid("unreadable header"))?;
    if header["alg"] != "HS256" {
        return Err(invalid("only HS256 tokens are accepted"));
    }
    let expected = hmac_sha256(secret, &[head.as_bytes(), b".", body.as_bytes()]);
    let given = base64url_decode(signature).ok_or_else(|| invalid("unreadable signature"))?;
    if !ct_eq(&expected, &given) {
        return Err(invalid("bad signature"));
    }
    let claims: Value = decode_json(body).ok_or_else(|| invalid("unreadable claims"))?;
    let now_s = now_ms.div_euclid(1000);
    match claims["exp"].as_f64() {
        Some(exp) if exp > now_s as f64 => {}
        Some(_) => return Err(unauthorized("the token has expired")),
        None => return Err(invalid("no `exp` claim")),
    }
    if claims["nbf"].as_f64().is_some_and(|nbf| nbf > now_s as f64) {
        return Err(invalid("not valid yet (`nbf`)"));
    }
    let tenant = claims["tenant"].as_str().filter(|t| keys::valid_name(t)).ok_or_else(|| {
        invalid("the `tenant` claim must name a tenant (1-64 of A-Z a-z 0-9 _ -, not starting with _)")
    })?;
    let role = match claims["role"].as_str() {
        None | Some("user") => Role::User,
        Some("admin") => Role::Admin,
        Some(_) => return Err(invalid("`role` must be `admin` or `user`")),
    };
    Ok(Principal { tenant: tenant.to_owned(), role })
}

/// An HS256 JWT of `claims` under `secret` (the local CLI's `nl2sql key token`, tests).
pub fn sign_jwt(claims: &Value, secret: &[u8]) -> String {
    let head = base64url_encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let body = base64url_encode(claims.to_string().as_bytes());
    let signature = hmac_sha256(secret, &[head.as_bytes(), b".", body.as_bytes()]);
    format!("{head}.{body}.{}", base64url_encode(&signature))
}

fn decode_json(part: &str) -> Option<Value> {
    serde_json::from_slice(&base64url_decode(part)?).ok()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Unpadded base64url (RFC 4648 §5).
fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(B64[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

/// Decodes unpadded (or padded) base64url; `None` for anything else.
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=').as_bytes();
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            let v = B64.iter().position(|b| b == c)? as u32;
            n |= v << (18 - 6 * i);
        }
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    Some(out)
}

/// Checks `[security]`: key hashes well formed and distinct, tenants valid, a JWT secret of at least 32 bytes,
/// `require_auth` with a way to authenticate, rate limits that admit something.
pub fn validate(security: &Security) -> Result<()> {
    let bad = |msg: String| Err(Error::Config(msg));
    let mut hashes: Vec<String> = Vec::new();
    for (i, entry) in security.api_keys.iter().enumerate() {
        let Some(key) = parse_key(entry.expose()) else {
            // The entry is not echoed: it may be a key pasted where its hash belongs.
            return bad(format!(
                "security.api_keys[{i}] must be \"<tenant>:<admin|user>:sha256:<64 hex digits>\" (`nl2sql key new` \
                 prints one; tenants are 1-64 of A-Z a-z 0-9 _ -, not starting with _), never the key itself"
            ));
        };
        let hash = key.hash.to_ascii_lowercase();
        if hashes.contains(&hash) {
            return bad(format!("security.api_keys[{i}] repeats the hash of an earlier key"));
        }
        hashes.push(hash);
    }
    let secret = security.jwt_secret.expose();
    if !secret.is_empty() && secret.len() < 32 {
        return bad("security.jwt_secret must be at least 32 bytes (HS256 needs a 256-bit key)".into());
    }
    if security.require_auth && security.api_keys.is_empty() && secret.is_empty() {
        return bad("security.require_auth is on but neither security.api_keys nor security.jwt_secret is set".into());
    }
    if security.rate_limit_per_client > 0 && security.rate_limit_burst == 0 {
        return bad("security.rate_limit_burst must be at least 1 when rate_limit_per_client is set".into());
    }
    for (i, entry) in security.tenant_limits.iter().enumerate() {
        match crate::limits::parse_limit(entry) {
            Some((tenant, rate, burst)) if keys::valid_name(tenant) && (rate == 0 || burst > 0) => {}
            _ => {
                return bad(format!(
                    "security.tenant_limits[{i}] `{entry}` must be \"<tenant>:<requests per minute>:<burst>\", \
                     burst at least 1 (e.g. \"acme:600:50\")"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn security() -> Security {
        Security {
            api_keys: vec![
                Secret::new(format!("alpha:admin:{}", hash_key("alpha-admin"))),
                Secret::new(format!("beta:user:{}", hash_key("beta-user"))),
            ],
            jwt_secret: Secret::new(SECRET),
            ..Security::default()
        }
    }

    fn headers(pairs: &[(&str, &str)]) -> Request {
        let mut request = Request::new("GET", "/api/nl2sql/databases", Vec::new());
        request.headers = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        request
    }

    fn status(result: Result<Principal>) -> u16 {
        result.expect_err("refused").status()
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        let case2 = hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(hex(&case2), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        let case6 = hmac_sha256(&[0xaa; 131], &[b"Test Using Larger Than Block-Size Key - Hash Key First"]);
        assert_eq!(hex(&case6), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }

    #[test]
    fn base64url_round_trips() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 250) as u8).collect();
            assert_eq!(base64url_decode(&base64url_encode(&bytes)).as_deref(), Some(&bytes[..]), "{len}");
        }
        assert_eq!(base64url_encode(b"any carnal pleas"), "YW55IGNhcm5hbCBwbGVhcw");
        assert_eq!(base64url_decode("a"), None);
        assert_eq!(base64url_decode("ab+/"), None, "standard alphabet is not base64url");
    }

    #[test]
    fn keys_map_to_tenant_and_role() {
        let s = security();
        let bearer = authenticate(&headers(&[("Authorization", "Bearer alpha-admin")]), &s, 0).expect("valid");
        assert_eq!(bearer, Principal { tenant: "alpha".into(), role: Role::Admin });
        let header = authenticate(&headers(&[("x-api-key", "beta-user")]), &s, 0).expect("valid");
        assert_eq!(header, Principal { tenant: "beta".into(), role: Role::User });
        assert_eq!(status(authenticate(&headers(&[("x-api-key", "beta-user2")]), &s, 0)), 401);
        // Behind an AWS_IAM Function URL, Authorization carries the SigV4 signature and the key comes as X-API-Key.
        let sigv4 = [("Authorization", "AWS4-HMAC-SHA256 Credential=AKIA/x, Signature=ab"), ("X-API-Key", "beta-user")];
        assert_eq!(authenticate(&headers(&sigv4), &s, 0).expect("valid").tenant, "beta");
        assert_eq!(status(authenticate(&headers(&[]), &s, 0)), 401);
        assert_eq!(status(authenticate(&headers(&[("authorization", "Basic YWxwaGE=")]), &s, 0)), 401);
        let off = authenticate(&headers(&[]), &Security::default(), 0).expect("auth off");
        assert_eq!(off, Principal::local(DEFAULT_TENANT));
    }

    #[test]
    fn jwts_are_checked_for_signature_expiry_and_claims() {
        let s = security();
        let now_ms = 1_800_000_000_000;
        let token = |claims: Value, secret: &str| sign_jwt(&claims, secret.as_bytes());
        let check = |t: String| authenticate(&headers(&[("authorization", &format!("Bearer {t}"))]), &s, now_ms);
        let good =
            token(serde_json::json!({"sub": "u1", "tenant": "gamma", "role": "admin", "exp": 1_800_000_060}), SECRET);
        assert_eq!(check(good.clone()).expect("valid"), Principal { tenant: "gamma".into(), role: Role::Admin });
        let user = token(serde_json::json!({"tenant": "gamma", "exp": 1_800_000_060}), SECRET);
        assert_eq!(check(user).expect("valid").role, Role::User, "role defaults to user");
        let expired = token(serde_json::json!({"tenant": "gamma", "exp": 1_800_000_000}), SECRET);
        assert!(check(expired).expect_err("expired").to_string().contains("expired"));
        let forged =
            token(serde_json::json!({"tenant": "gamma", "exp": 1_800_000_060}), "another-secret-of-32-bytes-length");
        assert_eq!(status(check(forged)), 401);
        let no_exp = token(serde_json::json!({"tenant": "gamma"}), SECRET);
        assert_eq!(status(check(no_exp)), 401);
        let bad_tenant = token(serde_json::json!({"tenant": "_x", "exp": 1_800_000_060}), SECRET);
        assert_eq!(status(check(bad_tenant)), 401);
        let not_yet = token(serde_json::json!({"tenant": "g", "exp": 1_800_000_060, "nbf": 1_800_000_030}), SECRET);
        assert_eq!(status(check(not_yet)), 401);
        // alg=none with the signature stripped, and a tampered payload.
        let parts: Vec<&str> = good.split('.').collect();
        let none = format!("{}.{}.", base64url_encode(br#"{"alg":"none"}"#), parts[1]);
        assert_eq!(status(check(none)), 401);
        let tampered = base64url_encode(br#"{"tenant":"alpha","role":"admin","exp":1800000060}"#);
        assert_eq!(status(check(format!("{}.{tampered}.{}", parts[0], parts[2]))), 401);
    }

    #[test]
    fn configuration_is_validated() {
        let mut s = security();
        assert!(validate(&s).is_ok());
        s.api_keys[0] = Secret::new("alpha:admin:alpha-admin");
        let err = validate(&s).expect_err("raw key").to_string();
        assert!(err.contains("api_keys[0]") && !err.contains("alpha-admin"), "{err}");
        let mut s = security();
        s.api_keys[1] =
            Secret::new(format!("beta:user:{}", hash_key("alpha-admin").to_uppercase().replace("SHA256", "sha256")));
        assert!(validate(&s).is_err(), "repeated hash, whatever its case");
        let mut s = security();
        s.api_keys[0] = Secret::new(format!("a#b:admin:{}", hash_key("x")));
        assert!(validate(&s).is_err(), "tenant with #");
        let mut s = security();
        s.tenant_limits = vec!["acme:10:0".into()];
        assert!(validate(&s).is_err(), "tenant burst 0");
        s.tenant_limits = vec!["acme:10".into()];
        assert!(validate(&s).is_err(), "no burst");
        s.tenant_limits = vec!["acme:10:5".into(), "beta:0:0".into()];
        assert!(validate(&s).is_ok(), "rate 0 turns the limit off");
        let s = Security { jwt_secret: Secret::new("short"), ..Security::default() };
        assert!(validate(&s).is_err(), "short secret");
        let mut s = security();
        s.api_keys[0] = Secret::new(format!("alpha:root:{}", hash_key("x")));
        assert!(validate(&s).is_err(), "unknown role");
        let s = Security { require_auth: true, ..Security::default() };
        assert!(validate(&s).is_err(), "require_auth without keys");
        let s = Security { rate_limit_burst: 0, ..Security::default() };
        assert!(validate(&s).is_err(), "burst 0");
    }
}
