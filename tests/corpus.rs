//! The benchmark corpus generator (`examples/gen-corpus.rs`) writes a site that passes `dossier check` without
//! errors or warnings and builds a page for every report.

mod common;
#[path = "../examples/gen-corpus.rs"]
mod gen_corpus;

use common::dossier;

#[test]
fn generated_corpus_checks_clean_and_builds_every_report() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = gen_corpus::Args::new(20, 7, dir.path());
    args.sources = 300;
    args.organisations = 12;
    gen_corpus::generate(&args).unwrap();
    let site = dir.path().join("dossier");

    let check = dossier().args(["check", "--root"]).arg(&site).output().unwrap();
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(check.status.success(), "check failed:\n{stderr}");
    assert!(stderr.contains("No errors (0 warnings)."), "check reported problems:\n{stderr}");

    let out = dir.path().join("out");
    let build = dossier().args(["build", "--root"]).arg(&site).arg("--out").arg(&out).output().unwrap();
    assert!(build.status.success(), "build failed:\n{}", String::from_utf8_lossy(&build.stderr));
    let mut ids = Vec::new();
    for entry in walk(&site.join("content/reports")) {
        let text = std::fs::read_to_string(&entry).unwrap();
        let id = text.lines().find_map(|l| l.strip_prefix("id: ")).unwrap().to_string();
        ids.push(id);
    }
    assert_eq!(ids.len(), 20);
    for id in &ids {
        let page = out.join("reports").join(id).join("index.html");
        let html = std::fs::read_to_string(&page).unwrap_or_else(|_| panic!("no page for report {id}"));
        assert!(html.contains("id=\"src-"), "report {id} has no source list");
    }
    // The same content for the other generators.
    assert_eq!(walk(&dir.path().join("hugo/content/reports")).len(), 21);
    assert_eq!(walk(&dir.path().join("zola/content/reports")).len(), 21);
    // Zola's site twice: without its search index, and with it (bench/run.sh's "zola + search").
    let config = std::fs::read_to_string(dir.path().join("zola/config.toml")).unwrap();
    let search = std::fs::read_to_string(dir.path().join("zola/config.search.toml")).unwrap();
    assert!(config.contains("build_search_index = false"), "{config}");
    assert_eq!(search, config.replace("build_search_index = false", "build_search_index = true"));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
