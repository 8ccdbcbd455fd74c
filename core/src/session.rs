//! Conversations: a `session_id` keeps the last turns (question, SQL, a short result summary) so a follow-up
//! ("only for 2024", "now by country") is translated with the previous SQL in context.
//!
//! Store item ([`crate::keys`]: kind `session` in the tenant's partition, id `<database>/<session id>`), expiring `session_timeout_minutes`
//! after its last turn. Session ids are the client's: letters, digits, `-` and `_`, at most 64.

use crate::error::{Error, Result};
use crate::ports::{Ports, Precondition};
use serde::{Deserialize, Serialize};

/// One exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Turn {
    /// The question as asked.
    pub question: String,
    /// The SQL answered.
    pub sql: String,
    /// A short summary of the result (row count, first values), when it was executed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
}

/// The turns of one session, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Turns, oldest first.
    pub turns: Vec<Turn>,
}

/// `id` if it is a valid session id, else a 400 `invalid_session_id`.
pub fn checked_id(id: &str) -> Result<&str> {
    if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(Error::bad_request("invalid_session_id", "session_id must be 1-64 letters, digits, '-' or '_'"));
    }
    Ok(id)
}

/// Sessions are the tenant's own items ([`crate::keys`]), one per database and id.
fn keys(tenant: &str, database: &str, id: &str) -> (String, String) {
    crate::keys::key(tenant, crate::keys::Scope::Tenant, crate::keys::Kind::Session, &format!("{database}/{id}"))
}

/// The session's turns (empty when new or expired).
pub async fn load(ports: &Ports<'_>, tenant: &str, database: &str, id: &str) -> Result<Session> {
    let (pk, sk) = keys(tenant, database, checked_id(id)?);
    Ok(match ports.store.get(&pk, &sk).await? {
        Some(item) => serde_json::from_str(&item.value).unwrap_or_default(),
        None => Session::default(),
    })
}

/// Appends `turn`, keeping the last `max_turns`, and renews the expiry.
pub async fn append(
    ports: &Ports<'_>,
    tenant: &str,
    database: &str,
    id: &str,
    turn: Turn,
    max_turns: usize,
    ttl_s: u64,
) -> Result<()> {
    let mut session = load(ports, tenant, database, id).await?;
    session.turns.push(turn);
    let excess = session.turns.len().saturating_sub(max_turns.max(1));
    session.turns.drain(..excess);
    let (pk, sk) = keys(tenant, database, id);
    let expires = ports.clock.now_ms() / 1000 + i64::try_from(ttl_s).unwrap_or(i64::MAX / 2);
    let value = serde_json::to_string(&session).map_err(|e| Error::Internal(e.to_string()))?;
    ports.store.put(&pk, &sk, &value, Precondition::None, Some(expires)).await?;
    Ok(())
}

/// The conversation as prompt context: each earlier question with its SQL, most recent last.
pub fn context(session: &Session) -> String {
    let mut out = String::new();
    for turn in &session.turns {
        out.push_str("Earlier question: ");
        out.push_str(&turn.question);
        out.push_str("\nIts SQL:\n");
        out.push_str(&turn.sql);
        if !turn.summary.is_empty() {
            out.push_str("\nResult: ");
            out.push_str(&turn.summary);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;
    use crate::memory::{ManualClock, MemoryStore};
    use futures_executor::block_on;
    use std::sync::Arc;

    #[test]
    fn keeps_the_last_turns_per_tenant_until_it_expires() {
        let clock = Arc::new(ManualClock::new(1_800_000_000_000));
        let memory = MemoryStore::new(clock.clone());
        let config = Config::default();
        let ports = crate::memory::ports(&config, &memory, clock.as_ref());
        for i in 0..4 {
            let turn = Turn { question: format!("q{i}"), sql: format!("SELECT {i}"), summary: String::new() };
            block_on(append(&ports, "a", "db", "s-1", turn, 3, 1800)).expect("append");
        }
        let session = block_on(load(&ports, "a", "db", "s-1")).expect("load");
        let questions: Vec<&str> = session.turns.iter().map(|t| t.question.as_str()).collect();
        assert_eq!(questions, ["q1", "q2", "q3"]);
        assert!(context(&session).ends_with("Earlier question: q3\nIts SQL:\nSELECT 3\n"));
        assert!(block_on(load(&ports, "b", "db", "s-1")).expect("load").turns.is_empty(), "other tenant");
        clock.advance(1_801_000);
        assert!(block_on(load(&ports, "a", "db", "s-1")).expect("load").turns.is_empty(), "expired");
        assert!(block_on(load(&ports, "a", "db", "../x")).is_err());
    }
}
