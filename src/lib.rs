//! Dossier: a static site generator for archives of research reports built on cited
//! sources. The pipeline, one module per stage:
//!
//! `load` (files → parsed content) → `model` (resolved, validated site) →
//! `render` (pages through the theme) → `write` (atomic output), with `search` building the
//! client-side search index from the model beside `render`.
//!
//! `markdown` is comrak behind one door, `text` holds dates and words per language,
//! `diag` the diagnostics every stage reports into, `cite` the citation data (CSL-JSON,
//! BibTeX, JSON-LD, `reports.json`) that `render` writes next to the pages. `serve` is the
//! live preview of `dossier serve`.

pub mod cite;
pub mod config;
pub mod diag;
pub mod load;
pub mod markdown;
pub mod model;
pub mod render;
pub mod search;
pub mod serve;
pub mod text;
pub mod write;
pub mod yaml;

use diag::Diagnostics;
use std::path::Path;

/// What went wrong in a run, by exit code: content (1) or usage and I/O (2).
#[derive(Debug)]
pub enum Failure {
    Content,
    Usage(String),
    Io(String),
}

/// The outcome of loading, modelling and rendering a site.
pub struct Built {
    pub files: Vec<render::OutFile>,
    pub pages: usize,
}

/// Runs load → model → render; with `strict`, warnings are errors. `render_pages = false` stops after validation
/// (`dossier check`), though templates are still compiled and checked.
pub fn run(
    root: &Path,
    opts: &model::Options,
    strict: bool,
    render_pages: bool,
    diags: &mut Diagnostics,
) -> Result<Built, Failure> {
    let timings = std::env::var_os("DOSSIER_TIMINGS").is_some();
    let clock = std::time::Instant::now();
    let lap = |stage: &str| {
        if timings {
            eprintln!("timing: {stage} done at {} ms", clock.elapsed().as_millis());
        }
    };
    let content = match load::load(root, diags) {
        Ok(Some(c)) => c,
        Ok(None) => return Err(Failure::Content),
        Err(load::LoadError::Usage(m)) => return Err(Failure::Usage(m)),
        Err(load::LoadError::Io(m)) => return Err(Failure::Io(m)),
    };
    lap("load");
    let site = model::build(content, opts, diags);
    lap("model");
    let tera = render::templates(&site, diags);
    if strict {
        diags.make_strict();
    }
    if diags.has_errors() || !render_pages {
        return if diags.has_errors() { Err(Failure::Content) } else { Ok(Built { files: Vec::new(), pages: 0 }) };
    }
    let tera = tera.ok_or(Failure::Content)?;
    let (mut files, index) = if timings {
        let pages = render::render(&site, &tera, diags);
        lap("render");
        let index = search::build(&site);
        lap("search");
        (pages, index)
    } else {
        rayon::join(|| render::render(&site, &tera, diags), || search::build(&site))
    };
    files.extend(index);
    if diags.has_errors() {
        return Err(Failure::Content);
    }
    let pages = files.iter().filter(|f| f.path.ends_with(".html")).count();
    Ok(Built { files, pages })
}
