//! Language-aware text: calendar dates and how each locale writes them, the words the
//! generated parts of a page use (German, Austrian German, English), slugs and the
//! sort key for source lists.
//!
//! No system locale and no ICU: month names and phrases are tables here, so output is
//! the same on every machine.

use serde::Serialize;
use std::cmp::Ordering;
use std::fmt;

/// A calendar date with the precision it was published with: a day, a month or a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Date {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

impl Date {
    /// Parses `YYYY-MM-DD`, `YYYY-MM` or `YYYY`, rejecting impossible days (2024-02-30).
    pub fn parse(s: &str) -> Result<Date, String> {
        let s = s.trim();
        let parts: Vec<&str> = s.split('-').collect();
        let num = |p: &str, len: usize| -> Option<u32> {
            (p.len() == len && p.bytes().all(|b| b.is_ascii_digit())).then(|| p.parse().ok()).flatten()
        };
        let bad = || format!("`{s}` is not a date: write YYYY-MM-DD (or YYYY-MM, YYYY where allowed)");
        let year = parts.first().and_then(|p| num(p, 4)).ok_or_else(bad)? as i32;
        let month = match parts.get(1) {
            None => None,
            Some(p) => Some(num(p, 2).ok_or_else(bad)? as u8),
        };
        let day = match parts.get(2) {
            None => None,
            Some(p) => Some(num(p, 2).ok_or_else(bad)? as u8),
        };
        if parts.len() > 3 {
            return Err(bad());
        }
        if let Some(m) = month {
            if !(1..=12).contains(&m) {
                return Err(format!("`{s}` has no month {m}: months run from 01 to 12"));
            }
            if let Some(d) = day {
                let max = days_in_month(year, m);
                if d == 0 || d > max {
                    return Err(format!("`{s}` does not exist: {} {year} has {max} days", MONTHS_EN[m as usize - 1]));
                }
            }
        }
        Ok(Date { year, month, day })
    }

    pub fn is_full(&self) -> bool {
        self.day.is_some()
    }

    /// ISO 8601 at the date's own precision.
    pub fn iso(&self) -> String {
        match (self.month, self.day) {
            (Some(m), Some(d)) => format!("{:04}-{m:02}-{d:02}", self.year),
            (Some(m), None) => format!("{:04}-{m:02}", self.year),
            _ => format!("{:04}", self.year),
        }
    }

    /// Today's date (UTC) from the system clock.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        Date::from_days((secs / 86_400) as i64)
    }

    /// The day of `SOURCE_DATE_EPOCH` (seconds since 1970-01-01 UTC, the reproducible-builds convention) where
    /// it is set; an error names a value that is not a whole number.
    pub fn source_date_epoch() -> Result<Option<Date>, String> {
        let Some(value) = std::env::var_os("SOURCE_DATE_EPOCH") else { return Ok(None) };
        let value = value.to_string_lossy();
        match value.trim().parse::<i64>() {
            Ok(secs) => Ok(Some(Date::from_days(secs.div_euclid(86_400)))),
            Err(_) => Err(format!(
                "SOURCE_DATE_EPOCH is `{value}`, not a number of seconds since 1970-01-01: set it to one, e.g. \
                 `SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)`, or unset it"
            )),
        }
    }

    /// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    fn from_days(z: i64) -> Date {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
        Date { year: y, month: Some(m), day: Some(d) }
    }
}

impl Ord for Date {
    /// Chronological; a less precise date sorts before the days it contains.
    fn cmp(&self, other: &Self) -> Ordering {
        (self.year, self.month.unwrap_or(0), self.day.unwrap_or(0)).cmp(&(
            other.year,
            other.month.unwrap_or(0),
            other.day.unwrap_or(0),
        ))
    }
}

impl PartialOrd for Date {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.iso())
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_DE: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];
const MONTHS_DE_AT: [&str; 12] = [
    "Jänner",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];

/// The words and formats of one language. Reports pick theirs by `language`; the site
/// chrome uses the site's `language`.
#[derive(Debug, Serialize)]
pub struct Locale {
    pub code: &'static str,
    #[serde(skip)]
    months: &'static [&'static str; 12],
    /// "Day. Month Year" (German) or "Day Month Year" (English).
    #[serde(skip)]
    day_dot: bool,
    pub quote_open: &'static str,
    pub quote_close: &'static str,
    pub words: Words,
}

