//! Translation caches in the store, per tenant and database: an exact layer (the normalised question, the
//! schema's fingerprint, the dialect and the provider/model, hashed) and a semantic layer (the question's
//! embedding against earlier ones, a hit at or above `similarity_threshold`). A hit never calls a provider. The
//! fingerprint is part of both keys, so a schema change makes every earlier entry miss.
//!
//! Store items ([`crate::keys`], kind `cache` in the database's partition): `<sha256>` holds one answer with
//! the `cache_ttl` expiry; `~semantic` holds the semantic index — the latest [`SEMANTIC_ENTRIES`] questions' vectors and
//! their exact keys, also with the TTL. Embeddings come from [`embed`], a local hashed n-gram vectoriser
//! (no provider call, deterministic, the same on every host).

use crate::error::Result;
use crate::keys;
use crate::ports::{Ports, Precondition};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Dimensions of [`embed`]'s vectors.
pub const DIMENSIONS: usize = 128;
/// The semantic index's id among the cache items (exact keys are hex, so it cannot collide).
const SEMANTIC_INDEX: &str = "~semantic";
/// Questions the semantic index keeps per database (the oldest go first).
pub const SEMANTIC_ENTRIES: usize = 200;

/// The question as the caches compare it: lower case, words only, single spaces.
pub fn normalize(question: &str) -> String {
    question
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// What an answer depends on besides the question.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// Tenant.
    pub tenant: &'a str,
    /// Database name.
    pub database: &'a str,
    /// The schema's fingerprint.
    pub fingerprint: &'a str,
    /// Dialect name.
    pub dialect: &'a str,
    /// Provider and model (`offline`, `openai/gpt-4o-mini`).
    pub provider: &'a str,
}

