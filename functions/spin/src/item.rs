//! How the [`Store`](nl2sql_core::ports::Store) port's items sit in Spin key-value (see [`crate::kv`]): the key
//! of an item and the bytes of its value. Pure, so it is tested on every target.

use nl2sql_core::ports::Item;
use nl2sql_core::{Error, Result};

/// The KV key of an item.
pub(crate) fn key(pk: &str, sk: &str) -> String {
    format!("{}:{pk}{sk}", pk.len())
}

pub(crate) fn live(item: &Item, now_s: i64) -> bool {
    item.expires_at.is_none_or(|at| at > now_s)
}

/// `<version> <expires_at|->\n<value>`.
pub(crate) fn encode(version: u64, expires_at: Option<i64>, value: &str) -> Vec<u8> {
    let expires = expires_at.map_or_else(|| "-".to_owned(), |at| at.to_string());
    let mut out = format!("{version} {expires}\n").into_bytes();
    out.extend_from_slice(value.as_bytes());
    out
}

pub(crate) fn decode(key: &str, bytes: Vec<u8>) -> Result<Item> {
    let corrupt = |what: &str| Error::Store(format!("{key}: stored value is not an nl2sql item ({what})"));
    let text = String::from_utf8(bytes).map_err(|_| corrupt("not UTF-8"))?;
    let (header, value) = text.split_once('\n').ok_or_else(|| corrupt("no header"))?;
    let (version, expires) = header.split_once(' ').ok_or_else(|| corrupt("bad header"))?;
    let version = version.parse().map_err(|_| corrupt("bad version"))?;
    let expires_at = match expires {
        "-" => None,
        at => Some(at.parse().map_err(|_| corrupt("bad expiry"))?),
    };
    Ok(Item { value: value.to_owned(), version, expires_at })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_partitions_apart() {
        assert_eq!(key("t#db", "stats#a"), "4:t#dbstats#a");
        // Partition `t#d` with sort key `bstats#a` is a different key from partition `t#db`, sort key `stats#a`.
        assert_ne!(key("t#d", "bstats#a"), key("t#db", "stats#a"));
        assert!(!key("t#dbx", "k").starts_with(&key("t#db", "")));
    }

    #[test]
    fn items_expire_at_their_second() {
        let item = |expires_at| Item { value: String::new(), version: 1, expires_at };
        assert!(live(&item(None), 1_000));
        assert!(live(&item(Some(1_001)), 1_000));
        assert!(!live(&item(Some(1_000)), 1_000), "an item is gone at its expiry second");
    }

    #[test]
    fn values_round_trip_with_their_header() {
        let odd = "línea\n\"quoted\" \u{0} 🦀";
        for (version, expires_at) in [(1, None), (42, Some(1_700_000_000)), (7, Some(-5))] {
            let item = decode("k", encode(version, expires_at, odd)).expect("decodes");
            assert_eq!(item, Item { value: odd.to_owned(), version, expires_at });
        }
        assert!(matches!(decode("k", b"no header".to_vec()), Err(Error::Store(_))));
        assert!(matches!(decode("k", b"x -\nv".to_vec()), Err(Error::Store(_))));
        assert!(matches!(decode("k", vec![0xff, b'\n']), Err(Error::Store(_))));
    }
}