/// Every fixed phrase the theme and the generated report parts use.
#[derive(Debug, Serialize)]
pub struct Words {
    pub contents: &'static str,
    pub sources: &'static str,
    pub accessed_all: &'static str,
    pub accessed_one: &'static str,
    pub downloaded: &'static str,
    pub appendix: &'static str,
    pub appendix_pointer: &'static str,
    pub source_page: &'static str,
    pub reports: &'static str,
    pub all_reports: &'static str,
    pub newest_reports: &'static str,
    pub countries: &'static str,
    pub topics: &'static str,
    pub years: &'static str,
    pub languages: &'static str,
    pub organisations: &'static str,
    pub documents: &'static str,
    pub cited_in: &'static str,
    pub cited_by_reports: &'static str,
    pub not_cited: &'static str,
    pub website: &'static str,
    pub original: &'static str,
    pub organisation: &'static str,
    pub published: &'static str,
    pub report_type: &'static str,
    pub report_id: &'static str,
    pub language: &'static str,
    pub excerpts: &'static str,
    /// After the count of a paged source's excerpts: which of them its page shows.
    pub excerpts_on_page: &'static str,
    pub locators: &'static str,
    pub home: &'static str,
    pub browse: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub page: &'static str,
    pub skip_to_content: &'static str,
    pub not_found: &'static str,
    pub not_found_text: &'static str,
    pub disclaimer: &'static str,
    pub seat: &'static str,
    pub symbol: &'static str,
    pub source_type: &'static str,
    pub footnotes: &'static str,
    pub main_navigation: &'static str,
    pub feed: &'static str,
    pub cite_this: &'static str,
    pub cite_downloads: &'static str,
    pub cite_sources: &'static str,
    pub search: &'static str,
    pub search_label: &'static str,
    pub search_needs_js: &'static str,
    pub search_results: &'static str,
    pub search_one_result: &'static str,
    pub search_no_results: &'static str,
    pub search_filters: &'static str,
    pub search_type: &'static str,
    pub search_more: &'static str,
    pub search_clear: &'static str,
    pub search_loading: &'static str,
    pub kind_report: &'static str,
    pub kind_organisation: &'static str,
    pub kind_source: &'static str,
}

static EN: Locale = Locale {
    code: "en",
    months: &MONTHS_EN,
    day_dot: false,
    quote_open: "\u{201C}",
    quote_close: "\u{201D}",
    words: Words {
        contents: "Contents",
        sources: "Sources",
        accessed_all: "all sources accessed on {date}",
        accessed_one: "accessed {date}",
        downloaded: "downloaded on {date}",
        appendix: "Annex: Source descriptions and information from selected sources",
        appendix_pointer: "Brief descriptions of the sources used in this report, and excerpts with information from them, are given in the annex.",
        source_page: "source page",
        reports: "Reports",
        all_reports: "All reports",
        newest_reports: "Newest reports",
        countries: "Countries",
        topics: "Topics",
        years: "Years",
        languages: "Languages",
        organisations: "Organisations",
        documents: "Documents",
        cited_in: "Cited in",
        cited_by_reports: "Reports citing it",
        not_cited: "not cited yet",
        website: "Website",
        original: "Original",
        organisation: "Organisation",
        published: "Published",
        report_type: "Type",
        report_id: "ID",
        language: "Language",
        excerpts: "Excerpts",
        excerpts_on_page: "those from the reports on this page",
        locators: "cited at",
        home: "Home",
        browse: "Browse",
        previous: "Previous",
        next: "Next",
        page: "Page",
        skip_to_content: "Skip to content",
        not_found: "Page not found",
        not_found_text: "There is no page at this address. It may have moved; try the list of all reports.",
        disclaimer: "Disclaimer",
        seat: "Seat",
        symbol: "Document symbol",
        source_type: "Kind",
        footnotes: "Notes",
        main_navigation: "Main navigation",
        feed: "Atom feed",
        cite_this: "Cite this report",
        cite_downloads: "For reference managers",
        cite_sources: "its sources (CSL-JSON)",
        search: "Search",
        search_label: "Search the archive",
        search_needs_js: "Searching needs JavaScript. Without it, browse the reports by country, topic, year or organisation.",
        search_results: "{n} results",
        search_one_result: "1 result",
        search_no_results: "No results",
        search_filters: "Filters",
        search_type: "Type",
        search_more: "More results",
        search_clear: "Clear filters",
        search_loading: "Searching…",
        kind_report: "Report",
        kind_organisation: "Organisation",
        kind_source: "Source",
    },
};