impl Scope<'_> {
    fn key(&self, id: &str) -> (String, String) {
        keys::key(self.tenant, keys::Scope::Database(self.database), keys::Kind::Cache, id)
    }

    /// The exact layer's key of `normalized`.
    pub fn exact_key(&self, normalized: &str) -> String {
        let mut h = Sha256::new();
        for part in [normalized, self.fingerprint, self.dialect, self.provider] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A local embedding: word unigrams and character trigrams of the normalised text hashed into
/// [`DIMENSIONS`] buckets, L2-normalised. Paraphrases that share words and stems land close; it needs no model.
pub fn embed(text: &str) -> Vec<f32> {
    let normalized = normalize(text);
    let mut v = vec![0f32; DIMENSIONS];
    let mut bump = |feature: &str, weight: f32| {
        let h = feature.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        v[(h % DIMENSIONS as u64) as usize] += weight;
    };
    let words: Vec<&str> = normalized.split(' ').filter(|w| !w.is_empty() && !STOP.contains(w)).collect();
    for (i, word) in words.iter().enumerate() {
        bump(word, 1.0);
        // Word pairs keep some order: "albums per artist" is not "artists per album".
        if let Some(next) = words.get(i + 1) {
            bump(&format!("{word} {next}"), 1.0);
        }
        let padded = format!(" {word} ");
        let chars: Vec<char> = padded.chars().collect();
        for gram in chars.windows(3) {
            bump(&gram.iter().collect::<String>(), 0.5);
        }
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    v
}

/// Words too common to tell questions apart.
const STOP: &[&str] = &[
    "the", "a", "an", "of", "in", "for", "to", "is", "are", "was", "were", "be", "been", "do", "does", "did", "has",
    "have", "had", "got", "get", "what", "which", "me", "show", "list", "give", "tell", "please", "and", "by", "with",
    "on", "all", "there", "that", "this", "can", "you", "i", "we",
];

/// Cosine similarity of two unit vectors.
pub fn similarity(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct SemanticIndex {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    /// Exact key of the cached answer.
    key: String,
    fingerprint: String,
    dialect: String,
    provider: String,
    /// The vector, components rounded to 1/1000 to keep the item small.
    v: Vec<f32>,
}

/// A cache hit.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// `exact` or `semantic`.
    pub layer: &'static str,
    /// The cached answer.
    pub answer: Value,
    /// Similarity of the semantic match (1 for exact).
    pub similarity: f32,
}

/// Looks `question` up: the exact layer first, then (when `threshold` is given) the semantic one.
pub async fn lookup(
    ports: &Ports<'_>,
    scope: &Scope<'_>,
    question: &str,
    threshold: Option<f32>,
) -> Result<Option<Hit>> {
    let normalized = normalize(question);
    let (pk, sk) = scope.key(&scope.exact_key(&normalized));
    if let Some(item) = ports.store.get(&pk, &sk).await?
        && let Ok(answer) = serde_json::from_str(&item.value)
    {
        return Ok(Some(Hit { layer: "exact", answer, similarity: 1.0 }));
    }
    let Some(threshold) = threshold else { return Ok(None) };
    let (pk, index_sk) = scope.key(SEMANTIC_INDEX);
    let Some(item) = ports.store.get(&pk, &index_sk).await? else { return Ok(None) };
    let index: SemanticIndex = serde_json::from_str(&item.value).unwrap_or_default();
    let vector = embed(question);
    let best = index
        .entries
        .iter()
        .filter(|e| e.fingerprint == scope.fingerprint && e.dialect == scope.dialect && e.provider == scope.provider)
        .map(|e| (similarity(&vector, &e.v), e))
        .filter(|(s, _)| *s >= threshold)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let Some((similarity, entry)) = best else { return Ok(None) };
    let (pk, sk) = scope.key(&entry.key);
    match ports.store.get(&pk, &sk).await? {
        Some(item) => {
            Ok(serde_json::from_str(&item.value).ok().map(|answer| Hit { layer: "semantic", answer, similarity }))
        }
        None => Ok(None),
    }
}

/// Stores `answer` for `question` in both layers with `ttl_s` seconds to live.
pub async fn store(ports: &Ports<'_>, scope: &Scope<'_>, question: &str, answer: &Value, ttl_s: u64) -> Result<()> {
    let normalized = normalize(question);
    let key = scope.exact_key(&normalized);
    let expires = ports.clock.now_ms() / 1000 + i64::try_from(ttl_s).unwrap_or(i64::MAX / 2);
    let (pk, sk) = scope.key(&key);
    ports.store.put(&pk, &sk, &answer.to_string(), Precondition::None, Some(expires)).await?;
    let (pk, index_sk) = scope.key(SEMANTIC_INDEX);
    let mut index: SemanticIndex = match ports.store.get(&pk, &index_sk).await? {
        Some(item) => serde_json::from_str(&item.value).unwrap_or_default(),
        None => SemanticIndex::default(),
    };
    index.entries.retain(|e| e.key != key && e.fingerprint == scope.fingerprint);
    let v = embed(question).into_iter().map(|x| (x * 1000.0).round() / 1000.0).collect();
    index.entries.push(Entry {
        key,
        fingerprint: scope.fingerprint.to_owned(),
        dialect: scope.dialect.to_owned(),
        provider: scope.provider.to_owned(),
        v,
    });
    if index.entries.len() > SEMANTIC_ENTRIES {
        let excess = index.entries.len() - SEMANTIC_ENTRIES;
        index.entries.drain(..excess);
    }
    let text = serde_json::to_string(&index).unwrap_or_default();
    // Last write wins: two answers stored at once may drop one from the semantic index, never corrupt it.
    ports.store.put(&pk, &index_sk, &text, Precondition::None, Some(expires)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;
    use crate::memory::{ManualClock, MemoryStore};
    use futures_executor::block_on;
    use serde_json::json;
    use std::sync::Arc;

    fn scope<'a>(fingerprint: &'a str) -> Scope<'a> {
        Scope { tenant: "t", database: "music", fingerprint, dialect: "sqlite", provider: "offline" }
    }

    #[test]
    fn exact_then_semantic_then_a_schema_change_misses() {
        let clock = Arc::new(ManualClock::new(1_800_000_000_000));
        let memory = MemoryStore::new(clock.clone());
        let config = Config::default();
        let ports = crate::memory::ports(&config, &memory, clock.as_ref());
        let answer = json!({"sql": "SELECT COUNT(*) FROM Album"});
        let q = "How many albums does each artist have?";
        block_on(store(&ports, &scope("f1"), q, &answer, 3600)).expect("store");

        let hit = block_on(lookup(&ports, &scope("f1"), "how many ALBUMS does each artist have", Some(0.85)))
            .expect("lookup");
        assert_eq!(hit.as_ref().map(|h| h.layer), Some("exact"), "normalisation makes it the same question");
        let hit =
            block_on(lookup(&ports, &scope("f1"), "How many albums has each artist got?", Some(0.85))).expect("lookup");
        let hit = hit.expect("a paraphrase is a semantic hit");
        assert_eq!((hit.layer, &hit.answer), ("semantic", &answer));
        assert!(hit.similarity >= 0.85, "{}", hit.similarity);
        let unrelated =
            block_on(lookup(&ports, &scope("f1"), "Average invoice total per country", Some(0.85))).expect("lookup");
        assert!(unrelated.is_none());
        assert!(block_on(lookup(&ports, &scope("f2"), q, Some(0.85))).expect("lookup").is_none(), "schema changed");
        assert!(
            block_on(lookup(&ports, &Scope { provider: "openai/m", ..scope("f1") }, q, Some(0.85)))
                .expect("lookup")
                .is_none()
        );

        clock.advance(3_601_000);
        assert!(block_on(lookup(&ports, &scope("f1"), q, Some(0.85))).expect("lookup").is_none(), "expired");
    }

    #[test]
    fn embeddings_are_unit_vectors_and_deterministic() {
        let v = embed("Which customers live in Paris?");
        assert_eq!(v.len(), DIMENSIONS);
        assert!((similarity(&v, &v) - 1.0).abs() < 1e-5);
        assert_eq!(v, embed("which customers LIVE in paris"));
        assert!(embed("").iter().all(|x| *x == 0.0));
        let s = |a: &str, b: &str| similarity(&embed(a), &embed(b));
        assert!(
            s("Number of albums per artist", "Number of artists per album") < 0.85,
            "{}",
            s("Number of albums per artist", "Number of artists per album")
        );
        assert!(s("List the customers in Paris", "Show me all customers in Paris") > 0.95);
    }
}
