//! Dossier: a static site generator for archives of research reports built on cited
//! sources. The pipeline, one module per stage:
//!
//! `load` (files → parsed content) → `model` (resolved, validated site) →
//! `render` (pages through the theme) → `write` (atomic output).
//!
//! `markdown` is comrak behind one door, `text` holds dates and words per language,
//! `diag` the diagnostics every stage reports into. `serve` is the live preview of
//! `dossier serve`.

pub mod config;
pub mod diag;
pub mod load;
pub mod markdown;
pub mod model;
pub mod render;
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
    let content = match load::load(root, diags) {
        Ok(Some(c)) => c,
        Ok(None) => return Err(Failure::Content),
        Err(load::LoadError::Usage(m)) => return Err(Failure::Usage(m)),
        Err(load::LoadError::Io(m)) => return Err(Failure::Io(m)),
    };
    let site = model::build(content, opts, diags);
    let tera = render::templates(&site, diags);
    if strict {
        diags.make_strict();
    }
    if diags.has_errors() || !render_pages {
        return if diags.has_errors() { Err(Failure::Content) } else { Ok(Built { files: Vec::new(), pages: 0 }) };
    }
    let tera = tera.ok_or(Failure::Content)?;
    let files = render::render(&site, &tera, diags);
    if diags.has_errors() {
        return Err(Failure::Content);
    }
    let pages = files.iter().filter(|f| f.path.ends_with(".html")).count();
    Ok(Built { files, pages })
}
