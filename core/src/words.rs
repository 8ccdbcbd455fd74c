//! English words shared by everything that matches questions against schemas: identifier splitting
//! (`snake_case`, `camelCase`, `PascalCase`), singular forms, a light stemmer, a small map of generic synonyms
//! and the stop words that never name data.
//!
//! Why one module: the offline translator and the schema linker must agree on what a word of a schema is,
//! otherwise a question the translator understands could be linked to the wrong tables. Nothing here knows any
//! particular schema; every list is plain English.

/// Splits an identifier into lower-case words: `InvoiceLine` → `invoice line`, `customer_id` → `customer id`,
/// `HTTPServer2` → `http server 2`.
pub fn split_ident(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            flush(&mut current, &mut words);
            continue;
        }
        if let Some(&prev) = i.checked_sub(1).and_then(|p| chars.get(p)) {
            let next = chars.get(i + 1).copied();
            let boundary = (prev.is_lowercase() && c.is_uppercase())
                || (prev.is_alphanumeric() && prev.is_alphabetic() != c.is_alphabetic())
                || (prev.is_uppercase() && c.is_uppercase() && next.is_some_and(char::is_lowercase));
            if boundary {
                flush(&mut current, &mut words);
            }
        }
        current.extend(c.to_lowercase());
    }
    flush(&mut current, &mut words);
    words
}

fn flush(current: &mut String, words: &mut Vec<String>) {
    if !current.is_empty() {
        words.push(std::mem::take(current));
    }
}

/// The singular of a lower-case English noun; only has to map a plural and its singular to the same word.
pub fn singular(word: &str) -> String {
    const IRREGULAR: &[(&str, &str)] = &[
        ("people", "person"),
        ("men", "man"),
        ("women", "woman"),
        ("children", "child"),
        ("mice", "mouse"),
        ("feet", "foot"),
        ("teeth", "tooth"),
        ("indices", "index"),
        ("criteria", "criterion"),
        ("series", "series"),
        ("species", "species"),
        ("movies", "movie"),
        ("cookies", "cookie"),
        ("news", "news"),
    ];
    if let Some((_, one)) = IRREGULAR.iter().find(|(many, _)| *many == word) {
        return (*one).to_owned();
    }
    // Every suffix tested below is ASCII, so slicing it off stays on a char boundary.
    let cut = |n: usize| word[..word.len() - n].to_owned();
    if word.chars().count() <= 2 || !word.ends_with('s') {
        word.to_owned()
    } else if word.len() > 4 && word.ends_with("ies") {
        format!("{}y", cut(3))
    } else if ["sses", "xes", "ches", "shes", "zzes"].iter().any(|e| word.ends_with(e)) {
        cut(2)
    } else if ["ss", "us", "is"].iter().any(|e| word.ends_with(e)) {
        word.to_owned()
    } else {
        cut(1)
    }
}

/// The singular lower-case words of an identifier.
pub fn words_of(name: &str) -> Vec<String> {
    split_ident(name).iter().map(|w| singular(w)).collect()
}

/// A light stem of a lower-case singular word: one common English suffix removed, so that `employee`,
/// `employer` and `employed` meet at `employ`, `located` and `location` at `locat`. Words of four letters or
/// fewer, and anything not ASCII, are returned unchanged. It only has to map related words together; the
/// stems are not English.
pub fn stem(word: &str) -> String {
    const SUFFIXES: &[&str] = &[
        "ational", "ization", "fulness", "ousness", "iveness", "ments", "ment", "ness", "ings", "ing", "ions", "ion",
        "ities", "ity", "ical", "ally", "edly", "ers", "er", "ors", "or", "ies", "ied", "ed", "ee", "ly", "ive", "ic",
        "al", "ous", "ful", "est", "es", "e", "y",
    ];
    if word.len() <= 4 || !word.is_ascii() {
        return word.to_owned();
    }
    for suffix in SUFFIXES {
        if let Some(base) = word.strip_suffix(suffix)
            && base.len() >= 3
        {
            // `running` → `run`, `planned` → `plan`: a doubled final consonant is undone; `manage(ment)` →
            // `manag`, like `manager`.
            let bytes = base.as_bytes();
            let n = bytes.len();
            if n >= 4 && (bytes[n - 1] == bytes[n - 2] && !b"aeiouls".contains(&bytes[n - 1]) || bytes[n - 1] == b'e') {
                return base[..n - 1].to_owned();
            }
            return base.to_owned();
        }
    }
    word.to_owned()
}

