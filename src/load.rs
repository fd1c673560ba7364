//! Stage 1, load: read `site.toml`, walk `content/`, split and parse front matter, and
//! gather the theme. Keeps every position needed for messages; formats no HTML and
//! judges nothing beyond syntax and types (that is the model's job).

use crate::config::Config;
use crate::diag::{Diagnostic, Diagnostics, line_col, suggest};
use crate::yaml::{self, Text};
use rayon::prelude::*;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use walkdir::WalkDir;

/// Front matter of a report (`content/reports/**/*.md`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportMeta {
    pub id: Option<Text>,
    pub title: Option<Text>,
    pub date: Option<Text>,
    pub language: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub countries: Vec<String>,
    #[serde(default)]
    pub topics: Vec<String>,
    pub summary: Option<String>,
    pub accessed: Option<Text>,
    /// Per-report facts about sources (accessed, downloaded), or whole source records
    /// that only this report uses.
    #[serde(default)]
    pub sources: BTreeMap<String, ReportSource>,
    #[serde(default)]
    pub draft: bool,
}
pub const REPORT_KEYS: &[&str] =
    &["id", "title", "date", "language", "type", "countries", "topics", "summary", "accessed", "sources", "draft"];

/// An entry of a report's `sources:` map: per-report facts about a source (accessed,
/// downloaded), and optionally a whole source record that only this report uses.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSource {
    pub accessed: Option<Text>,
    pub downloaded: Option<Text>,
    pub organisation: Option<String>,
    pub title: Option<Text>,
    pub date: Option<Text>,
    pub url: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub language: Option<String>,
    pub label: Option<String>,
    pub symbol: Option<String>,
}

impl ReportSource {
    /// The record fields, if this entry declares a source rather than only facts.
    pub fn record(&self) -> Option<SourceMeta> {
        (self.organisation.is_some() || self.title.is_some()).then(|| SourceMeta {
            organisation: self.organisation.clone(),
            title: self.title.clone(),
            date: self.date.clone(),
            url: self.url.clone(),
            kind: self.kind.clone(),
            language: self.language.clone(),
            label: self.label.clone(),
            symbol: self.symbol.clone(),
        })
    }
}

/// A source record (`content/sources/*.yaml` maps keys to these).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceMeta {
    pub organisation: Option<String>,
    pub title: Option<Text>,
    pub date: Option<Text>,
    pub url: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub language: Option<String>,
    pub label: Option<String>,
    pub symbol: Option<String>,
}
pub const SOURCE_KEYS: &[&str] = &["organisation", "title", "date", "url", "type", "language", "label", "symbol"];

/// An organisation (`content/organisations/<slug>.yaml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgMeta {
    pub name: Option<Text>,
    pub short: Option<String>,
    pub url: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub seat: Option<String>,
    /// One sentence per language tag.
    #[serde(default)]
    pub description: BTreeMap<String, String>,
}
pub const ORG_KEYS: &[&str] = &["name", "short", "url", "aliases", "seat", "description"];

/// Front matter of a plain page (`content/pages/*.md`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageMeta {
    pub title: Option<Text>,
    pub language: Option<String>,
    pub summary: Option<String>,
    #[serde(default)]
    pub draft: bool,
}
pub const PAGE_KEYS: &[&str] = &["title", "language", "summary", "draft"];

/// The YAML text of a front matter block or record file, with the file line its first
/// line sits on, so that positions inside it can be turned into file positions.
#[derive(Debug, Clone)]
pub struct Yaml {
    pub text: String,
    pub first_line: usize,
}

