//! Helpers shared by the integration tests: temporary sites, running the binary, reading
//! the generated HTML and checking every internal link and anchor.
#![allow(dead_code)]

use scraper::{Html, Selector};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn dossier() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dossier"))
}

/// A site in a temporary folder.
pub struct Site {
    pub dir: tempfile::TempDir,
}

pub const SITE_TOML: &str = "title = \"Test archive\"\nbase_url = \"https://example.org/sub/\"\nlanguage = \"en\"\n";

pub const ORG: &str = "name: Human Rights Watch\nshort: HRW\nurl: https://www.hrw.org/\ndescription:\n  en: An international human rights organisation.\n  de: Eine internationale Menschenrechtsorganisation.\n";
pub const SOURCES: &str = "hrw-2024:\n  organisation: hrw\n  title: World Report 2024\n  date: 2024-01-11\n  url: https://www.hrw.org/world-report/2024\n  language: en\n";

impl Site {
    /// A site with the given files (paths relative to the site's folder).
    pub fn new(files: &[(&str, &str)]) -> Site {
        let site = Site { dir: tempfile::tempdir().expect("temp dir") };
        for (path, text) in files {
            site.write(path, text);
        }
        site
    }

    /// A minimal valid site plus `files`.
    pub fn minimal(files: &[(&str, &str)]) -> Site {
        let site = Site::new(&[
            ("site.toml", SITE_TOML),
            ("content/organisations/hrw.yaml", ORG),
            ("content/sources/hrw.yaml", SOURCES),
        ]);
        for (path, text) in files {
            site.write(path, text);
        }
        site
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn out(&self) -> PathBuf {
        self.dir.path().join("public")
    }

    pub fn write(&self, path: &str, text: &str) {
        let p = self.dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    pub fn write_bytes(&self, path: &str, bytes: &[u8]) {
        let p = self.dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }

    pub fn run(&self, args: &[&str]) -> Output {
        dossier().arg("--root").arg(self.root()).args(args).output().expect("run dossier")
    }

    pub fn build(&self) -> Output {
        self.run(&["build"])
    }

    pub fn page(&self, rel: &str) -> Html {
        read_page(&self.out(), rel)
    }
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts success and returns stderr.
pub fn ok(o: &Output) -> String {
    let e = stderr(o);
    assert!(o.status.success(), "dossier failed ({:?}):\n{e}", o.status.code());
    e
}

pub fn read_page(out: &Path, rel: &str) -> Html {
    let path = out.join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    Html::parse_document(&text)
}

pub fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

/// Text of all elements matching `css`, ASCII whitespace collapsed (no-break spaces kept).
pub fn texts(doc: &Html, css: &str) -> Vec<String> {
    doc.select(&sel(css))
        .map(|e| {
            e.text()
                .collect::<String>()
                .split(|c: char| c.is_ascii_whitespace())
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

pub fn text(doc: &Html, css: &str) -> String {
    texts(doc, css).into_iter().next().unwrap_or_else(|| panic!("no element matches {css}"))
}

/// Every HTML file under `out`, relative, sorted.
pub fn html_files(out: &Path) -> Vec<String> {
    let mut v: Vec<String> = walk(out).into_iter().filter(|p| p.ends_with(".html")).collect();
    v.sort();
    v
}

pub fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out
}

/// Checks every internal `href`/`src` of every page (except 404.html, which uses
/// root-relative links because hosts serve it at any depth): it must be relative, and
/// point to an existing file and, with a fragment, to an existing id. Returns the
/// broken ones as "page: link (reason)".
pub fn broken_links(out: &Path) -> Vec<String> {
    let mut ids: HashMap<String, Vec<String>> = HashMap::new();
    let pages = html_files(out);
    for p in &pages {
        let doc = read_page(out, p);
        ids.insert(p.clone(), doc.select(&sel("[id]")).map(|e| e.value().attr("id").unwrap().to_string()).collect());
    }
    let mut broken = Vec::new();
    for p in pages.iter().filter(|p| p.as_str() != "404.html") {
        let doc = read_page(out, p);
        for e in doc.select(&sel("a[href], link[href], script[src], img[src]")) {
            let link = e.value().attr("href").or_else(|| e.value().attr("src")).unwrap();
            if link.starts_with("http://") || link.starts_with("https://") || link.starts_with("mailto:") {
                continue;
            }
            if link.starts_with('/') {
                broken.push(format!("{p}: {link} (absolute path: breaks under a sub-path)"));
                continue;
            }
            let (path, frag) = link.split_once('#').unwrap_or((link, ""));
            let target = if path.is_empty() {
                p.clone()
            } else {
                let base = Path::new(p).parent().unwrap_or(Path::new(""));
                let mut parts: Vec<String> =
                    base.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                for seg in path.split('/') {
                    match seg {
                        "" | "." => {}
                        ".." => {
                            if parts.pop().is_none() {
                                broken.push(format!("{p}: {link} (leaves the site)"));
                            }
                        }
                        s => parts.push(s.to_string()),
                    }
                }
                let mut t = parts.join("/");
                if path.ends_with('/') || t.is_empty() {
                    if !t.is_empty() {
                        t.push('/');
                    }
                    t.push_str("index.html");
                }
                t
            };
            if !out.join(&target).is_file() {
                broken.push(format!("{p}: {link} (no file {target})"));
                continue;
            }
            if !frag.is_empty()
                && target.ends_with(".html")
                && !ids.get(&target).is_some_and(|v| v.iter().any(|i| i == frag))
            {
                broken.push(format!("{p}: {link} (no id {frag} in {target})"));
            }
        }
    }
    broken
}
