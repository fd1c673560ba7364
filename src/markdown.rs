//! Markdown through comrak: one parse per document yields its HTML, its headings (for
//! the table of contents), its citations (Pandoc syntax, with positions) and its
//! excerpts. Citations are left in the HTML as placeholders; the render stage fills
//! them in once the model has resolved every key.
//!
//! Syntax handled here:
//! - `[@key]`, `[@key, S. 6]`, `[@a, S. 6; @b]`, `[KNB, siehe @key, S. 6]`: citations.
//!   Not in code, not `\[@`, not e-mail addresses (`@` must start a word). A citation may be
//!   followed directly by a footnote reference: `[@key, S. 6][^1]`.
//! - A level-2 heading `Excerpts` starts the excerpts section: one block quote per
//!   excerpt, whose last paragraph is the citation of its source (`> [@key, S. 6]`).

use crate::text::bytes8;
use comrak::adapters::{HeadingAdapter, HeadingMeta, SyntaxHighlighterAdapter};
use comrak::nodes::{NodeValue, Sourcepos};
use comrak::options::{BrokenLinkReference, Plugins};
use comrak::{Anchorizer, Arena, Node, Options, ResolvedReference, format_html_with_plugins, parse_document};
use memchr::memmem;
use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

/// Marks a citation in converted HTML: `\u{E000}<index>\u{E001}`.
pub const MARK_OPEN: char = '\u{E000}';
pub const MARK_CLOSE: char = '\u{E001}';

/// Ids the generated parts of a report page use; body headings never take them.
pub const RESERVED_IDS: &[&str] =
    &["contents", "content", "sources", "appendix", "footnotes", "disclaimer", "meta", "cite", "main"];

const CITE_SCHEME: &str = "dossier-cite:";
const QUOTE_MARKS: &[char] = &['"', '\'', '„', '“', '”', '‚', '‘', '’', '«', '»', '‹', '›'];

#[derive(Debug, Clone, Copy, Default)]
pub struct MdOptions {
    pub allow_html: bool,
    /// Only find citations, excerpts and problems (for `dossier check`): no HTML, no plain text.
    pub validate_only: bool,
    /// No plain text, which only the search index reads (a site with `[search] enabled = false`).
    pub no_text: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiteItem {
    pub prefix: String,
    pub key: String,
    pub locator: String,
}

/// One bracketed citation, with the position of its `[`.
#[derive(Debug, Clone)]
pub struct CitationMark {
    pub items: Vec<CiteItem>,
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// A verbatim passage from a source, for the report's appendix.
#[derive(Debug, Clone)]
pub struct ExcerptMark {
    pub key: String,
    pub locator: String,
    pub html: String,
    /// Plain text of the quoted passage, for the search index.
    pub text: String,
    pub line: usize,
    pub column: usize,
}

/// A problem in the Markdown itself, at a file position.
#[derive(Debug, Clone)]
pub struct Problem {
    pub code: &'static str,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub help: String,
}

#[derive(Debug, Clone, Default)]
pub struct Converted {
    /// Shared: a remembered conversion (see [`memo_next_build`]) is handed out without copying.
    pub html: Arc<str>,
    pub headings: Vec<Heading>,
    pub citations: Vec<CitationMark>,
    pub excerpts: Vec<ExcerptMark>,
    pub problems: Vec<Problem>,
    /// Plain text of the body (without the excerpts), one block per line, for the search index.
    pub text: Arc<str>,
}

/// Parses the text of one bracket. `None`: not a citation (no `@key` starting a word);
/// `Some(Err)`: looks like one but is malformed.
pub fn parse_citation(label: &str) -> Option<Result<Vec<CiteItem>, String>> {
    let at_word_start = |s: &str| {
        memchr::memchr_iter(b'@', s.as_bytes()).find(|&i| s[..i].chars().next_back().is_none_or(char::is_whitespace))
    };
    at_word_start(label)?;
    let mut items = Vec::new();
    for part in label.split(';') {
        let Some(at) = at_word_start(part) else {
            return Some(Err(format!(
                "`{}` has no `@key`; separate sources with `;` and start each key with `@`",
                part.trim()
            )));
        };
        let prefix = part[..at].trim().to_string();
        let after = &part[at + 1..];
        let (key, rest) = if let Some(braced) = after.strip_prefix('{') {
            match braced.split_once('}') {
                Some((k, r)) => (k.to_string(), r),
                None => return Some(Err("`@{` is never closed".into())),
            }
        } else {
            let end = after
                .char_indices()
                .find(|&(_, c)| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '/')))
                .map_or(after.len(), |(i, _)| i);
            let key = after[..end].trim_end_matches(['.', ':', '/']);
            (key.to_string(), &after[key.len()..])
        };
        if key.is_empty() {
            return Some(Err("a citation key is empty: write `@key` right after the `@`".into()));
        }
        let rest = rest.trim();
        let locator = rest.strip_prefix(',').unwrap_or(rest).trim().to_string();
        items.push(CiteItem { prefix, key, locator });
    }
    Some(Ok(items))
}

/// Remembered conversions, for `dossier serve`, where almost every document is the same
/// from one build to the next. Off unless [`memo_next_build`] is called.
static MEMO: Mutex<Option<Memo>> = Mutex::new(None);

type MemoKey = (u64, usize, bool, bool, bool);

#[derive(Default)]
struct Memo {
    /// Conversions used by the current build.
    current: HashMap<MemoKey, Converted>,
    /// Those of the build before; what the current build does not use is dropped.
    previous: HashMap<MemoKey, Converted>,
}

/// Turns the memo on and starts a new build: conversions the last build did not use are
/// forgotten.
pub fn memo_next_build() {
    let mut memo = MEMO.lock().unwrap_or_else(|e| e.into_inner());
    let m = memo.get_or_insert_with(Memo::default);
    let unused = std::mem::replace(&mut m.previous, std::mem::take(&mut m.current));
    std::thread::spawn(move || drop(unused));
}

/// Converts one document. `text` must keep the file's line numbering (the loader pads
/// the body), so every position reported is a position in the file.
pub fn convert(text: &str, opts: MdOptions) -> Converted {
    if MEMO.lock().unwrap_or_else(|e| e.into_inner()).is_none() {
        return convert_text(text, opts);
    }
    let key = (quick_hash(text.as_bytes()), text.len(), opts.allow_html, opts.validate_only, opts.no_text);
    {
        let mut memo = MEMO.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(m) = memo.as_mut() {
            if let Some(c) = m.current.get(&key) {
                return c.clone();
            }
            if let Some(c) = m.previous.remove(&key) {
                m.current.insert(key, c.clone());
                return c;
            }
        }
    }
    let c = convert_text(text, opts);
    if let Some(m) = MEMO.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
        m.current.insert(key, c.clone());
    }
    c
}