impl Yaml {
    /// File line and column of the value of `path` (nested keys), or of the nearest
    /// parent key found; the start of the block if none is found.
    pub fn position(&self, path: &[&str]) -> (usize, usize) {
        let mut best = (self.first_line, 1);
        let mut min_indent = 0usize;
        let mut lines = self.text.lines().enumerate();
        let mut last: Option<(usize, &str)> = None;
        'keys: for key in path {
            // `parent: { key: value }` on the parent's own line.
            if let Some((i, line)) = last
                && let Some(pos) = find_inline_key(line, key)
            {
                return (self.first_line + i, line[..pos].chars().count() + 1);
            }
            for (i, line) in lines.by_ref() {
                let indent = line.len() - line.trim_start().len();
                let t = line.trim_start().trim_start_matches("- ");
                if indent < min_indent && !line.trim().is_empty() && i > 0 && min_indent > 0 {
                    break 'keys;
                }
                if indent >= min_indent && is_key(t, key) {
                    let value_col = line.find(':').map_or(indent, |c| c + 1);
                    let value = line[value_col..].trim_start();
                    // A scalar value is pointed at; a map or list by its key.
                    best = if value.is_empty() || value.starts_with(['{', '[', '#']) {
                        (
                            self.first_line + i,
                            line[..indent].chars().count() + 1 + usize::from(t.len() < line.trim_start().len()) * 2,
                        )
                    } else {
                        (self.first_line + i, line[..line.len() - value.len()].chars().count() + 1)
                    };
                    min_indent = indent + 1;
                    last = Some((i, line));
                    continue 'keys;
                }
            }
            break;
        }
        best
    }
}

fn is_key(t: &str, key: &str) -> bool {
    let t = t.trim_start_matches(['"', '\'']);
    t.starts_with(key) && t[key.len()..].trim_start_matches(['"', '\'']).starts_with(':')
}

fn find_inline_key(line: &str, key: &str) -> Option<usize> {
    for sep in ["{ ", "{", ", ", ","] {
        let pat = format!("{sep}{key}:");
        if let Some(p) = line.find(&pat) {
            return Some(p + sep.len());
        }
    }
    None
}

/// A Markdown file with front matter.
#[derive(Debug, Clone)]
pub struct Doc<M> {
    /// Path relative to the site root, as shown in messages.
    pub file: PathBuf,
    pub meta: M,
    pub yaml: Yaml,
    /// The Markdown body, preceded by one empty line per front-matter line so that line
    /// numbers inside it are line numbers of the file.
    pub body: String,
}

/// One keyed record of a YAML file: an organisation, or one source of a sources file.
#[derive(Debug, Clone)]
pub struct Record<M> {
    pub file: PathBuf,
    pub key: String,
    pub meta: M,
    /// The record's own lines, for positions of its fields.
    pub yaml: Yaml,
}

/// A template of the theme, with where it came from for messages.
#[derive(Debug, Clone)]
pub struct Template {
    pub name: String,
    pub source: String,
    pub origin: PathBuf,
}

/// A file copied as is into the output.
#[derive(Debug, Clone)]
pub struct StaticFile {
    /// Path inside the output.
    pub path: String,
    pub data: StaticData,
}

#[derive(Debug, Clone)]
pub enum StaticData {
    Embedded(&'static [u8]),
    Disk(PathBuf),
}

/// Everything the model is built from.
#[derive(Debug)]
pub struct Content {
    pub root: PathBuf,
    pub config: Config,
    /// Shared, so a [`Cache`] can hand out an unchanged report without reading it again.
    pub reports: Vec<Arc<Doc<ReportMeta>>>,
    pub pages: Vec<Doc<PageMeta>>,
    pub organisations: Vec<Record<OrgMeta>>,
    pub sources: Vec<Record<SourceMeta>>,
    pub templates: Vec<Template>,
    pub statics: Vec<StaticFile>,
}

/// Failures that are not about content: no site, unreadable folders (exit code 2).
#[derive(Debug)]
pub enum LoadError {
    Usage(String),
    Io(String),
}

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_theme.rs"));
}

/// Parsed reports and source files kept from one load to the next, for `dossier serve`: a
/// file with the same modification time and size, not named as changed, is not read again.
#[derive(Default)]
pub struct Cache {
    /// Off for a one-off load, which has no use for keeping anything.
    keep: bool,
    reports: Kept<Arc<Doc<ReportMeta>>>,
    sources: Kept<SourceSet>,
}

/// What one load parsed, with each file's stamp, by path.
type Kept<T> = HashMap<PathBuf, (Stamp, T)>;

/// The records of one sources file, with its warnings.
type SourceSet = (Vec<Record<SourceMeta>>, Vec<Diagnostic>);

/// When a file was last modified, and its size.
type Stamp = (Option<std::time::SystemTime>, u64);

impl Cache {
    /// A cache that keeps what each load parsed for the next.
    pub fn new() -> Cache {
        Cache { keep: true, ..Cache::default() }
    }

    /// Forgets the files (relative to the site's folder) that are known to have changed.
    pub fn forget(&mut self, root: &Path, changed: &[PathBuf]) {
        for p in changed {
            self.reports.remove(&root.join(p));
            self.sources.remove(&root.join(p));
        }
    }
}

