//! The search index as `dossier build` writes it: its files, their layout, escaping, and that editing one report
//! rewrites only the files that report touches.

mod common;

use common::*;
use dossier::search::{fnv32, stem, tokens};
use std::collections::BTreeMap;
use std::path::Path;

/// The JSON inside a data file `dossierSearch("name",{...});`.
fn data(out: &Path, name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join("search").join(format!("{name}.js"))).unwrap();
    let prefix = format!("dossierSearch({},", serde_json::Value::from(name));
    let json = text.strip_prefix(&prefix).and_then(|t| t.trim_end().strip_suffix(");")).expect("a data file");
    serde_json::from_str(json).expect("valid JSON")
}

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walk(dir).into_iter().map(|p| (p.clone(), std::fs::read(dir.join(&p)).unwrap())).collect()
}

fn seed() -> Site {
    let s = Site::new(&[]);
    copy_dir(Path::new("tests/fixtures/seed"), s.root());
    s
}

fn copy_dir(from: &Path, to: &Path) {
    for p in walk(from) {
        let dest = to.join(&p);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(from.join(&p), dest).unwrap();
    }
}

#[test]
fn index_files_have_the_documented_layout() {
    let s = seed();
    ok(&s.build());
    let out = s.out();
    let m = data(&out, "manifest");
    let docs = m["docs"].as_u64().unwrap() as usize;
    let starts: Vec<&str> = m["shards"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(starts.windows(2).all(|w| w[0] < w[1]), "shards in key order");
    let shard_file = |i: usize| format!("t/{:08x}", fnv32(starts[i]));
    assert_eq!(walk(&out.join("search/t")).len(), starts.len());
    // One document file per report, organisation and source; reports first.
    let kinds = &m["facets"][0]["values"];
    let count = |i: usize| kinds[i][2].as_u64().unwrap() as usize;
    assert_eq!((count(0), count(1), count(2)), (1, 12, 15));
    assert_eq!(docs, count(0) + count(1) + count(2));
    for id in 0..docs {
        let first = data(&out, &format!("d/{id}-0"));
        let n = first["c"].as_u64().unwrap();
        assert!(out.join(format!("search/d/{id}-{}.js", n - 1)).is_file());
        assert!(!out.join(format!("search/d/{id}-{n}.js")).exists());
    }
    assert!(!out.join(format!("search/d/{docs}-0.js")).exists());
    assert_eq!(data(&out, "d/0-0")["u"], "reports/a-12321-4/");
    // Every stem and word form sits in the shard whose range holds it.
    let shard_of = |key: &str| starts.iter().rposition(|s| *s <= key).unwrap();
    for i in 0..starts.len() {
        let shard = data(&out, &shard_file(i));
        for (term, _) in shard["p"].as_object().unwrap() {
            assert_eq!(shard_of(term), i, "{term}");
        }
        for (form, st) in shard["f"].as_object().unwrap() {
            assert_eq!(shard_of(form), i, "{form}");
            assert_eq!(stem(form), st.as_str().unwrap());
        }
    }
    // The report's own words are indexed, folded: "Übergriffen" in its title.
    let t = &tokens("Übergriffen")[0].parts[0];
    let shard = data(&out, &shard_file(shard_of(&stem(t))));
    assert!(shard["p"].get(stem(t)).is_some());
    let form_shard = data(&out, &shard_file(shard_of(t)));
    assert_eq!(form_shard["f"][t.as_str()], stem(t).as_str());
    // The search page exists and loads the engine.
    let page = s.page("search/index.html");
    assert_eq!(page.select(&sel("script[src=\"../search.js\"][data-root=\"../\"]")).count(), 1);
    assert_eq!(page.select(&sel("form[role=search] input[name=q]")).count(), 1);
    assert!(out.join("search.js").is_file());
}

#[test]
fn content_in_index_files_cannot_end_a_script() {
    let s = Site::minimal(&[(
        "content/reports/x.md",
        "---\nid: x\ntitle: \"</script><img src=x onerror=alert(1)>\"\ndate: 2024-01-01\nsummary: \"<!-- a\"\n---\n\nBody </script> text.\n",
    )]);
    ok(&s.build());
    let raw = std::fs::read_to_string(s.out().join("search/d/0-0.js")).unwrap();
    assert!(!raw.contains('<'), "{raw}");
    assert_eq!(data(&s.out(), "d/0-0")["t"], "</script><img src=x onerror=alert(1)>");
}

#[test]
fn editing_one_report_rewrites_only_what_it_touches() {
    let s = seed();
    s.write(
        "content/reports/other.md",
        "---\nid: other\ntitle: Ein anderer Bericht\ndate: 2020-01-01\nlanguage: de\ncountries: [kasachstan]\naccessed: 2020-01-01\n---\n\nNur ein Absatz über Wahlen [@cia-wfb-kaz].\n",
    );
    ok(&s.build());
    let before = files(&s.out().join("search"));
    let path = s.root().join("content/reports/other.md");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("über Wahlen", "über Wahlbeobachtung")).unwrap();
    ok(&s.build());
    let after = files(&s.out().join("search"));
    assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>());
    let changed: Vec<&String> = before.keys().filter(|k| before[*k] != after[*k]).collect();
    // The edited report's document, the shards of the old and new word, and the manifest (its version).
    assert!(changed.contains(&&"d/1-0.js".to_string()), "{changed:?}");
    assert!(changed.contains(&&"manifest.js".to_string()));
    let shards: Vec<_> = changed.iter().filter(|k| k.starts_with("t/")).collect();
    assert!(!shards.is_empty() && shards.len() <= 2, "{changed:?}");
    assert!(changed.len() <= 4 + 1, "{changed:?}");
    assert!(!changed.iter().any(|k| k.starts_with("d/") && *k != "d/1-0.js"), "{changed:?}");
}

