//! PostgreSQL array literals as `pg_stats` prints them.

use crate::catalog::TypeClass;
use crate::stats::pgarray::{numbers, parse, values};
use serde_json::{Value, json};

fn some(items: &[&str]) -> Vec<Option<String>> {
    items.iter().map(|s| Some((*s).to_owned())).collect()
}

#[test]
fn quoted_unquoted_null_and_escapes() {
    assert_eq!(parse("{a,b}"), Some(some(&["a", "b"])));
    assert_eq!(
        parse(r#"{"b c","x,y",NULL,"NULL"}"#),
        Some(vec![Some("b c".into()), Some("x,y".into()), None, Some("NULL".into())])
    );
    assert_eq!(parse(r#"{"say \"hi\"","back\\slash"}"#), Some(some(&[r#"say "hi""#, r"back\slash"])));
    assert_eq!(parse("{}"), Some(vec![]));
    assert_eq!(parse("[0:1]={7,8}"), Some(some(&["7", "8"])));
    assert_eq!(parse(r#"{"{1,2}","{3}"}"#), Some(some(&["{1,2}", "{3}"])));
    assert_eq!(parse("{{1,2},{3,4}}"), Some(some(&["{1,2}", "{3,4}"])));
    assert_eq!(parse("{Rock,Latin,\"Alternative & Punk\"}").map(|v| v.len()), Some(3));
}

#[test]
fn malformed_text_is_not_an_array() {
    assert_eq!(parse("a,b"), None);
    assert_eq!(parse("{\"unterminated}"), None);
    assert_eq!(values(Some("nonsense"), TypeClass::Text), Vec::<Value>::new());
    assert_eq!(values(None, TypeClass::Text), Vec::<Value>::new());
}

#[test]
fn values_follow_the_column_class() {
    assert_eq!(values(Some("{1,25,NULL}"), TypeClass::Integer), [json!(1), json!(25), Value::Null]);
    assert_eq!(values(Some("{0.99,1.99}"), TypeClass::Numeric), [json!(0.99), json!(1.99)]);
    assert_eq!(values(Some("{1,25}"), TypeClass::Text), [json!("1"), json!("25")], "text stays text");
    assert_eq!(values(Some("{t,f}"), TypeClass::Boolean), [json!(true), json!(false)]);
    assert_eq!(
        values(Some(r#"{"2009-01-01 00:00:00","2013-12-22 00:00:00"}"#), TypeClass::Temporal),
        [json!("2009-01-01 00:00:00"), json!("2013-12-22 00:00:00")]
    );
    assert_eq!(values(Some("{NaN,1}"), TypeClass::Numeric), [json!("NaN"), json!(1)], "NaN is no JSON number");
    assert_eq!(numbers(Some("{0.370254,0.0382529}")), [0.370254, 0.0382529]);
}
