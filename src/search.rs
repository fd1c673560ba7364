//! The client-side search index, built from the model (never from rendered HTML) and written as JavaScript data
//! files under `search/`, which the browser loads with `<script>` tags, so search works over HTTP and from
//! `file://` alike. The browser side is `themes/default/static/search.js`; both follow the rules below, and a change
//! to one must be made to the other.
//!
//! Layout of `search/`:
//! - `manifest.js`: document count, the first key of every term shard, facet values with their labels, the
//!   stemmer's rules, UI words.
//! - `t/<hash>.js`: a term shard: a range of the sorted keys (stems with their postings, word forms with their
//!   stems), named by the hash of its first key. The browser finds a key's shard by binary search in the manifest.
//!   Boundaries are chosen by the keys themselves (see `term_shards`), so they stay put when postings change.
//! - `facets.js`: for each facet value but organisations, the documents having it; `facet-organisation.js` the same
//!   for organisations, with their names, loaded only when that filter is used.
//! - `d/<id>-<k>.js`: passage `k` of a document's text, with what a result shows (title, address, kind, a line of
//!   metadata, the number of passages; the summary in passage 0). Postings name the first passage holding each word, so a result
//!   loads exactly one file.
//!
//! Documents are numbered reports first (newest first), then organisations, then sources (newest first), so an
//! empty query lists reports newest first by number alone. Editing a report changes its document files, the shards
//! of its words, `facets.js` and the manifest's version; every other file stays byte-identical.
//!
//! Matching: words are lower-cased and folded (ä → ae, ß → ss, é → e), reduced to a stem by a light suffix
//! stripper shared by German and English, and scored with BM25 over weighted fields (title and id above headings,
//! headings above summary, body text last). Scores are computed here, so the browser only adds numbers.

use crate::model::Site;
use crate::render::{OutData, OutFile};
use crate::text::language_name;
use rayon::prelude::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::Arc;

/// Target size of one term shard, in bytes of postings.
const SHARD_TARGET: usize = 24_000;
const K1: f64 = 1.2;
const B: f64 = 0.75;
/// Scores are stored as integers: `round(score * SCALE)`.
const SCALE: f64 = 16.0;

/// Field weights: how much one occurrence in a field counts towards a term's frequency.
const W_TITLE: u32 = 8;
const W_ID: u32 = 8;
const W_HEADING: u32 = 4;
const W_SUMMARY: u32 = 3;
const W_TERMS: u32 = 3;
const W_NAMES: u32 = 2;
/// Body text counts 2, so half weights stay whole numbers.
const W_BODY: u32 = 2;

/// Words too common to index. Quoted phrases still match them, checked against the document text.
const STOPWORDS: &[&str] = &[
    "a", "als", "am", "an", "and", "are", "as", "at", "auf", "aus", "be", "bei", "by", "das", "dass", "dem", "den",
    "der", "des", "die", "ein", "eine", "einem", "einen", "einer", "eines", "es", "for", "from", "fuer", "im", "in",
    "is", "ist", "it", "its", "mit", "nach", "oder", "of", "on", "or", "sich", "sind", "that", "the", "this", "to",
    "und", "vom", "von", "was", "were", "wird", "with", "wurde", "wurden", "zu", "zum", "zur",
];

/// Suffixes the stemmer strips, longest first; at most two are stripped and a stem keeps at least four letters.
const SUFFIXES: &[&str] = &[
    "erinnen", "heiten", "keiten", "innen", "ungen", "ung", "ing", "ern", "ies", "en", "er", "es", "em", "ed", "e",
    "s", "n",
];
const MIN_STEM: usize = 4;

/// Lower-cases and folds one word: umlauts to two letters, other accents dropped.
pub fn fold(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        fold_into(c, &mut out);
    }
    out
}

/// Appends one character, lower-cased and folded.
fn fold_into(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    // German letters, most of what is not ASCII in our texts, without the general lower-casing.
    let german = match c {
        'ä' | 'Ä' => "ae",
        'ö' | 'Ö' => "oe",
        'ü' | 'Ü' => "ue",
        'ß' => "ss",
        _ => "",
    };
    if !german.is_empty() {
        out.push_str(german);
        return;
    }
    for c in c.to_lowercase() {
        match c {
            'ä' | 'æ' => out.push_str("ae"),
            'ö' | 'œ' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            'à' | 'á' | 'â' | 'ã' | 'å' | 'ā' | 'ă' | 'ą' => out.push('a'),
            'ç' | 'ć' | 'č' => out.push('c'),
            'ď' | 'đ' => out.push('d'),
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => out.push('e'),
            'ğ' => out.push('g'),
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' => out.push('i'),
            'ł' => out.push('l'),
            'ñ' | 'ń' | 'ň' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ø' | 'ō' | 'ő' => out.push('o'),
            'ř' => out.push('r'),
            'ś' | 'š' | 'ş' | 'ș' => out.push('s'),
            'ť' | 'ț' => out.push('t'),
            'ù' | 'ú' | 'û' | 'ů' | 'ū' | 'ű' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'ź' | 'ż' | 'ž' => out.push('z'),
            'ё' => out.push('е'),
            _ => out.push(c),
        }
    }
}

/// Characters that join parts of one token and stay in its joined form: `CAT/C/KAZ/CO/4`, `a-12321-4`, `1.500`.
fn keeps(c: char) -> bool {
    matches!(c, '-' | '/' | '.' | '\u{2011}')
}

/// Characters that join parts of one word and vanish from its joined form: `Expert·innen`, `Expert*innen`.
fn vanishes(c: char) -> bool {
    matches!(c, '·' | '*' | ':' | '_' | '\'' | '\u{2019}' | '\u{ad}' | '\u{200b}')
}

/// One token of text: its parts, folded, and for a joined token its joined form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub parts: Vec<String>,
    pub joined: Option<String>,
}

impl Token {
    /// Every term the token is indexed (and searched) under: its joined form and its parts.
    pub fn terms(&self) -> impl Iterator<Item = &str> {
        self.joined.iter().map(String::as_str).chain(self.parts.iter().map(String::as_str))
    }
}

/// Splits text into tokens. A joiner counts only between two letters or digits.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    scan(text, |joined, buf, bounds| {
        out.push(Token {
            parts: bounds.iter().map(|&(a, b)| buf[a..b].to_string()).collect(),
            joined: joined.map(str::to_string),
        })
    });
    out
}

