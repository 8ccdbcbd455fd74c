//! Golden examples: question/SQL pairs a tenant vouches for (`POST /api/nl2sql/golden`), retrieved by
//! similarity to a new question as few-shot examples for the model.
//!
//! Store items ([`crate::keys`], kind `golden` in the database's partition): the SHA-256 of the normalised
//! question, one per example, so re-posting a question replaces its SQL.

use crate::cache::{embed, normalize, similarity};
use crate::error::{Error, Result};
use crate::keys;
use crate::order::LeanSort as _;
use crate::ports::{Ports, Precondition};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    /// The question.
    pub question: String,
    /// Its SQL.
    pub sql: String,
}

fn key(tenant: &str, database: &str, question: &str) -> (String, String) {
    let digest = Sha256::digest(normalize(question).as_bytes());
    let id: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    keys::key(tenant, keys::Scope::Database(database), keys::Kind::Golden, &id)
}

/// Stores `example` for `tenant`'s `database` (the caller has checked the SQL).
pub async fn add(ports: &Ports<'_>, tenant: &str, database: &str, example: &Example) -> Result<()> {
    if example.question.trim().is_empty() || example.sql.trim().is_empty() {
        return Err(Error::bad_request("invalid_golden", "a golden example needs a question and its sql"));
    }
    let value = serde_json::to_string(example).map_err(|e| Error::Internal(e.to_string()))?;
    let (pk, sk) = key(tenant, database, &example.question);
    ports.store.put(&pk, &sk, &value, Precondition::None, None).await?;
    Ok(())
}

/// Every example of `tenant`'s `database`.
pub async fn all(ports: &Ports<'_>, tenant: &str, database: &str) -> Result<Vec<Example>> {
    let (pk, prefix) = keys::prefix(tenant, keys::Scope::Database(database), keys::Kind::Golden);
    let items = ports.store.list(&pk, &prefix).await?;
    Ok(items.iter().filter_map(|(_, item)| serde_json::from_str(&item.value).ok()).collect())
}

/// The `k` examples most similar to `question` (most similar first), those below `min_similarity` left out.
pub fn nearest(examples: &[Example], question: &str, k: usize, min_similarity: f32) -> Vec<Example> {
    let target = embed(question);
    let mut scored: Vec<(f32, &Example)> = examples
        .iter()
        .map(|e| (similarity(&target, &embed(&e.question)), e))
        .filter(|(s, _)| *s >= min_similarity)
        .collect();
    scored.lean_sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(k).map(|(_, e)| e.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(q: &str, sql: &str) -> Example {
        Example { question: q.into(), sql: sql.into() }
    }

    #[test]
    fn nearest_examples_come_first() {
        let examples = [
            ex("Total sales per country", "SELECT BillingCountry, SUM(Total) FROM Invoice GROUP BY 1"),
            ex(
                "How many tracks are longer than five minutes?",
                "SELECT COUNT(*) FROM Track WHERE Milliseconds > 300000",
            ),
            ex(
                "Sales per country in 2013",
                "SELECT BillingCountry, SUM(Total) FROM Invoice WHERE strftime('%Y', InvoiceDate) = '2013' GROUP BY 1",
            ),
        ];
        let got = nearest(&examples, "What are the total sales for each country?", 2, 0.2);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].question, "Total sales per country");
        assert!(got.iter().all(|e| !e.question.contains("tracks")));
    }
}