/// A fast 64-bit hash of a document, eight bytes at a time; the memo's key with the length.
fn quick_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().unwrap_or_default());
        h = (h.rotate_left(23) ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    for &b in chunks.remainder() {
        h = (h.rotate_left(23) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    h ^ (h >> 29)
}

fn convert_text(text: &str, opts: MdOptions) -> Converted {
    convert_with(text, opts, stand_ins(text))
}

/// Converts `text`, parsing `plain` instead when its citations were replaced by stand-ins.
fn convert_with(text: &str, opts: MdOptions, plain: Option<StandIns>) -> Converted {
    let parsed: Arc<Mutex<Vec<Result<Vec<CiteItem>, String>>>> = Arc::default();
    let mut options = Options::default();
    options.extension.strikethrough = true;
    options.extension.table = true;
    options.extension.autolink = true;
    options.extension.footnotes = true;
    options.render.r#unsafe = opts.allow_html;
    options.render.escape = !opts.allow_html;
    let sink = parsed.clone();
    options.parse.broken_link_callback = Some(Arc::new(move |r: BrokenLinkReference| {
        let c = parse_citation(r.original)?;
        let mut v = sink.lock().unwrap();
        v.push(c);
        Some(ResolvedReference { url: cite_url(v.len() - 1), title: String::new() })
    }));

    let arena = Arena::new();
    let source = plain.as_ref().map_or(text, |p| &p.text);
    let root = parse_document(&arena, source, &options);
    let mut parsed = std::mem::take(&mut *parsed.lock().unwrap());
    if memmem::find(source.as_bytes(), b"][^").is_some() {
        footnoted_citations(&arena, root, source, &mut parsed);
    }
    if let Some(p) = plain {
        put_back(&arena, root, p.found, &mut parsed);
    }
    let mut out = Converted::default();

    let excerpt_nodes = take_excerpts(root, &parsed, &mut out);

    // Every remaining citation link becomes a placeholder.
    for node in std::iter::once(root).chain(excerpt_nodes.iter().flat_map(|(_, n)| n.iter().copied())) {
        let links: Vec<Node<'_>> = node.descendants().filter(|n| cite_index(n).is_some()).collect();
        for n in links {
            let Some(idx) = cite_index(n) else { continue };
            let pos = n.data().sourcepos;
            match &parsed[idx] {
                Ok(items) => {
                    let mark = out.citations.len();
                    out.citations.push(CitationMark {
                        items: items.clone(),
                        line: pos.start.line,
                        column: pos.start.column,
                    });
                    let mut raw = String::with_capacity(8);
                    raw.push(MARK_OPEN);
                    crate::text::push_number(&mut raw, mark as u64);
                    raw.push(MARK_CLOSE);
                    replace_with_raw(n, raw);
                }
                Err(msg) => {
                    out.problems.push(problem("E011", pos, format!("malformed citation: {msg}"), "write citations like `[@key]`, `[@key, S. 6]` or `[@a; @b, p. 3]`; write `\\[@` for a literal bracket"));
                    let original = n.collect_text();
                    replace_with_text(n, format!("[{original}]"));
                }
            }
        }
    }

    // `dossier check` needs the problems and positions alone: heading ids are for pages.
    if opts.validate_only {
        out.excerpts = excerpt_nodes.into_iter().map(|(mark, _)| mark).collect();
        char_columns(text, &mut out);
        return out;
    }

    // Heading ids, in document order, for the table of contents and the renderer.
    let mut anchorizer = Anchorizer::new();
    for id in RESERVED_IDS {
        anchorizer.anchorize(id);
    }
    let mut ids = VecDeque::new();
    for n in root.descendants() {
        if let NodeValue::Heading(h) = &n.data().value {
            let text = n.collect_text();
            let id = anchorizer.anchorize(&text);
            if (2..=3).contains(&h.level) {
                out.headings.push(Heading { level: h.level, id: id.clone(), text: text.trim().to_string() });
            }
            ids.push_back(id);
        }
    }

    // The body's plain text and HTML are about as long as its Markdown, and a little longer: made in place.
    if !opts.no_text {
        out.text = plain_text(root, text.len()).into();
    }

    let headings = HeadingIds(Mutex::new(ids));
    let mut plugins = Plugins::default();
    plugins.render.heading_adapter = Some(&headings);
    plugins.render.codefence_syntax_highlighter = Some(&Highlighter);
    let mut html = String::with_capacity(text.len() + text.len() / 2);
    format_html_with_plugins(root, &options, &mut html, &plugins).expect("writing to a String");
    out.html = html.into();

    let mut excerpt_plugins = Plugins::default();
    excerpt_plugins.render.codefence_syntax_highlighter = Some(&Highlighter);
    for (mut mark, nodes) in excerpt_nodes {
        let holder = arena.alloc(NodeValue::Document.into());
        for n in nodes {
            holder.append(n);
        }
        format_html_with_plugins(holder, &options, &mut mark.html, &excerpt_plugins).expect("writing to a String");
        if !opts.no_text {
            mark.text = plain_text(holder, 0);
        }
        out.excerpts.push(mark);
    }
    char_columns(text, &mut out);
    out
}

/// Opens and closes a citation's stand-in (see [`stand_ins`]); both are punctuation, like the brackets they replace.
const STAND_OPEN: &str = "\u{27E6}";
const STAND_CLOSE: &str = "\u{27E7}";

/// A document with its plainly written citations replaced by stand-ins, and those citations in order.
struct StandIns {
    text: String,
    /// Items and position (line, byte column) of the `[` of each citation; a stand-in holds its index here.
    found: Vec<(Vec<CiteItem>, usize, usize)>,
}

/// Replaces every plainly written citation (`[@key, S. 6]` after a space or at a line's start, on one line, with no
/// inline syntax inside) by a stand-in of the same length: `⟦`, its number padded with zeros, `⟧`. comrak reads a
/// stand-in as text, so it skips what it does for a bracket (label folding and lookup, the callback), most of its
/// work on a report; [`put_back`] turns stand-ins into the same citation links afterwards. Where a bracket could mean
/// anything else (code, HTML, a link or definition around it, indented code, an escape), the whole block of lines
/// is left to comrak. `None`: nothing was replaced.
///
/// A citation directly followed by a footnote reference (`[@key, S. 6][^1]`) is a citation here, as in Pandoc;
/// comrak alone would read the pair as a reference link with an unknown label and keep both as text.
fn stand_ins(text: &str) -> Option<StandIns> {
    let bytes = text.as_bytes();
    memchr::memchr(b'[', bytes)?;
    static FINDERS: OnceLock<[memmem::Finder<'static>; 5]> = OnceLock::new();
    let [backticks, tildes, stand_open, link, definition] =
        FINDERS.get_or_init(|| ["```", "~~~", STAND_OPEN, "](", "]:"].map(|s| memmem::Finder::new(s).into_owned()));
    // Fences can hold blank lines and brackets; `⟦` would be mistaken for a stand-in; comrak replaces NUL; a lone
    // carriage return ends a line for comrak, not here.
    if [backticks, tildes, stand_open].iter().any(|f| f.find(bytes).is_some()) || memchr::memchr(0, bytes).is_some() {
        return None;
    }
    // A link definition anywhere may give a citation's label a link (`[@key]: https://…`); footnotes are no links.
    let footnote = |at: usize| {
        let line = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
        let start = bytes[line..at].iter().position(|&b| !matches!(b, b' ' | b'>')).map_or(at, |i| line + i);
        bytes[start..].starts_with(b"[^")
    };
    if !definition.find_iter(bytes).all(footnote) {
        return None;
    }
    if memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n')) {
        return None;
    }
    // Entities that comrak would turn into `⟦`.
    if memchr::memchr(b'&', bytes).is_some()
        && ["&#", "&lobrk;", "&LeftDoubleBracket;"].iter().any(|e| memmem::find(bytes, e.as_bytes()).is_some())
    {
        return None;
    }
    // The text with stand-ins, up to `copied`; made at the first citation found.
    let mut out = String::new();
    let mut copied = 0;
    let mut found = Vec::new();
    // Line number and start of the line last counted up to.
    let (mut line, mut line_start, mut counted) = (1, 0, 0);
    let mut pos = 0;
    let blank = |l: &[u8]| l.iter().all(|&b| b == b' ' || b == b'\t' || b == b'\r');
    let line_end = |from: usize| memchr::memchr(b'\n', &bytes[from..]).map_or(bytes.len(), |i| from + i);
    while pos < bytes.len() {
        // A block: lines up to a blank one.
        let mut end = line_end(pos);
        while blank(&bytes[pos..end]) {
            if end >= bytes.len() {
                pos = bytes.len();
                break;
            }
            pos = end + 1;
            end = line_end(pos);
        }
        let block_start = pos;
        let mut eligible = true;
        while pos < bytes.len() {
            let end = line_end(pos);
            let l = &bytes[pos..end];
            if blank(l) {
                break;
            }
            eligible &= plain_line(l);
            pos = (end + 1).min(bytes.len());
        }
        let block = &bytes[block_start..pos];
        if !eligible
            || memchr::memchr2(b'`', b'<', block).is_some()
            || link.find(block).is_some()
            || memchr::memchr(b'[', block).is_none()
        {
            continue;
        }
        let mut depth = 0usize;
        let mut i = block_start;
        while let Some(at) = memchr::memchr3(b'\\', b'[', b']', &bytes[i..pos]) {
            let b = i + at;
            match bytes[b] {
                b'\\' => {
                    i = (b + 2).min(pos);
                    continue;
                }
                b']' => depth = depth.saturating_sub(1),
                _ if depth > 0 => depth += 1,
                _ => {
                    if let Some((items, end)) = plain_citation(bytes, b, found.len()) {
                        while let Some(nl) = memchr::memchr(b'\n', &bytes[counted..b]) {
                            line += 1;
                            line_start = counted + nl + 1;
                            counted = line_start;
                        }
                        counted = b;
                        if out.is_empty() {
                            out.reserve(text.len());
                        }
                        // `[` and `]` are ASCII: the text is cut at character boundaries.
                        out.push_str(&text[copied..b]);
                        push_stand_in(&mut out, end + 1 - b, found.len());
                        copied = end + 1;
                        found.push((items, line, b - line_start + 1));
                        i = end + 1;
                        continue;
                    }
                    depth += 1;
                }
            }
            i = b + 1;
            if i >= pos {
                break;
            }
        }
    }
    if found.is_empty() {
        return None;
    }
    out.push_str(&text[copied..]);
    Some(StandIns { text: out, found })
}

/// Whether a line of a block leaves its brackets to inline parsing: not indented code (four spaces or a tab after
/// any quote markers) and not a link or footnote definition (`[label]:`).
fn plain_line(l: &[u8]) -> bool {
    let mut k = 0;
    loop {
        let spaces = l[k..].iter().take_while(|&&b| b == b' ').count();
        if spaces >= 4 || l.get(k + spaces) == Some(&b'\t') {
            return false;
        }
        k += spaces;
        if l.get(k) == Some(&b'>') {
            k += 1;
            if l.get(k) == Some(&b' ') {
                k += 1;
            }
            continue;
        }
        break;
    }
    !(l.get(k) == Some(&b'[') && memmem::find(&l[k..], b"]:").is_some())
}

/// The citation whose `[` is at `open`, if it is written plainly and its stand-in (number `n`) fits in it: its items
/// and the position of its `]`.
fn plain_citation(bytes: &[u8], open: usize, n: usize) -> Option<(Vec<CiteItem>, usize)> {
    if open > 0 && bytes[open - 1] != b' ' && bytes[open - 1] != b'\n' {
        return None;
    }
    let len = memchr::memchr2(b']', b'\n', &bytes[open + 1..])?;
    let close = open + 1 + len;
    if bytes[close] != b']' {
        return None;
    }
    let label = &bytes[open + 1..close];
    // Inline syntax, or what the autolink extension would make a link of (`://`, `www.`).
    let special = |i: usize, b: u8| match b {
        b'[' | b'\\' | b'`' | b'*' | b'_' | b'<' | b'>' | b'&' | b'!' | b'~' | b'|' | b'^' | b'$' | b'\r' => true,
        b':' => label.get(i + 1) == Some(&b'/'),
        b'.' => i >= 3 && label[i - 3..i].eq_ignore_ascii_case(b"www"),
        _ => false,
    };
    if label.iter().enumerate().any(|(i, &b)| special(i, b)) {
        return None;
    }
    match bytes.get(close + 1) {
        Some(b'(' | b':') => return None,
        Some(b'[') if bytes.get(close + 2) != Some(&b'^') => return None,
        _ => {}
    }
    if close + 1 - open < STAND_OPEN.len() + STAND_CLOSE.len() + digits(n) {
        return None;
    }
    let label = std::str::from_utf8(label).ok()?;
    match parse_citation(label)? {
        Ok(items) => Some((items, close)),
        Err(_) => None,
    }
}

fn digits(mut n: usize) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

/// Appends stand-in number `n`, `len` bytes long (long enough for it).
fn push_stand_in(out: &mut String, len: usize, n: usize) {
    out.push_str(STAND_OPEN);
    let width = len - STAND_OPEN.len() - STAND_CLOSE.len();
    for _ in digits(n)..width {
        out.push('0');
    }
    crate::text::push_number(out, n as u64);
    out.push_str(STAND_CLOSE);
}

/// Turns the stand-ins left in text nodes into citation links, as comrak's callback would have made them: link `k`
/// of `found` points to its items, appended to `parsed`, and starts where its `[` was.
fn put_back<'a>(
    arena: &'a Arena<'a>,
    root: Node<'a>,
    found: Vec<(Vec<CiteItem>, usize, usize)>,
    parsed: &mut Vec<Result<Vec<CiteItem>, String>>,
) {
    let base = parsed.len();
    let mut spans = Vec::with_capacity(found.len());
    for (items, line, column) in found {
        parsed.push(Ok(items));
        spans.push((line, column));
    }
    let open = memmem::Finder::new(STAND_OPEN);
    let holders: Vec<Node<'a>> = root
        .descendants()
        .filter(|n| matches!(&n.data().value, NodeValue::Text(t) if open.find(t.as_bytes()).is_some()))
        .collect();
    let mut put = 0;
    for n in holders {
        let text = match &mut n.data_mut().value {
            NodeValue::Text(t) => std::mem::take(t).into_owned(),
            _ => continue,
        };
        let mut rest = 0;
        while let Some(at) = open.find(&text.as_bytes()[rest..]) {
            let start = rest + at;
            let digits_at = start + STAND_OPEN.len();
            let len = text.as_bytes()[digits_at..].iter().take_while(|b| b.is_ascii_digit()).count();
            let Ok(k) = text[digits_at..digits_at + len].parse::<usize>() else { break };
            if !text[digits_at + len..].starts_with(STAND_CLOSE) {
                break;
            }
            if start > rest {
                n.insert_before(arena.alloc(NodeValue::Text(Cow::Owned(text[rest..start].to_string())).into()));
            }
            let Some(&(line, column)) = spans.get(k) else { break };
            let end = column + digits_at + len + STAND_CLOSE.len() - start - 1;
            n.insert_before(cite_link(arena, base + k, Sourcepos::from((line, column, line, end))));
            put += 1;
            rest = digits_at + len + STAND_CLOSE.len();
        }
        if rest >= text.len() {
            n.detach();
        } else {
            let tail = if rest == 0 { text } else { text[rest..].to_string() };
            n.data_mut().value = NodeValue::Text(Cow::Owned(tail));
        }
    }
    debug_assert_eq!(put, spans.len(), "every stand-in is read back as text");
}

/// Turns a citation directly followed by a footnote reference (`[@key, S. 6][^1]`) into a citation link where comrak
/// parsed it (text the stand-ins left alone), as the stand-ins do: comrak reads the pair as a reference link with the
/// unknown label `^1` and keeps `[@key, S. 6]` as text, before the footnote reference (or before `[^1]` as text, when
/// no note of that name exists). Only text that stands in the source exactly as written is taken, so an escaped
/// `\[@key]` stays text. Runs before [`put_back`], on the text comrak parsed.
fn footnoted_citations<'a>(
    arena: &'a Arena<'a>,
    root: Node<'a>,
    source: &str,
    parsed: &mut Vec<Result<Vec<CiteItem>, String>>,
) {
    let before_note =
        |n: Node<'a>| n.next_sibling().is_some_and(|s| matches!(s.data().value, NodeValue::FootnoteReference(_)));
    let candidates: Vec<Node<'a>> = root
        .descendants()
        .filter(|&n| match &n.data().value {
            NodeValue::Text(t) => memmem::find(t.as_bytes(), b"][^").is_some() || (t.ends_with(']') && before_note(n)),
            _ => false,
        })
        .collect();
    if candidates.is_empty() {
        return;
    }
    let lines: Vec<&str> = source.split('\n').collect();
    for n in candidates {
        let pos = n.data().sourcepos;
        let text = match &n.data().value {
            NodeValue::Text(t) => t.to_string(),
            _ => continue,
        };
        let written = lines
            .get(pos.start.line.wrapping_sub(1))
            .and_then(|l| l.get(pos.start.column.saturating_sub(1)..pos.end.column));
        if pos.start.line != pos.end.line || written != Some(text.as_str()) {
            continue;
        }
        // Each `]` before `[^`, and a last `]` before a footnote reference, may close a citation.
        let last = before_note(n).then(|| text.len() - 1);
        let mut cuts = Vec::new();
        let mut from = 0;
        for close in memmem::find_iter(text.as_bytes(), b"][^").chain(last) {
            let Some(open) = text[from..close].rfind('[').map(|i| from + i) else { continue };
            let label = &text[open + 1..close];
            // A stand-in inside is a citation of its own, put back later.
            if label.contains(']') || label.contains(STAND_OPEN) {
                continue;
            }
            let Some(citation) = parse_citation(label) else { continue };
            cuts.push((open, close, citation));
            from = close + 1;
        }
        let (line, column) = (pos.start.line, pos.start.column);
        let mut rest = 0;
        for (open, close, citation) in cuts {
            if open > rest {
                let before = arena.alloc(NodeValue::Text(Cow::Owned(text[rest..open].to_string())).into());
                before.data_mut().sourcepos = Sourcepos::from((line, column + rest, line, column + open - 1));
                n.insert_before(before);
            }
            parsed.push(citation);
            let link = cite_link(arena, parsed.len() - 1, Sourcepos::from((line, column + open, line, column + close)));
            link.append(arena.alloc(NodeValue::Text(Cow::Owned(text[open + 1..close].to_string())).into()));
            n.insert_before(link);
            rest = close + 1;
        }
        if rest >= text.len() {
            n.detach();
        } else if rest > 0 {
            n.data_mut().value = NodeValue::Text(Cow::Owned(text[rest..].to_string()));
            n.data_mut().sourcepos.start.column = column + rest;
        }
    }
}

