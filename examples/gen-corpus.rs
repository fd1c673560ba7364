//! Generates a deterministic benchmark corpus: N reports in German and English with citations, footnotes and
//! excerpts, drawn from a shared pool of sources and organisations, written as a Dossier site and, for comparison,
//! as a Hugo site and a Zola site with the same content.
//!
//! ```text
//! cargo run --release --example gen-corpus -- --reports 10000 --seed 1 --out bench/corpus/10000
//! ```
//!
//! Writes `OUT/dossier`, `OUT/hugo` and `OUT/zola` (or some of them with `--format dossier,hugo`). The same
//! seed and size always give the same files, whatever the number of threads.

// `*rng.pick(LIST)` picks a `&'static str`; without the `*`, inference asks for a `str` where a `&str` is expected.
#![allow(clippy::explicit_auto_deref)]

use rayon::prelude::*;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------------------------------
// Randomness: splitmix64, seeded per report so that output does not depend on thread scheduling.

#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F));
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 11) as u128 * n as u128) >> 53) as usize
    }
    fn range(&mut self, lo: usize, hi_inclusive: usize) -> usize {
        lo + self.below(hi_inclusive - lo + 1)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Word lists (written for this generator).

struct Country {
    slug: &'static str,
    code: &'static str,
    en: &'static str,
    de: &'static str,
    places: [&'static str; 3],
}

const COUNTRIES: &[Country] = &[
    Country {
        slug: "afghanistan",
        code: "afg",
        en: "Afghanistan",
        de: "Afghanistan",
        places: ["Kabul", "Herat", "Mazar-e Scharif"],
    },
    Country { slug: "syria", code: "syr", en: "Syria", de: "Syrien", places: ["Damaskus", "Aleppo", "Homs"] },
    Country { slug: "iraq", code: "irq", en: "Iraq", de: "Irak", places: ["Bagdad", "Mossul", "Basra"] },
    Country { slug: "iran", code: "irn", en: "Iran", de: "Iran", places: ["Teheran", "Täbris", "Maschhad"] },
    Country { slug: "turkey", code: "tur", en: "Türkiye", de: "Türkei", places: ["Ankara", "İzmir", "Diyarbakır"] },
    Country {
        slug: "russian-federation",
        code: "rus",
        en: "Russian Federation",
        de: "Russische Föderation",
        places: ["Moskau", "Grosny", "Kasan"],
    },
    Country { slug: "ukraine", code: "ukr", en: "Ukraine", de: "Ukraine", places: ["Kyjiw", "Charkiw", "Odesa"] },
    Country { slug: "georgia", code: "geo", en: "Georgia", de: "Georgien", places: ["Tiflis", "Kutaissi", "Batumi"] },
    Country { slug: "armenia", code: "arm", en: "Armenia", de: "Armenien", places: ["Jerewan", "Gjumri", "Wanadsor"] },
    Country {
        slug: "azerbaijan",
        code: "aze",
        en: "Azerbaijan",
        de: "Aserbaidschan",
        places: ["Baku", "Gäncä", "Sumqayıt"],
    },
    Country {
        slug: "kazakhstan",
        code: "kaz",
        en: "Kazakhstan",
        de: "Kasachstan",
        places: ["Almaty", "Astana", "Schymkent"],
    },
    Country {
        slug: "uzbekistan",
        code: "uzb",
        en: "Uzbekistan",
        de: "Usbekistan",
        places: ["Taschkent", "Samarkand", "Nukus"],
    },
    Country {
        slug: "tajikistan",
        code: "tjk",
        en: "Tajikistan",
        de: "Tadschikistan",
        places: ["Duschanbe", "Chudschand", "Chorugh"],
    },
    Country {
        slug: "kyrgyzstan",
        code: "kgz",
        en: "Kyrgyzstan",
        de: "Kirgisistan",
        places: ["Bischkek", "Osch", "Dschalalabad"],
    },
    Country { slug: "somalia", code: "som", en: "Somalia", de: "Somalia", places: ["Mogadischu", "Kismayo", "Baidoa"] },
    Country { slug: "eritrea", code: "eri", en: "Eritrea", de: "Eritrea", places: ["Asmara", "Massawa", "Keren"] },
    Country {
        slug: "ethiopia",
        code: "eth",
        en: "Ethiopia",
        de: "Äthiopien",
        places: ["Addis Abeba", "Mek’ele", "Gonder"],
    },
    Country { slug: "nigeria", code: "nga", en: "Nigeria", de: "Nigeria", places: ["Lagos", "Abuja", "Maiduguri"] },
    Country {
        slug: "pakistan",
        code: "pak",
        en: "Pakistan",
        de: "Pakistan",
        places: ["Karatschi", "Lahore", "Peschawar"],
    },
    Country {
        slug: "bangladesh",
        code: "bgd",
        en: "Bangladesh",
        de: "Bangladesch",
        places: ["Dhaka", "Chittagong", "Sylhet"],
    },
    Country { slug: "belarus", code: "blr", en: "Belarus", de: "Belarus", places: ["Minsk", "Hrodna", "Homel"] },
    Country {
        slug: "venezuela",
        code: "ven",
        en: "Venezuela",
        de: "Venezuela",
        places: ["Caracas", "Maracaibo", "Valencia"],
    },
    Country { slug: "sudan", code: "sdn", en: "Sudan", de: "Sudan", places: ["Khartum", "Port Sudan", "El Fascher"] },
    Country { slug: "yemen", code: "yem", en: "Yemen", de: "Jemen", places: ["Sanaa", "Aden", "Taizz"] },
];

const TOPICS: &[(&str, &str, &str)] = &[
    ("security-situation", "Security situation", "Sicherheitslage"),
    ("security-forces", "Security forces", "Sicherheitsbehörden"),
    ("torture", "Torture and ill-treatment", "Folter und Misshandlung"),
    ("detention", "Detention conditions", "Haftbedingungen"),
    ("freedom-of-expression", "Freedom of expression", "Meinungsfreiheit"),
    ("freedom-of-assembly", "Freedom of assembly", "Versammlungsfreiheit"),
    ("women", "Women's rights", "Frauenrechte"),
    ("children", "Children's rights", "Kinderrechte"),
    ("military-service", "Military service", "Militärdienst"),
    ("returnees", "Returnees", "Rückkehrende"),
    ("minorities", "Ethnic and religious minorities", "Ethnische und religiöse Minderheiten"),
    ("lgbtiq", "LGBTIQ persons", "LGBTIQ-Personen"),
    ("healthcare", "Healthcare", "Gesundheitsversorgung"),
    ("documents", "Identity documents", "Identitätsdokumente"),
    ("judiciary", "Judiciary and fair trial", "Justiz und faires Verfahren"),
    ("internal-displacement", "Internal displacement", "Binnenvertreibung"),
    ("economy", "Economic situation", "Wirtschaftliche Lage"),
    ("blood-feud", "Blood feud", "Blutrache"),
];

const DE_STEMS: &[&str] = &[
    "Sicherheits",
    "Menschenrechts",
    "Verwaltungs",
    "Justiz",
    "Grenz",
    "Flüchtlings",
    "Rückkehr",
    "Versorgungs",
    "Gesundheits",
    "Bildungs",
    "Wahl",
    "Straf",
    "Haft",
    "Bewegungs",
    "Meinungs",
    "Versammlungs",
    "Arbeits",
    "Wohnungs",
    "Lebensmittel",
    "Überwachungs",
    "Einbürgerungs",
    "Aufenthalts",
    "Polizei",
    "Militär",
    "Wehrdienst",
    "Minderheiten",
    "Beschwerde",
    "Ermittlungs",
    "Vollzugs",
    "Melde",
    "Zivilschutz",
    "Staatsangehörigkeits",
];
const DE_TAILS: &[&str] = &[
    "behörde",
    "lage",
    "reform",
    "bestimmung",
    "maßnahme",
    "einrichtung",
    "freiheit",
    "kontrolle",
    "verordnung",
    "stelle",
    "zuständigkeit",
    "vorschrift",
    "anstalt",
    "praxis",
    "verwaltung",
    "statistik",
    "regelung",
    "richtlinie",
    "kommission",
    "überprüfung",
    "befugnis",
    "änderung",
];
const DE_SUBJ_PL: &[&str] = &[
    "die Behörden",
    "lokale Menschenrechtsorganisationen",
    "mehrere Beobachterinnen und Beobachter",
    "Angehörige der Sicherheitskräfte",
    "die Gerichte",
    "Vertreterinnen und Vertreter der Zivilgesellschaft",
    "befragte Rückkehrende",
    "internationale Geldgeber",
    "die Provinzverwaltungen",
    "örtliche Journalistinnen",
    "Anwältinnen und Anwälte",
    "die Staatsanwaltschaften",
];
const DE_VERB_PL: &[&str] = &[
    "berichteten",
    "bestätigten",
    "kritisierten",
    "dokumentierten",
    "bestritten",
    "meldeten",
    "verzeichneten",
    "schilderten",
    "untersuchten",
    "betonten",
];
const DE_OBJ: &[&str] = &[
    "zahlreiche Festnahmen",
    "willkürliche Durchsuchungen",
    "Einschränkungen der Bewegungsfreiheit",
    "Drohungen gegen Angehörige",
    "Verzögerungen bei Gerichtsverfahren",
    "Mängel in der medizinischen Versorgung",
    "Übergriffe an Kontrollpunkten",
    "Engpässe bei Lebensmitteln",
    "die Schließung unabhängiger Medien",
    "neue Meldepflichten für Vereine",
    "Zwangsrekrutierungen junger Männer",
    "überfüllte Hafteinrichtungen",
    "Gebühren für die Ausstellung von Dokumenten",
    "Verhaftungen von Aktivistinnen",
];
const DE_ADJ: &[&str] = &[
    "angespannt",
    "unübersichtlich",
    "weitgehend stabil",
    "regional sehr unterschiedlich",
    "prekär",
    "unverändert",
    "schwer überprüfbar",
    "deutlich verschlechtert",
    "teilweise verbessert",
    "widersprüchlich",
];
const DE_LINK: &[&str] = &[
    "Darüber hinaus",
    "Zudem",
    "Allerdings",
    "Im selben Zeitraum",
    "Nach wie vor",
    "Gleichzeitig",
    "Demgegenüber",
    "Insbesondere",
    "Ferner",
    "Dennoch",
];
const DE_MONTHS: [&str; 12] = [
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
const EN_SUBJ_PL: &[&str] = &[
    "the authorities",
    "local rights groups",
    "several observers",
    "members of the security forces",
    "the courts",
    "civil-society representatives",
    "returnees interviewed",
    "international donors",
    "provincial administrations",
    "local journalists",
    "defence lawyers",
    "prosecutors",
];
const EN_VERB_PL: &[&str] = &[
    "reported",
    "confirmed",
    "criticised",
    "documented",
    "denied",
    "recorded",
    "described",
    "investigated",
    "highlighted",
    "noted",
];
const EN_OBJ: &[&str] = &[
    "numerous arrests",
    "arbitrary house searches",
    "restrictions on freedom of movement",
    "threats against relatives",
    "delays in criminal proceedings",
    "shortcomings in medical care",
    "abuse at checkpoints",
    "food shortages",
    "the closure of independent media outlets",
    "new registration duties for associations",
    "forced recruitment of young men",
    "overcrowded detention facilities",
    "fees for issuing documents",
    "the detention of activists",
];
const EN_ADJ: &[&str] = &[
    "tense",
    "volatile",
    "largely stable",
    "uneven across regions",
    "precarious",
    "unchanged",
    "hard to verify",
    "markedly worse",
    "partly improved",
    "contradictory",
];
const EN_LINK: &[&str] = &[
    "In addition,",
    "Moreover,",
    "However,",
    "Over the same period,",
    "As before,",
    "At the same time,",
    "By contrast,",
    "In particular,",
    "Furthermore,",
    "Nevertheless,",
];
const EN_NOUN: &[&str] = &[
    "security-sector reform",
    "complaints mechanism",
    "border management",
    "registration procedure",
    "detention oversight",
    "civil registry",
    "pre-trial detention",
    "appeals procedure",
    "conscription system",
    "residence permit regime",
    "anti-extremism legislation",
    "witness protection",
    "legal aid scheme",
];
const EN_MONTHS: [&str; 12] = [
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
const CYRILLIC: &[&str] = &[
    "Министерство внутренних дел",
    "Закон о полиции",
    "Комитет национальной безопасности",
    "Генеральная прокуратура",
    "временный изолятор",
    "Верховный суд",
    "права человека",
    "военный комиссариат",
    "паспортный стол",
    "Уголовный кодекс",
    "административное задержание",
    "общественная наблюдательная комиссия",
];
const ORG_FIELDS_EN: &[&str] = &[
    "Human Rights",
    "Migration Studies",
    "Conflict Research",
    "Refugee Law",
    "Democracy",
    "Press Freedom",
    "Peace Studies",
    "Minority Rights",
    "Legal Aid",
    "Security Policy",
    "Prison Reform",
    "Development",
];
const ORG_KINDS_EN: &[&str] =
    &["Institute", "Centre", "Watch", "Monitor", "Observatory", "Network", "Foundation", "Council", "Forum"];
const ORG_ADJ_EN: &[&str] =
    &["International", "Independent", "European", "Regional", "Global", "Eastern", "Open", "United", "Civic"];
const ORG_FIELDS_DE: &[&str] = &[
    "Menschenrechte",
    "Migrationsforschung",
    "Konfliktforschung",
    "Flüchtlingsrecht",
    "Demokratieförderung",
    "Pressefreiheit",
    "Friedensforschung",
    "Minderheitenschutz",
    "Rechtshilfe",
    "Sicherheitspolitik",
];
const ORG_KINDS_DE: &[&str] = &["Institut", "Zentrum", "Stiftung", "Verein", "Forum", "Arbeitsgemeinschaft"];
const SEATS: &[&str] = &[
    "Wien, Österreich",
    "Berlin, Deutschland",
    "Genf, Schweiz",
    "London, United Kingdom",
    "New York, USA",
    "Brüssel, Belgien",
    "Kopenhagen, Dänemark",
    "Tiflis, Georgien",
    "Almaty, Kasachstan",
    "Oslo, Norwegen",
];
const SOURCE_KINDS_EN: &[&str] = &[
    "Annual Report",
    "Country Report",
    "Briefing",
    "Fact Sheet",
    "Situation Update",
    "Thematic Study",
    "Submission to the Universal Periodic Review",
    "Monitoring Report",
    "Press Release",
    "Dataset",
];
const SOURCE_KINDS_DE: &[&str] =
    &["Jahresbericht", "Länderbericht", "Kurzinformation", "Lagebild", "Stellungnahme", "Themenpapier"];

// ---------------------------------------------------------------------------------------------------------------
// The shared pool: organisations and sources.

struct Org {
    slug: String,
    name: String,
    short: String,
    seat: &'static str,
}

struct Source {
    key: String,
    org: usize,
    title: String,
    /// (year, month or 0, day or 0)
    date: (u16, u8, u8),
    url: Option<String>,
    kind: &'static str,
    language: &'static str,
    symbol: Option<String>,
}

fn slugify(s: &str) -> String {
    let mut out = String::new();
    for ch in s.chars().flat_map(char::to_lowercase) {
        match ch {
            'a'..='z' | '0'..='9' => out.push(ch),
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            _ => {
                if !out.is_empty() && !out.ends_with('-') {
                    out.push('-')
                }
            }
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

fn acronym(name: &str) -> String {
    name.split([' ', '-']).filter_map(|w| w.chars().next()).filter(|c| c.is_ascii_uppercase()).collect()
}

fn make_orgs(seed: u64, n: usize) -> Vec<Org> {
    let mut rng = Rng::new(seed, 0x0126);
    let mut orgs: Vec<Org> = Vec::with_capacity(n);
    let mut used = std::collections::HashSet::new();
    while orgs.len() < n {
        let name = match rng.below(4) {
            0 => format!("{} {} {}", rng.pick(ORG_ADJ_EN), rng.pick(ORG_FIELDS_EN), rng.pick(ORG_KINDS_EN)),
            1 => format!("{} for {}", rng.pick(ORG_KINDS_EN), rng.pick(ORG_FIELDS_EN)),
            2 => format!("{} für {}", rng.pick(ORG_KINDS_DE), rng.pick(ORG_FIELDS_DE)),
            _ => {
                let c = rng.pick(COUNTRIES);
                format!("{} {} {}", c.en, rng.pick(ORG_FIELDS_EN), rng.pick(ORG_KINDS_EN))
            }
        };
        let mut slug = slugify(&name);
        if !used.insert(slug.clone()) {
            slug = format!("{slug}-{}", orgs.len());
            used.insert(slug.clone());
        }
        let mut short = acronym(&name);
        if short.len() < 2 {
            short = name.split(' ').next().unwrap_or("X").to_string();
        }
        orgs.push(Org { slug, name, short, seat: *rng.pick(SEATS) });
    }
    orgs
}

fn make_sources(seed: u64, n: usize, orgs: &[Org]) -> Vec<Source> {
    let mut rng = Rng::new(seed, 0x50C);
    (0..n)
        .map(|i| {
            // Some organisations publish far more than others.
            let org = ((orgs.len() as f64) * rng.unit().powi(2)) as usize;
            let year = rng.range(2012, 2025) as u16;
            let date = match rng.below(10) {
                0 => (year, 0, 0),
                1 | 2 => (year, rng.range(1, 12) as u8, 0),
                _ => (year, rng.range(1, 12) as u8, rng.range(1, 28) as u8),
            };
            let country = rng.pick(COUNTRIES);
            let german = rng.chance(0.25);
            let title = if german {
                format!("{} {}: {} {}", rng.pick(SOURCE_KINDS_DE), year, country.de, rng.pick(TOPICS).2)
            } else {
                format!("{} {}: {} – {}", rng.pick(SOURCE_KINDS_EN), year, country.en, rng.pick(TOPICS).1)
            };
            let language = if german {
                "de"
            } else if rng.chance(0.08) {
                "ru"
            } else {
                "en"
            };
            let key = format!("{}-{}-{:05}", orgs[org].short.to_lowercase(), year, i);
            let url =
                if rng.chance(0.93) { Some(format!("https://{}.example.org/doc/{i}", orgs[org].slug)) } else { None };
            let symbol =
                if rng.chance(0.05) { Some(format!("A/HRC/{}/{}", rng.range(40, 58), rng.range(1, 90))) } else { None };
            let kind = *rng.pick(&["report", "report", "webpage", "dataset", "un-document", "news"][..]);
            Source { key, org, title, date, url, kind, language, symbol }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------------------------
// A report, independent of the output format.

#[derive(Clone, Copy, PartialEq)]
enum Lang {
    De,
    DeAt,
    En,
}

impl Lang {
    fn tag(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::DeAt => "de-AT",
            Lang::En => "en",
        }
    }
    fn german(self) -> bool {
        self != Lang::En
    }
}

struct Cite {
    source: usize,
    locator: Option<String>,
    prefix: Option<&'static str>,
}

enum Piece {
    Text(String),
    Cite(Vec<Cite>),
    FootnoteRef(usize),
}

struct Report {
    id: String,
    title: String,
    date: (u16, u8, u8),
    lang: Lang,
    kind: &'static str,
    countries: Vec<usize>,
    topics: Vec<usize>,
    summary: String,
    /// Sections: heading and paragraphs; each paragraph a run of pieces.
    sections: Vec<(String, Vec<Vec<Piece>>)>,
    footnotes: Vec<Vec<Piece>>,
    /// Excerpts: paragraphs of text, then the closing citation.
    excerpts: Vec<(Vec<String>, Cite)>,
    /// Distinct sources cited, in first-use order.
    cited: Vec<usize>,
}

struct Ctx<'a> {
    orgs: &'a [Org],
    sources: &'a [Source],
    /// Popularity rank → source index.
    by_rank: Vec<usize>,
}

impl Ctx<'_> {
    /// A source drawn with a strong skew: a few are cited very often, most rarely.
    fn popular_source(&self, rng: &mut Rng) -> usize {
        let r = ((self.by_rank.len() as f64) * rng.unit().powi(3)) as usize;
        self.by_rank[r.min(self.by_rank.len() - 1)]
    }
}

fn number(rng: &mut Rng, german: bool) -> String {
    let n = match rng.below(3) {
        0 => rng.range(2, 99),
        1 => rng.range(100, 999),
        _ => rng.range(1000, 250_000),
    };
    let digits = n.to_string();
    let sep = if german { '.' } else { ',' };
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(ch);
    }
    out
}

fn compound(rng: &mut Rng) -> String {
    let mut w = rng.pick(DE_STEMS).to_string();
    if rng.chance(0.4) {
        w.push_str(&rng.pick(DE_STEMS).to_lowercase());
    }
    w.push_str(*rng.pick(DE_TAILS));
    w
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// One sentence, without its full stop or citation.
fn sentence(rng: &mut Rng, lang: Lang, country: &Country, ctx: &Ctx, org_hint: usize) -> String {
    let place = rng.pick(&country.places[..]);
    let year = rng.range(2015, 2025);
    let org = &ctx.orgs[org_hint];
    if lang.german() {
        let month = DE_MONTHS[rng.below(12)];
        let month = if lang == Lang::DeAt && month == "Januar" { "Jänner" } else { month };
        match rng.below(9) {
            0 => format!(
                "{} {} im {month} {year} {} in {place}",
                capitalise(*rng.pick(DE_SUBJ_PL)),
                rng.pick(DE_VERB_PL),
                rng.pick(DE_OBJ)
            ),
            1 => format!("Laut {} ({}) sei die Lage in {place} seit {year} {}", org.name, org.short, rng.pick(DE_ADJ)),
            2 => format!(
                "Im Zeitraum von {month} {year} bis {} {} wurden insgesamt {} Vorfälle erfasst, davon rund {} Prozent in der Umgebung von {place}",
                DE_MONTHS[rng.below(12)],
                year + 1,
                number(rng, true),
                rng.range(3, 91)
            ),
            3 => format!(
                "{} sei die {} nach Einschätzung befragter Fachleute {} geblieben",
                rng.pick(DE_LINK),
                compound(rng),
                rng.pick(DE_ADJ)
            ),
            4 => format!(
                "Die {} (russisch: {}) habe im Jahr {year} {} Beschwerden erhalten, von denen nur ein kleiner Teil zu einer Entscheidung geführt habe",
                compound(rng),
                rng.pick(CYRILLIC),
                number(rng, true)
            ),
            5 => {
                format!(
                    "{} {} {} in mehreren Provinzen, darunter auch in {place},",
                    rng.pick(DE_LINK),
                    rng.pick(DE_VERB_PL),
                    rng.pick(DE_SUBJ_PL)
                ) + &format!(" {}", rng.pick(DE_OBJ))
            }
            6 => format!(
                "Eine umfassende {} wurde zwar {year} angekündigt, ihre Umsetzung gilt jedoch als {}",
                compound(rng),
                rng.pick(DE_ADJ)
            ),
            7 => format!(
                "Nach Angaben des {} lebten im {month} {year} rund {} Binnenvertriebene in der Region um {place}",
                org.short,
                number(rng, true)
            ),
            _ => format!(
                "Informationen zur {} in {} konnten im Rahmen der zeitlich begrenzten Recherche nur für das Jahr {year} gefunden werden",
                compound(rng),
                country.de
            ),
        }
    } else {
        let month = EN_MONTHS[rng.below(12)];
        match rng.below(9) {
            0 => format!(
                "{} {} {} in {place} in {month} {year}",
                capitalise(*rng.pick(EN_SUBJ_PL)),
                rng.pick(EN_VERB_PL),
                rng.pick(EN_OBJ)
            ),
            1 => format!(
                "According to the {} ({}), the situation in {place} has been {} since {year}",
                org.name,
                org.short,
                rng.pick(EN_ADJ)
            ),
            2 => format!(
                "Between {month} {year} and {} {}, a total of {} incidents were recorded, about {} per cent of them around {place}",
                EN_MONTHS[rng.below(12)],
                year + 1,
                number(rng, false),
                rng.range(3, 91)
            ),
            3 => format!(
                "{} experts interviewed described the {} as {}",
                rng.pick(EN_LINK),
                rng.pick(EN_NOUN),
                rng.pick(EN_ADJ)
            ),
            4 => format!(
                "The body in charge (in Russian: {}) received {} complaints in {year}, of which only a small share led to a decision",
                rng.pick(CYRILLIC),
                number(rng, false)
            ),
            5 => {
                format!(
                    "{} {} {} in several provinces, including {place},",
                    rng.pick(EN_LINK),
                    rng.pick(EN_SUBJ_PL),
                    rng.pick(EN_VERB_PL)
                ) + &format!(" {}", rng.pick(EN_OBJ))
            }
            6 => format!(
                "A comprehensive {} was announced in {year}, but its implementation remains {}",
                rng.pick(EN_NOUN),
                rng.pick(EN_ADJ)
            ),
            7 => format!(
                "{} estimated that some {} internally displaced persons lived in the area around {place} in {month} {year}",
                org.short,
                number(rng, false)
            ),
            _ => format!(
                "Information on the {} in {} could only be found for {year} within the time-limited research",
                rng.pick(EN_NOUN),
                country.en
            ),
        }
    }
}

fn locator(rng: &mut Rng, lang: Lang) -> Option<String> {
    match rng.below(6) {
        0 | 1 => None,
        2 | 3 => Some(format!("{} {}", if lang.german() { "S." } else { "p." }, rng.range(1, 240))),
        4 => Some(format!("Section {}", rng.range(1, 9))),
        _ => Some(format!("para. {}", rng.range(1, 120))),
    }
}

fn make_report(i: usize, seed: u64, ctx: &Ctx) -> Report {
    let mut rng = Rng::new(seed, 0x1000_0000 + i as u64);
    let lang = match rng.below(20) {
        0..=8 => Lang::En,
        9..=10 => Lang::DeAt,
        _ => Lang::De,
    };
    let german = lang.german();
    let ci = rng.below(COUNTRIES.len());
    let mut countries = vec![ci];
    if rng.chance(0.15) {
        let other = rng.below(COUNTRIES.len());
        if other != ci {
            countries.push(other);
        }
    }
    let country = &COUNTRIES[ci];
    let mut topics: Vec<usize> = Vec::new();
    for _ in 0..rng.range(1, 3) {
        let t = rng.below(TOPICS.len());
        if !topics.contains(&t) {
            topics.push(t);
        }
    }
    let year = rng.range(2016, 2025) as u16;
    let date = (year, rng.range(1, 12) as u8, rng.range(1, 28) as u8);
    let id = format!("{}-{year}-{i:06}", country.code);
    let topic_name = |t: usize| if german { TOPICS[t].2 } else { TOPICS[t].1 };
    let cname = if german { country.de } else { country.en };
    let title = match topics.len() {
        1 => format!("{cname}: {}", topic_name(topics[0])),
        _ => format!(
            "{cname}: {} {} {}",
            topic_name(topics[0]),
            if german { "und" } else { "and" },
            topic_name(topics[1])
        ),
    };
    let title = if rng.chance(0.5) {
        let place = rng.pick(&country.places[..]);
        if german {
            format!("{title}; Lage in {place} seit {}", year - 2)
        } else {
            format!("{title}; situation in {place} since {}", year - 2)
        }
    } else {
        title
    };
    let kind = if german {
        *rng.pick(&["Anfragebeantwortung", "Länderbericht", "Themendossier"][..])
    } else {
        *rng.pick(&["Query response", "Country report", "Thematic report"][..])
    };

    // The sources this report draws on.
    let want = rng.range(10, 20);
    let mut cited: Vec<usize> = Vec::with_capacity(want);
    while cited.len() < want {
        let s = ctx.popular_source(&mut rng);
        if !cited.contains(&s) {
            cited.push(s);
        }
    }
    let summary = format!("{}.", sentence(&mut rng, lang, country, ctx, ctx.sources[cited[0]].org));

    let target_words = rng.range(1500, 3000);
    let n_sections = rng.range(3, 5);
    let n_footnotes = rng.range(0, 3);
    let mut words = 0usize;
    let mut next_cite = 0usize;
    let mut sections = Vec::with_capacity(n_sections);
    let mut footnotes_placed = 0usize;
    for s in 0..n_sections {
        let heading = match (german, s) {
            (true, 0) => "Allgemeine Lage".to_string(),
            (false, 0) => "General situation".to_string(),
            (true, _) => match rng.below(3) {
                0 => format!("{} in {}", topic_name(*rng.pick(&topics)), rng.pick(&country.places[..])),
                1 => format!("Rechtlicher Rahmen der {}", compound(&mut rng)),
                _ => format!("Entwicklungen seit {}", year - rng.range(1, 4) as u16),
            },
            (false, _) => match rng.below(3) {
                0 => format!("{} in {}", topic_name(*rng.pick(&topics)), rng.pick(&country.places[..])),
                1 => format!("Legal framework of the {}", rng.pick(EN_NOUN)),
                _ => format!("Developments since {}", year - rng.range(1, 4) as u16),
            },
        };
        let mut paragraphs = Vec::new();
        let section_budget = target_words * (s + 1) / n_sections;
        while words < section_budget {
            let mut para: Vec<Piece> = Vec::new();
            let mut text = String::new();
            for _ in 0..rng.range(3, 7) {
                let src = cited[next_cite % cited.len()];
                let s = sentence(&mut rng, lang, country, ctx, ctx.sources[src].org);
                words += s.split(' ').count() + 1;
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(&s);
                if rng.chance(0.35) {
                    // Citation at the end of the sentence, before the full stop.
                    text.push(' ');
                    para.push(Piece::Text(std::mem::take(&mut text)));
                    let mut items = vec![Cite { source: src, locator: locator(&mut rng, lang), prefix: None }];
                    next_cite += 1;
                    if rng.chance(0.12) {
                        let other = cited[rng.below(cited.len())];
                        if other != src {
                            items.push(Cite { source: other, locator: locator(&mut rng, lang), prefix: None });
                        }
                    } else if rng.chance(0.05) {
                        items[0].prefix = Some(if german { "siehe" } else { "see" });
                    }
                    para.push(Piece::Cite(items));
                    if footnotes_placed < n_footnotes && rng.chance(0.1) {
                        para.push(Piece::FootnoteRef(footnotes_placed));
                        footnotes_placed += 1;
                    }
                    text.push('.');
                } else {
                    text.push('.');
                }
            }
            if !text.is_empty() {
                para.push(Piece::Text(text));
            }
            paragraphs.push(para);
        }
        sections.push((heading, paragraphs));
    }
    // Make sure every chosen source is cited at least once.
    while next_cite < cited.len() {
        let src = cited[next_cite];
        let last = sections.last_mut().unwrap();
        let para = last.1.last_mut().unwrap();
        let s = sentence(&mut rng, lang, country, ctx, ctx.sources[src].org);
        para.push(Piece::Text(format!(" {s} ")));
        para.push(Piece::Cite(vec![Cite { source: src, locator: locator(&mut rng, lang), prefix: None }]));
        para.push(Piece::Text(".".into()));
        next_cite += 1;
    }
    let footnotes = (0..footnotes_placed)
        .map(|_| {
            let src = cited[rng.below(cited.len())];
            let s = sentence(&mut rng, lang, country, ctx, ctx.sources[src].org);
            vec![
                Piece::Text(format!("{s} ")),
                Piece::Cite(vec![Cite { source: src, locator: locator(&mut rng, lang), prefix: None }]),
                Piece::Text(".".into()),
            ]
        })
        .collect();
    let mut excerpts = Vec::new();
    if rng.chance(0.8) {
        for _ in 0..rng.range(1, 4) {
            let src = cited[rng.below(cited.len())];
            let slang = if ctx.sources[src].language == "de" { Lang::De } else { Lang::En };
            let paras = (0..rng.range(1, 2))
                .map(|_| {
                    let mut p = String::new();
                    for _ in 0..rng.range(2, 4) {
                        if !p.is_empty() {
                            p.push(' ');
                        }
                        p.push_str(&sentence(&mut rng, slang, country, ctx, ctx.sources[src].org));
                        p.push('.');
                    }
                    if rng.chance(0.3) {
                        p.push_str(" […]");
                    }
                    p
                })
                .collect();
            let loc = Some(format!("{} {}", if german { "S." } else { "p." }, rng.range(1, 240)));
            excerpts.push((paras, Cite { source: src, locator: loc, prefix: None }));
        }
    }
    Report { id, title, date, lang, kind, countries, topics, summary, sections, footnotes, excerpts, cited }
}

// ---------------------------------------------------------------------------------------------------------------
// Output.

fn ymd(d: (u16, u8, u8)) -> String {
    match d {
        (y, 0, _) => format!("{y}"),
        (y, m, 0) => format!("{y}-{m:02}"),
        (y, m, d) => format!("{y}-{m:02}-{d:02}"),
    }
}

/// A YAML or TOML double-quoted string (the generated text holds no control characters).
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A citation as Dossier source: `[@a, S. 6; @b]`.
fn cite_dossier(items: &[Cite], ctx: &Ctx) -> String {
    let parts: Vec<String> = items
        .iter()
        .map(|c| {
            let mut s = String::new();
            if let Some(p) = c.prefix {
                s.push_str(p);
                s.push(' ');
            }
            s.push('@');
            s.push_str(&ctx.sources[c.source].key);
            if let Some(l) = &c.locator {
                s.push_str(", ");
                s.push_str(l);
            }
            s
        })
        .collect();
    format!("[{}]", parts.join("; "))
}

/// A citation as plain Markdown for the general-purpose generators: `(HRW, 2024, S. 6)`.
fn cite_plain(items: &[Cite], ctx: &Ctx) -> String {
    let parts: Vec<String> = items
        .iter()
        .map(|c| {
            let src = &ctx.sources[c.source];
            let mut s = String::new();
            if let Some(p) = c.prefix {
                s.push_str(p);
                s.push(' ');
            }
            write!(s, "{}, {}", ctx.orgs[src.org].short, ymd(src.date)).unwrap();
            if let Some(l) = &c.locator {
                s.push_str(", ");
                s.push_str(l);
            }
            s
        })
        .collect();
    format!("({})", parts.join("; "))
}

fn body(r: &Report, ctx: &Ctx, dossier: bool) -> String {
    let cite = |items: &[Cite]| if dossier { cite_dossier(items, ctx) } else { cite_plain(items, ctx) };
    let mut out = String::with_capacity(20_000);
    let pieces = |out: &mut String, para: &[Piece]| {
        for p in para {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Cite(items) => out.push_str(&cite(items)),
                Piece::FootnoteRef(n) => write!(out, "[^n{}]", n + 1).unwrap(),
            }
        }
    };
    for (heading, paras) in &r.sections {
        write!(out, "## {heading}\n\n").unwrap();
        for para in paras {
            pieces(&mut out, para);
            out.push_str("\n\n");
        }
    }
    for (n, f) in r.footnotes.iter().enumerate() {
        write!(out, "[^n{}]: ", n + 1).unwrap();
        pieces(&mut out, f);
        out.push_str("\n\n");
    }
    if !dossier {
        // Without citation support the source list is part of the text.
        out.push_str(if r.lang.german() { "## Quellen\n\n" } else { "## Sources\n\n" });
        for &s in &r.cited {
            let src = &ctx.sources[s];
            let org = &ctx.orgs[src.org];
            write!(out, "- {} – {}: {}, {}", org.short, org.name, src.title, ymd(src.date)).unwrap();
            if let Some(u) = &src.url {
                write!(out, ", <{u}>").unwrap();
            }
            out.push('\n');
        }
        out.push('\n');
    }
    if !r.excerpts.is_empty() {
        out.push_str("## Excerpts\n\n");
        for (paras, c) in &r.excerpts {
            for p in paras {
                write!(out, "> {p}\n>\n").unwrap();
            }
            write!(out, "> {}\n\n", cite(std::slice::from_ref(c))).unwrap();
        }
    }
    out
}

fn org_names(r: &Report, ctx: &Ctx) -> Vec<String> {
    let mut names: Vec<String> = r.cited.iter().map(|&s| ctx.orgs[ctx.sources[s].org].name.clone()).collect();
    names.sort();
    names.dedup();
    names
}

fn list(items: impl Iterator<Item = String>) -> String {
    let v: Vec<String> = items.map(|s| quoted(&s)).collect();
    format!("[{}]", v.join(", "))
}

fn write_dossier_report(dir: &Path, r: &Report, ctx: &Ctx) -> std::io::Result<()> {
    let mut s = String::with_capacity(24_000);
    s.push_str("---\n");
    writeln!(s, "id: {}", r.id).unwrap();
    writeln!(s, "title: {}", quoted(&r.title)).unwrap();
    writeln!(s, "date: {}", ymd(r.date)).unwrap();
    writeln!(s, "language: {}", r.lang.tag()).unwrap();
    writeln!(s, "type: {}", r.kind).unwrap();
    let german = r.lang.german();
    writeln!(
        s,
        "countries: {}",
        list(r.countries.iter().map(|&c| (if german { COUNTRIES[c].de } else { COUNTRIES[c].en }).to_string()))
    )
    .unwrap();
    writeln!(s, "topics: {}", list(r.topics.iter().map(|&t| TOPICS[t].0.to_string()))).unwrap();
    writeln!(s, "summary: {}", quoted(&r.summary)).unwrap();
    writeln!(s, "accessed: {}", ymd(r.date)).unwrap();
    s.push_str("---\n\n");
    s.push_str(&body(r, ctx, true));
    let folder = dir.join("content/reports").join(COUNTRIES[r.countries[0]].slug);
    fs::write(folder.join(format!("{}.md", r.id)), s)
}

fn write_hugo_report(dir: &Path, r: &Report, ctx: &Ctx) -> std::io::Result<()> {
    let mut s = String::with_capacity(24_000);
    s.push_str("---\n");
    writeln!(s, "title: {}", quoted(&r.title)).unwrap();
    writeln!(s, "date: {}", ymd(r.date)).unwrap();
    writeln!(s, "summary: {}", quoted(&r.summary)).unwrap();
    writeln!(s, "countries: {}", list(r.countries.iter().map(|&c| COUNTRIES[c].en.to_string()))).unwrap();
    writeln!(s, "topics: {}", list(r.topics.iter().map(|&t| TOPICS[t].1.to_string()))).unwrap();
    writeln!(s, "organisations: {}", list(org_names(r, ctx).into_iter())).unwrap();
    s.push_str("---\n\n");
    s.push_str(&body(r, ctx, false));
    fs::write(dir.join("content/reports").join(format!("{}.md", r.id)), s)
}

fn write_zola_report(dir: &Path, r: &Report, ctx: &Ctx) -> std::io::Result<()> {
    let mut s = String::with_capacity(24_000);
    s.push_str("+++\n");
    writeln!(s, "title = {}", quoted(&r.title)).unwrap();
    writeln!(s, "date = {}", ymd(r.date)).unwrap();
    writeln!(s, "description = {}", quoted(&r.summary)).unwrap();
    s.push_str("[taxonomies]\n");
    writeln!(s, "countries = {}", list(r.countries.iter().map(|&c| COUNTRIES[c].en.to_string()))).unwrap();
    writeln!(s, "topics = {}", list(r.topics.iter().map(|&t| TOPICS[t].1.to_string()))).unwrap();
    writeln!(s, "organisations = {}", list(org_names(r, ctx).into_iter())).unwrap();
    s.push_str("+++\n\n");
    s.push_str(&body(r, ctx, false));
    fs::write(dir.join("content/reports").join(format!("{}.md", r.id)), s)
}

fn write_dossier_shared(dir: &Path, ctx: &Ctx) -> std::io::Result<()> {
    let mut t = String::new();
    t.push_str("# Generated benchmark archive (examples/gen-corpus.rs).\n");
    t.push_str("title = \"Benchmark Archive\"\n");
    t.push_str("description = \"A generated archive of query responses and country reports.\"\n");
    t.push_str("base_url = \"https://example.org/archive/\"\nlanguage = \"en\"\n\n");
    t.push_str("[listing]\npage_size = 20\nfeed_size = 20\n\n");
    t.push_str("[disclaimer]\n");
    t.push_str("de = \"Dieses Dokument stützt sich auf eine zeitlich begrenzte Recherche in öffentlich zugänglichen Quellen.\"\n");
    t.push_str("en = \"This document is based on time-limited research in publicly available sources.\"\n\n");
    t.push_str("[countries]\n");
    for c in COUNTRIES {
        writeln!(t, "{} = {{ en = {}, de = {} }}", c.slug, quoted(c.en), quoted(c.de)).unwrap();
    }
    t.push_str("\n[topics]\n");
    for (slug, en, de) in TOPICS {
        writeln!(t, "{slug} = {{ en = {}, de = {} }}", quoted(en), quoted(de)).unwrap();
    }
    fs::create_dir_all(dir.join("content/organisations"))?;
    fs::write(dir.join("site.toml"), t)?;
    fs::create_dir_all(dir.join("content/sources"))?;
    for c in COUNTRIES {
        fs::create_dir_all(dir.join("content/reports").join(c.slug))?;
    }
    let mut per_org: Vec<String> = vec![String::new(); ctx.orgs.len()];
    for (i, o) in ctx.orgs.iter().enumerate() {
        let mut y = String::new();
        writeln!(y, "name: {}", quoted(&o.name)).unwrap();
        writeln!(y, "short: {}", quoted(&o.short)).unwrap();
        writeln!(y, "url: https://{}.example.org/", o.slug).unwrap();
        writeln!(y, "seat: {}", quoted(o.seat)).unwrap();
        y.push_str("description:\n");
        writeln!(
            y,
            "  de: {}",
            quoted(&format!(
                "Die Organisation {} veröffentlicht seit Jahren Berichte zur Menschenrechtslage (Nr. {i}).",
                o.name
            ))
        )
        .unwrap();
        writeln!(
            y,
            "  en: {}",
            quoted(&format!(
                "{} has published reports on the human-rights situation for many years (no. {i}).",
                o.name
            ))
        )
        .unwrap();
        fs::write(dir.join("content/organisations").join(format!("{}.yaml", o.slug)), y)?;
    }
    for s in ctx.sources {
        let y = &mut per_org[s.org];
        writeln!(y, "{}:", s.key).unwrap();
        writeln!(y, "  organisation: {}", ctx.orgs[s.org].slug).unwrap();
        writeln!(y, "  title: {}", quoted(&s.title)).unwrap();
        writeln!(y, "  date: {}", ymd(s.date)).unwrap();
        if let Some(u) = &s.url {
            writeln!(y, "  url: {u}").unwrap();
        }
        writeln!(y, "  type: {}", s.kind).unwrap();
        writeln!(y, "  language: {}", s.language).unwrap();
        if let Some(sym) = &s.symbol {
            writeln!(y, "  symbol: {}", quoted(sym)).unwrap();
        }
    }
    for (o, y) in ctx.orgs.iter().zip(per_org) {
        if !y.is_empty() {
            fs::write(dir.join("content/sources").join(format!("{}.yaml", o.slug)), y)?;
        }
    }
    Ok(())
}

const HUGO_CONFIG: &str = r#"baseURL = "https://example.org/archive/"
title = "Benchmark Archive"
languageCode = "en"
paginate = 20
rssLimit = 20
disableKinds = []

[taxonomies]
country = "countries"
topic = "topics"
organisation = "organisations"
"#;

const HUGO_LIST: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} – {{ site.Title }}</title></head>
<body>
{{ partial "nav.html" . }}
<main>
<h1>{{ .Title }}</h1>
{{ if eq .Kind "taxonomy" }}
<ul>{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}</ul>
{{ else }}
{{ $pages := .Pages }}{{ if .IsHome }}{{ $pages = where site.RegularPages "Section" "reports" }}{{ end }}
{{ $pag := .Paginate $pages.ByDate.Reverse }}
<ul>{{ range $pag.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time><p>{{ .Summary }}</p></li>{{ end }}</ul>
{{ template "_internal/pagination.html" . }}
{{ end }}
</main>
</body></html>
"#;

const HUGO_SINGLE: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} – {{ site.Title }}</title></head>
<body>
{{ partial "nav.html" . }}
<main><article>
<h1>{{ .Title }}</h1>
<p><time>{{ .Date.Format "2006-01-02" }}</time></p>
<p>{{ range .GetTerms "countries" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p>
<p>{{ range .GetTerms "topics" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p>
<p>{{ range .GetTerms "organisations" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p>
{{ .Content }}
</article></main>
</body></html>
"#;

const HUGO_NAV: &str = r#"<nav><a href="{{ "" | relURL }}">Home</a> <a href="{{ "reports/" | relURL }}">Reports</a> <a href="{{ "countries/" | relURL }}">Countries</a> <a href="{{ "topics/" | relURL }}">Topics</a> <a href="{{ "organisations/" | relURL }}">Organisations</a></nav>
"#;

fn write_hugo_shared(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir.join("content/reports"))?;
    fs::create_dir_all(dir.join("layouts/_default"))?;
    fs::create_dir_all(dir.join("layouts/partials"))?;
    fs::write(dir.join("hugo.toml"), HUGO_CONFIG)?;
    fs::write(dir.join("content/reports/_index.md"), "---\ntitle: Reports\n---\n")?;
    fs::write(dir.join("layouts/_default/list.html"), HUGO_LIST)?;
    fs::write(dir.join("layouts/_default/single.html"), HUGO_SINGLE)?;
    fs::write(dir.join("layouts/partials/nav.html"), HUGO_NAV)
}

const ZOLA_CONFIG: &str = r#"base_url = "https://example.org/archive/"
title = "Benchmark Archive"
default_language = "en"
compile_sass = false
build_search_index = false
generate_feeds = true
taxonomies = [
  { name = "countries", paginate_by = 20 },
  { name = "topics", paginate_by = 20 },
  { name = "organisations", paginate_by = 20 },
]
"#;

const ZOLA_BASE: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{% block title %}{{ config.title }}{% endblock title %}</title></head>
<body>
<nav><a href="{{ get_url(path="") }}">Home</a> <a href="{{ get_url(path="reports/") }}">Reports</a> <a href="{{ get_url(path="countries/") }}">Countries</a> <a href="{{ get_url(path="topics/") }}">Topics</a> <a href="{{ get_url(path="organisations/") }}">Organisations</a></nav>
<main>{% block main %}{% endblock main %}</main>
</body></html>
"#;

const ZOLA_INDEX: &str = r#"{% extends "base.html" %}
{% block main %}
<h1>{{ config.title }}</h1>
{% set reports = get_section(path="reports/_index.md") %}
<ul>{% for p in reports.pages | slice(end=20) %}<li><a href="{{ p.permalink }}">{{ p.title }}</a> <time>{{ p.date }}</time><p>{{ p.description }}</p></li>{% endfor %}</ul>
{% endblock main %}
"#;

const ZOLA_SECTION: &str = r#"{% extends "base.html" %}
{% block main %}
<h1>{{ section.title }}</h1>
<ul>{% for p in paginator.pages %}<li><a href="{{ p.permalink }}">{{ p.title }}</a> <time>{{ p.date }}</time><p>{{ p.description }}</p></li>{% endfor %}</ul>
<nav>{% if paginator.previous %}<a href="{{ paginator.previous }}">previous</a>{% endif %} {{ paginator.current_index }} / {{ paginator.number_pagers }} {% if paginator.next %}<a href="{{ paginator.next }}">next</a>{% endif %}</nav>
{% endblock main %}
"#;

const ZOLA_PAGE: &str = r#"{% extends "base.html" %}
{% block title %}{{ page.title }} – {{ config.title }}{% endblock title %}
{% block main %}
<article>
<h1>{{ page.title }}</h1>
<p><time>{{ page.date }}</time></p>
{% for kind in ["countries", "topics", "organisations"] %}{% if page.taxonomies[kind] %}<p>{% for t in page.taxonomies[kind] %}<a href="{{ get_taxonomy_url(kind=kind, name=t) }}">{{ t }}</a> {% endfor %}</p>{% endif %}{% endfor %}
{{ page.content | safe }}
</article>
{% endblock main %}
"#;

const ZOLA_TAXONOMY_LIST: &str = r#"{% extends "base.html" %}
{% block main %}
<h1>{{ taxonomy.name }}</h1>
<ul>{% for t in terms %}<li><a href="{{ t.permalink }}">{{ t.name }}</a> ({{ t.page_count }})</li>{% endfor %}</ul>
{% endblock main %}
"#;

const ZOLA_TAXONOMY_SINGLE: &str = r#"{% extends "base.html" %}
{% block main %}
<h1>{{ term.name }}</h1>
<ul>{% for p in paginator.pages %}<li><a href="{{ p.permalink }}">{{ p.title }}</a> <time>{{ p.date }}</time></li>{% endfor %}</ul>
<nav>{% if paginator.previous %}<a href="{{ paginator.previous }}">previous</a>{% endif %} {{ paginator.current_index }} / {{ paginator.number_pagers }} {% if paginator.next %}<a href="{{ paginator.next }}">next</a>{% endif %}</nav>
{% endblock main %}
"#;

fn write_zola_shared(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir.join("content/reports"))?;
    fs::create_dir_all(dir.join("templates"))?;
    fs::write(dir.join("config.toml"), ZOLA_CONFIG)?;
    // The same site with Zola's own search index (`zola --config config.search.toml build`).
    fs::write(
        dir.join("config.search.toml"),
        ZOLA_CONFIG.replace("build_search_index = false", "build_search_index = true"),
    )?;
    fs::write(dir.join("content/_index.md"), "+++\ntitle = \"Benchmark Archive\"\n+++\n")?;
    fs::write(
        dir.join("content/reports/_index.md"),
        "+++\ntitle = \"Reports\"\nsort_by = \"date\"\npaginate_by = 20\n+++\n",
    )?;
    for (name, text) in [
        ("base.html", ZOLA_BASE),
        ("index.html", ZOLA_INDEX),
        ("section.html", ZOLA_SECTION),
        ("page.html", ZOLA_PAGE),
        ("taxonomy_list.html", ZOLA_TAXONOMY_LIST),
        ("taxonomy_single.html", ZOLA_TAXONOMY_SINGLE),
    ] {
        fs::write(dir.join("templates").join(name), text)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------------

/// What to generate; `tests/corpus.rs` uses this file as a module and calls [`generate`].
pub struct Args {
    pub reports: usize,
    pub seed: u64,
    pub out: PathBuf,
    pub dossier: bool,
    pub hugo: bool,
    pub zola: bool,
    pub sources: usize,
    pub organisations: usize,
}

impl Args {
    pub fn new(reports: usize, seed: u64, out: &Path) -> Args {
        Args {
            reports,
            seed,
            out: out.to_path_buf(),
            dossier: true,
            hugo: true,
            zola: true,
            sources: 20_000,
            organisations: 200,
        }
    }
}

#[allow(dead_code)]
fn parse_args() -> Result<Args, String> {
    let mut a = Args::new(1000, 1, Path::new("bench/corpus"));
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--reports" => a.reports = value()?.parse().map_err(|e| format!("--reports: {e}"))?,
            "--seed" => a.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--sources" => a.sources = value()?.parse().map_err(|e| format!("--sources: {e}"))?,
            "--organisations" => a.organisations = value()?.parse().map_err(|e| format!("--organisations: {e}"))?,
            "--out" => a.out = PathBuf::from(value()?),
            "--format" => {
                let f = value()?;
                (a.dossier, a.hugo, a.zola) = (false, false, false);
                for part in f.split(',') {
                    match part {
                        "all" => (a.dossier, a.hugo, a.zola) = (true, true, true),
                        "dossier" => a.dossier = true,
                        "hugo" => a.hugo = true,
                        "zola" => a.zola = true,
                        _ => return Err(format!("unknown format `{part}` (dossier, hugo, zola, all, or a list)")),
                    }
                }
            }
            "-h" | "--help" => {
                println!(
                    "gen-corpus --reports N [--seed S] --out DIR [--format all|dossier,hugo,zola] [--sources N] [--organisations N]"
                );
                std::process::exit(0);
            }
            _ => return Err(format!("unknown argument `{flag}`")),
        }
    }
    if a.organisations == 0 || a.sources == 0 || a.reports == 0 {
        return Err("--reports, --sources and --organisations must be at least 1".into());
    }
    Ok(a)
}

/// Writes the corpus described by `args`.
pub fn generate(args: &Args) -> std::io::Result<()> {
    let orgs = make_orgs(args.seed, args.organisations);
    let sources = make_sources(args.seed, args.sources, &orgs);
    // Popularity order: a fixed permutation of the pool, so popular sources come from many organisations.
    let mut by_rank: Vec<usize> = (0..sources.len()).collect();
    let mut rng = Rng::new(args.seed, 0xA11);
    for i in (1..by_rank.len()).rev() {
        by_rank.swap(i, rng.below(i + 1));
    }
    let ctx = Ctx { orgs: &orgs, sources: &sources, by_rank };
    let (d, h, z) = (args.out.join("dossier"), args.out.join("hugo"), args.out.join("zola"));
    for (on, dir) in [(args.dossier, &d), (args.hugo, &h), (args.zola, &z)] {
        if on && dir.exists() {
            fs::remove_dir_all(dir)?;
        }
    }
    if args.dossier {
        write_dossier_shared(&d, &ctx)?;
    }
    if args.hugo {
        write_hugo_shared(&h)?;
    }
    if args.zola {
        write_zola_shared(&z)?;
    }
    (0..args.reports).into_par_iter().try_for_each(|i| {
        let r = make_report(i, args.seed, &ctx);
        if args.dossier {
            write_dossier_report(&d, &r, &ctx)?;
        }
        if args.hugo {
            write_hugo_report(&h, &r, &ctx)?;
        }
        if args.zola {
            write_zola_report(&z, &r, &ctx)?;
        }
        Ok(())
    })
}

#[allow(dead_code)]
fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("gen-corpus: {e}");
            std::process::exit(2);
        }
    };
    let start = std::time::Instant::now();
    if let Err(e) = generate(&args) {
        eprintln!("gen-corpus: cannot write {}: {e}", args.out.display());
        std::process::exit(2);
    }
    eprintln!(
        "gen-corpus: {} reports, {} sources, {} organisations into {} in {:.1} s",
        args.reports,
        args.sources,
        args.organisations,
        args.out.display(),
        start.elapsed().as_secs_f64()
    );
}
