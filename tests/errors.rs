//! Bad input: every case gets a message naming file, line and column, exit code 1, and
//! leaves the previous output untouched.

mod common;
use common::*;

const GOOD: &str = "---\nid: r-1\ntitle: Good report\ndate: 2024-03-01\naccessed: 2024-03-01\n---\n\n## Section\n\nText [@hrw-2024].\n";

/// Builds a good site, breaks `path` with `text`, builds again: returns stderr of the
/// failed build after checking exit code 1 and that the old output is intact.
fn fails_with(path: &str, text: &[u8]) -> String {
    let site = Site::minimal(&[("content/reports/r-1.md", GOOD)]);
    ok(&site.build());
    let before = std::fs::read_to_string(site.out().join("reports/r-1/index.html")).unwrap();
    site.write_bytes(path, text);
    let o = site.build();
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "expected exit 1:\n{e}");
    assert!(e.contains("previous output is unchanged"), "{e}");
    let after = std::fs::read_to_string(site.out().join("reports/r-1/index.html")).unwrap();
    assert_eq!(before, after, "the previous output changed");
    assert!(!site.out().join("reports/r-2").exists());
    e
}

#[test]
fn missing_front_matter() {
    let e = fails_with("content/reports/r-2.md", b"# Just a title\n\nText.\n");
    assert!(e.contains("error[E003]: the file has no front matter"), "{e}");
    assert!(e.contains("content/reports/r-2.md:1:1"), "{e}");
    assert!(e.contains("help: the first line must be `---`"), "{e}");
}

#[test]
fn unterminated_front_matter() {
    let e = fails_with("content/reports/r-2.md", b"---\nid: r-2\ntitle: T\n\nBody\n");
    assert!(e.contains("front matter that starts here is never closed"), "{e}");
    assert!(e.contains("content/reports/r-2.md:1:1"), "{e}");
}

#[test]
fn yaml_syntax_error() {
    let e = fails_with(
        "content/reports/r-2.md",
        b"---\nid: r-2\ntitle: T\ncountries: [a, b\ndate: 2024-01-01\n---\nBody\n",
    );
    assert!(e.contains("error[E005]: front matter:"), "{e}");
    assert!(e.contains("content/reports/r-2.md:5:"), "{e}");
}

#[test]
fn wrong_type() {
    let e = fails_with("content/reports/r-2.md", b"---\nid: r-2\ntitle: [a, b]\ndate: 2024-01-01\n---\nBody\n");
    assert!(e.contains("error[E005]: front matter: title:"), "{e}");
    assert!(e.contains("content/reports/r-2.md:3:8"), "{e}");
}

#[test]
fn missing_required_key() {
    let e = fails_with("content/reports/r-2.md", b"---\nid: r-2\ndate: 2024-01-01\n---\nBody\n");
    assert!(e.contains("error[E006]: front matter has no `title`"), "{e}");
    assert!(e.contains("content/reports/r-2.md:1:1"), "{e}");
}

#[test]
fn unknown_key_with_hint() {
    let e = fails_with("content/reports/r-2.md", b"---\nid: r-2\ntitel: T\ndate: 2024-01-01\n---\nBody\n");
    assert!(e.contains("error[E004]: unknown key `titel` in front matter"), "{e}");
    assert!(e.contains("content/reports/r-2.md:3:1"), "{e}");
    assert!(e.contains("help: did you mean `title`?"), "{e}");
}

#[test]
fn impossible_date() {
    let e = fails_with("content/reports/r-2.md", b"---\nid: r-2\ntitle: T\ndate: 2024-02-30\n---\nBody\n");
    assert!(e.contains("error[E025]: invalid date: `2024-02-30` does not exist: February 2024 has 29 days"), "{e}");
    assert!(e.contains("content/reports/r-2.md:4:7"), "{e}");
}

#[test]
fn duplicate_report_id_names_both_files() {
    let e = fails_with("content/reports/copy.md", GOOD.as_bytes());
    assert!(e.contains("error[E008]: report id `r-1` is also used by content/reports/copy.md"), "{e}");
    assert!(e.contains("content/reports/r-1.md:2:5"), "{e}");
}