/// ASCII letters and digits, by byte.
const ASCII_ALNUM: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 128 {
        t[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    t
};

/// Whether `c` is a letter or digit. Below U+3000 (Latin, Greek, Cyrillic, and the dashes and quotation marks of
/// General Punctuation, frequent in our texts) the answer comes from a table filled once by `is_alphanumeric`:
/// Unicode's own lookup took 1.6 % of a build's instructions.
fn is_word_char(c: char) -> bool {
    const TABLE_END: usize = 0x3000;
    static TABLE: std::sync::OnceLock<Box<[bool]>> = std::sync::OnceLock::new();
    match c as usize {
        n if n < 0x80 => ASCII_ALNUM[n],
        n if n < TABLE_END => TABLE.get_or_init(|| {
            (0..TABLE_END as u32).map(|n| char::from_u32(n).is_some_and(char::is_alphanumeric)).collect()
        })[n],
        _ => c.is_alphanumeric(),
    }
}

/// Calls `f(joined form, buffer, part bounds)` for every token of `text`: the parts are `buffer[a..b]`, folded.
/// Buffers are reused and the joined form is built only for tokens with joiners: this is the indexer's hot loop.
fn scan(text: &str, mut f: impl FnMut(Option<&str>, &str, &[(usize, usize)])) {
    let bytes = text.as_bytes();
    let n = bytes.len();
    // The character at byte `i` and its length; ASCII, most of any text, without decoding.
    let at = |i: usize| -> (char, usize) {
        match bytes[i] {
            b if b < 0x80 => (b as char, 1),
            _ => text[i..].chars().next().map_or(('\0', 1), |c| (c, c.len_utf8())),
        }
    };
    // Whether the character at byte `i` joins two parts of one token: a joiner with a letter or digit right after it.
    let joins_at = |i: usize| -> bool {
        let (j, len) = at(i);
        (keeps(j) || vanishes(j)) && i + len < n && is_word_char(at(i + len).0)
    };
    // Lower-cased once: a word of ASCII letters and digits alone (most words) is a slice of it, not a copy.
    let lower = text.to_ascii_lowercase();
    let mut joined = String::new();
    let mut bounds: Vec<(usize, usize)> = Vec::new();
    let mut joiners: Vec<char> = Vec::new();
    let mut buf = String::new();
    // The bounds of a word of ASCII letters and digits alone, a slice of `lower`.
    let mut one = [(0, 0)];
    let mut i = 0;
    while i < n {
        let b = bytes[i];
        if b < 0x80 && !ASCII_ALNUM[b as usize] {
            i += 1;
            continue;
        }
        let mut fast = None;
        if b < 0x80 {
            let mut end = i + 1;
            while end < n && ASCII_ALNUM[bytes[end] as usize] {
                end += 1;
            }
            // The word ends here unless a letter (ASCII or not) or a joiner with a letter after it follows.
            if end >= n || (bytes[end] < 0x80 && !joins_at(end)) {
                fast = Some((i, end));
                i = end;
            }
        }
        if fast.is_none() {
            let (c, len) = at(i);
            if !is_word_char(c) {
                i += len;
                continue;
            }
            buf.clear();
            bounds.clear();
            joiners.clear();
            loop {
                let start = buf.len();
                while i < n {
                    // A run of ASCII letters and digits is copied at once, lower-cased.
                    let mut end = i;
                    while end < n && ASCII_ALNUM[bytes[end] as usize] {
                        end += 1;
                    }
                    if end > i {
                        buf.push_str(&lower[i..end]);
                        i = end;
                        continue;
                    }
                    let (c, len) = at(i);
                    if c.is_ascii() || !is_word_char(c) {
                        break;
                    }
                    fold_into(c, &mut buf);
                    i += len;
                }
                bounds.push((start, buf.len()));
                if i >= n || !joins_at(i) {
                    break;
                }
                let (j, len) = at(i);
                joiners.push(j);
                i += len;
            }
            if !joiners.is_empty() {
                joined.clear();
                for (k, &(a, b)) in bounds.iter().enumerate() {
                    if k > 0 && keeps(joiners[k - 1]) {
                        joined.push(if joiners[k - 1] == '\u{2011}' { '-' } else { joiners[k - 1] });
                    }
                    joined.push_str(&buf[a..b]);
                }
            }
        }
        // One call of `f` for both kinds of word, so that the compiler can put its body in place.
        let (whole, base, parts): (Option<&str>, &str, &[(usize, usize)]) = match fast {
            Some((a, b)) => {
                one[0] = (0, b - a);
                (None, &lower[a..b], &one)
            }
            None => ((!joiners.is_empty()).then_some(joined.as_str()), &buf, &bounds),
        };
        f(whole, base, parts);
    }
}

/// The stem of a folded term. Terms with digits or joiners, and short ones, are their own stem.
pub fn stem(term: &str) -> String {
    term[..stem_len(term)].to_string()
}

/// The length in bytes of a term's stem, which is always a start of the term.
fn stem_len(term: &str) -> usize {
    if !term.chars().all(char::is_alphabetic) {
        return term.len();
    }
    let mut s = term;
    for _ in 0..2 {
        let n = s.chars().count();
        let Some(suf) = SUFFIXES.iter().find(|suf| s.ends_with(*suf) && n - suf.chars().count() >= MIN_STEM) else {
            break;
        };
        s = &s[..s.len() - suf.len()];
    }
    s.len()
}

pub fn is_stopword(term: &str) -> bool {
    STOPWORDS.binary_search(&term).is_ok()
}

const DIGITS: &[u8; 64] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";

/// Appends `v` as a variable-length number: five bits per character, the sixth bit marking that more follow.
pub fn push_varint(out: &mut String, mut v: u32) {
    while v >= 32 {
        out.push(DIGITS[(32 | (v & 31)) as usize] as char);
        v >>= 5;
    }
    out.push(DIGITS[v as usize] as char);
}

/// A sorted list of document numbers, in whichever of two forms is shorter: gaps (`[3, 4, 9]` → 3, 0, 4, each
/// gap minus one after the first), or after a `~` a bitmap, six documents per character, lowest bit first.
fn encode_ids(ids: &[u32]) -> String {
    let mut s = String::new();
    let mut prev: Option<u32> = None;
    debug_assert!(ids.windows(2).all(|w| w[0] < w[1]), "document numbers are sorted and distinct");
    for &id in ids {
        push_varint(&mut s, prev.map_or(id, |p| id - p - 1));
        prev = Some(id);
    }
    let Some(&last) = ids.last() else { return s };
    let width = last as usize / 6 + 2;
    if width < s.len() {
        let mut bits = vec![0u8; width - 1];
        for &id in ids {
            bits[id as usize / 6] |= 1 << (id % 6);
        }
        s.clear();
        s.push('~');
        s.extend(bits.iter().map(|&b| DIGITS[b as usize] as char));
    }
    s
}

/// A searchable document with its weighted term frequencies.
struct Doc {
    kind: usize,
    title: String,
    path: String,
    meta: String,
    summary: String,
    /// The body text, and its passages of about `CHUNK` bytes as ranges of it;
    /// a result loads only the passage of its snippet.
    text: crate::model::Unpacked,
    passages: Vec<(usize, usize)>,
    lang: String,
    /// The document's stems, by number (see [`Stems`]).
    stems: Vec<u32>,
    /// per stem: weighted frequency, and the first body passage holding it
    freq: Vec<(u32, u32)>,
    /// Word forms, with the numbers of their stems, that differ from their stem and that this document was the
    /// first (on its thread) to hold; they go into the index.
    new_forms: Vec<(Box<str>, u32)>,
    length: u32,
    facets: Vec<(usize, usize)>,
}

/// The passage of words outside the body text; postings then point to the first passage.
const NO_PASSAGE: u32 = u32::MAX;

/// The stems of one index build, numbered as they are met; shared by the indexing threads.
#[derive(Default)]
struct Stems(std::sync::Mutex<(FastMap<Box<str>, u32>, Vec<Box<str>>)>);

impl Stems {
    fn number(&self, stem: &str) -> u32 {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let (ids, names) = &mut *guard;
        if let Some(&id) = ids.get(stem) {
            return id;
        }
        let id = names.len() as u32;
        ids.insert(stem.into(), id);
        names.push(stem.into());
        id
    }

    /// The stems by number, leaving none.
    fn take_names(&self) -> Vec<Box<str>> {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        guard.0 = FastMap::default();
        std::mem::take(&mut guard.1)
    }
}

/// Every word form an indexing thread has met, with the number of its stem, so that a form is checked against
/// the stopwords and stemmed once per thread instead of once per document. It belongs to one index build (see
/// `BUILDS`).
#[derive(Default)]
struct Lexicon {
    build: u64,
    stems: Option<Arc<Stems>>,
    /// form → stem number (`u32::MAX` for a stopword), for forms of up to 16 bytes (most), by their bytes
    short: FastMap<ShortForm, u32>,
    /// the same for longer forms
    forms: FastMap<Box<str>, u32>,
    /// per stem number: its slot in the current document's `freq` plus one, or 0
    slot: Vec<u32>,
}

/// A word form of up to 16 bytes, zero-padded, as two numbers: hashed as two numbers, not as bytes.
#[derive(PartialEq, Eq, Clone, Copy)]
struct ShortForm([u64; 2]);

impl ShortForm {
    /// The key of a form of up to 16 bytes. Read in words straight from the form: copying it into a zeroed
    /// buffer first and reading that stalled every lookup until the copy's bytes reached the load.
    fn of(b: &[u8]) -> Option<ShortForm> {
        match b.len() {
            0..=8 => Some(ShortForm([le_padded(b), 0])),
            9..=16 => Some(ShortForm([le_padded(&b[..8]), le_padded(&b[8..])])),
            _ => None,
        }
    }
}

/// Up to eight bytes as a little-endian number, zero-padded.
fn le_padded(b: &[u8]) -> u64 {
    let n = b.len();
    let word = |i: usize| u64::from(u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]));
    match n {
        8 => u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
        // Two overlapping four-byte reads: the second's bytes past the first's are shifted into place.
        4..=7 => word(0) | (word(n - 4) >> (8 * (8 - n))) << 32,
        1..=3 => u64::from(b[0]) | u64::from(b[n / 2]) << (8 * (n / 2)) | u64::from(b[n - 1]) << (8 * (n - 1)),
        _ => 0,
    }
}