/// The characters in `bytes` (whole UTF-8): the bytes that do not continue a character, counted eight at a time.
fn char_count(bytes: &[u8]) -> usize {
    let mut chunks = bytes.chunks_exact(8);
    let mut n = 0;
    for c in &mut chunks {
        let v = bytes8::load(c);
        // A continuation byte is 10xxxxxx: its top bit set, the next one clear.
        n += 8 - (v & !(v << 1) & bytes8::HI).count_ones() as usize;
    }
    n + chunks.remainder().iter().filter(|&&b| (b as i8) >= -0x40).count()
}

/// comrak counts columns in bytes; positions are reported in characters, as editors count them. (comrak's own
/// conversion visits every node from the start of its line, which is slow on long paragraphs; only the few
/// positions kept are converted here.)
fn char_columns(text: &str, out: &mut Converted) {
    if out.citations.is_empty() && out.problems.is_empty() && out.excerpts.is_empty() {
        return;
    }
    let starts: Vec<usize> =
        std::iter::once(0).chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1)).collect();
    // Positions come mostly in order, several on one line: the last one's count is carried on.
    let mut last = (0, 0, 0); // line, byte column, characters before it
    let mut convert = |line: usize, column: &mut usize| {
        let Some(&start) = starts.get(line.wrapping_sub(1)) else { return };
        if *column == 0 {
            return;
        }
        let end = starts.get(line).map_or(text.len(), |&next| next - 1);
        let bytes = text[start..end].strip_suffix('\r').unwrap_or(&text[start..end]).as_bytes();
        // Characters starting within the first `column` bytes; a column past the end is one after the last.
        let upto = (*column).min(bytes.len());
        let (from, before) = if last.0 == line && last.1 <= upto { (last.1, last.2) } else { (0, 0) };
        let chars = before + char_count(&bytes[from..upto]);
        last = (line, upto, chars);
        *column = if *column > bytes.len() { chars + 1 } else { chars };
    };
    for c in &mut out.citations {
        convert(c.line, &mut c.column);
    }
    for p in &mut out.problems {
        convert(p.line, &mut p.column);
    }
    for x in &mut out.excerpts {
        convert(x.line, &mut x.column);
    }
}