/// Reads one report file again (`file` relative to `root`), keeping it in `cache` for the next load. A problem
/// with its content is the `Ok(Err)` diagnostic.
pub fn reload_report(
    root: &Path,
    file: &Path,
    cache: &mut Cache,
) -> Result<Result<Arc<Doc<ReportMeta>>, Diagnostic>, LoadError> {
    let path = root.join(file);
    let meta = fs::metadata(&path).map_err(|e| LoadError::Io(format!("cannot read {}: {e}", path.display())))?;
    let bytes = fs::read(&path).map_err(|e| LoadError::Io(format!("cannot read {}: {e}", path.display())))?;
    let parsed = decode(bytes, file).and_then(|text| doc::<ReportMeta>(file, &text, REPORT_KEYS).map(Arc::new));
    match &parsed {
        // Its stamp as it was before the read: should it change while reading, the next load reads it again.
        Ok(d) if cache.keep => {
            cache.reports.insert(path, ((meta.modified().ok(), meta.len()), d.clone()));
        }
        _ => {
            cache.reports.remove(&path);
        }
    }
    Ok(parsed)
}

/// Loads the site at `root`. Content problems go to `diags` and the affected file is
/// left out; a missing or broken `site.toml` yields `Ok(None)` with its diagnostic.
pub fn load(root: &Path, diags: &mut Diagnostics) -> Result<Option<Content>, LoadError> {
    load_cached(root, diags, &mut Cache::default())
}

/// [`load`], reusing the unchanged reports of `cache`, which then holds those of this load.
pub fn load_cached(root: &Path, diags: &mut Diagnostics, cache: &mut Cache) -> Result<Option<Content>, LoadError> {
    let config_path = root.join("site.toml");
    let config_text = match fs::read(&config_path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(LoadError::Usage(format!(
                "no site.toml in {}: pass --root with a site's folder, or create one with `dossier init DIR`",
                root.display()
            )));
        }
        Err(e) => return Err(LoadError::Io(format!("cannot read {}: {e}", config_path.display()))),
    };
    let config =
        match decode(config_text, Path::new("site.toml")).and_then(|t| Config::parse(&t, Path::new("site.toml"))) {
            Ok(c) => c,
            Err(d) => {
                diags.push(d);
                return Ok(None);
            }
        };

    let content = root.join("content");
    let report_files = files(&content.join("reports"), &["md"])?;
    let page_files = files(&content.join("pages"), &["md"])?;
    let org_files = files(&content.join("organisations"), &["yaml", "yml"])?;
    let source_files = files(&content.join("sources"), &["yaml", "yml"])?;

    let keep = cache.keep;
    let reports = parse_cached(root, &report_files, diags, &mut cache.reports, keep, |file, text| {
        doc::<ReportMeta>(file, text, REPORT_KEYS).map(Arc::new)
    })?;
    let pages = parse_all(root, &page_files, diags, |file, text| doc::<PageMeta>(file, text, PAGE_KEYS))?;
    let organisations = parse_all(root, &org_files, diags, |file, text| {
        let key = file.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        let yaml = Yaml { text: text.to_string(), first_line: 1 };
        let meta = parse_yaml::<OrgMeta>(file, &yaml, ORG_KEYS, "organisation")?;
        Ok(Record { file: file.to_path_buf(), key, meta, yaml })
    })?;
    let source_sets = parse_cached(root, &source_files, diags, &mut cache.sources, keep, source_records)?;
    let mut sources = Vec::new();
    for (set, errs) in source_sets {
        sources.extend(set);
        diags.extend(errs);
    }

    let (templates, statics) = theme(root, &config)?;
    Ok(Some(Content { root: root.to_path_buf(), config, reports, pages, organisations, sources, templates, statics }))
}

/// All files with one of `exts` under `dir`, sorted; a missing folder is empty.
fn files(dir: &Path, exts: &[&str]) -> Result<Vec<PathBuf>, LoadError> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for entry in WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| LoadError::Io(format!("cannot read {}: {e}", dir.display())))?;
        let name = entry.file_name().to_string_lossy();
        if name.starts_with('.') || !entry.file_type().is_file() {
            continue;
        }
        if entry.path().extension().and_then(|e| e.to_str()).is_some_and(|e| exts.contains(&e)) {
            out.push(entry.into_path());
        }
    }
    Ok(out)
}

