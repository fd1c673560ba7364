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

/// Prints when each stage finished, with `DOSSIER_TIMINGS` set.
struct Clock {
    on: bool,
    start: std::time::Instant,
}

impl Clock {
    fn new() -> Clock {
        Clock { on: std::env::var_os("DOSSIER_TIMINGS").is_some(), start: std::time::Instant::now() }
    }

    fn lap(&self, stage: &str) {
        if self.on {
            eprintln!("timing: {stage} done at {} ms", self.start.elapsed().as_millis());
        }
    }
}

/// For the steps within a stage: prints `timing:   <stage>: <step> at N ms` (from this call) with `DOSSIER_TIMINGS`
/// set, as [`Clock`] does for the stages.
pub(crate) fn step_clock(stage: &'static str) -> impl Fn(&str) {
    let clock = Clock::new();
    move |step| {
        if clock.on {
            eprintln!("timing:   {stage}: {step} at {} ms", clock.start.elapsed().as_millis());
        }
    }
}

/// Load → model, and the templates; with `strict`, warnings are errors. `None` when there are errors.
fn prepare(
    root: &Path,
    opts: &model::Options,
    strict: bool,
    diags: &mut Diagnostics,
    clock: &Clock,
) -> Result<(model::Site, Option<tera::Tera>), Failure> {
    let content = match load::load(root, diags) {
        Ok(Some(c)) => c,
        Ok(None) => return Err(Failure::Content),
        Err(load::LoadError::Usage(m)) => return Err(Failure::Usage(m)),
        Err(load::LoadError::Io(m)) => return Err(Failure::Io(m)),
    };
    clock.lap("load");
    let site = model::build(content, opts, diags);
    clock.lap("model");
    let tera = render::templates(&site, diags);
    if strict {
        diags.make_strict();
    }
    if diags.has_errors() {
        return Err(Failure::Content);
    }
    Ok((site, tera))
}

/// Runs load → model → render and builds the search index, all in memory; with `strict`, warnings are errors.
/// `render_pages = false` stops after validation (`dossier check`), though templates are still compiled and
/// checked.
pub fn run(
    root: &Path,
    opts: &model::Options,
    strict: bool,
    render_pages: bool,
    diags: &mut Diagnostics,
) -> Result<Built, Failure> {
    let clock = Clock::new();
    let (site, tera) = prepare(root, opts, strict, diags, &clock)?;
    if !render_pages {
        // Freeing a large model takes a while, and nothing waits for it.
        std::thread::spawn(move || drop(site));
        return Ok(Built { files: Vec::new(), pages: 0 });
    }
    let tera = tera.ok_or(Failure::Content)?;
    let (mut files, index) = rayon::join(|| render::render(&site, &tera, diags), || search::build(&site));
    files.extend(index);
    if diags.has_errors() {
        return Err(Failure::Content);
    }
    let pages = files.iter().filter(|f| f.path.ends_with(".html")).count();
    Ok(Built { files, pages })
}

/// What `build` wrote.
pub struct Written {
    pub pages: usize,
    pub files: usize,
}

/// `dossier build`: load → model → render → write, then search → write, into a staging folder that replaces
/// `out` only when everything succeeded. Pages are written a few thousand at a time as they are rendered (each
/// report's body HTML leaving the model with its page), and the search index is built after them and written the
/// same way, so a large archive is never held in memory whole.
pub fn build(
    root: &Path,
    opts: &model::Options,
    strict: bool,
    out: &Path,
    diags: &mut Diagnostics,
) -> Result<Written, Failure> {
    let clock = Clock::new();
    let (site, tera) = prepare(root, opts, strict, diags, &clock)?;
    let tera = tera.ok_or(Failure::Content)?;
    let mut stage = write::Staging::begin(out).map_err(Failure::Io)?;
    let mut written = Written { pages: 0, files: 1 };
    render::render_each(&site, &tera, diags, &|_| true, true, &mut |files| {
        written.pages += files.iter().filter(|f| f.path.ends_with(".html")).count();
        written.files += files.len();
        stage.write(files)
    })
    .map_err(Failure::Io)?;
    clock.lap("render and write pages");
    if diags.has_errors() {
        return Err(Failure::Content);
    }
    search::build_each(&site, &mut |files| {
        written.files += files.len();
        stage.write(files)
    })
    .map_err(Failure::Io)?;
    clock.lap("search and write index");
    // Freeing the model took a quarter of a second at 10,000 reports, on this thread alone.
    drop_aside((site, tera));
    stage.commit().map_err(Failure::Io)?;
    clock.lap("replace the previous output");
    Ok(written)
}

/// Frees `value` on the worker threads, so this thread goes on with the next part of the build.
fn drop_aside<T: Send + 'static>(value: T) {
    rayon::spawn(move || drop(value));
}