#[test]
fn invalid_utf8() {
    let e = fails_with("content/reports/r-2.md", b"---\nid: r-2\ntitle: T\xff\n---\n");
    assert!(e.contains("error[E002]: the file is not valid UTF-8"), "{e}");
    assert!(e.contains("content/reports/r-2.md:3:9"), "{e}");
}

#[test]
fn empty_file() {
    let e = fails_with("content/reports/r-2.md", b"");
    assert!(e.contains("error[E003]: the file is empty"), "{e}");
    assert!(e.contains("content/reports/r-2.md:1:1"), "{e}");
}

#[test]
fn template_error_names_template_and_line() {
    let e = fails_with(
        "templates/page.html",
        b"{% extends \"base.html\" %}\n{% block main %}\n{{ page.title | nosuchfilter }}\n{% endblock main %}\n",
    );
    assert!(e.contains("error[E051]: template `page.html`"), "{e}");
    assert!(e.contains("templates/page.html:3:"), "{e}");
}

#[test]
fn broken_site_toml() {
    let e = fails_with("site.toml", b"title = \"X\"\nbase_url = \n");
    assert!(e.contains("error[E001]: site.toml:"), "{e}");
    assert!(e.contains("site.toml:2:"), "{e}");
    let e = fails_with("site.toml", b"title = \"X\"\nlanguge = \"de\"\n");
    assert!(e.contains("site.toml:2:1"), "{e}");
    assert!(e.contains("did you mean `language`?"), "{e}");
    let e = fails_with("site.toml", b"title = \"X\"\n[listing]\npage_size = 5\n  list_size = 0\n");
    assert!(e.contains("error[E001]: site.toml: listing.list_size must be at least 1"), "{e}");
    assert!(e.contains("--> site.toml:4:3"), "{e}");
}

#[test]
fn bom_and_crlf_are_accepted() {
    let site = Site::minimal(&[]);
    let text = format!("\u{feff}{}", GOOD.replace('\n', "\r\n"));
    site.write("content/reports/r-1.md", &text);
    ok(&site.build());
    let doc = site.page("reports/r-1/index.html");
    assert_eq!(text_of_h1(&doc), "Good report [r-1]");
}

fn text_of_h1(doc: &scraper::Html) -> String {
    text(doc, "h1")
}