/// [`parse_all`], taking from `kept` what an earlier load parsed of files that have not changed since, and
/// leaving in it what this load parsed.
fn parse_cached<T: Clone + Send + Sync>(
    root: &Path,
    paths: &[PathBuf],
    diags: &mut Diagnostics,
    kept: &mut Kept<T>,
    keep: bool,
    parse: impl Fn(&Path, &str) -> Result<T, Diagnostic> + Sync,
) -> Result<Vec<T>, LoadError> {
    let stamps: Vec<Option<Stamp>> = match keep || !kept.is_empty() {
        true => paths.par_iter().map(|p| fs::metadata(p).ok().map(|m| (m.modified().ok(), m.len()))).collect(),
        false => vec![None; paths.len()],
    };
    let mut found: Vec<Option<T>> = paths
        .iter()
        .zip(&stamps)
        .map(|(p, st)| match (kept.get(p), st) {
            (Some((old, t)), Some(st)) if old == st => Some(t.clone()),
            _ => None,
        })
        .collect();
    let missing: Vec<PathBuf> = paths.iter().zip(&found).filter(|(_, t)| t.is_none()).map(|(p, _)| p.clone()).collect();
    let mut fresh = parse_all(root, &missing, diags, |file, text| parse(file, text).map(|t| (root.join(file), t)))?
        .into_iter()
        .peekable();
    let mut now = HashMap::with_capacity(paths.len());
    for ((p, st), slot) in paths.iter().zip(stamps).zip(found.iter_mut()) {
        if slot.is_none() && fresh.peek().is_some_and(|(f, _)| f == p) {
            *slot = fresh.next().map(|(_, t)| t);
        }
        if let (true, Some(t), Some(st)) = (keep, slot.as_ref(), st) {
            now.insert(p.clone(), (st, t.clone()));
        }
    }
    *kept = now;
    Ok(found.into_iter().flatten().collect())
}

/// Reads and parses files in parallel; per-file content errors go to `diags`.
fn parse_all<T: Send>(
    root: &Path,
    paths: &[PathBuf],
    diags: &mut Diagnostics,
    parse: impl Fn(&Path, &str) -> Result<T, Diagnostic> + Sync,
) -> Result<Vec<T>, LoadError> {
    let results: Vec<Result<Result<T, Diagnostic>, LoadError>> = paths
        .par_iter()
        .map(|path| {
            let rel = path.strip_prefix(root).unwrap_or(path);
            let bytes = fs::read(path).map_err(|e| LoadError::Io(format!("cannot read {}: {e}", path.display())))?;
            Ok(decode(bytes, rel).and_then(|text| parse(rel, &text)))
        })
        .collect();
    let mut out = Vec::with_capacity(results.len());
    for r in results {
        match r? {
            Ok(t) => out.push(t),
            Err(d) => diags.push(d),
        }
    }
    Ok(out)
}

/// UTF-8 text with a BOM removed and CRLF turned into LF (line numbers unchanged).
fn decode(bytes: Vec<u8>, file: &Path) -> Result<String, Diagnostic> {
    // The bytes become the text in place: a file is copied only to drop a byte-order mark or carriage returns.
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let bytes = e.as_bytes();
            let valid = std::str::from_utf8(&bytes[..e.utf8_error().valid_up_to()]).unwrap_or_default();
            let (line, col) = line_col(valid, valid.len());
            return Err(Diagnostic::error("E002", file, line, col, "the file is not valid UTF-8")
                .help("save the file with UTF-8 encoding"));
        }
    };
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    };
    Ok(if text.contains('\r') { text.replace("\r\n", "\n").replace('\r', "\n") } else { text })
}