/// The text of every leaf block (paragraph, heading, table cell, code block), one per line; citation marks are
/// left out, since the sources they name are indexed on their own.
fn plain_text(root: Node<'_>, capacity: usize) -> String {
    let mut text = String::with_capacity(capacity);
    // In document order, as `descendants` would give them, without walking the inline nodes of a leaf block twice.
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        match &n.data().value {
            NodeValue::Paragraph | NodeValue::Heading(_) | NodeValue::TableCell => n.collect_text_append(&mut text),
            NodeValue::CodeBlock(c) => text.push_str(c.literal.trim_end()),
            _ => {
                let from = stack.len();
                stack.extend(n.children());
                stack[from..].reverse();
                continue;
            }
        }
        text.push('\n');
    }
    without_space_before_punctuation(&text)
}

/// The punctuation a space before which goes from the plain text (see [`without_space_before_punctuation`]).
const CLOSING_PUNCTUATION: [u8; 5] = [b'.', b',', b';', b':', b')'];

/// A citation left out leaves a space before the punctuation that followed it: "rechnen [@x]." → "rechnen .".
/// That space goes, in one pass, eight bytes at a time where none of them is a space before punctuation.
fn without_space_before_punctuation(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    let mut i = 0;
    while i + 1 < bytes.len() {
        if let Some(next) = bytes.get(i + 1..i + 9) {
            let (v, w) = (bytes8::load(&bytes[i..i + 8]), bytes8::load(next));
            let punctuation = CLOSING_PUNCTUATION.iter().fold(0, |m, &p| m | bytes8::equal(w, p));
            if bytes8::equal(v, b' ') & punctuation == 0 {
                i += 8;
                continue;
            }
        }
        for k in i..(i + 8).min(bytes.len() - 1) {
            if bytes[k] == b' ' && CLOSING_PUNCTUATION.contains(&bytes[k + 1]) {
                out.push_str(&text[from..k]);
                from = k + 1;
            }
        }
        i += 8;
    }
    out.push_str(&text[from..]);
    out
}