impl std::hash::Hash for ShortForm {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.0[0]);
        state.write_u64(self.0[1]);
    }
}

/// Numbers the index builds, so each thread's [`Lexicon`] starts afresh with a new one.
static BUILDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

thread_local! {
    static LEXICON: std::cell::RefCell<Lexicon> = std::cell::RefCell::new(Lexicon::default());
}

/// A fast hasher for the indexer's word maps (keys are our own words, so flooding is no concern).
#[derive(Default)]
struct Fx(u64);

impl std::hash::Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
}

type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fx>>;

/// Documents made at a time (see `build_each`).
const BATCH: usize = 4096;

/// Passage size in bytes of text: a result loads one passage, and every passage is a file.
const CHUNK: usize = 3000;

impl Doc {
    fn new(kind: usize, title: &str, path: &str, lang: &str) -> Doc {
        Doc {
            kind,
            title: title.to_string(),
            path: path.to_string(),
            meta: String::new(),
            summary: String::new(),
            text: Default::default(),
            passages: Vec::new(),
            lang: lang.to_string(),
            stems: Vec::new(),
            freq: Vec::new(),
            new_forms: Vec::new(),
            length: 0,
            facets: vec![(KIND, kind)],
        }
    }

    /// Adds every term of `text` with weight `w`; `passage` is the body passage it is in (`NO_PASSAGE` for other
    /// fields). Each distinct word form is checked and stemmed once per thread (see [`Lexicon`]).
    fn add_in(&mut self, text: &str, w: u32, passage: u32) {
        LEXICON.with_borrow_mut(|lex| self.add_with(lex, text, w, passage));
    }

    fn add_with(&mut self, lex: &mut Lexicon, text: &str, w: u32, passage: u32) {
        let Doc { stems, freq, length, new_forms, .. } = self;
        let numbers = lex.stems.clone().unwrap_or_default();
        scan(text, |joined, buf, bounds| {
            for term in joined.into_iter().chain(bounds.iter().map(|&(a, b)| &buf[a..b])) {
                // A form of up to 16 bytes is its own key, zero-padded (forms hold no zero bytes).
                let key = ShortForm::of(term.as_bytes());
                let known = match key {
                    Some(k) => lex.short.get(&k),
                    None => lex.forms.get(term),
                };
                let id = match known {
                    Some(&id) => id,
                    None => {
                        let id = if is_stopword(term) {
                            u32::MAX
                        } else {
                            let stem = &term[..stem_len(term)];
                            let id = numbers.number(stem);
                            if lex.slot.len() <= id as usize {
                                lex.slot.resize(id as usize + 1, 0);
                            }
                            if stem.len() != term.len() {
                                new_forms.push((term.into(), id));
                            }
                            id
                        };
                        match key {
                            Some(k) => lex.short.insert(k, id),
                            None => lex.forms.insert(term.into(), id),
                        };
                        id
                    }
                };
                if id == u32::MAX {
                    continue;
                }
                let slot = &mut lex.slot[id as usize];
                if *slot == 0 {
                    freq.push((0, NO_PASSAGE));
                    stems.push(id);
                    *slot = freq.len() as u32;
                }
                let f = &mut freq[*slot as usize - 1];
                f.0 += w;
                if f.1 == NO_PASSAGE {
                    f.1 = passage;
                }
            }
            *length += 1;
        });
    }