/// Splits `---` front matter from the body and parses it into `M`.
fn doc<M: DeserializeOwned>(file: &Path, text: &str, keys: &[&str]) -> Result<Doc<M>, Diagnostic> {
    if text.trim().is_empty() {
        return Err(Diagnostic::error("E003", file, 1, 1, "the file is empty")
            .help("start it with front matter between two `---` lines, then the Markdown text"));
    }
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or_default();
    if first.trim_end() != "---" {
        return Err(Diagnostic::error("E003", file, 1, 1, "the file has no front matter")
            .help("the first line must be `---`, followed by YAML keys (id, title, date …) and another `---` line"));
    }
    let mut offset = first.len();
    let mut end = None;
    for (i, line) in lines.enumerate() {
        if matches!(line.trim_end(), "---" | "...") {
            end = Some((i + 2, offset, offset + line.len()));
            break;
        }
        offset += line.len();
    }
    let Some((closing_line, yaml_end, body_start)) = end else {
        return Err(Diagnostic::error("E003", file, 1, 1, "the front matter that starts here is never closed")
            .help("add a line `---` after the last front-matter key"));
    };
    let yaml = Yaml { text: text[first.len()..yaml_end].to_string(), first_line: 2 };
    let meta = parse_yaml::<M>(file, &yaml, keys, "front matter")?;
    let mut body = "\n".repeat(closing_line);
    body.push_str(&text[body_start..]);
    Ok(Doc { file: file.to_path_buf(), meta, yaml, body })
}

/// Parses YAML into `M`, turning serde's messages into ours with file positions.
fn parse_yaml<M: DeserializeOwned>(file: &Path, yaml: &Yaml, keys: &[&str], what: &str) -> Result<M, Diagnostic> {
    let text = if yaml.text.trim().is_empty() { "{}" } else { yaml.text.as_str() };
    yaml::parse::<M>(text).map_err(|e| {
        let line = yaml.first_line + e.line.saturating_sub(1);
        if let Some(rest) = e.message.split("unknown field `").nth(1) {
            let field = rest.split('`').next().unwrap_or_default();
            let col =
                yaml.text.lines().nth(e.line.saturating_sub(1)).and_then(|l| l.find(field)).map_or(e.column, |c| c + 1);
            let d = Diagnostic::error("E004", file, line, col, format!("unknown key `{field}` in {what}"));
            return match suggest(field, keys.iter().copied()) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help(format!("allowed keys: {}", keys.join(", "))),
            };
        }
        let message = e
            .message
            .replace("invalid type: sequence", "a list was given")
            .replace("invalid type: map", "a map was given");
        Diagnostic::error("E005", file, line, e.column, format!("{what}: {message}"))
            .help("check the YAML syntax and the value's type (text, list or date) against README.md")
    })
}