/// The address of a citation link to `parsed[k]`, read back by [`cite_index`].
fn cite_url(k: usize) -> String {
    let mut url = String::from(CITE_SCHEME);
    crate::text::push_number(&mut url, k as u64);
    url
}

/// A citation link to `parsed[k]` at `pos`, made after the parse as comrak's callback would have made it.
fn cite_link<'a>(arena: &'a Arena<'a>, k: usize, pos: Sourcepos) -> Node<'a> {
    let link = arena
        .alloc(NodeValue::Link(Box::new(comrak::nodes::NodeLink { url: cite_url(k), title: String::new() })).into());
    link.data_mut().sourcepos = pos;
    link
}

fn cite_index(n: Node<'_>) -> Option<usize> {
    match &n.data().value {
        NodeValue::Link(l) => l.url.strip_prefix(CITE_SCHEME)?.parse().ok(),
        _ => None,
    }
}

fn replace_with_raw(n: Node<'_>, raw: String) {
    while let Some(c) = n.first_child() {
        c.detach();
    }
    n.data_mut().value = NodeValue::Raw(raw);
}

fn replace_with_text(n: Node<'_>, text: String) {
    while let Some(c) = n.first_child() {
        c.detach();
    }
    n.data_mut().value = NodeValue::Text(Cow::Owned(text));
}

fn problem(code: &'static str, pos: Sourcepos, message: String, help: &str) -> Problem {
    Problem { code, line: pos.start.line, column: pos.start.column, message, help: help.to_string() }
}

/// Detaches the excerpts section and returns each excerpt's mark (source, locator,
/// position) with the nodes of its text.
fn take_excerpts<'a>(
    root: Node<'a>,
    parsed: &[Result<Vec<CiteItem>, String>],
    out: &mut Converted,
) -> Vec<(ExcerptMark, Vec<Node<'a>>)> {
    let is_level = |n: Node<'_>, max: u8| matches!(&n.data().value, NodeValue::Heading(h) if h.level <= max);
    let Some(start) = root.children().find(|n| {
        matches!(&n.data().value, NodeValue::Heading(h) if h.level == 2)
            && n.collect_text().trim().eq_ignore_ascii_case("excerpts")
    }) else {
        return Vec::new();
    };
    let mut section = Vec::new();
    let mut next = start.next_sibling();
    while let Some(n) = next {
        if is_level(n, 2) || matches!(n.data().value, NodeValue::FootnoteDefinition(_)) {
            break;
        }
        next = n.next_sibling();
        section.push(n);
    }
    start.detach();
    let mut excerpts = Vec::new();
    for n in section {
        n.detach();
        let pos = n.data().sourcepos;
        if !matches!(n.data().value, NodeValue::BlockQuote) {
            out.problems.push(problem(
                "E030",
                pos,
                "only quotations belong in the Excerpts section".into(),
                "write each excerpt as a block quote (lines starting with `>`) whose last line is its citation, e.g. `> [@key, S. 6]`",
            ));
            continue;
        }
        let children: Vec<Node<'a>> = n.children().collect();
        let Some((&last, text_nodes)) = children.split_last() else { continue };
        let cites: Vec<Node<'a>> = last.descendants().filter(|d| cite_index(d).is_some()).collect();
        let only_cite = matches!(last.data().value, NodeValue::Paragraph)
            && cites.len() == 1
            && last.children().all(|c| match &c.data().value {
                NodeValue::Text(t) => t.trim().trim_start_matches(['—', '–', '-']).trim().is_empty(),
                NodeValue::SoftBreak | NodeValue::LineBreak => true,
                _ => cite_index(c).is_some(),
            });
        let items = if only_cite { parsed[cite_index(cites[0]).unwrap()].as_ref().ok() } else { None };
        let Some([item]) = items.map(Vec::as_slice) else {
            out.problems.push(problem(
                "E031",
                last.data().sourcepos,
                "an excerpt must end with the citation of its one source".into(),
                "make the last line of the quotation a citation of one source without prefix, e.g. `> [@key, S. 6]`",
            ));
            continue;
        };
        if !item.prefix.is_empty() {
            out.problems.push(problem(
                "E031",
                last.data().sourcepos,
                "an excerpt's citation takes no prefix".into(),
                "write `> [@key, S. 6]`",
            ));
            continue;
        }
        let cite_pos = cites[0].data().sourcepos;
        if text_nodes.is_empty() {
            out.problems.push(problem(
                "E032",
                pos,
                "the excerpt has no text".into(),
                "put the quoted text above its citation",
            ));
            continue;
        }
        let mut text = String::new();
        for t in text_nodes {
            text.push_str(&t.collect_text());
        }
        let trimmed = text.trim();
        if trimmed.starts_with(QUOTE_MARKS) || trimmed.ends_with(QUOTE_MARKS) {
            out.problems.push(problem(
                "E033",
                text_nodes[0].data().sourcepos,
                "quotation marks are typed around the excerpt".into(),
                "remove them: the quotation marks of the report's language are added when the excerpt is shown",
            ));
        }
        let mark = ExcerptMark {
            key: item.key.clone(),
            locator: item.locator.clone(),
            html: String::new(),
            text: String::new(),
            line: cite_pos.start.line,
            column: cite_pos.start.column,
        };
        let nodes = text_nodes.to_vec();
        for t in &nodes {
            t.detach();
        }
        excerpts.push((mark, nodes));
    }
    excerpts
}

