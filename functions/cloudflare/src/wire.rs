//! The one piece of request parsing the Worker does itself (platform-free, tested on the host).

/// The path and the raw query (without `?`, empty when absent) of an absolute URL as workerd gives it
/// (`https://host/path?query`); a fragment is dropped.
pub fn path_and_query(url: &str) -> (&str, &str) {
    let url = url.split_once('#').map_or(url, |(before, _)| before);
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path_and_query = after_scheme.find(['/', '?']).map_or("", |at| &after_scheme[at..]);
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    (if path.is_empty() { "/" } else { path }, query)
}

#[cfg(test)]
mod tests {
    use super::path_and_query;

    #[test]
    fn urls_split_into_path_and_raw_query() {
        let cases = [
            ("https://nl2sql.example.workers.dev/api/nl2sql/databases", ("/api/nl2sql/databases", "")),
            (
                "http://127.0.0.1:8787/x/skeleton?question=How+many%3F&budget=5",
                ("/x/skeleton", "question=How+many%3F&budget=5"),
            ),
            ("http://localhost:8787", ("/", "")),
            ("http://localhost:8787?a=1", ("/", "a=1")),
            ("http://h/p%2Fq?x=/y?z#frag", ("/p%2Fq", "x=/y?z")),
        ];
        for (url, expected) in cases {
            assert_eq!(path_and_query(url), expected, "{url}");
        }
    }
}