const DE_WORDS: Words = Words {
    contents: "Inhaltsverzeichnis",
    sources: "Quellen",
    accessed_all: "Zugriff auf alle Quellen am {date}",
    accessed_one: "Zugriff am {date}",
    downloaded: "heruntergeladen am {date}",
    appendix: "Anhang: Quellenbeschreibungen und Informationen aus ausgewählten Quellen",
    appendix_pointer: "Kurze Beschreibungen der verwendeten Quellen und Auszüge mit Informationen aus ihnen stehen im Anhang.",
    source_page: "Quellenseite",
    reports: "Berichte",
    all_reports: "Alle Berichte",
    newest_reports: "Neueste Berichte",
    countries: "Länder",
    topics: "Themen",
    years: "Jahre",
    languages: "Sprachen",
    organisations: "Organisationen",
    documents: "Dokumente",
    cited_in: "Zitiert in",
    cited_by_reports: "Berichte, die sie zitieren",
    not_cited: "noch nicht zitiert",
    website: "Website",
    original: "Original",
    organisation: "Organisation",
    published: "Veröffentlicht",
    report_type: "Art",
    report_id: "ID",
    language: "Sprache",
    excerpts: "Auszüge",
    excerpts_on_page: "die aus den Berichten auf dieser Seite",
    locators: "zitiert an",
    home: "Startseite",
    browse: "Durchsuchen",
    previous: "Zurück",
    next: "Weiter",
    page: "Seite",
    skip_to_content: "Zum Inhalt springen",
    not_found: "Seite nicht gefunden",
    not_found_text: "Unter dieser Adresse gibt es keine Seite. Vielleicht wurde sie verschoben; versuchen Sie die Liste aller Berichte.",
    disclaimer: "Hinweis",
    seat: "Sitz",
    symbol: "Dokumentsymbol",
    source_type: "Art",
    footnotes: "Anmerkungen",
    main_navigation: "Hauptnavigation",
    feed: "Atom-Feed",
    cite_this: "Diesen Bericht zitieren",
    cite_downloads: "Für Literaturverwaltungen",
    cite_sources: "seine Quellen (CSL-JSON)",
    search: "Suche",
    search_label: "Archiv durchsuchen",
    search_needs_js: "Die Suche braucht JavaScript. Ohne JavaScript finden Sie die Berichte über Länder, Themen, Jahre und Organisationen.",
    search_results: "{n} Treffer",
    search_one_result: "1 Treffer",
    search_no_results: "Keine Treffer",
    search_filters: "Filter",
    search_type: "Art",
    search_more: "Weitere Treffer",
    search_clear: "Filter zurücksetzen",
    search_loading: "Suche läuft …",
    kind_report: "Bericht",
    kind_organisation: "Organisation",
    kind_source: "Quelle",
};

static DE: Locale = Locale {
    code: "de",
    months: &MONTHS_DE,
    day_dot: true,
    quote_open: "\u{201E}",
    quote_close: "\u{201C}",
    words: DE_WORDS,
};

static DE_AT: Locale = Locale {
    code: "de-AT",
    months: &MONTHS_DE_AT,
    day_dot: true,
    quote_open: "\u{201E}",
    quote_close: "\u{201C}",
    words: DE_WORDS,
};