/// Writes headings with the ids computed for the table of contents.
struct HeadingIds(Mutex<VecDeque<String>>);

impl HeadingAdapter for HeadingIds {
    fn enter(&self, out: &mut dyn fmt::Write, h: &HeadingMeta, _: Option<Sourcepos>) -> fmt::Result {
        let id = self.0.lock().unwrap().pop_front().unwrap_or_default();
        write!(out, "<h{} id=\"{}\">", h.level, escape(&id))
    }
    fn exit(&self, out: &mut dyn fmt::Write, h: &HeadingMeta) -> fmt::Result {
        write!(out, "</h{}>", h.level)
    }
}

/// Code blocks: syntect with CSS classes (`hl-` prefix) when a language is given; the
/// syntax set is loaded on first use only.
struct Highlighter;

fn syntaxes() -> &'static syntect::parsing::SyntaxSet {
    static SET: OnceLock<syntect::parsing::SyntaxSet> = OnceLock::new();
    SET.get_or_init(syntect::parsing::SyntaxSet::load_defaults_newlines)
}

impl SyntaxHighlighterAdapter for Highlighter {
    fn write_highlighted(&self, out: &mut dyn fmt::Write, lang: Option<&str>, code: &str) -> fmt::Result {
        use syntect::html::{ClassStyle, ClassedHTMLGenerator};
        use syntect::util::LinesWithEndings;
        let lang = lang.map(str::trim).filter(|l| !l.is_empty());
        let syntax = lang.and_then(|l| syntaxes().find_syntax_by_token(l));
        let Some(syntax) = syntax else { return out.write_str(&escape(code)) };
        let mut generator = ClassedHTMLGenerator::new_with_class_style(
            syntax,
            syntaxes(),
            ClassStyle::SpacedPrefixed { prefix: "hl-" },
        );
        for line in LinesWithEndings::from(code) {
            if generator.parse_html_for_line_which_includes_newline(line).is_err() {
                return out.write_str(&escape(code));
            }
        }
        out.write_str(&generator.finalize())
    }
    fn write_pre_tag(&self, out: &mut dyn fmt::Write, attrs: HashMap<&'static str, Cow<'_, str>>) -> fmt::Result {
        write_tag(out, "pre", attrs)
    }
    fn write_code_tag(&self, out: &mut dyn fmt::Write, attrs: HashMap<&'static str, Cow<'_, str>>) -> fmt::Result {
        write_tag(out, "code", attrs)
    }
}

fn write_tag(out: &mut dyn fmt::Write, tag: &str, attrs: HashMap<&'static str, Cow<'_, str>>) -> fmt::Result {
    let mut attrs: Vec<_> = attrs.into_iter().collect();
    attrs.sort();
    write!(out, "<{tag}")?;
    for (k, v) in attrs {
        write!(out, " {k}=\"{}\"", escape(&v))?;
    }
    out.write_str(">")
}

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.bytes().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    escape_into(&mut out, s);
    Cow::Owned(out)
}

/// Whether a byte is one of the five characters [`escape`] replaces (all ASCII, so never part of a longer character).
fn needs_escape(b: u8) -> bool {
    matches!(b, b'<' | b'>' | b'&' | b'"' | b'\'')
}

/// Appends `s` to `out`, escaped as [`escape`] does, without a string of its own.
pub fn escape_into(out: &mut String, s: &str) {
    push_replacing(out, s, |b| match b {
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'&' => Some("&amp;"),
        b'"' => Some("&quot;"),
        b'\'' => Some("&#39;"),
        _ => None,
    });
}