#[test]
fn all_errors_of_a_run_are_reported_together() {
    let site = Site::minimal(&[
        ("content/reports/a.md", "---\nid: a\ntitle: A\ndate: 2024-13-01\n---\nx\n"),
        ("content/reports/b.md", "---\nid: b\ntitle: B\ndate: 2024-01-01\nfoo: 1\n---\nx\n"),
        ("content/reports/c.md", "---\nid: c\ntitle: C\ndate: 2024-01-01\n---\nSee [@hrw-2042].\n"),
    ]);
    let o = site.run(&["check"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(e.contains("content/reports/a.md:4:7"), "{e}");
    assert!(e.contains("content/reports/b.md:5:1"), "{e}");
    assert!(e.contains("content/reports/c.md:6:5"), "{e}");
    assert!(e.contains("3 errors"), "{e}");
}

#[test]
fn usage_errors_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let o = dossier().arg("--root").arg(tmp.path()).arg("build").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no site.toml"));
    let o = dossier().arg("build").arg("--no-such-flag").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn refuses_to_replace_a_foreign_folder() {
    let site = Site::minimal(&[("content/reports/r-1.md", GOOD)]);
    site.write("public/precious.txt", "keep me");
    let o = site.build();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("refusing to replace"));
    assert!(site.out().join("precious.txt").exists());
}

// Checks of sources and citations.

fn check_errors(files: &[(&str, &str)], strict: bool) -> String {
    let site = Site::minimal(files);
    let mut args = vec!["check"];
    if strict {
        args.push("--strict");
    }
    let o = site.run(&args);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    e
}

#[test]
fn unknown_citation_key_suggests_the_closest() {
    let e = check_errors(
        &[(
            "content/reports/r-1.md",
            "---\nid: r-1\ntitle: T\ndate: 2024-01-01\n---\n\nAs reported [@hrw-2042, p. 3].\n",
        )],
        false,
    );
    assert!(e.contains("error[E010]: unknown source key `hrw-2042`"), "{e}");
    assert!(e.contains("content/reports/r-1.md:7:13"), "{e}");
    assert!(e.contains("did you mean `hrw-2024`?"), "{e}");
}

#[test]
fn malformed_citation() {
    let e = check_errors(
        &[("content/reports/r-1.md", "---\nid: r-1\ntitle: T\ndate: 2024-01-01\n---\n\nSee [@hrw-2024; and more].\n")],
        false,
    );
    assert!(e.contains("error[E011]: malformed citation"), "{e}");
    assert!(e.contains("content/reports/r-1.md:7:5"), "{e}");
}

#[test]
fn source_record_errors() {
    let e = check_errors(
        &[(
            "content/sources/more.yaml",
            "bad-org:\n  organisation: hrv\n  title: X\n  date: 2024\nbad-url:\n  organisation: hrw\n  title: Y\n  date: 2024-01\n  url: ftp://example.org/y\nbad-date:\n  organisation: hrw\n  title: Z\n  date: 2024-02-30\nhrw-2024:\n  organisation: hrw\n  title: Copy\n  date: 2024\n",
        )],
        false,
    );
    assert!(e.contains("error[E024]: source `bad-org` names unknown organisation `hrv`"), "{e}");
    assert!(e.contains("content/sources/more.yaml:2:17"), "{e}");
    assert!(e.contains("did you mean `hrw`?"), "{e}");
    assert!(e.contains("error[E026]: url of source `bad-url` is not an http(s) URL"), "{e}");
    assert!(e.contains("content/sources/more.yaml:9:8"), "{e}");
    assert!(e.contains("error[E025]: invalid date of source `bad-date`"), "{e}");
    assert!(e.contains("content/sources/more.yaml:13:9"), "{e}");
    assert!(
        e.contains("error[E023]: duplicate source key `hrw-2024`: also defined in content/sources/hrw.yaml"),
        "{e}"
    );
    assert!(e.contains("content/sources/more.yaml:14:1"), "{e}");
}

#[test]
fn every_bad_record_of_a_sources_file_is_reported_and_the_good_ones_kept() {
    // A file that does not read as a whole is read record by record: each problem at its own line.
    let e = check_errors(
        &[
            (
                "content/sources/more.yaml",
                "good-1:\n  organisation: hrw\n  title: Fine\n  date: 2024\nbad-key:\n  organisation: hrw\n  titel: Typo\n  date: 2024\nbad-type:\n  organisation: hrw\n  title: [a, b]\n  date: 2024\n",
            ),
            (
                "content/reports/r-1.md",
                "---\nid: r-1\ntitle: T\ndate: 2024-01-01\naccessed: 2024-01-01\n---\n\nText [@good-1].\n",
            ),
        ],
        false,
    );
    assert!(e.contains("error[E004]: unknown key `titel` in source `bad-key`"), "{e}");
    assert!(e.contains("content/sources/more.yaml:7:3"), "{e}");
    assert!(e.contains("source `bad-type`"), "{e}");
    assert!(e.contains("content/sources/more.yaml:11:"), "{e}");
    assert!(!e.contains("good-1"), "the good record is kept and its citation resolves: {e}");
}

#[test]
fn excerpt_errors() {
    let e = check_errors(
        &[(
            "content/reports/r-1.md",
            "---\nid: r-1\ntitle: T\ndate: 2024-01-01\naccessed: 2024-01-01\n---\n\nText [@hrw-2024].\n\n## Excerpts\n\n> Quoted text.\n>\n> [@hrw-2023]\n\n> „Typed quotes.“\n>\n> [@hrw-2024]\n\nA stray paragraph.\n",
        )],
        false,
    );
    assert!(e.contains("error[E010]: unknown source key `hrw-2023`"), "{e}");
    assert!(e.contains("content/reports/r-1.md:14:3"), "{e}");
    assert!(e.contains("error[E033]: quotation marks are typed around the excerpt"), "{e}");
    assert!(e.contains("content/reports/r-1.md:16:3"), "{e}");
    assert!(e.contains("error[E030]: only quotations belong in the Excerpts section"), "{e}");
    assert!(e.contains("content/reports/r-1.md:20:1"), "{e}");
}

#[test]
fn warnings_become_errors_with_strict() {
    let files = [
        (
            "content/reports/r-1.md",
            "---\nid: r-1\ntitle: T\ndate: 2024-01-01\nlanguage: fr\nsources:\n  hrw-2024: { accessed: 2024-01-01 }\n  hrw-2023: {}\n---\n\nText [@hrw-2023].\n",
        ),
        (
            "content/sources/more.yaml",
            "hrw-2023:\n  organisation: hrw\n  title: World Report 2023\n  date: 2023-01-12\n  url: https://www.hrw.org/world-report/2024\n",
        ),
    ];
    let site = Site::minimal(&files);
    let o = site.run(&["check"]);
    let e = ok(&o);
    assert!(e.contains("warning[W041]: source `hrw-2024` is declared but never cited"), "{e}");
    assert!(e.contains("content/reports/r-1.md:7:3"), "{e}");
    assert!(e.contains("warning[W043]: organisation `hrw` has no `fr` description"), "{e}");
    assert!(
        e.contains("warning[W040]: sources `hrw-2023` and `hrw-2024` have the same url but different data")
            || e.contains("warning[W040]: sources `hrw-2024` and `hrw-2023`"),
        "{e}"
    );
    assert!(e.contains("warning[W042]: no accessed date for cited source `hrw-2023`"), "{e}");
    let e = check_errors(&files, true);
    assert!(e.contains("error[W041]"), "{e}");
}

#[test]
fn check_finds_what_build_finds() {
    // `check` reads Markdown for citations and excerpts only, without making HTML: it must still find everything.
    let site = Site::minimal(&[
        (
            "content/reports/r-1.md",
            "---\nid: r-1\ntitle: T\ndate: 2024-01-01\naccessed: 2024-01-01\nsources:\n  hrw-2022: {}\n---\n\nText [@hrw-2024] and [@hrw-2042, p. 3], [@hrw-2024; and more].\n\n## Excerpts\n\n> Quoted text.\n>\n> [@hrw-2023]\n\n> „Typed quotes.“\n>\n> [@hrw-2024]\n\nA stray paragraph.\n",
        ),
        ("content/reports/r-2.md", "---\nid: r-2\ntitle: U\ndate: 2024-13-01\n---\n\nText.\n"),
    ]);
    let check = site.run(&["check", "--format", "json"]);
    let build = site.run(&["build", "--format", "json"]);
    assert_eq!(check.status.code(), Some(1));
    assert_eq!(build.status.code(), Some(1));
    let found = String::from_utf8_lossy(&check.stdout).to_string();
    for code in ["E010", "E011", "E025", "E030", "E033"] {
        assert!(found.contains(code), "{code} missing from {found}");
    }
    assert_eq!(found, String::from_utf8_lossy(&build.stdout));
}

/// A build that was killed leaves its staging folder (and perhaps a previous output half removed) next to the
/// output; the next build removes them, but not the folder of a build still running, nor anything else.
#[cfg(target_os = "linux")]
#[test]
fn a_killed_build_s_leftovers_are_removed_by_the_next_build() {
    let site = Site::minimal(&[("content/reports/r-1.md", GOOD)]);
    ok(&site.build());
    let dead = (1..4_000_000u32).rev().find(|p| !std::path::Path::new(&format!("/proc/{p}")).exists()).unwrap();
    let alive = std::process::id();
    let folders = [
        (format!(".public.new-{dead}"), false),
        (format!(".public.old-{dead}"), false),
        (format!(".public.new-{alive}"), true),
        (format!(".publicity.new-{dead}"), true),
        (".public.new-x".to_string(), true),
    ];
    for (name, _) in &folders {
        site.write(&format!("{name}/reports/r-9/index.html"), "<p>left behind</p>");
    }
    ok(&site.build());
    for (name, kept) in &folders {
        assert_eq!(site.root().join(name).exists(), *kept, "{name}");
    }
    assert!(site.out().join("reports/r-1/index.html").exists());
}