impl Locale {
    /// The locale for a BCP 47 tag: `de-AT` is Austrian German (Jänner), any other `de-*`
    /// is German, everything else falls back to English.
    pub fn for_tag(tag: &str) -> &'static Locale {
        let lower = tag.to_ascii_lowercase();
        if lower == "de-at" {
            &DE_AT
        } else if lower == "de" || lower.starts_with("de-") {
            &DE
        } else {
            &EN
        }
    }

    /// A date at its precision: "19.\u{a0}März 2024", "Februar 2023", "2024";
    /// "19\u{a0}March 2024" in English. A no-break space follows the day.
    pub fn date(&self, d: &Date) -> String {
        // Written piece by piece: dates are printed hundreds of thousands of times in a large build, and
        // `format!` cost several times what the pieces do.
        let mut s = String::with_capacity(24);
        if let Some(m) = d.month {
            if let Some(day) = d.day {
                push_number(&mut s, day.into());
                s.push_str(if self.day_dot { ".\u{a0}" } else { "\u{a0}" });
            }
            s.push_str(self.months[m as usize - 1]);
            s.push(' ');
        }
        if d.year < 0 {
            s.push('-');
        }
        push_number(&mut s, d.year.unsigned_abs().into());
        s
    }

    /// Fills `{date}` in a phrase such as `accessed_all`.
    pub fn with_date(&self, phrase: &str, d: &Date) -> String {
        phrase.replace("{date}", &self.date(d))
    }

    /// The twelve month names, January first.
    pub fn months(&self) -> &'static [&'static str; 12] {
        self.months
    }

    /// Whether a day is written "19. März" (German) rather than "19 March".
    pub fn day_dot(&self) -> bool {
        self.day_dot
    }

    pub fn quote(&self, s: &str) -> String {
        format!("{}{s}{}", self.quote_open, self.quote_close)
    }
}

/// Byte tests eight bytes at a time, on a `u64` read from them (first byte lowest), for the loops that scan
/// whole texts. A byte's test sets its top bit; a bit may also be set, wrongly, above a byte that passed, so only
/// whether any bit is set is exact.
pub mod bytes8 {
    /// The top bit of every byte.
    pub const HI: u64 = 0x8080_8080_8080_8080;
    const LO: u64 = 0x0101_0101_0101_0101;

    /// The eight bytes of `chunk`, which holds eight.
    #[inline]
    pub fn load(chunk: &[u8]) -> u64 {
        u64::from_le_bytes(chunk.try_into().unwrap_or_default())
    }

    /// Bytes of `v` below `n` (`n` up to 128).
    #[inline]
    pub fn below(v: u64, n: u8) -> u64 {
        v.wrapping_sub(LO * u64::from(n)) & !v & HI
    }

    /// Bytes of `v` equal to `b`.
    #[inline]
    pub fn equal(v: u64, b: u8) -> u64 {
        below(v ^ (LO * u64::from(b)), 1)
    }
}

/// Appends `n` in decimal digits.
pub fn push_number(s: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    s.extend(digits[i..].iter().map(|&d| char::from(d)));
}

/// Human name of a language tag, in the language of `ui`.
pub fn language_name(tag: &str, ui: &Locale) -> String {
    let german = ui.day_dot;
    let lower = tag.to_ascii_lowercase();
    let (base, region) = lower.split_once('-').unwrap_or((&lower, ""));
    let name = match (base, german) {
        ("de", true) => "Deutsch",
        ("de", false) => "German",
        ("en", true) => "Englisch",
        ("en", false) => "English",
        ("fr", true) => "Französisch",
        ("fr", false) => "French",
        ("ru", true) => "Russisch",
        ("ru", false) => "Russian",
        _ => return tag.to_string(),
    };
    let region = match (region, german) {
        ("", _) => return name.to_string(),
        ("at", true) => "Österreich",
        ("at", false) => "Austria",
        ("de", true) => "Deutschland",
        ("de", false) => "Germany",
        ("ch", true) => "Schweiz",
        ("ch", false) => "Switzerland",
        ("gb", true) => "Vereinigtes Königreich",
        ("gb", false) => "United Kingdom",
        ("us", true) => "USA",
        ("us", false) => "United States",
        (r, _) => return format!("{name} ({})", r.to_ascii_uppercase()),
    };
    format!("{name} ({region})")
}

/// Lowercase ASCII slug: umlauts transliterated (Österreich → oesterreich, ß → ss),
/// accents dropped, everything else that is not a letter or digit becomes one `-`.
pub fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut dash = false;
    for c in s.chars() {
        let mapped: &str = match c {
            'ä' | 'Ä' => "ae",
            'ö' | 'Ö' => "oe",
            'ü' | 'Ü' => "ue",
            'ß' | 'ẞ' => "ss",
            _ => "",
        };
        let mut push = |t: &str| {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push_str(t);
        };
        if !mapped.is_empty() {
            push(mapped);
        } else if c.is_ascii_alphanumeric() {
            push(&c.to_ascii_lowercase().to_string());
        } else if let Some(base) = strip_accent(c) {
            push(&base.to_string());
        } else {
            dash = true;
        }
    }
    out
}