/// Appends `s` to `out` with each ASCII byte that `replace` names replaced by its text. By bytes: an ASCII byte is
/// never part of a longer character.
pub fn push_replacing(out: &mut String, s: &str, replace: impl Fn(u8) -> Option<&'static str>) {
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        let Some(with) = replace(b) else { continue };
        out.push_str(&s[from..i]);
        out.push_str(with);
        from = i + 1;
    }
    out.push_str(&s[from..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_are_counted_as_chars_counts_them() {
        for text in ["", "abc", "Größenordnung", "Привет, мир – „so“", "a😀b€c", "0123456789abcdefé"]
        {
            for end in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
                assert_eq!(char_count(&text.as_bytes()[..end]), text[..end].chars().count(), "{text:?} {end}");
            }
        }
    }

    fn item(prefix: &str, key: &str, locator: &str) -> CiteItem {
        CiteItem { prefix: prefix.into(), key: key.into(), locator: locator.into() }
    }

    #[test]
    fn citation_grammar() {
        assert_eq!(parse_citation("@bti-2024-kaz, S. 6"), Some(Ok(vec![item("", "bti-2024-kaz", "S. 6")])));
        assert_eq!(parse_citation("KNB, siehe @bti, S. 6"), Some(Ok(vec![item("KNB, siehe", "bti", "S. 6")])));
        assert_eq!(
            parse_citation("@a, S. 13; @b; @c, Section F3"),
            Some(Ok(vec![item("", "a", "S. 13"), item("", "b", ""), item("", "c", "Section F3")]))
        );
        assert_eq!(parse_citation("mail info@example.org"), None);
        assert_eq!(parse_citation("no citation"), None);
        assert!(matches!(parse_citation("@a; b"), Some(Err(_))));
        assert!(matches!(parse_citation("@, S. 3"), Some(Err(_))));
    }

    #[test]
    fn converts_citations_to_marks_with_positions() {
        let c = convert(
            "Text [@a, S. 6] and `[@code]` and \\[@esc] and [x@y.org].\n\n[^1]: Note [@b].\n\nSee[^1].\n",
            MdOptions::default(),
        );
        assert_eq!(c.citations.len(), 2, "{:?}", c.citations);
        assert_eq!((c.citations[0].line, c.citations[0].column), (1, 6));
        assert_eq!(c.citations[1].items[0].key, "b");
        assert!(c.html.contains("<code>[@code]</code>"));
        assert!(c.html.contains("[@esc]"));
        assert!(c.html.contains("mailto:x@y.org"), "{}", c.html);
        assert!(c.html.contains(&format!("{MARK_OPEN}0{MARK_CLOSE}")));
        // The plain text (for the index) leaves citations out, and the spaces they leave before punctuation.
        let t =
            convert("Lage [@a]. Kosten [@a], Frist [@a]; Ort [@a]: (siehe [@a]) und  [@a].\n", MdOptions::default());
        assert_eq!(&*t.text, "Lage. Kosten, Frist; Ort: (siehe) und .\n");
    }

    /// What a conversion yields, to compare one made with stand-ins against one made by comrak alone.
    fn outcome(c: &Converted) -> String {
        let cites: Vec<_> = c.citations.iter().map(|m| (&m.items, m.line, m.column)).collect();
        let problems: Vec<_> = c.problems.iter().map(|p| (p.code, p.line, p.column, &p.message)).collect();
        let excerpts: Vec<_> =
            c.excerpts.iter().map(|x| (&x.key, &x.locator, &x.html, &x.text, x.line, x.column)).collect();
        format!("{}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}", c.html, c.text, c.headings, cites, problems, excerpts)
    }

    #[test]
    fn stand_ins_change_nothing_comrak_would_do() {
        let cases = [
            "Text [@a-1, S. 6] und [siehe @b-2; @c-3, para. 4].\n",
            "`code [@key-1]` and\n```\n[@key-2]\n```\n",
            "Para\n\n    [@key-1] indented code\n",
            "> quoted [@key-1, S. 2]\n>\n>     [@key-2] code in a quote\n",
            "[a link [@key-1]](https://example.org) and [@key-2]\n",
            "[t](https://example.org \"[@key-1]\") [@key-2]\n",
            "\\[@key-1] escaped, ![@key-2] image, [@key-3](x), [@key-4]: colon, [@key-5][ref]\n",
            "[@key-1]: https://example.org\n\n[@key-1] again\n",
            "Note[^1] [@key-1].\n\n[^1]: In a note [@key-2].\n    More [@key-3].\n",
            "# Heading [@key-1]\n\n| A | B |\n|---|---|\n| x | y [@key-2] |\n\n- item [@key-3]\n  - nested [@key-4]\n    - deeper [@key-5]\n",
            "*emphasis [@key-1]* and **[@key-2]** and _under [@key-3]_ ~~[@key-4]~~\n",
            "Short [@a] and [@ab] and [@abc] keep comrak's way; [@{braced key}, S. 1]\n",
            "Windows\r\nline [@key-1]\r\n",
            "Lone\rcarriage [@key-1]\n",
            "https://example.org/[@key-1] www.example.org/[@key-2] <https://x.org> [@key-3]\n",
            "Лагерь – „Zitat“ [@key-1, S. 6] und dann [@key-2].\n",
            "Malformed [@] and [siehe ohne Schlüssel; @key-1] and [@key-2; ohne]\n",
            "[outer [@key-1] text] and [@key-2 [inner]]\n",
            "Tab\t[@key-1] and <span>[@key-2]</span>\n",
            "## Excerpts\n\n> Quoted text.\n>\n> [@key-1, S. 2]\n\n> Other.\n> — [@key-2]\n\n> Bad [@key-3; @key-4]\n",
            "Literal ⟦12⟧ and [@key-1]\n",
            "a [@key-1][@key-2] b [@key-3]\n",
            "[@key-1]https://example.org and [@key-2]www.example.org and [@key-3]user@example.org [@key-4]_x_\n",
            "Entities &#x27E6;0&#x27E7; &lobrk;1&robrk; [@key-1] and &amp; [@key-2]\n",
            "Inline `code [@key-1]` and\n`over two lines [@key-2]\n` and [@key-3]\n",
            "\\[@key-1] escaped, ![@key-2] image, [@key-5][ref] reference, \\\\[@key-6] and [@key-7]\n\n[ref]\n",
        ];
        for allow_html in [false, true] {
            for validate_only in [false, true] {
                let opts = MdOptions { allow_html, validate_only, no_text: false };
                for case in cases {
                    // A plain paragraph after each case: stand-ins are used unless the whole document is left out.
                    let text = &format!("{case}\nPlain [@key-9].\n");
                    let alone = convert_with(text, opts, None);
                    let with = convert_with(text, opts, stand_ins(text));
                    assert_eq!(outcome(&with), outcome(&alone), "{text:?}");
                }
            }
        }
        // Most cases above do use stand-ins.
        assert!(stand_ins(cases[0]).is_some_and(|p| p.found.len() == 2));
        // A block with a line indented by four spaces (here a list nested twice) is left to comrak whole.
        assert!(stand_ins(cases[9]).is_some_and(|p| p.found.len() == 2));
        assert!(stand_ins(cases[21]).is_some_and(|p| p.found.len() == 1), "only `[@key-3]` stands alone");
        // Only fences, definitions (or a `]:` anywhere but a footnote), lone carriage returns, `⟦` and entities
        // leave the whole document to comrak.
        for (i, case) in cases.iter().enumerate() {
            let text = format!("{case}\nPlain [@key-9].\n");
            assert_eq!(stand_ins(&text).is_none(), [1, 6, 7, 13, 20, 23].contains(&i), "{text:?}");
        }
    }

    #[test]
    fn stand_ins_change_nothing_on_random_documents() {
        // Documents of random pieces of Markdown syntax around citations, the same every run.
        let pieces = [
            "[@key-1]",
            "[@key-2, S. 6]",
            "[siehe @key-3; @key-4, p. 2]",
            " [@key-5]",
            " [@key-6, Rn. 4]",
            " [@key-5]",
            "\n[@key-7, S. 6]",
            " [@key-8; @key-9]",
            "[@k]",
            "[",
            "]",
            "(",
            ")",
            "`",
            "*",
            "_",
            "\\",
            "!",
            " ",
            " ",
            " ",
            "\n",
            "\n\n",
            "> ",
            "- ",
            "1. ",
            "    ",
            "[^1]",
            "\n\n[^1]: note ",
            "<b>",
            "&amp;",
            "&#x27E6;",
            "https://x.org/",
            "www.x.org",
            "a@b.org",
            ":",
            "|",
            "\n# ",
            "~~",
            "[x](y)",
            "\n\n[x]: /u\n",
            "⟦",
            "0",
            "ä",
            "Лагерь",
            "\t",
            "\r\n",
            "\n---\n",
            "\n```\n",
            "\n| a | b |\n|---|---|\n| ",
            ".",
            ",",
            "\n## Excerpts\n\n> ",
            "\n>\n> ",
            "—",
            "„",
            "“",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let (mut used, mut footnoted) = (0, 0);
        for _ in 0..5000 {
            let len = 2 + next(12);
            let text: String = (0..len).map(|_| pieces[next(pieces.len())]).collect::<String>() + "\n";
            // `[@key][^1][…]` or `[@key][^1](…)`: comrak makes `[^1]` the text of a link, so the citation before it
            // is not followed by a footnote reference there, and the two are meant to differ.
            let note_as_link_text = memmem::find_iter(text.as_bytes(), b"][^").any(|at| {
                let end = text[at + 3..].find(']').map(|i| at + 3 + i + 1);
                end.is_some_and(|e| matches!(text.as_bytes().get(e), Some(b'[' | b'(')))
            });
            if note_as_link_text {
                continue;
            }
            footnoted += usize::from(text.contains("][^"));
            let plain = stand_ins(&text);
            used += usize::from(plain.is_some());
            for validate_only in [false, true] {
                let opts = MdOptions { allow_html: false, validate_only, no_text: false };
                let alone = convert_with(&text, opts, None);
                let with = convert_with(&text, opts, stand_ins(&text));
                assert_eq!(outcome(&with), outcome(&alone), "{text:?}");
            }
        }
        assert!(used > 700, "stand-ins were used in {used} documents only");
        assert!(footnoted > 100, "a citation before a footnote reference came up in {footnoted} documents only");
    }

    #[test]
    fn a_citation_followed_by_a_footnote_reference_is_a_citation() {
        let c = convert("Text [@key-1, S. 6][^1] more.\n\n[^1]: Note.\n", MdOptions::default());
        assert_eq!(c.citations.len(), 1, "{:?}", c.html);
        assert_eq!((c.citations[0].items[0].key.as_str(), c.citations[0].line, c.citations[0].column), ("key-1", 1, 6));
        assert!(c.html.contains(&format!("{MARK_OPEN}0{MARK_CLOSE}<sup class=\"footnote-ref\">")), "{}", c.html);
        assert!(!c.html.contains("[@"), "{}", c.html);
    }

    #[test]
    fn a_citation_followed_by_a_footnote_reference_is_a_citation_where_comrak_parses_it() {
        // A code span keeps the stand-ins out of the block: comrak reads the brackets itself.
        let c = convert(
            "See `x` and [@key-1, S. 6][^1] more.\n\n[^1]: Note [@key-2][^2].\n\n[^2]: Two.\n",
            MdOptions::default(),
        );
        let found: Vec<_> = c.citations.iter().map(|m| (m.items[0].key.as_str(), m.line, m.column)).collect();
        assert_eq!(found, [("key-1", 1, 13), ("key-2", 3, 12)], "{}", c.html);
        assert!(c.html.contains(&format!("{MARK_OPEN}0{MARK_CLOSE}<sup class=\"footnote-ref\">")), "{}", c.html);
        assert_eq!(c.html.matches("class=\"footnote-ref\"").count(), 2, "{}", c.html);
        assert!(!c.html.contains("[@"), "{}", c.html);
        assert!(c.html.contains("<code>x</code>"), "{}", c.html);
        // Written with an escape, as code, or as a malformed citation, it is what it was.
        let escaped = convert("See `x` and \\[@key-1][^1].\n\n[^1]: Note.\n", MdOptions::default());
        assert!(escaped.citations.is_empty() && escaped.html.contains("[@key-1]"), "{}", escaped.html);
        let code = convert("See `[@key-1][^1]`.\n\n[^1]: Note.\n", MdOptions::default());
        assert!(code.citations.is_empty() && code.html.contains("<code>[@key-1][^1]</code>"), "{}", code.html);
        let bad = convert("See `x` [@a; b][^1].\n\n[^1]: Note.\n", MdOptions::default());
        assert_eq!(bad.problems.len(), 1, "{:?}", bad.problems);
        assert_eq!((bad.problems[0].line, bad.problems[0].column), (1, 9));
    }

    #[test]
    fn spaces_before_punctuation_go_at_every_offset() {
        let slow = |text: &str| {
            let b = text.as_bytes();
            let keep = |i: usize| !(b[i] == b' ' && matches!(b.get(i + 1), Some(b'.' | b',' | b';' | b':' | b')')));
            text.char_indices().filter(|&(i, _)| keep(i)).map(|(_, c)| c).collect::<String>()
        };
        for k in 0..20 {
            for tail in [" .", " ,x", " ;", " :ä", " )", "  .", " x.", "\u{1}\u{1} .", " \u{1}."] {
                let text = format!("{}{tail} und „Zitat“ (ebd .) Ende .", "ä".repeat(k % 3) + &"x".repeat(k));
                assert_eq!(without_space_before_punctuation(&text), slow(&text), "{text:?}");
            }
        }
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let text = "Überwachung in Öskemen – Лагерь [@a].\r\n\n| Straße | Quelle |\n|---|---|\n| Ärger | ü [@b] |\n\n> «Zitat» [@c;]\n\n## Excerpts\n\n> Text\n>\n> [@d, S. 2]\n";
        for validate_only in [false, true] {
            let c = convert(text, MdOptions { validate_only, ..MdOptions::default() });
            let at = |line: usize, needle: &str| {
                let l = text.split('\n').nth(line - 1).unwrap();
                (line, l[..l.find(needle).unwrap()].chars().count() + 1)
            };
            let cites: Vec<(usize, usize)> = c.citations.iter().map(|m| (m.line, m.column)).collect();
            assert_eq!(cites, vec![at(1, "[@a]"), at(5, "[@b]")], "validate_only {validate_only}");
            assert_eq!(at(1, "[@a]"), (1, 33));
            let p = c.problems.iter().find(|p| p.code == "E011").expect("the malformed citation");
            assert_eq!((p.line, p.column), at(7, "[@c;]"));
            assert_eq!((c.excerpts[0].line, c.excerpts[0].column), at(13, "[@d"));
        }
    }

    #[test]
    fn headings_get_stable_ids_and_html_is_escaped() {
        let c = convert("## Sources\n\n## Lage in Städten\n\n<b>x</b>\n", MdOptions::default());
        assert_eq!(c.headings[0].id, "sources-1");
        assert_eq!(c.headings[1].id, "lage-in-städten");
        assert!(c.html.contains("&lt;b&gt;x&lt;/b&gt;"), "{}", c.html);
        let c = convert("<b>x</b>\n", MdOptions { allow_html: true, ..MdOptions::default() });
        assert!(c.html.contains("<b>x</b>"));
    }

    #[test]
    fn excerpts_are_taken_out_of_the_body() {
        let md =
            "Body [@a].\n\n## Excerpts\n\n> First para.\n>\n> Second.\n>\n> [@a, S. 6]\n\n> „Quoted“\n>\n> — [@b]\n";
        let c = convert(md, MdOptions::default());
        assert!(!c.html.contains("First para"));
        assert_eq!(c.excerpts.len(), 2);
        assert_eq!(c.excerpts[0].key, "a");
        assert_eq!(c.excerpts[0].locator, "S. 6");
        assert!(c.excerpts[0].html.contains("<p>Second.</p>"));
        assert_eq!(c.problems.len(), 1, "{:?}", c.problems);
        assert_eq!(c.problems[0].code, "E033");
        assert_eq!(c.problems[0].line, 11);
        assert_eq!(c.citations.len(), 1);
    }

    #[test]
    fn code_is_highlighted_with_classes() {
        let c = convert("```rust\nfn main() {}\n```\n", MdOptions::default());
        assert!(c.html.contains("class=\"hl-"), "{}", c.html);
        assert!(!c.html.contains("style="));
    }
}
