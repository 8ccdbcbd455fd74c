//! The browser playground's static files, served by `nl2sql serve` at `/`: the page (`wasm/playground/`) and the
//! built npm package it imports (`wasm/pkg/`, built by `wasm/build.sh`). Everything the page computes runs in the
//! browser; its only request to this server is the optional `POST /api/nl2sql/translate`.
//!
//! The files are read from a directory at request time, not embedded: the package is a build artefact of another
//! target (wasm32), which a `cargo build` of this binary cannot produce. The directory is `NL2SQL_PLAYGROUND_DIR`,
//! else the repository's `wasm/` when this binary was built from a checkout.

use std::path::{Path, PathBuf};

/// Where the playground's files are: `<root>/playground/` (the page) and `<root>/pkg/` (the package).
#[derive(Debug, Clone)]
pub(crate) struct Playground {
    root: PathBuf,
}

impl Playground {
    /// The configured directory, else the checkout's `wasm/` when it holds the page; `None` when neither does.
    pub(crate) fn find(configured: Option<PathBuf>) -> Option<Self> {
        let root = configured.unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../wasm"));
        root.join("playground/index.html").is_file().then_some(Self { root })
    }

    /// The directory served.
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// Whether the package (`pkg/`) has been built.
    pub(crate) fn has_package(&self) -> bool {
        self.root.join("pkg/nl2sql_wasm_bg.wasm").is_file()
    }

    /// The file for a GET of `path` and its content type: `/` is the page, `/pkg/...` the package, other paths
    /// the page's files. API paths and anything with a hidden or unusual segment are never files.
    pub(crate) fn file(&self, path: &str) -> Option<(Vec<u8>, &'static str)> {
        let api = ["/api/", "/admin/", "/health/", "/metrics", "/cron/"];
        if api.iter().any(|prefix| path.starts_with(prefix)) {
            return None;
        }
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let safe = |s: &&str| {
            !s.is_empty() && !s.starts_with('.') && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        };
        let relative: PathBuf = match segments.as_slice() {
            [""] => PathBuf::from("playground/index.html"),
            ["pkg", rest @ ..] if !rest.is_empty() && rest.iter().all(safe) => {
                rest.iter().fold("pkg".into(), |p, s| p.join(s))
            }
            all if all.iter().all(safe) => all.iter().fold("playground".into(), |p, s| p.join(s)),
            _ => return None,
        };
        let file = self.root.join(relative);
        let bytes = std::fs::read(&file).ok()?;
        Some((bytes, content_type(&file)))
    }
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        // `WebAssembly.instantiateStreaming` insists on this type.
        "wasm" => "application/wasm",
        "json" => "application/json",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        _ => "text/plain; charset=utf-8",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> (tempfile::TempDir, Playground) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        for (path, text) in [("playground/index.html", "<html>"), ("playground/demo/a.sql", "x"), ("pkg/p.js", "y")] {
            let file = dir.path().join(path);
            std::fs::create_dir_all(file.parent().expect("a parent")).expect("mkdir");
            std::fs::write(file, text).expect("write");
        }
        let playground = Playground::find(Some(dir.path().to_owned())).expect("the page is there");
        (dir, playground)
    }

    #[test]
    fn serves_the_page_the_package_and_nothing_else() {
        let (_dir, site) = site();
        assert_eq!(site.file("/"), Some((b"<html>".to_vec(), "text/html; charset=utf-8")));
        assert_eq!(site.file("/demo/a.sql").map(|f| f.0), Some(b"x".to_vec()));
        assert_eq!(site.file("/pkg/p.js").map(|f| f.1), Some("text/javascript; charset=utf-8"));
        for path in ["/../Cargo.toml", "/pkg/../playground/index.html", "/.inputs", "/pkg/", "/api/nl2sql/x", "/nope"] {
            assert_eq!(site.file(path), None, "{path}");
        }
        assert!(!site.has_package());
        assert!(Playground::find(Some(PathBuf::from("/nonexistent"))).is_none());
    }
}