/// The base letter of common Latin letters with diacritics.
fn strip_accent(c: char) -> Option<char> {
    let base = match c {
        'à' | 'á' | 'â' | 'ã' | 'å' | 'ā' | 'ą' | 'À' | 'Á' | 'Â' | 'Ã' | 'Å' => 'a',
        'ç' | 'ć' | 'č' | 'Ç' | 'Ć' | 'Č' => 'c',
        'ď' | 'đ' | 'Ď' | 'Đ' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' | 'È' | 'É' | 'Ê' | 'Ë' | 'Ě' => 'e',
        'ğ' | 'Ğ' => 'g',
        'ì' | 'í' | 'î' | 'ï' | 'ı' | 'İ' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ł' | 'Ł' => 'l',
        'ñ' | 'ń' | 'ň' | 'Ñ' | 'Ń' | 'Ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ø' | 'ō' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ø' => 'o',
        'ř' | 'Ř' => 'r',
        'ś' | 'š' | 'ş' | 'Ś' | 'Š' | 'Ş' => 's',
        'ť' | 'ţ' | 'Ť' | 'Ţ' => 't',
        'ù' | 'ú' | 'û' | 'ů' | 'ū' | 'Ù' | 'Ú' | 'Û' | 'Ů' => 'u',
        'ý' | 'ÿ' | 'Ý' => 'y',
        'ź' | 'ż' | 'ž' | 'Ź' | 'Ż' | 'Ž' => 'z',
        _ => return None,
    };
    Some(base)
}

/// Sort key for labels: case- and accent-insensitive (DIN 5007-1: ä sorts as a).
pub fn sort_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        let c = match c {
            'ä' | 'Ä' => 'a',
            'ö' | 'Ö' => 'o',
            'ü' | 'Ü' => 'u',
            c => strip_accent(c).unwrap_or(c),
        };
        if c == 'ß' {
            out.push_str("ss");
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_with_precision_and_reject_impossible_days() {
        assert_eq!(Date::parse("2024-03-19").unwrap().iso(), "2024-03-19");
        assert_eq!(Date::parse("2023-02").unwrap().day, None);
        assert_eq!(Date::parse("2024").unwrap().month, None);
        assert!(Date::parse("2024-02-29").is_ok());
        assert!(Date::parse("2023-02-29").is_err());
        assert!(Date::parse("2024-02-30").unwrap_err().contains("29 days"));
        assert!(Date::parse("2024-13-01").is_err());
        assert!(Date::parse("24-01-01").is_err());
        assert!(Date::parse("2024-1-1").is_err());
    }

    #[test]
    fn dates_in_each_locale() {
        let d = Date::parse("2024-01-11").unwrap();
        assert_eq!(Locale::for_tag("de-AT").date(&d), "11.\u{a0}Jänner 2024");
        assert_eq!(Locale::for_tag("de").date(&d), "11.\u{a0}Januar 2024");
        assert_eq!(Locale::for_tag("en").date(&d), "11\u{a0}January 2024");
        assert_eq!(Locale::for_tag("de").date(&Date::parse("2023-02").unwrap()), "Februar 2023");
        assert_eq!(Locale::for_tag("de-AT").date(&Date::parse("2024").unwrap()), "2024");
        assert_eq!(Locale::for_tag("de-AT").words.sources, "Quellen");
    }

    #[test]
    fn slugs_transliterate() {
        assert_eq!(slugify("Österreich"), "oesterreich");
        assert_eq!(slugify("Folter & Misshandlung"), "folter-misshandlung");
        assert_eq!(slugify("  Türkiye "), "tuerkiye");
        assert_eq!(slugify("Côte d’Ivoire"), "cote-d-ivoire");
    }

    #[test]
    fn sort_key_folds_case_and_accents() {
        assert!(sort_key("Österreich") < sort_key("Polen"));
        assert_eq!(sort_key("HRW"), "hrw");
    }

    #[test]
    fn today_is_plausible() {
        assert!(Date::today().year >= 2024);
        assert_eq!(Date::from_days(0).iso(), "1970-01-01");
        assert_eq!(Date::from_days(19_782).iso(), "2024-02-29");
    }
}