    /// Ends the document on its thread: the lexicon's slots are freed for the next one.
    fn finish(&mut self) {
        LEXICON.with_borrow_mut(|lex| {
            for &id in &self.stems {
                lex.slot[id as usize] = 0;
            }
        });
    }

    fn add(&mut self, text: &str, w: u32) {
        self.add_in(text, w, NO_PASSAGE);
    }

    /// Sets the body text: split into passages at line ends, each indexed with its number.
    fn body(&mut self, text: impl Into<crate::model::Unpacked>) {
        let text = text.into();
        let (mut start, mut end) = (0, 0);
        for line in text.split_inclusive('\n') {
            if end > start && end - start + line.trim_end_matches('\n').len() > CHUNK {
                self.passages.push((start, end));
                start = end;
            }
            end += line.len();
        }
        if !text[start..end].trim().is_empty() {
            self.passages.push((start, end));
        }
        for (i, &(a, b)) in self.passages.clone().iter().enumerate() {
            self.add_in(&text[a..b], W_BODY, i as u32);
        }
        self.text = text;
    }

    /// Passage `k` of the body text.
    fn passage(&self, k: usize) -> &str {
        self.passages.get(k).map_or("", |&(a, b)| &self.text[a..b])
    }
}

/// One stem's postings while the index is built: (document, weighted frequency, passage) as variable-length
/// numbers, documents as gaps. An archive of 10,000 generated reports has 4.9 million postings: 15 MB this way
/// (about 3 bytes a posting), against 59 MB as triples of `u32` and up to twice that in growing vectors.
#[derive(Default)]
struct Postings {
    bytes: Vec<u8>,
    count: u32,
    last: u32,
}

impl Postings {
    /// Adds a document; documents come in increasing order.
    fn push(&mut self, id: u32, tf: u32, passage: u32) {
        let gap = if self.count == 0 { id } else { id - self.last };
        for v in [gap, tf, passage] {
            let mut v = v;
            while v >= 0x80 {
                self.bytes.push((v as u8) | 0x80);
                v >>= 7;
            }
            self.bytes.push(v as u8);
        }
        self.count += 1;
        self.last = id;
    }

    fn iter(&self) -> impl Iterator<Item = (u32, u32, u32)> + '_ {
        let mut at = 0;
        let mut next = move || {
            let (mut v, mut shift) = (0u32, 0);
            loop {
                let b = self.bytes[at];
                at += 1;
                v |= u32::from(b & 0x7f) << shift;
                if b < 0x80 {
                    return v;
                }
                shift += 7;
            }
        };
        let mut id = 0;
        (0..self.count).map(move |i| {
            let gap = next();
            id = if i == 0 { gap } else { id + gap };
            (id, next(), next())
        })
    }
}

/// Facets, in the order the manifest lists them.
const KIND: usize = 0;
const COUNTRY: usize = 1;
const TOPIC: usize = 2;
const YEAR: usize = 3;
const LANGUAGE: usize = 4;
const ORGANISATION: usize = 5;
const FACETS: [&str; 6] = ["kind", "country", "topic", "year", "language", "organisation"];

/// Builds every file of `search/`.
pub fn build(site: &Site) -> Vec<OutFile> {
    let mut all = Vec::new();
    let _ = build_each(site, &mut |files| {
        all.extend(files);
        Ok(())
    });
    all
}