#[test]
fn portable_builds_link_results_to_index_files() {
    let s = seed();
    ok(&s.run(&["build", "--portable"]));
    assert_eq!(data(&s.out(), "d/0-0")["u"], "reports/a-12321-4/index.html");
    let page = s.page("reports/a-12321-4/index.html");
    assert_eq!(page.select(&sel("form.site-search[action=\"../../search/index.html\"]")).count(), 1);
}

#[test]
fn batches_and_threads_do_not_change_the_index() {
    let s = seed();
    ok(&s.build());
    let whole = files(&s.out().join("search"));
    let out = s.root().join("batched");
    let o = dossier()
        .arg("--root")
        .arg(s.root())
        .args(["build", "--out"])
        .arg(&out)
        .env("DOSSIER_SEARCH_BATCH", "3")
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .unwrap();
    ok(&o);
    assert!(whole == files(&out.join("search")), "the index depends on how documents were batched");
}

#[test]
fn a_site_without_search_has_no_index_page_script_or_search_box() {
    let with = seed();
    ok(&with.build());
    let without = seed();
    let toml = std::fs::read_to_string(without.root().join("site.toml")).unwrap();
    without.write("site.toml", &format!("{toml}\n[search]\nenabled = false\n"));
    ok(&without.build());
    // Everything else is still written: the file list is the other's without the index, its page and its script.
    let expected: Vec<String> =
        walk(&with.out()).into_iter().filter(|p| !p.starts_with("search/") && p != "search.js").collect();
    assert!(expected.len() > 50, "{expected:?}");
    assert_eq!(walk(&without.out()), expected);
    for f in html_files(&without.out()) {
        let page = read_page(&without.out(), &f);
        assert_eq!(page.select(&sel("[role=search], script[src$=\"search.js\"]")).count(), 0, "{f}");
        let to_search = page
            .select(&sel("a[href]"))
            .filter(|a| a.value().attr("href").unwrap().trim_end_matches("index.html").ends_with("search/"))
            .count();
        assert_eq!(to_search, 0, "{f} links to the search page");
    }
    assert_eq!(broken_links(&without.out()), Vec::<String>::new());
    // The site with search has both, so the checks above can fail.
    let page = with.page("reports/a-12321-4/index.html");
    assert_eq!(page.select(&sel("form.site-search[role=search]")).count(), 1);
    assert_eq!(page.select(&sel("nav a[href=\"../../search/\"]")).count(), 1);
}
