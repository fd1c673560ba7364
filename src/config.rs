//! `site.toml`: the site's settings, read once per build.

use crate::diag::{Diagnostic, line_col, suggest};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Absolute URL the site is published at; used for the feed, sitemap and canonical links.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Language of the site's own pages and the default for reports.
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default = "default_theme")]
    pub theme: String,
    /// The organisation that publishes the reports, named as their author in citations.
    /// Default: the site's `title`.
    #[serde(default)]
    pub publisher: Option<String>,
    #[serde(default)]
    pub listing: Listing,
    #[serde(default)]
    pub markdown: Markdown,
    #[serde(default)]
    pub search: Search,
    /// Disclaimer (Markdown) per language tag, shown on every report page.
    #[serde(default)]
    pub disclaimer: BTreeMap<String, String>,
    /// Per disclaimer: where its text starts in `site.toml` (line and column, from 1), for messages about it.
    #[serde(skip)]
    pub disclaimer_at: BTreeMap<String, (usize, usize)>,
    /// Declared countries: slug → name per language.
    #[serde(default)]
    pub countries: BTreeMap<String, BTreeMap<String, String>>,
    /// Declared topics: slug → name per language.
    #[serde(default)]
    pub topics: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listing {
    /// Reports per page of `/reports/`.
    #[serde(default = "default_page_size")]
    pub page_size: usize,
    /// Entries in the Atom feed.
    #[serde(default = "default_page_size")]
    pub feed_size: usize,
    /// Lines per page of the plain lists: the reports citing a source, and the list of all sources.
    #[serde(default = "default_list_size")]
    pub list_size: usize,
}