/// A sources file: a map from source key to record.
fn source_records(file: &Path, text: &str) -> Result<(Vec<Record<SourceMeta>>, Vec<Diagnostic>), Diagnostic> {
    let whole = Yaml { text: text.to_string(), first_line: 1 };
    // Most files are read once, whole. A file with a problem is read again record by record, so that every bad
    // record is reported at its own lines and the good ones are kept.
    let mut typed: Option<BTreeMap<String, SourceMeta>> = yaml::parse(&whole.text).ok();
    // Read again, its syntax and keys only (a syntax error stops the whole file), then record by record.
    let map: BTreeMap<String, serde::de::IgnoredAny> = match &typed {
        Some(_) => BTreeMap::new(),
        None => parse_yaml(file, &whole, SOURCE_KEYS, "sources file")?,
    };
    // Positions of each top-level key, so each record keeps its own lines.
    let mut starts: Vec<(usize, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if !line.starts_with([' ', '\t', '#', '-'])
            && !line.trim().is_empty()
            && let Some((k, _)) = line.split_once(':')
        {
            starts.push((i, k.trim().trim_matches(['"', '\'']).to_string()));
        }
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for (n, (start, key)) in starts.iter().enumerate() {
        let end = starts.get(n + 1).map_or(lines.len(), |s| s.0);
        if let Some(all) = typed.as_mut() {
            if let Some(meta) = all.remove(key) {
                let yaml = Yaml { text: lines[*start..end].join("\n"), first_line: start + 1 };
                records.push(Record { file: file.to_path_buf(), key: key.clone(), meta, yaml });
            }
            continue;
        }
        if !map.contains_key(key) {
            continue;
        }
        let body: Vec<&str> = lines[start + 1..end].to_vec();
        let yaml = Yaml { text: body.join("\n"), first_line: start + 2 };
        let inline = lines[*start].split_once(':').map(|x| x.1.trim()).unwrap_or_default();
        let parsed = if !inline.is_empty() {
            let y = Yaml { text: inline.to_string(), first_line: start + 1 };
            parse_yaml::<SourceMeta>(file, &y, SOURCE_KEYS, &format!("source `{key}`"))
        } else {
            parse_yaml::<SourceMeta>(file, &yaml, SOURCE_KEYS, &format!("source `{key}`"))
        };
        match parsed {
            Ok(meta) => records.push(Record {
                file: file.to_path_buf(),
                key: key.clone(),
                meta,
                yaml: Yaml { text: lines[*start..end].join("\n"), first_line: start + 1 },
            }),
            Err(d) => errors.push(d),
        }
    }
    Ok((records, errors))
}

/// The theme's templates and static files: the embedded default theme, overridden by
/// `themes/<theme>/` on disk, then by the site's own `templates/` and `static/`.
fn theme(root: &Path, config: &Config) -> Result<(Vec<Template>, Vec<StaticFile>), LoadError> {
    let mut templates: BTreeMap<String, Template> = BTreeMap::new();
    let mut statics: BTreeMap<String, StaticData> = BTreeMap::new();
    let theme_dir = root.join("themes").join(&config.theme);
    if config.theme == "default" {
        for (name, data) in embedded::TEMPLATES {
            let origin = PathBuf::from(format!("themes/default/templates/{name}"));
            templates.insert(name.to_string(), Template { name: name.to_string(), source: data.to_string(), origin });
        }
        for (name, data) in embedded::STATIC {
            statics.insert(name.to_string(), StaticData::Embedded(data));
        }
    } else if !theme_dir.is_dir() {
        return Err(LoadError::Usage(format!(
            "site.toml names theme `{}`, but there is no folder themes/{}/",
            config.theme, config.theme
        )));
    }
    let mut add_templates = |dir: &Path| -> Result<(), LoadError> {
        for path in files(dir, &["html", "xml", "txt", "json"])? {
            let name = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            let source =
                fs::read_to_string(&path).map_err(|e| LoadError::Io(format!("cannot read {}: {e}", path.display())))?;
            let origin = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            templates.insert(name.clone(), Template { name, source, origin });
        }
        Ok(())
    };
    add_templates(&theme_dir.join("templates"))?;
    add_templates(&root.join("templates"))?;
    for dir in [theme_dir.join("static"), root.join("static")] {
        if !dir.is_dir() {
            continue;
        }
        for entry in WalkDir::new(&dir).sort_by_file_name() {
            let entry = entry.map_err(|e| LoadError::Io(format!("cannot read {}: {e}", dir.display())))?;
            if entry.file_type().is_file() {
                let rel = entry.path().strip_prefix(&dir).unwrap_or(entry.path()).to_string_lossy().replace('\\', "/");
                statics.insert(rel, StaticData::Disk(entry.into_path()));
            }
        }
    }
    Ok((templates.into_values().collect(), statics.into_iter().map(|(path, data)| StaticFile { path, data }).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_and_keeps_line_numbers() {
        let d: Doc<PageMeta> = doc(Path::new("p.md"), "---\ntitle: A\n---\n# H\n", PAGE_KEYS).unwrap();
        assert_eq!(d.body.lines().nth(3), Some("# H"));
        assert_eq!(d.yaml.first_line, 2);
    }

    #[test]
    fn unterminated_and_missing_front_matter() {
        let e = doc::<PageMeta>(Path::new("p.md"), "---\ntitle: A\n", PAGE_KEYS).unwrap_err();
        assert!(e.message.contains("never closed"));
        let e = doc::<PageMeta>(Path::new("p.md"), "# Title\n", PAGE_KEYS).unwrap_err();
        assert!(e.message.contains("no front matter"));
    }

    #[test]
    fn positions_of_nested_keys() {
        let y = Yaml {
            text: "id: x\nsources:\n  a: { accessed: 2024-01-01 }\n  b:\n    downloaded: 2023\n".into(),
            first_line: 2,
        };
        assert_eq!(y.position(&["id"]), (2, 5));
        assert_eq!(y.position(&["sources", "b", "downloaded"]), (6, 17));
        assert_eq!(y.position(&["sources", "a", "accessed"]), (4, 8));
        assert_eq!(y.position(&["sources", "a"]), (4, 3));
        assert_eq!(y.position(&["accessed"]), (2, 1));
    }

    #[test]
    fn decode_handles_bom_crlf_and_bad_bytes() {
        assert_eq!(decode("\u{feff}a\r\nb".into(), Path::new("x")).unwrap(), "a\nb");
        let e = decode(b"ab\n\xff".to_vec(), Path::new("x")).unwrap_err();
        assert_eq!((e.line, e.column), (2, 1));
    }
}