/// Builds every file of `search/` and hands them to `emit` a few thousand at a time: the document files, most of
/// the index, are written with each batch of documents made, so neither they nor the documents' texts are ever
/// held all at once. An error of `emit` stops the build and is returned. Nothing, when `[search] enabled = false`.
pub fn build_each(site: &Site, emit: &mut dyn FnMut(Vec<OutFile>) -> Result<(), String>) -> Result<(), String> {
    if !site.config.search.enabled {
        return Ok(());
    }
    let lap = crate::step_clock("search");
    let w = &site.ui.words;
    let ui = site.ui;
    // Facet values: (key, label) per facet; year and language values are collected as they come.
    let mut values: Vec<Vec<(String, String)>> = vec![Vec::new(); FACETS.len()];
    values[KIND] = vec![
        ("report".into(), w.kind_report.into()),
        ("organisation".into(), w.kind_organisation.into()),
        ("source".into(), w.kind_source.into()),
    ];
    values[COUNTRY] = site.countries.iter().map(|t| (t.slug.clone(), t.name.clone())).collect();
    values[TOPIC] = site.topics.iter().map(|t| (t.slug.clone(), t.name.clone())).collect();
    values[ORGANISATION] = site.organisations.iter().map(|o| (o.slug.clone(), o.name.clone())).collect();
    let mut years: BTreeMap<i32, usize> = BTreeMap::new();
    let mut langs: BTreeMap<String, usize> = BTreeMap::new();
    for r in &site.reports {
        years.insert(r.date.year, 0);
        langs.insert(r.language.clone(), 0);
    }
    for s in &site.sources {
        years.insert(s.date.year, 0);
        if let Some(l) = &s.language {
            langs.insert(l.clone(), 0);
        }
    }
    for (i, (y, slot)) in years.iter_mut().rev().enumerate() {
        *slot = i;
        values[YEAR].push((y.to_string(), y.to_string()));
    }
    for (i, (l, slot)) in langs.iter_mut().enumerate() {
        *slot = i;
        values[LANGUAGE].push((l.clone(), language_name(l, ui)));
    }

    let mut sources_by_date: Vec<usize> = (0..site.sources.len()).collect();
    sources_by_date.sort_by(|&a, &b| site.sources[b].date.cmp(&site.sources[a].date).then(a.cmp(&b)));

    let report_doc = |r: &crate::model::Report| -> Doc {
        let mut d = Doc::new(0, &r.title, &r.path, &r.language);
        d.add(&r.title, W_TITLE);
        d.add(&r.id, W_ID);
        for h in &r.toc {
            d.add(&h.text, W_HEADING);
        }
        if let Some(s) = &r.summary {
            d.add(s, W_SUMMARY);
            d.summary = s.clone();
        }
        let names: Vec<&str> = r
            .countries
            .iter()
            .map(|&c| site.countries[c].name_in(&r.language))
            .chain(r.topics.iter().map(|&t| site.topics[t].name_in(&r.language)))
            .collect();
        for n in &names {
            d.add(n, W_TERMS);
        }
        for &o in &r.organisations {
            let org = &site.organisations[o];
            d.add(&org.name, W_NAMES);
            if let Some(s) = &org.short {
                d.add(s, W_NAMES);
            }
        }
        for b in &r.bibliography {
            d.add(&site.sources[b.source].title, W_BODY / 2);
        }
        d.body(r.text.get());
        let mut meta = vec![r.id.clone(), r.locale.date(&r.date)];
        meta.extend(names.iter().take(r.countries.len()).map(|s| s.to_string()));
        d.meta = meta.join(" · ");
        d.facets.extend(r.countries.iter().map(|&c| (COUNTRY, c)));
        d.facets.extend(r.topics.iter().map(|&t| (TOPIC, t)));
        d.facets.push((YEAR, years[&r.date.year]));
        d.facets.push((LANGUAGE, langs[&r.language]));
        d.facets.extend(r.organisations.iter().map(|&o| (ORGANISATION, o)));
        d
    };
    let org_doc = |oi: usize| {
        let o = &site.organisations[oi];
        let mut d = Doc::new(1, &o.name, &o.path, &site.config.language);
        d.add(&o.name, W_TITLE);
        if let Some(s) = &o.short {
            d.add(s, W_TITLE);
        }
        for a in &o.aliases {
            d.add(a, W_HEADING);
        }
        let description = o
            .description
            .get(&site.config.language)
            .or_else(|| o.description.values().next())
            .cloned()
            .unwrap_or_default();
        for (lang, text) in &o.description {
            if *text != description && !lang.is_empty() {
                d.add(text, W_BODY);
            }
        }
        if let Some(seat) = &o.seat {
            d.add(seat, W_BODY);
        }
        d.meta = [Some(w.kind_organisation.to_string()), o.short.clone(), o.seat.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ");
        d.body(description);
        d.facets.push((ORGANISATION, oi));
        d
    };
    let source_doc = |si: usize| {
        let s = &site.sources[si];
        let org = &site.organisations[s.organisation];
        let mut d = Doc::new(2, &s.title, &s.path, s.language.as_deref().unwrap_or(&site.config.language));
        d.add(&s.title, W_TITLE);
        d.add(&s.key, W_ID);
        for x in [&s.label, &s.symbol].into_iter().flatten() {
            d.add(x, W_ID);
        }
        d.add(&org.name, W_NAMES);
        if let Some(short) = &org.short {
            d.add(short, W_NAMES);
        }
        let mut text = String::new();
        for &(r, g, e, x) in &s.excerpts {
            let ex = &site.reports[r].appendix[g].entries[e].excerpts[x];
            text.push_str(ex.text.trim());
            text.push('\n');
        }
        d.body(text);
        d.meta =
            [Some(org.short.clone().unwrap_or_else(|| org.name.clone())), Some(ui.date(&s.date)), s.symbol.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ");
        d.facets.push((YEAR, years[&s.date.year]));
        if let Some(l) = &s.language {
            d.facets.push((LANGUAGE, langs[l]));
        }
        d.facets.push((ORGANISATION, s.organisation));
        d
    };
    // Documents are made in batches; each batch's words are merged into the postings, and its word maps are
    // dropped before the next, so memory holds the postings and the texts, not every document's word maps.
    let (nr, no) = (site.reports.len(), site.organisations.len());
    let n = nr + no + sources_by_date.len();
    let build = BUILDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let numbers = Arc::new(Stems::default());
    let make = |i: usize| -> Doc {
        LEXICON.with_borrow_mut(|lex| {
            if lex.build != build {
                *lex = Lexicon { build, stems: Some(numbers.clone()), ..Lexicon::default() };
            }
        });
        let mut d = if i < nr {
            report_doc(&site.reports[i])
        } else if i < nr + no {
            org_doc(i - nr)
        } else {
            source_doc(sources_by_date[i - nr - no])
        };
        d.finish();
        d
    };
    // Each document as one file per passage, each with what a result shows: a result loads one file.
    let doc_files = |id: usize, d: &Doc| -> Vec<OutFile> {
        let n = d.passages.len().max(1);
        // Written directly rather than through `data_file`: these are most of the index's files.
        (0..n)
            .map(|k| {
                let x = d.passage(k);
                let mut f = String::with_capacity(x.len() + d.title.len() + d.meta.len() + 128);
                let _ = write!(f, "dossierSearch(\"d/{id}-{k}\",{{\"c\":{n},\"k\":{},\"l\":", d.kind);
                for (key, value) in [
                    ("l", d.lang.as_str()),
                    ("m", &d.meta),
                    // The summary leads the first passage; a later one shows its own matching text.
                    ("s", if k == 0 { &d.summary } else { "" }),
                    ("t", &d.title),
                    ("u", &d.path),
                    ("x", x),
                ] {
                    if key != "l" {
                        let _ = write!(f, ",\"{key}\":");
                    }
                    push_json_str(&mut f, value, true);
                }
                f.push_str("});\n");
                OutFile { path: format!("search/d/{id}-{k}.js"), data: OutData::Text(f) }
            })
            .collect()
    };
    let mut docs: Vec<Doc> = Vec::with_capacity(n);
    // Per stem number: its documents, in document order, with weighted frequency and passage (see [`Postings`]).
    let mut postings: Vec<Postings> = Vec::new();
    let mut forms: FastMap<Box<str>, u32> = FastMap::default();
    let mut making = std::time::Duration::ZERO;
    // Tests set a small batch to exercise the merging on a small site.
    let batch_size = std::env::var("DOSSIER_SEARCH_BATCH").ok().and_then(|v| v.parse().ok()).unwrap_or(BATCH).max(1);
    // Merges a batch's words into the postings (in document order), then drops what scoring does not need.
    let merge =
        |start: usize, batch: &mut Vec<Doc>, postings: &mut Vec<Postings>, forms: &mut FastMap<Box<str>, u32>| {
            for (off, d) in batch.iter_mut().enumerate() {
                let id = (start + off) as u32;
                for (&stem, &(tf, passage)) in d.stems.iter().zip(&d.freq) {
                    let passage = if passage == NO_PASSAGE { 0 } else { passage };
                    if postings.len() <= stem as usize {
                        postings.resize_with(stem as usize + 1, Postings::default);
                    }
                    postings[stem as usize].push(id, tf, passage);
                }
                for (f, stem) in std::mem::take(&mut d.new_forms) {
                    forms.entry(f).or_insert(stem);
                }
                // What only the document files show is dropped too: scoring needs each document's kind, length and
                // facets.
                *d = Doc {
                    kind: d.kind,
                    length: d.length,
                    facets: std::mem::take(&mut d.facets),
                    ..Doc::new(d.kind, "", "", "")
                };
            }
        };
    // A batch is merged on this thread while the workers make the next one; its document files are written as
    // soon as it is made.
    let mut made: Option<(usize, Vec<Doc>)> = None;
    let mut starts = (0..n).step_by(batch_size).peekable();
    while made.is_some() || starts.peek().is_some() {
        let next = starts.next();
        let t0 = std::time::Instant::now();
        let (_, mut batch) = rayon::join(
            || {
                if let Some((start, batch)) = made.as_mut() {
                    merge(*start, batch, &mut postings, &mut forms);
                }
            },
            || {
                next.map(|start| {
                    (start, (start..(start + batch_size).min(n)).into_par_iter().map(make).collect::<Vec<Doc>>())
                })
            },
        );
        making += t0.elapsed();
        if let Some((_, mut batch)) = made.take() {
            docs.append(&mut batch);
        }
        if let Some((start, batch)) = &mut batch {
            emit(batch.par_iter().enumerate().flat_map_iter(|(off, d)| doc_files(*start + off, d)).collect())?;
            // The texts are not kept waiting for the merge.
            batch.par_iter_mut().for_each(|d| (d.text, d.passages) = (Default::default(), Vec::new()));
        }
        made = batch;
    }
    // The threads' lexicons still point to the stems, until the next build replaces them.
    let names = numbers.take_names();

    lap(&format!("documents and postings ({} ms making and merging documents)", making.as_millis()));
    // Lengths are normalised within each kind, so a short organisation profile does not outrank a report that
    // treats the word at length.
    let mut avg = [0.0f64; 3];
    let mut per_kind = [0usize; 3];
    for d in &docs {
        avg[d.kind] += d.length as f64;
        per_kind[d.kind] += 1;
    }
    for k in 0..3 {
        avg[k] = (avg[k] / per_kind[k].max(1) as f64).max(1.0);
    }

    // Each document's length term of BM25, in a list of its own: read once per posting, it costs a cache miss in
    // the documents themselves.
    let norm: Vec<f64> = docs.iter().map(|d| K1 * (1.0 - B + B * d.length as f64 / avg[d.kind])).collect();
    let encoded: FastMap<&str, String> = postings
        .par_iter_mut()
        .enumerate()
        .filter(|(_, list)| list.count > 0)
        .map(|(stem, list)| {
            let term: &str = &names[stem];
            let df = list.count as f64;
            let idf = (1.0 + (n as f64 - df + 0.5) / (df + 0.5)).ln();
            let list = std::mem::take(list);
            let mut s = String::with_capacity(list.bytes.len() * 3 / 2);
            let mut prev: Option<u32> = None;
            for (id, tf, chunk) in list.iter() {
                let tf = tf as f64 / W_BODY as f64;
                let score = idf * tf * (K1 + 1.0) / (tf + norm[id as usize]);
                push_varint(&mut s, prev.map_or(id, |p| id - p - 1));
                push_varint(&mut s, ((score * SCALE).round() as u32).max(1));
                push_varint(&mut s, chunk);
                prev = Some(id);
            }
            (term, s)
        })
        .collect();
    lap("scores");
    let forms: FastMap<&str, &str> = forms.iter().map(|(f, &s)| (&**f, &*names[s as usize])).collect();
    let mut out = term_shards(&encoded, &forms);
    lap("shards");
    let shard_starts: Vec<String> = out.iter().map(|(first, _)| first.clone()).collect();
    let mut out: Vec<OutFile> = out.drain(..).map(|(_, f)| f).collect();

    // Facets: per value, its documents.
    let mut members: Vec<Vec<Vec<u32>>> = values.iter().map(|v| vec![Vec::new(); v.len()]).collect();
    for (id, d) in docs.iter().enumerate() {
        for &(f, v) in &d.facets {
            members[f][v].push(id as u32);
        }
    }
    let encode_facet =
        |f: usize| -> Value { Value::from(members[f].iter().map(|ids| encode_ids(ids)).collect::<Vec<_>>()) };
    let counted = |f: usize| -> Vec<Value> {
        values[f].iter().zip(&members[f]).map(|((key, name), ids)| json!([key, name, ids.len()])).collect()
    };
    let mut facets = serde_json::Map::new();
    for f in [KIND, COUNTRY, TOPIC, YEAR, LANGUAGE] {
        facets.insert(FACETS[f].to_string(), encode_facet(f));
    }
    out.push(data_file("facets", &Value::Object(facets)));
    // Organisations are many: their names travel with their lists, loaded when that filter is used.
    out.push(data_file(
        "facet-organisation",
        &json!({"organisation": encode_facet(ORGANISATION), "values": counted(ORGANISATION)}),
    ));

    // Changes with any shard or facet; added to every data file's address so browsers never mix two builds.
    let version = {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for f in &out {
            if let OutData::Text(t) = &f.data {
                for b in t.bytes() {
                    h ^= b as u64;
                    h = h.wrapping_mul(0x100_0000_01b3);
                }
            }
        }
        format!("{h:016x}")
    };

    lap("facets");
    emit(std::mem::take(&mut out))?;

    // The manifest names every facet with its values, counted over all documents.
    let facet_list: Vec<Value> = FACETS
        .iter()
        .enumerate()
        .map(|(f, name)| {
            let label = match f {
                KIND => w.search_type,
                COUNTRY => w.countries,
                TOPIC => w.topics,
                YEAR => w.years,
                LANGUAGE => w.languages,
                _ => w.organisations,
            };
            let lazy = f == ORGANISATION;
            json!({"name": name, "label": label, "values": if lazy { Vec::new() } else { counted(f) }, "lazy": lazy})
        })
        .collect();
    let manifest = json!({
        "version": version,
        "docs": n,
        "reports": site.reports.len(),
        "shards": shard_starts,
        "facets": facet_list,
        "stopwords": STOPWORDS,
        "suffixes": SUFFIXES,
        "min_stem": MIN_STEM,
        "ui": {
            "results": w.search_results, "one": w.search_one_result, "none": w.search_no_results,
            "more": w.search_more, "clear": w.search_clear, "filters": w.search_filters,
            "loading": w.search_loading,
        },
    });
    emit(vec![data_file("manifest", &manifest)])
}

/// Orders keys as JavaScript compares strings (by UTF-16 code units), so both sides agree on shard ranges.
fn js_order(a: &str, b: &str) -> std::cmp::Ordering {
    // UTF-8 bytes sort as code points do, and code points as UTF-16 does, except that a character beyond U+FFFF
    // (lead byte F0–F4, a surrogate pair in UTF-16) sorts before one of U+E000–U+FFFF (lead byte EE or EF).
    // Up to the first differing byte the strings agree, so both bytes there are lead bytes or neither is.
    let (x, y) = (a.as_bytes(), b.as_bytes());
    match x.iter().zip(y).position(|(p, q)| p != q) {
        None => x.len().cmp(&y.len()),
        Some(i) => match (x[i], y[i]) {
            (0xF0.., 0xEE..=0xEF) => std::cmp::Ordering::Less,
            (0xEE..=0xEF, 0xF0..) => std::cmp::Ordering::Greater,
            (p, q) => p.cmp(&q),
        },
    }
}

/// Splits the sorted keys (stems and word forms) into term shards. Boundaries depend only on the keys at them:
/// a shard starts at a key whose hash has its low bits zero, and around any key whose postings alone fill half a
/// shard. So an edit that changes some postings moves no boundary, and rewrites only the shards of those keys.
/// Returns (start, file) per shard, in key order; a shard's file is named by the hash of its start.
fn term_shards(encoded: &FastMap<&str, String>, forms: &FastMap<&str, &str>) -> Vec<(String, OutFile)> {
    let mut keys: Vec<&str> = encoded.keys().chain(forms.keys()).copied().collect();
    keys.par_sort_unstable_by(|a, b| js_order(a, b));
    keys.dedup();
    // Tests set a small target to exercise many shards on a small site.
    let target = std::env::var("DOSSIER_SEARCH_SHARD_BYTES").ok().and_then(|v| v.parse().ok()).unwrap_or(SHARD_TARGET);
    let size = |k: &str| k.len() + encoded.get(k).map_or(0, |p| p.len() + 6) + forms.get(k).map_or(0, |s| s.len() + 6);
    let total: usize = keys.iter().map(|k| size(k)).sum();
    // Hash boundaries fall every few shards (a power of two keys on average, so a larger archive keeps every
    // second one); between them, a shard also ends where the next key would take it past SHARD_TARGET. An edit
    // moves at most the size cuts up to the next hash boundary.
    let per_region = (keys.len() * 4 * target / total.max(1)).max(1).next_power_of_two() as u32;
    let mut shards: Vec<Vec<&str>> = Vec::new();
    let mut filled = 0;
    for k in keys {
        let n = size(k);
        if shards.is_empty() || fnv32(k) & (per_region - 1) == 0 || (filled > 0 && filled + n > target) {
            shards.push(Vec::new());
            filled = 0;
        }
        shards.last_mut().expect("a shard").push(k);
        filled += n;
    }
    // Each shard is found by the shortest start that sorts after the previous shard's last key. Two starts may
    // not name the same file; the rare second one joins the shard before it.
    let mut named: Vec<(String, Vec<&str>)> = Vec::new();
    let mut used = std::collections::HashSet::new();
    for keys in shards {
        let start = match named.last() {
            None => String::new(),
            Some((_, prev)) => separator(prev.last().expect("non-empty"), keys[0]),
        };
        if used.insert(fnv32(&start)) {
            named.push((start, keys));
        } else {
            named.last_mut().expect("a shard").1.extend(keys);
        }
    }
    named
        .into_par_iter()
        .map(|(start, mut keys)| {
            // `{"f":{form:stem,…},"p":{stem:postings,…}}`, keys in byte order, as `data_file` prints a JSON object,
            // written directly: a shard holds hundreds of keys, and a map of them cost more than writing them.
            keys.sort_unstable();
            let name = format!("t/{:08x}", fnv32(&start));
            let size: usize = keys.iter().map(|k| size(k) + 4).sum();
            let mut s = String::with_capacity(size + name.len() + 40);
            s.push_str("dossierSearch(");
            push_json_str(&mut s, &name, true);
            for (field, open) in [("f", ",{\"f\":{"), ("p", "},\"p\":{")] {
                s.push_str(open);
                let mut first = true;
                for &k in &keys {
                    let value = if field == "f" { forms.get(k).copied() } else { encoded.get(k).map(String::as_str) };
                    let Some(value) = value else { continue };
                    if !first {
                        s.push(',');
                    }
                    first = false;
                    push_json_str(&mut s, k, true);
                    s.push(':');
                    push_json_str(&mut s, value, true);
                }
            }
            s.push_str("}});\n");
            (start, OutFile { path: format!("search/{name}.js"), data: OutData::Text(s) })
        })
        .collect()
}

/// The shortest start of `next` that sorts after `prev` (`prev` < `next`), in UTF-16 order.
fn separator(prev: &str, next: &str) -> String {
    let units: Vec<u16> = next.encode_utf16().collect();
    let prev: Vec<u16> = prev.encode_utf16().collect();
    let mut len = (1..=units.len()).find(|&n| units[..n] > prev[..]).unwrap_or(units.len());
    // Never split a surrogate pair.
    if len < units.len() && (0xDC00..0xE000).contains(&units[len]) {
        len += 1;
    }
    String::from_utf16(&units[..len]).expect("whole characters")
}

/// FNV-1a over a string's UTF-16 code units, as the browser computes it.
pub fn fnv32(s: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for u in s.encode_utf16() {
        h ^= u as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// Appends `s` as a JSON string, escaped as `serde_json` escapes it; with `escape_lt`, `<` too, as `data_file`
/// does, so the string can stand in a script.
pub(crate) fn push_json_str(out: &mut String, s: &str, escape_lt: bool) {
    /// Bytes that need an escape: control characters, `"`, `\\`, and `<` (only with `escape_lt`).
    const SPECIAL: [bool; 256] = {
        let mut t = [false; 256];
        let mut b = 0;
        while b < 0x20 {
            t[b] = true;
            b += 1;
        }
        t[b'"' as usize] = true;
        t[b'\\' as usize] = true;
        t[b'<' as usize] = true;
        t
    };
    out.reserve(s.len() + 2);
    out.push('"');
    use crate::text::bytes8::{below, equal, load as word};
    // The tests combined without branches, so that sixteen bytes are tested at once. Without `escape_lt`, the place
    // of `<` takes a second test for `"`.
    let lt = if escape_lt { b'<' } else { b'"' };
    let mask = |v: u64| below(v, 0x20) | equal(v, b'"') | equal(v, b'\\') | equal(v, lt);
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    // Passage text is thousands of bytes with few to escape: sixteen are checked at a time, then eight, and only
    // eight holding one are looked at byte by byte.
    let mut block_end = 0;
    while i < bytes.len() {
        if i >= block_end {
            if let Some(chunk) = bytes.get(i..i + 16)
                && mask(word(&chunk[..8])) | mask(word(&chunk[8..])) == 0
            {
                i += 16;
                continue;
            }
            if let Some(chunk) = bytes.get(i..i + 8) {
                if mask(word(chunk)) == 0 {
                    i += 8;
                    continue;
                }
                block_end = i + 8;
            }
        }
        let b = bytes[i];
        if !SPECIAL[b as usize] || (b == b'<' && !escape_lt) {
            i += 1;
            continue;
        }
        out.push_str(&s[start..i]);
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            b'<' => out.push_str("\\u003c"),
            _ => {
                let _ = write!(out, "\\u{b:04x}");
            }
        }
        i += 1;
        start = i;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// A data file: one call of the loader's global function, which script tags can run from any origin.
fn data_file(name: &str, data: &Value) -> OutFile {
    let mut s = String::with_capacity(64);
    let _ = writeln!(s, "dossierSearch({},{});", Value::from(name), data);
    // `</script>` cannot appear in JSON text that the browser parses as a script file, but a `<!--` could confuse
    // old parsers; escape `<` everywhere, which JSON allows.
    let s = s.replace('<', "\\u003c");
    OutFile { path: format!("search/{name}.js"), data: OutData::Text(s) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_form_keys_are_the_zero_padded_bytes() {
        let text = "abcdefghijklmnopqrstu";
        for n in 0..=17 {
            let form = &text.as_bytes()[..n];
            let expected = (n <= 16).then(|| {
                let mut b = [0u8; 16];
                b[..n].copy_from_slice(form);
                ShortForm([
                    u64::from_le_bytes(b[..8].try_into().unwrap()),
                    u64::from_le_bytes(b[8..].try_into().unwrap()),
                ])
            });
            assert!(ShortForm::of(form) == expected, "{n} bytes");
        }
    }

    #[test]
    fn keys_sort_as_javascript_compares_strings() {
        let words =
            ["", "a", "ab", "b", "ä", "z", "\u{e000}", "\u{ffff}", "\u{10000}", "\u{1f600}", "a\u{1f600}", "a\u{ef00}"];
        for a in words {
            for b in words {
                assert_eq!(js_order(a, b), a.encode_utf16().cmp(b.encode_utf16()), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn passage_strings_are_json_without_angle_brackets() {
        // Long enough to be checked sixteen and eight bytes at a time, with the characters to escape at every offset
        // of both, after runs with nothing to escape.
        let long: Vec<String> = (0..33)
            .map(|k| {
                format!(
                    "{}{}Überwachung in Almaty, Schymkent und Taras \u{1f} und \"Astana\" \\ <b> {}\"",
                    "x".repeat(k),
                    "\n",
                    "ä".repeat(k)
                )
            })
            .collect();
        let short =
            ["plain", "quote \" and \\ back", "line\nbreak\ttab\r\u{1}\u{1f}", "</script><!--", "Ärger · ß – 😀"];
        for text in short.iter().copied().chain(long.iter().map(String::as_str)) {
            let mut out = String::new();
            push_json_str(&mut out, text, true);
            assert!(!out.contains('<'), "{out}");
            assert_eq!(serde_json::from_str::<String>(&out).unwrap(), text);
            let mut plain = String::new();
            push_json_str(&mut plain, text, false);
            assert_eq!(plain, serde_json::to_string(text).unwrap());
        }
    }

    fn joined(text: &str) -> Vec<String> {
        tokens(text).iter().map(|t| t.joined.clone().unwrap_or_else(|| t.parts.join(""))).collect()
    }

    #[test]
    fn folds_case_and_accents() {
        assert_eq!(fold("Überwachung"), "ueberwachung");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Ueberwachung"), fold("Überwachung"));
        assert_eq!(fold("Présidence"), "presidence");
        assert_eq!(fold("ÄÖÜ"), "aeoeue");
        assert_eq!(fold("Казахстан"), "казахстан");
    }

    #[test]
    fn tokenises_joined_words_and_identifiers() {
        assert_eq!(joined("Expert·innen und Expert*innen"), ["expertinnen", "und", "expertinnen"]);
        assert_eq!(joined("(CAT/C/KAZ/CO/4)"), ["cat/c/kaz/co/4"]);
        assert_eq!(joined("Anfrage a-12321-4."), ["anfrage", "a-12321-4"]);
        assert_eq!(joined("S. 6, 1.500 Personen"), ["s", "6", "1.500", "personen"]);
        let t = &tokens("CAT/C/KAZ/CO/4")[0];
        assert_eq!(t.parts, ["cat", "c", "kaz", "co", "4"]);
        assert_eq!(t.terms().collect::<Vec<_>>(), ["cat/c/kaz/co/4", "cat", "c", "kaz", "co", "4"]);
        // A joiner at the edge of a word is punctuation.
        assert_eq!(joined("- Polizei/ -Folter-"), ["polizei", "folter"]);
        // Words of ASCII letters alone are taken whole; these continue past their ASCII letters.
        assert_eq!(
            joined("„Straße“ – Anwältinnen; Nord-Ästhetik, Menschen\u{ad}rechte… Sicherheit."),
            ["strasse", "anwaeltinnen", "nord-aesthetik", "menschenrechte", "sicherheit"]
        );
    }

    #[test]
    fn stems_word_forms_together() {
        for (a, b) in [
            ("folter", "folterung"),
            ("folter", "foltern"),
            ("menschenrechte", "menschenrechten"),
            ("torture", "tortured"),
            ("tortures", "torture"),
            ("policies", "police"),
            ("journalisten", "journalist"),
            ("kasachstans", "kasachstan"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} / {b}");
        }
        assert_eq!(stem("cat/c/kaz/co/4"), "cat/c/kaz/co/4");
        assert_eq!(stem("2024"), "2024");
        // Short words stay whole, and a stem keeps the first three letters of its word.
        assert_eq!(stem("haus"), "haus");
        for w in ["folterung", "expertinnen", "berichten", "ages"] {
            assert!(w.starts_with(&stem(w)));
        }
    }

    #[test]
    fn stopwords_are_sorted_for_binary_search() {
        let mut sorted = STOPWORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, STOPWORDS);
        assert!(is_stopword("der") && is_stopword("the") && !is_stopword("folter"));
    }

    #[test]
    fn postings_come_back_as_pushed() {
        let pushed = [(0, 2, 0), (1, 300, 5), (7, 16, u32::MAX - 1), (70_000, 1, 0), (u32::MAX, 4_000_000, 2)];
        let mut p = Postings::default();
        for &(id, tf, passage) in &pushed {
            p.push(id, tf, passage);
        }
        assert_eq!(p.count, 5);
        assert_eq!(p.iter().collect::<Vec<_>>(), pushed);
    }

    #[test]
    fn varints_and_gaps() {
        let mut s = String::new();
        for v in [0, 31, 32, 1000, 70_000] {
            push_varint(&mut s, v);
        }
        assert_eq!(s, "0VW1eVmha2");
        assert_eq!(encode_ids(&[3, 4, 9]), "304");
        // Dense lists become bitmaps: documents 0-5 and 7 → 63, 2.
        assert_eq!(encode_ids(&[0, 1, 2, 3, 4, 5, 7]), "~_2");
    }

    #[test]
    fn separators_split_key_ranges() {
        assert_eq!(separator("folt", "folter"), "folte");
        assert_eq!(separator("abc", "b"), "b");
        assert_eq!(separator("ab", "abc"), "abc");
        assert_eq!(separator("straf", "strasse"), "stras");
    }
}