/// Groups of generic English words that name the same kind of thing. Every word is lower-case and singular;
/// the map knows no schema.
const SYNONYMS: &[&[&str]] = &[
    &["employee", "staff", "worker", "personnel", "employ"],
    &["customer", "client", "buyer", "purchaser", "consumer"],
    &["salary", "pay", "wage", "income", "earning", "paid"],
    &["city", "town"],
    &["country", "nation", "nationality"],
    &["movie", "film"],
    &["car", "vehicle", "automobile", "auto"],
    &["student", "pupil"],
    &["teacher", "instructor", "lecturer", "tutor", "faculty"],
    &["price", "cost", "fee", "charge", "expensive", "cheap", "cheapest"],
    &["age", "old", "older", "oldest", "young", "younger", "youngest"],
    &["birth", "born", "birthday"],
    &["height", "tall", "taller", "tallest"],
    &["weight", "heavy", "heavier", "heaviest"],
    &["length", "long", "longer", "longest"],
    &["duration", "long", "longer", "longest"],
    &["song", "track", "tune"],
    &["singer", "vocalist"],
    &["artist", "musician", "performer", "band", "bandmate"],
    &["author", "writer"],
    &["company", "firm", "business", "enterprise", "corporation"],
    &["address", "location", "place"],
    &["phone", "telephone"],
    &["email", "mail", "e-mail"],
    &["gender", "sex", "male", "female", "man", "woman"],
    &["product", "item", "good", "merchandise"],
    &["shop", "store"],
    &["game", "match"],
    &["team", "club"],
    &["player", "athlete"],
    &["doctor", "physician"],
    &["manager", "boss", "supervisor"],
    &["head", "chief", "director", "leader"],
    &["rank", "ranking", "position"],
    &["score", "point"],
    &["begin", "start"],
    &["end", "finish"],
    &["population", "populous", "inhabitant"],
    &["area", "size", "surface"],
    &["capacity", "seat"],
    &["amount", "quantity"],
    &["order", "purchase"],
    &["ship", "vessel"],
    &["flight", "plane", "aircraft", "airplane", "airline"],
    &["trip", "journey", "voyage"],
    &["book", "publication", "volume"],
    &["job", "occupation", "profession"],
    &["image", "picture", "photo"],
    &["speed", "fast", "faster", "fastest"],
    &["building", "edifice"],
    &["wealth", "rich", "richest", "money", "worth"],
    &["attendance", "attendee", "spectator", "audience"],
    &["budget", "fund", "funding"],
    &["description", "detail", "desc"],
    &["school", "college", "university"],
    &["hospital", "clinic"],
    &["county", "district", "region"],
    &["member", "membership"],
    &["owner", "own", "owned"],
];

/// Synonyms of a lower-case singular word (the word itself left out).
pub fn synonyms(word: &str) -> impl Iterator<Item = &'static str> + '_ {
    SYNONYMS
        .iter()
        .filter(move |group| group.contains(&word))
        .flat_map(|group| group.iter().copied())
        .filter(move |w| *w != word)
}

/// Words that never name a table, a column or a value on their own.
pub const FUNCTION_WORDS: &[&str] = &[
    "a", "about", "above", "after", "all", "also", "among", "an", "and", "any", "are", "as", "at", "be", "been",
    "before", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "each", "equal", "every",
    "for", "from", "get", "give", "had", "has", "have", "her", "his", "how", "i", "if", "in", "into", "is", "it",
    "its", "least", "less", "list", "many", "me", "more", "most", "much", "my", "no", "not", "of", "on", "only", "or",
    "our", "over", "per", "please", "show", "so", "than", "that", "the", "their", "them", "then", "there", "these",
    "they", "this", "those", "to", "under", "up", "us", "was", "we", "were", "what", "when", "where", "which", "who",
    "whom", "whose", "why", "will", "with", "would", "you", "your",
];

/// Words that say what to compute or how to present it, rather than naming data.
pub const QUERY_WORDS: &[&str] = &[
    "average",
    "avg",
    "mean",
    "sum",
    "total",
    "count",
    "number",
    "maximum",
    "max",
    "minimum",
    "min",
    "highest",
    "lowest",
    "top",
    "first",
    "sorted",
    "ordered",
    "sort",
    "order",
    "descending",
    "ascending",
    "desc",
    "asc",
    "find",
    "display",
    "return",
    "tell",
    "fetch",
    "see",
    "want",
    "need",
    "know",
    "name",
    "names",
    "exactly",
    "greater",
    "fewer",
    "fewest",
    "higher",
    "lower",
    "largest",
    "smallest",
    "biggest",
    "greatest",
    "along",
    "together",
    "grouped",
    "alphabetically",
    "alphabetical",
    "there",
    "exist",
    "existing",
    "named",
    "called",
];

/// Whether `word` (lower case) is a function word.
pub fn is_function_word(word: &str) -> bool {
    FUNCTION_WORDS.contains(&word)
}

/// Whether `word` (lower case) is a function word or a query word.
pub fn is_stop_word(word: &str) -> bool {
    FUNCTION_WORDS.contains(&word) || QUERY_WORDS.contains(&word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_split_into_words() {
        assert_eq!(split_ident("InvoiceLine"), ["invoice", "line"]);
        assert_eq!(split_ident("customer_id"), ["customer", "id"]);
        assert_eq!(split_ident("CustomerID"), ["customer", "id"]);
        assert_eq!(split_ident("HTTPServer2"), ["http", "server", "2"]);
        assert_eq!(split_ident("order-items"), ["order", "items"]);
        assert_eq!(split_ident("firstName"), ["first", "name"]);
    }

    #[test]
    fn plurals_become_singular() {
        for (many, one) in [
            ("tracks", "track"),
            ("countries", "country"),
            ("boxes", "box"),
            ("addresses", "address"),
            ("matches", "match"),
            ("people", "person"),
            ("status", "status"),
            ("ids", "id"),
            ("media", "media"),
            ("movies", "movie"),
        ] {
            assert_eq!(singular(many), one, "{many}");
            assert_eq!(singular(one), one, "{one}");
        }
    }

    #[test]
    fn related_words_share_a_stem() {
        for group in [
            &["employee", "employer", "employed", "employment"][..],
            &["location", "located"],
            &["manager", "managed", "management"],
            &["visitor", "visit", "visiting"],
            &["planned", "plan"],
        ] {
            let stems: Vec<String> = group.iter().map(|w| stem(w)).collect();
            assert!(stems.iter().all(|s| *s == stems[0]), "{group:?} → {stems:?}");
        }
        assert_eq!(stem("city"), "city");
    }

    #[test]
    fn synonyms_are_symmetric() {
        assert!(synonyms("staff").any(|w| w == "employee"));
        assert!(synonyms("employee").any(|w| w == "worker"));
        assert!(synonyms("client").any(|w| w == "customer"));
        assert_eq!(synonyms("zebra").count(), 0);
    }
}