impl Default for Listing {
    fn default() -> Self {
        Listing { page_size: default_page_size(), feed_size: default_page_size(), list_size: default_list_size() }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Markdown {
    /// Pass raw HTML in Markdown through. Off by default: it is shown as text.
    #[serde(default)]
    pub allow_html: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Search {
    /// Write the client-side search index, the search page and its script. Off, the site has no search: for
    /// archives searched some other way, or hosts that limit the number of files (the index is most of them).
    #[serde(default = "default_true")]
    pub enabled: bool,
}

impl Default for Search {
    fn default() -> Self {
        Search { enabled: true }
    }
}

fn default_true() -> bool {
    true
}
fn default_base_url() -> String {
    "http://localhost/".into()
}
fn default_language() -> String {
    "en".into()
}
fn default_theme() -> String {
    "default".into()
}
fn default_page_size() -> usize {
    20
}
fn default_list_size() -> usize {
    200
}

const KEYS: &[&str] = &[
    "title",
    "description",
    "base_url",
    "language",
    "theme",
    "publisher",
    "listing",
    "markdown",
    "search",
    "disclaimer",
    "countries",
    "topics",
    "page_size",
    "feed_size",
    "list_size",
    "allow_html",
    "enabled",
];

impl Config {
    /// Parses `site.toml`; `file` is the path shown in messages.
    pub fn parse(text: &str, file: &Path) -> Result<Config, Diagnostic> {
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let (line, col) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            let message = e.message().trim().to_string();
            let mut d = Diagnostic::error("E001", file, line, col, format!("site.toml: {message}"));
            if let Some(unknown) = message.strip_prefix("unknown field `").and_then(|m| m.split('`').next()) {
                if let Some(s) = suggest(unknown, KEYS.iter().copied()) {
                    d = d.help(format!("did you mean `{s}`?"));
                } else {
                    d = d.help("remove the key; README.md lists every setting");
                }
            }
            d
        })?;
        config.disclaimer_at = disclaimer_positions(text);
        if !config.base_url.ends_with('/') {
            config.base_url.push('/');
        }
        for (key, value) in [("page_size", config.listing.page_size), ("list_size", config.listing.list_size)] {
            if value == 0 {
                let (line, col) = text
                    .lines()
                    .enumerate()
                    .find_map(|(i, l)| {
                        let rest = l.trim_start().strip_prefix(key)?;
                        rest.trim_start().starts_with('=').then(|| (i + 1, l.len() - l.trim_start().len() + 1))
                    })
                    .unwrap_or((0, 0));
                return Err(Diagnostic::error(
                    "E001",
                    file,
                    line,
                    col,
                    format!("site.toml: listing.{key} must be at least 1"),
                )
                .help(format!("set `{key}` to the number of entries a page should hold")));
            }
        }
        Ok(config)
    }

    /// Where a disclaimer's text starts in `site.toml`, for a position within it (line and column, from 1, in
    /// the Markdown): exact for text without escape sequences before that point.
    pub fn disclaimer_position(&self, lang: &str, line: usize, column: usize) -> (usize, usize) {
        match self.disclaimer_at.get(lang) {
            Some(&(l, c)) if line <= 1 => (l, c + column.max(1) - 1),
            Some(&(l, _)) => (l + line - 1, column),
            None => (0, 0),
        }
    }

    /// The publisher of the reports: `publisher`, else the site's title.
    pub fn publisher(&self) -> &str {
        self.publisher.as_deref().unwrap_or(&self.title)
    }

    /// The path part of `base_url` ("/archive/"), for pages served at unknown depths (404).
    pub fn base_path(&self) -> String {
        let after_scheme = self.base_url.split_once("://").map_or(self.base_url.as_str(), |(_, r)| r);
        match after_scheme.find('/') {
            Some(i) => after_scheme[i..].to_string(),
            None => "/".into(),
        }
    }
}

/// Where each disclaimer's text starts in `site.toml`: after its opening quote, and after the line break that
/// may follow the quotes of a multi-line string.
fn disclaimer_positions(text: &str) -> BTreeMap<String, (usize, usize)> {
    #[derive(Deserialize)]
    struct Spans {
        #[serde(default)]
        disclaimer: BTreeMap<String, toml::Spanned<String>>,
    }
    let Ok(spans) = toml::from_str::<Spans>(text) else { return BTreeMap::new() };
    spans
        .disclaimer
        .into_iter()
        .map(|(lang, value)| {
            let start = value.span().start;
            let rest = &text[start.min(text.len())..];
            let triple = rest.starts_with("\"\"\"") || rest.starts_with("'''");
            let mut at = start + if triple { 3 } else { 1 };
            if triple {
                let after = &text[at.min(text.len())..];
                at += if after.starts_with("\r\n") { 2 } else { usize::from(after.starts_with('\n')) };
            }
            (lang, line_col(text, at))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_minimal_and_reports_position() {
        let c = Config::parse("title = \"X\"\nbase_url = \"https://h/a\"\n", Path::new("site.toml")).unwrap();
        assert_eq!(c.base_url, "https://h/a/");
        assert_eq!(c.base_path(), "/a/");
        let e = Config::parse("title = \"X\"\ntitel = 1\n", Path::new("site.toml")).unwrap_err();
        assert_eq!((e.line, e.column), (2, 1));
        assert_eq!(e.help.as_deref(), Some("did you mean `title`?"));
    }

    #[test]
    fn disclaimer_positions_start_after_the_quotes() {
        let text = "title = \"X\"\r\n[disclaimer]\r\nde = 'Ä [@a]'\r\nen = '''\r\nOne.\r\nTwo [@b].'''\r\n";
        let c = Config::parse(text, Path::new("site.toml")).unwrap();
        // `[@a]` is at column 3 of the German text, which starts at line 3, column 7.
        assert_eq!(c.disclaimer_position("de", 1, 3), (3, 9));
        // The English text starts on the line after its quotes: `[@b]` on its second line is at line 6.
        assert_eq!(c.disclaimer_position("en", 2, 5), (6, 5));
        assert_eq!(c.disclaimer_position("fr", 1, 1), (0, 0));
    }
}
