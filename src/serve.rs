//! `dossier serve`: a live preview for writing reports. It builds the site into memory,
//! serves it over HTTP (loopback by default), watches the site's files and rebuilds after
//! every change. Open pages reload themselves through server-sent events and keep their
//! scroll position; a content or template error keeps the last good pages online and shows
//! the error, with file:line:column, as an overlay. Nothing is ever written to disk.
//!
//! Parts: [`Server`] state shared by the threads (the site as a map path → file, the build
//! status), the HTTP/1.1 handling (one thread per connection), the watcher (notify, with a
//! debounce of our own) and the rebuild loop.

use crate::diag::{Diagnostic, Diagnostics, Severity};
use crate::load::StaticData;
use crate::model::{self, Report, Site, Term};
use crate::render::file_of;
use crate::render::{OutData, OutFile, Part};
use crate::{load, render};
use notify::{EventKind, RecursiveMode, Watcher};
use std::collections::HashMap;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};

/// How `dossier serve` was asked to run.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    /// The first port to try; 0 lets the system choose.
    pub port: u16,
    pub bind: IpAddr,
    pub open: bool,
    pub drafts: bool,
}

/// The address the reload script listens to for build events.
pub const EVENTS_PATH: &str = "/__dossier/events";

/// Folders and files of a site whose changes trigger a rebuild.
const WATCHED: &[&str] = &["content", "static", "templates", "themes", "site.toml"];

/// How long the files must be quiet before a rebuild starts, and the longest wait in a burst.
const QUIET: Duration = Duration::from_millis(25);
const MAX_WAIT: Duration = Duration::from_millis(400);

/// Open connections above this number are answered with 503 at once.
const MAX_CONNECTIONS: usize = 1024;

/// Set by SIGINT and SIGTERM; the watch loop stops when it sees it.
static STOP: AtomicBool = AtomicBool::new(false);

/// One file of the served site.
pub struct Entry {
    pub body: Vec<u8>,
    pub content_type: &'static str,
    pub etag: String,
}

/// The served files by site path, kept in shards: a copy with a few files changed copies only
/// their shards, so a rebuild that changes one report does not copy the whole site's map.
#[derive(Clone)]
struct Files {
    shards: Vec<Arc<HashMap<String, Arc<Entry>>>>,
    len: usize,
}

const SHARDS: u64 = 256;

impl Files {
    fn new() -> Files {
        Files { shards: (0..SHARDS).map(|_| Arc::default()).collect(), len: 0 }
    }

    fn shard(path: &str) -> usize {
        // FNV-1a: the shard only needs to be stable and spread.
        let h = path.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        (h % SHARDS) as usize
    }

    fn get(&self, path: &str) -> Option<&Arc<Entry>> {
        self.shards[Files::shard(path)].get(path)
    }

    fn contains_key(&self, path: &str) -> bool {
        self.get(path).is_some()
    }

    fn insert(&mut self, path: String, entry: Arc<Entry>) {
        if Arc::make_mut(&mut self.shards[Files::shard(&path)]).insert(path, entry).is_none() {
            self.len += 1;
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    fn iter(&self) -> impl Iterator<Item = (&String, &Arc<Entry>)> {
        self.shards.iter().flat_map(|s| s.iter())
    }

    fn keys(&self) -> impl Iterator<Item = &String> {
        self.iter().map(|(k, _)| k)
    }
}

impl Extend<(String, Arc<Entry>)> for Files {
    fn extend<I: IntoIterator<Item = (String, Arc<Entry>)>>(&mut self, iter: I) {
        for (path, entry) in iter {
            self.insert(path, entry);
        }
    }
}

impl FromIterator<(String, Arc<Entry>)> for Files {
    fn from_iter<I: IntoIterator<Item = (String, Arc<Entry>)>>(iter: I) -> Files {
        let mut files = Files::new();
        files.extend(iter);
        files
    }
}

/// What open pages learn about through the event stream.
struct Status {
    /// Changes whenever the served files change; pages reload when it does.
    version: String,
    /// The diagnostics of the last failed build, as printed; empty when it succeeded.
    errors: String,
    /// Counts every change of the status, so waiting streams wake up.
    seq: u64,
}

/// State shared by the connection threads and the rebuild loop.
pub struct Server {
    files: RwLock<Arc<Files>>,
    status: Mutex<Status>,
    changed: Condvar,
    stopping: AtomicBool,
    connections: AtomicUsize,
    /// Distinguishes this run's versions and ETags from those of an earlier run.
    nonce: String,
}

impl Server {
    fn new() -> Server {
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| format!("{:x}", d.as_millis()))
            .unwrap_or_default();
        Server {
            files: RwLock::new(Arc::new(Files::new())),
            status: Mutex::new(Status { version: format!("{nonce}-0"), errors: String::new(), seq: 0 }),
            changed: Condvar::new(),
            stopping: AtomicBool::new(false),
            connections: AtomicUsize::new(0),
            nonce,
        }
    }

    fn snapshot(&self) -> Arc<Files> {
        self.files.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Puts a new set of files online and tells the open pages to reload.
    fn publish(&self, files: Arc<Files>, generation: u64) {
        *self.files.write().unwrap_or_else(|e| e.into_inner()) = files;
        let mut s = self.status.lock().unwrap_or_else(|e| e.into_inner());
        s.version = format!("{}-{generation}", self.nonce);
        s.errors.clear();
        s.seq += 1;
        self.changed.notify_all();
    }

    /// Puts a new set of files online without reloading open pages: for a new search
    /// index, which only the next search uses.
    fn replace(&self, files: Arc<Files>) {
        *self.files.write().unwrap_or_else(|e| e.into_inner()) = files;
    }

    fn set_errors(&self, errors: String) {
        let mut s = self.status.lock().unwrap_or_else(|e| e.into_inner());
        if s.errors != errors {
            s.errors = errors;
            s.seq += 1;
            self.changed.notify_all();
        }
    }

    fn errors(&self) -> String {
        self.status.lock().unwrap_or_else(|e| e.into_inner()).errors.clone()
    }

    fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        let _s = self.status.lock().unwrap_or_else(|e| e.into_inner());
        self.changed.notify_all();
    }
}

/// Runs `dossier serve` until Ctrl-C. Errors are usage or I/O problems (exit code 2).
pub fn serve(opts: &ServeOptions) -> Result<(), String> {
    if !opts.root.join("site.toml").exists() {
        return Err(format!(
            "no site.toml in {}: pass --root with a site's folder, or create one with `dossier init DIR`",
            opts.root.display()
        ));
    }
    let listener = bind(opts.bind, opts.port)?;
    let addr = listener.local_addr().map_err(|e| format!("cannot read the server's address: {e}"))?;
    if opts.port != 0 && addr.port() != opts.port {
        eprintln!("Port {} is taken; using port {} instead.", opts.port, addr.port());
    }
    let host = match addr {
        SocketAddr::V4(a) if a.ip().is_unspecified() => format!("127.0.0.1:{}", a.port()),
        SocketAddr::V6(a) if a.ip().is_unspecified() => format!("[::1]:{}", a.port()),
        a => a.to_string(),
    };
    let url = format!("http://{host}/");
    let mut watch = Watch::start(&opts.root)?;
    let server = Arc::new(Server::new());
    let mut builder = Builder::new(opts, &url);

    let start = Instant::now();
    match builder.build(None) {
        Ok(b) => {
            eprintln!("Built {} pages ({} files) in {} ms", b.pages, b.files.len(), start.elapsed().as_millis());
            server.publish(b.files, builder.generation);
        }
        Err(e) => {
            eprintln!("{e}");
            eprintln!("build failed; serving the error page until the site builds");
            server.set_errors(e);
        }
    }

    install_signal_handlers();
    {
        let server = server.clone();
        std::thread::spawn(move || accept_loop(listener, server));
    }
    eprintln!("Serving at {url} (Ctrl-C to stop)");
    if opts.open {
        open_browser(&url);
    }
    let result = watch_loop(&mut watch, &server, &mut builder);
    server.stop();
    eprintln!("Stopped.");
    result
}

/// Binds to `port`, or the next free one of the following 100 when it is taken.
fn bind(ip: IpAddr, port: u16) -> Result<TcpListener, String> {
    if port == 0 {
        return TcpListener::bind((ip, 0)).map_err(|e| format!("cannot listen on {ip}: {e}"));
    }
    let mut last = None;
    for p in port..=port.saturating_add(100) {
        match TcpListener::bind((ip, p)) {
            Ok(l) => return Ok(l),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => last = Some(e),
            Err(e) => return Err(format!("cannot listen on {ip}:{p}: {e}")),
        }
    }
    Err(format!("cannot listen on {ip}: ports {port} to {} are all taken ({})", port.saturating_add(100), {
        last.map(|e| e.to_string()).unwrap_or_default()
    }))
}

#[cfg(unix)]
fn install_signal_handlers() {
    extern "C" fn on_signal(_: libc::c_int) {
        STOP.store(true, Ordering::SeqCst);
    }
    // SAFETY: the handler only stores into an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }
}

#[cfg(not(unix))]
fn install_signal_handlers() {}

fn open_browser(url: &str) {
    let cmd = if cfg!(target_os = "macos") {
        std::process::Command::new("open").arg(url).spawn()
    } else if cfg!(windows) {
        std::process::Command::new("cmd").args(["/C", "start", "", url]).spawn()
    } else {
        std::process::Command::new("xdg-open").arg(url).spawn()
    };
    if let Err(e) = cmd {
        eprintln!("warning: cannot open a browser ({e}); open {url} yourself");
    }
}

// ---------------------------------------------------------------------------------------
// Building

/// A successful build: the files to serve.
struct BuiltFiles {
    files: Arc<Files>,
    pages: usize,
    /// How many files were rendered (or read) anew.
    rendered: usize,
    /// The model to build the search index from, when the pages went ahead without it.
    index_of: Option<Arc<Site>>,
    /// Where the time went.
    phases: String,
    /// What changed, by kind of page, when the builder knows without comparing all files.
    summary: Option<String>,
}

/// The text of a failed build: its diagnostics, and how many errors there were.
fn failed(diags: &[&Diagnostic]) -> String {
    let printed: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
    let errors = diags.iter().filter(|d| d.severity == Severity::Error).count();
    let plural = if errors == 1 { "" } else { "s" };
    format!("{}\n\nbuild failed: {errors} error{plural}", printed.join("\n\n"))
}

/// Builds the site into served files, reusing unchanged entries (and their ETags) of the
/// previous build.
struct Builder {
    root: PathBuf,
    canonical_root: PathBuf,
    options: model::Options,
    generation: u64,
    nonce: String,
    previous: Arc<Files>,
    /// The model of the last good build, to compare the next one with.
    last: Option<Arc<Site>>,
    /// The served paths that belong to the search index.
    index_paths: HashSet<String>,
    /// Reports as last loaded, reused while their files stay the same.
    cache: load::Cache,
    /// The templates of the last good build.
    tera: Option<tera::Tera>,
    /// The files changed since the last good build.
    unpublished: Vec<PathBuf>,
    /// Whether the last build from a new model failed: then the next one needs a new model too.
    whole_failed: bool,
    /// Pages of the last good build.
    pages: usize,
}

impl Builder {
    fn new(opts: &ServeOptions, url: &str) -> Builder {
        Builder {
            root: opts.root.clone(),
            canonical_root: std::fs::canonicalize(&opts.root).unwrap_or_else(|_| opts.root.clone()),
            // Serve mode lives at the server's top, whatever path base_url has.
            options: model::Options {
                include_drafts: opts.drafts,
                base_url: Some(url.to_string()),
                ..Default::default()
            },
            generation: 0,
            nonce: format!("{:x}", std::process::id()),
            previous: Arc::new(Files::new()),
            last: None,
            index_paths: HashSet::new(),
            cache: load::Cache::new(),
            tera: None,
            unpublished: Vec::new(),
            whole_failed: false,
            pages: 0,
        }
    }

    /// Builds the site after `changed` files changed (`None`: the first build). When only
    /// the bodies of known reports changed, the last model is patched ([`Builder::patch`]);
    /// otherwise a new one is built, and when the files changed since the last good build
    /// are all reports, only the pages they affect are rendered again. Everything else keeps
    /// its entry. The first good build includes the search index; later ones leave it to
    /// [`Builder::index`], so pages show without waiting for it. On failure, the
    /// diagnostics as text.
    fn build(&mut self, changed: Option<&[PathBuf]>) -> Result<BuiltFiles, String> {
        let Some(changed) = changed else {
            let result = self.build_whole(None);
            self.whole_failed = result.is_err();
            return result;
        };
        // Compared with the last good build, everything changed since then counts.
        self.unpublished.extend_from_slice(changed);
        self.unpublished.sort();
        self.unpublished.dedup();
        let changed = self.unpublished.clone();
        let result = match (!self.whole_failed).then(|| self.patch(&changed)).flatten() {
            Some(patched) => patched,
            None => {
                let result = self.build_whole(Some(&changed));
                self.whole_failed = result.is_err();
                result
            }
        };
        if result.is_ok() {
            self.unpublished.clear();
        }
        result
    }

    /// [`Builder::build`] from a new model.
    fn build_whole(&mut self, changed: Option<&[PathBuf]>) -> Result<BuiltFiles, String> {
        // Conversions are remembered from one whole build to the next (patches only add theirs).
        crate::markdown::memo_next_build();
        let started = Instant::now();
        let mut diags = Diagnostics::default();
        self.cache.forget(&self.root, changed.unwrap_or_default());
        let content = match load::load_cached(&self.root, &mut diags, &mut self.cache) {
            Ok(Some(c)) => c,
            Ok(None) => return Err(failed(&diags.sorted())),
            Err(load::LoadError::Usage(m) | load::LoadError::Io(m)) => return Err(format!("error: {m}")),
        };
        let loaded = started.elapsed();
        let site = model::build(content, &self.options, &mut diags);
        let tera = render::templates(&site, &mut diags);
        let Some(tera) = tera.filter(|_| !diags.has_errors()) else { return Err(failed(&diags.sorted())) };

        let modelled = started.elapsed();
        let only_reports = changed.is_some_and(|c| c.iter().all(|p| p.starts_with("content/reports")));
        let selection = match (&self.last, only_reports) {
            (Some(old), true) => Some(affected(old, &site, changed.unwrap_or_default())),
            _ => None,
        };
        let compared = started.elapsed();
        let all_paths = Mutex::new(Vec::new());
        let select = |path: &str| {
            all_paths.lock().unwrap_or_else(|e| e.into_inner()).push(path.to_string());
            selection.as_ref().is_none_or(|s| s.contains(path))
        };
        let with_index = self.last.is_none();
        let (mut out, index) = rayon::join(
            || render::render_selected(&site, &tera, &mut diags, &select),
            || if with_index { crate::search::build(&site) } else { Vec::new() },
        );
        if diags.has_errors() {
            return Err(failed(&diags.sorted()));
        }
        let rendered_at = started.elapsed();
        for d in diags.sorted() {
            eprintln!("{d}\n");
        }
        self.generation += 1;
        let rendered = out.len();
        // Files whose content did not change keep their entries and ETags, and files no longer written are
        // dropped with the old map. Until the new index is built, the last one stays.
        if with_index {
            self.index_paths = index.iter().map(|f| f.path.clone()).collect();
        }
        out.extend(index);
        let mut files: Files = self.to_entries(out, "").into_iter().collect();
        for path in &self.index_paths {
            if let (false, Some(e)) = (files.contains_key(path), self.previous.get(path)) {
                files.insert(path.clone(), e.clone());
            }
        }
        let mut all_paths = all_paths.into_inner().unwrap_or_else(|e| e.into_inner());
        // A report's page is offered twice (with its own job and with its citation files).
        all_paths.sort_unstable();
        all_paths.dedup();
        for path in &all_paths {
            if !files.contains_key(path) {
                match self.previous.get(path) {
                    Some(e) => {
                        files.insert(path.clone(), e.clone());
                    }
                    // Not rendered and not known: should not happen, but a full build is always right.
                    None if selection.is_some() => {
                        self.last = None;
                        return self.build_whole(None);
                    }
                    None => {}
                }
            }
        }
        let pages = all_paths.iter().filter(|p| p.ends_with(".html")).count();
        let files = Arc::new(files);
        let old = (std::mem::replace(&mut self.previous, files.clone()), self.last.take());
        // Freeing the last build's model and file map takes a while on a large archive; it need not hold up this one.
        std::thread::spawn(move || drop(old));
        let ms = |d: Duration| d.as_millis();
        let phases = format!(
            "load {} ms, model {} ms, compare {} ms, render {} ms, swap {} ms",
            ms(loaded),
            ms(modelled - loaded),
            ms(compared - modelled),
            ms(rendered_at - compared),
            ms(started.elapsed() - rendered_at)
        );
        let site = Arc::new(site);
        self.last = Some(site.clone());
        self.tera = Some(tera);
        self.pages = pages;
        Ok(BuiltFiles { files, pages, rendered, phases, summary: None, index_of: (!with_index).then_some(site) })
    }

    /// The quick way for the usual edit: when only the bodies, citations or source facts of known reports changed,
    /// the last model is patched (see [`model::patch`]) and only the pages it names are rendered again. `None`
    /// when the change needs a whole build.
    fn patch(&mut self, changed: &[PathBuf]) -> Option<Result<BuiltFiles, String>> {
        let started = Instant::now();
        let last = self.last.clone()?;
        let tera = self.tera.as_ref()?;
        // Editors' temporary files next to a report (`file.md___jb_tmp___`, `sedX1y2Z3`) are not read by the
        // loader and hold no reports: they change nothing. A folder may hold reports.
        let holds_reports = |p: &Path| {
            let full = self.root.join(p);
            p.extension().is_some_and(|e| e == "md")
                || full.is_dir()
                || (!full.exists() && last.reports.iter().any(|r| r.file.starts_with(p)))
        };
        let changed: Vec<&PathBuf> =
            changed.iter().filter(|p| !p.starts_with("content/reports") || holds_reports(p)).collect();
        if changed.is_empty()
            || !changed.iter().all(|p| p.starts_with("content/reports") && self.root.join(p).is_file())
        {
            return None;
        }
        let mut edits = Vec::new();
        for &p in &changed {
            let index = last.reports.iter().position(|r| r.file == *p)?;
            match load::reload_report(&self.root, p, &mut self.cache) {
                Ok(Ok(doc)) => edits.push(model::Edit { index, doc }),
                // A broken file is reported as a whole build would (the others are the last good build's).
                Ok(Err(d)) => return Some(Err(failed(&[&d]))),
                Err(_) => return None,
            }
        }
        let loaded = started.elapsed();
        let mut diags = Diagnostics::default();
        let model::Patched { site, sources, organisations, counts, cards } =
            model::patch(&last, &edits, &self.options, &mut diags)?;
        if diags.has_errors() {
            return Some(Err(failed(&diags.sorted())));
        }
        let modelled = started.elapsed();
        let mut parts: Vec<Part> = edits.iter().map(|e| Part::Report(e.index)).collect();
        // A source with a citing report more or less, or other places cited: all its pages, unless it has more
        // or fewer of them now (then a whole build adds or removes them). The same for organisations, below.
        if sources.iter().any(|&s| render::source_pages(&last, s) != render::source_pages(&site, s)) {
            return None;
        }
        parts.extend(
            sources.iter().flat_map(|&s| (1..=render::source_pages(&site, s)).map(move |n| Part::Source(s, n))),
        );
        let size = site.config.listing.page_size;
        let org_pages = |site: &Site, o: usize| render::page_count(site.organisations[o].reports.len(), size);
        if organisations.iter().any(|&o| org_pages(&last, o) != org_pages(&site, o)) {
            return None;
        }
        parts.extend(
            organisations.iter().flat_map(|&o| (1..=org_pages(&site, o)).map(move |n| Part::Organisation(o, n))),
        );
        if counts {
            parts.extend((1..=render::source_list_pages(&site)).map(Part::Sources));
            parts.push(Part::Organisations);
        }
        // A changed card: every page that lists the report, before and after the change.
        for &i in &cards {
            let (old, new) = (&last.reports[i], &site.reports[i]);
            // The page of a paged list that shows report `i`.
            let page_of = |list: &[usize]| list.binary_search(&i).map_or(1, |p| p / size + 1);
            for (kind, terms, idxs) in [
                ("countries", &site.countries, new.countries.clone()),
                ("topics", &site.topics, new.topics.clone()),
                ("years", &site.years, vec![new.year]),
                ("languages", &site.languages, vec![new.language_term]),
            ] {
                parts.extend(idxs.iter().map(|&t| Part::Term(kind, t, page_of(&terms[t].reports))));
            }
            let orgs = old.organisations.iter().chain(&new.organisations);
            parts.extend(orgs.map(|&o| Part::Organisation(o, page_of(&site.organisations[o].reports))));
            let lines = site.config.listing.list_size;
            let cited = old.bibliography.iter().chain(&new.bibliography).map(|b| {
                let list = &site.sources[b.source].cited_by;
                Part::Source(b.source, list.partition_point(|u| u.report < i) / lines + 1)
            });
            parts.extend(cited);
            parts.push(Part::Listing(i / size + 1));
            if i < size {
                parts.push(Part::Home);
            }
            if i < site.config.listing.feed_size {
                parts.push(Part::Feed);
            }
        }
        // `reports.json` lists every report: the changed entries are printed into the last one.
        let mut made = Vec::new();
        if !cards.is_empty() {
            let previous = self.previous.get("reports.json").and_then(|e| std::str::from_utf8(&e.body).ok());
            match previous.and_then(|p| crate::cite::reports_index_patched(p, &site, &cards)) {
                Some(json) => made.push(OutFile { path: "reports.json".into(), data: OutData::Text(json) }),
                None => parts.push(Part::ReportsJson),
            }
        }
        parts.sort();
        parts.dedup();
        let mut out = render::render_parts(&site, tera, &mut diags, &parts);
        out.extend(made);
        if diags.has_errors() {
            return Some(Err(failed(&diags.sorted())));
        }
        let rendered_at = started.elapsed();
        for d in diags.sorted() {
            eprintln!("{d}\n");
        }
        self.generation += 1;
        let rendered = out.len();
        let fresh = self.to_entries(out, "");
        let changed: Vec<&str> = fresh
            .iter()
            .filter(|(p, e)| self.previous.get(p).is_none_or(|o| !Arc::ptr_eq(o, e)))
            .map(|(p, _)| p.as_str())
            .collect();
        let summary = summarize(&changed, 0);
        let mut files = (*self.previous).clone();
        files.extend(fresh);
        let files = Arc::new(files);
        let site = Arc::new(site);
        let old = (std::mem::replace(&mut self.previous, files.clone()), self.last.replace(site.clone()));
        std::thread::spawn(move || drop(old));
        let ms = |d: Duration| d.as_millis();
        let phases = format!(
            "patched: load {} ms, model {} ms, render {} ms, swap {} ms",
            ms(loaded),
            ms(modelled - loaded),
            ms(rendered_at - modelled),
            ms(started.elapsed() - rendered_at)
        );
        let pages = self.pages;
        Some(Ok(BuiltFiles { files, pages, rendered, phases, summary: Some(summary), index_of: Some(site) }))
    }

    /// Puts a search index built from the model of build `generation` in place of the last
    /// one; `None` when a later build has come since (its own index follows).
    fn index(&mut self, out: Vec<OutFile>, generation: u64) -> Option<(Arc<Files>, usize)> {
        if generation != self.generation {
            return None;
        }
        let paths: HashSet<String> = out.iter().map(|f| f.path.clone()).collect();
        let fresh = self.to_entries(out, "s");
        let changed = fresh.iter().filter(|(p, e)| self.previous.get(p).is_none_or(|o| !Arc::ptr_eq(o, e))).count();
        let mut files: Files = self
            .previous
            .iter()
            .filter(|(p, _)| !self.index_paths.contains(*p))
            .map(|(p, e)| (p.clone(), e.clone()))
            .collect();
        files.extend(fresh);
        self.index_paths = paths;
        self.previous = Arc::new(files);
        Some((self.previous.clone(), changed))
    }

    /// Turns rendered files into served entries: the reload script goes into every HTML
    /// page, static files are read into memory, and an unchanged file keeps its entry.
    fn to_entries(&self, out: Vec<OutFile>, tag: &str) -> Vec<(String, Arc<Entry>)> {
        let mut files = Vec::with_capacity(out.len());
        for (n, f) in out.into_iter().enumerate() {
            let body = match f.data {
                OutData::Text(s) if f.path.ends_with(".html") => inject_script(s).into_bytes(),
                OutData::Text(s) => s.into_bytes(),
                OutData::Page(b) if f.path.ends_with(".html") => inject_script_bytes(b),
                OutData::Page(b) => b,
                OutData::Static(StaticData::Embedded(b)) => b.to_vec(),
                OutData::Static(StaticData::Disk(p)) => match self.read_inside(&p) {
                    Ok(b) => b,
                    Err(e) => {
                        eprintln!("warning: {} is not served: {e}", p.display());
                        continue;
                    }
                },
            };
            let entry = match self.previous.get(&f.path) {
                Some(old) if old.body == body => old.clone(),
                _ => Arc::new(Entry {
                    content_type: content_type(&f.path),
                    etag: format!("\"{}-{}{tag}-{n}\"", self.nonce, self.generation),
                    body,
                }),
            };
            files.push((f.path, entry));
        }
        files
    }

    /// Reads a static file, refusing one whose real path (after symlinks) is outside the site.
    fn read_inside(&self, p: &Path) -> Result<Vec<u8>, String> {
        let real = std::fs::canonicalize(p).map_err(|e| e.to_string())?;
        if !real.starts_with(&self.canonical_root) {
            return Err("it leads outside the site's folder".into());
        }
        std::fs::read(&real).map_err(|e| e.to_string())
    }
}

/// The output files a change of `changed` (all reports) may affect, comparing the model of
/// the last good build with the new one. Reports are matched by id, sources by key,
/// organisations and terms by path. A report counts as changed when its file changed or
/// when anything shown in its card (title, date, terms and their counts …) differs; every
/// page that shows a changed report is rendered again, and so are the pages summing up the
/// whole site (home, indexes, feed, sitemap, 404, plain pages).
fn affected(old: &Site, new: &Site, changed: &[PathBuf]) -> HashSet<String> {
    let old_ids: HashMap<&str, usize> = old.reports.iter().enumerate().map(|(i, r)| (r.id.as_str(), i)).collect();
    let new_ids: HashMap<&str, usize> = new.reports.iter().enumerate().map(|(i, r)| (r.id.as_str(), i)).collect();
    let in_changed = |r: &Report| changed.contains(&r.file);
    // Reports whose file changed or whose card did (`dirty`), and those whose card did: a page that shows only
    // reports' cards changes only with the second.
    let mut dirty: HashSet<&str> = HashSet::new();
    let mut card_dirty: HashSet<&str> = HashSet::new();
    for r in old.reports.iter().filter(|r| !new_ids.contains_key(r.id.as_str())) {
        card_dirty.insert(&r.id);
    }
    for r in old.reports.iter().filter(|r| in_changed(r)) {
        dirty.insert(&r.id);
    }
    for (i, r) in new.reports.iter().enumerate() {
        let same = old_ids.get(r.id.as_str()).is_some_and(|&o| card_key(old, o) == card_key(new, i));
        if !same {
            card_dirty.insert(&r.id);
        }
        if in_changed(r) {
            dirty.insert(&r.id);
        }
    }
    dirty.extend(card_dirty.iter().copied());
    let ids =
        |site: &Site, idxs: &[usize]| -> Vec<String> { idxs.iter().map(|&i| site.reports[i].id.clone()).collect() };
    let touches = |site: &Site, idxs: &[usize]| idxs.iter().any(|&i| dirty.contains(site.reports[i].id.as_str()));
    let touches_card =
        |site: &Site, idxs: &[usize]| idxs.iter().any(|&i| card_dirty.contains(site.reports[i].id.as_str()));
    let mut out: HashSet<String> = HashSet::new();
    let mut add = |path: &str| {
        out.insert(file_of(path));
    };

    for r in new.reports.iter().filter(|r| dirty.contains(r.id.as_str())) {
        add(&r.path);
    }
    let old_sources: HashMap<&str, &model::Source> = old.sources.iter().map(|s| (s.key.as_str(), &**s)).collect();
    // A source's page shows its citing reports (cards, with the places cited) and the excerpts quoted from it.
    let same_uses = |o: &model::Source, s: &model::Source| {
        o.cited_by.len() == s.cited_by.len()
            && o.cited_by
                .iter()
                .zip(&s.cited_by)
                .all(|(a, b)| old.reports[a.report].id == new.reports[b.report].id && a.locators == b.locators)
    };
    // The list of all sources shows each one's reference, date and count of citing reports.
    let lines = new.config.listing.list_size;
    let mut counts_changed = old.sources.len() != new.sources.len();
    for s in &new.sources {
        let users: Vec<usize> = s.cited_by.iter().map(|u| u.report).collect();
        let excerpted: Vec<usize> = s.excerpts.iter().map(|x| x.0).collect();
        let old_source = old_sources.get(s.key.as_str());
        counts_changed |= old_source.is_none_or(|o| {
            o.cited_by.len() != s.cited_by.len()
                || o.date != s.date
                || o.reference(&old.organisations) != s.reference(&new.organisations)
        });
        let same = old_source.is_some_and(|o| same_uses(o, s) && o.excerpts.len() == s.excerpts.len());
        if !same || touches_card(new, &users) || touches(new, &excerpted) || changed.contains(&s.file) {
            for n in 1..=render::page_count(s.cited_by.len(), lines) {
                add(&render::paged_path("sources", &s.key, n, new.portable));
            }
        }
    }
    let org_key = |site: &Site, o: &model::Organisation| {
        let docs: Vec<String> = o
            .sources
            .iter()
            .map(|&s| {
                let s = &site.sources[s];
                format!("{}|{}|{}|{:?}|{}", s.key, s.title, s.date.iso(), s.url, s.cited_by.len())
            })
            .collect();
        (docs, ids(site, &o.reports))
    };
    let old_orgs: HashMap<&str, &model::Organisation> =
        old.organisations.iter().map(|o| (o.path.as_str(), o)).collect();
    // Organisation and term pages are paged lists: all pages of one go together.
    let size = new.config.listing.page_size;
    for o in &new.organisations {
        let same = old_orgs.get(o.path.as_str()).is_some_and(|p| org_key(old, p) == org_key(new, o));
        if !same || touches_card(new, &o.reports) {
            for n in 1..=render::page_count(o.reports.len(), size) {
                add(&render::paged_path("organisations", &o.slug, n, new.portable));
            }
        }
    }
    let old_terms: HashMap<&str, &Term> = kinds(old).into_iter().map(|(_, t)| (t.path.as_str(), t)).collect();
    for (kind, t) in kinds(new) {
        let same = old_terms
            .get(t.path.as_str())
            .is_some_and(|o| o.name == t.name && ids(old, &o.reports) == ids(new, &t.reports));
        if !same || touches_card(new, &t.reports) {
            for n in 1..=render::page_count(t.reports.len(), size) {
                add(&render::paged_path(kind, &t.slug, n, new.portable));
            }
        }
    }
    // The paged list of all reports: a page changes when its reports or the page count do.
    let all_old: Vec<usize> = (0..old.reports.len()).collect();
    let all_new: Vec<usize> = (0..new.reports.len()).collect();
    let (old_order, new_order) = (ids(old, &all_old), ids(new, &all_new));
    let pages = new.reports.len().div_ceil(size).max(1);
    for n in 1..=pages {
        let range = |v: &[String]| v[((n - 1) * size).min(v.len())..(n * size).min(v.len())].to_vec();
        let idxs: Vec<usize> = (((n - 1) * size)..(n * size).min(new.reports.len())).collect();
        if old.reports.len() != new.reports.len() || range(&old_order) != range(&new_order) || touches_card(new, &idxs)
        {
            let slug = if n == 1 { String::new() } else { format!("page/{n}") };
            add(&model::site_path("reports", &slug, new.portable));
        }
    }
    // Pages that sum up the whole site, and the plain pages: few, always rendered.
    for section in ["", "countries", "topics", "years", "languages", "organisations"] {
        add(&model::site_path(section, "", new.portable));
    }
    if counts_changed {
        for n in 1..=render::source_list_pages(new) {
            add(&render::paged_path("sources", "", n, new.portable));
        }
    }
    for p in &new.pages {
        add(&p.path);
    }
    for extra in ["404.html", "atom.xml", "sitemap.xml", "robots.txt", "reports.json"] {
        out.insert(extra.to_string());
    }
    out
}

/// Every country, topic, year and language, with the section it belongs to.
fn kinds(site: &Site) -> Vec<(&'static str, &Term)> {
    let mut all = Vec::new();
    for (kind, terms) in [
        ("countries", &site.countries),
        ("topics", &site.topics),
        ("years", &site.years),
        ("languages", &site.languages),
    ] {
        all.extend(terms.iter().map(|t| (kind, t)));
    }
    all
}

/// Everything a listing shows of a report: when it differs between two builds, every page
/// listing the report is rendered again.
fn card_key(site: &Site, i: usize) -> String {
    let r = &site.reports[i];
    let terms = |terms: &[Term], idxs: &[usize]| -> Vec<(String, String, usize)> {
        idxs.iter()
            .map(|&t| (terms[t].name_in(&r.language).to_string(), terms[t].path.clone(), terms[t].reports.len()))
            .collect()
    };
    format!(
        "{}|{}|{}|{}|{:?}|{:?}|{}|{:?}|{:?}|{:?}",
        r.title,
        r.path,
        r.date.iso(),
        r.language,
        r.kind,
        r.summary,
        site.languages[r.language_term].path,
        terms(&site.countries, &r.countries),
        terms(&site.topics, &r.topics),
        site.years[r.year].path,
    )
}

/// What a rebuild changed, by kind of page: "1 report, 3 sources, 2 listings".
fn touched(old: &Files, new: &Files) -> String {
    let changed: Vec<&str> =
        new.iter().filter(|(p, e)| old.get(p).is_none_or(|o| !Arc::ptr_eq(o, e))).map(|(p, _)| p.as_str()).collect();
    let removed = old.keys().filter(|p| !new.contains_key(p)).count();
    summarize(&changed, removed)
}

/// [`touched`] from the changed paths and the count of removed ones.
fn summarize(changed: &[&str], removed: usize) -> String {
    let mut kinds: Vec<(&'static str, usize)> = Vec::new();
    let mut add = |path: &str| {
        let kind = page_kind(path);
        match kinds.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => kinds.push((kind, 1)),
        }
    };
    for p in changed {
        add(p);
    }
    const ORDER: &[&str] = &["report", "source", "organisation", "term", "listing", "page", "other"];
    kinds.sort_by_key(|(k, _)| ORDER.iter().position(|o| o == k));
    let mut parts: Vec<String> = kinds
        .iter()
        .map(|(k, n)| {
            let plural = if *n == 1 { String::new() } else { "s".into() };
            format!("{n} {k}{plural}")
        })
        .collect();
    if removed > 0 {
        parts.push(format!("{removed} removed"));
    }
    if parts.is_empty() { "nothing changed".into() } else { parts.join(", ") }
}

/// The kind of page a served path belongs to, for the rebuild summary.
fn page_kind(path: &str) -> &'static str {
    let segs: Vec<&str> = path.split('/').collect();
    let section = ["countries", "topics", "years", "languages"];
    match segs.as_slice() {
        ["index.html" | "atom.xml" | "sitemap.xml"] => "listing",
        ["reports", "index.html"] | ["reports", "page", ..] => "listing",
        ["reports", _, "index.html"] => "report",
        ["sources", "index.html"] | ["sources", "page", _, "index.html"] | ["organisations", "index.html"] => "listing",
        ["sources", _, "index.html"] | ["sources", _, "page", _, "index.html"] => "source",
        ["organisations", _, "index.html"] | ["organisations", _, "page", _, "index.html"] => "organisation",
        [s, "index.html"] if section.contains(s) => "listing",
        [s, _, "index.html"] | [s, _, "page", _, "index.html"] if section.contains(s) => "term",
        [.., "index.html"] => "page",
        _ => "other",
    }
}

// ---------------------------------------------------------------------------------------
// Watching

/// The file watcher and where its events arrive.
struct Watch {
    watcher: Box<dyn Watcher>,
    events: mpsc::Receiver<notify::Result<notify::Event>>,
    root: PathBuf,
    canonical_root: PathBuf,
    /// The watched folders, by name; "" is the site's folder itself.
    watching: Vec<&'static str>,
}

impl Watch {
    /// Starts watching before the first build, so no change made during it is lost.
    fn start(root: &Path) -> Result<Watch, String> {
        let (tx, events) = mpsc::channel::<notify::Result<notify::Event>>();
        let watcher: Box<dyn Watcher> = match notify::recommended_watcher(tx.clone()) {
            Ok(w) => Box::new(w),
            Err(e) => {
                eprintln!("warning: file events are not available ({e}); checking for changes twice a second");
                let config = notify::Config::default().with_poll_interval(Duration::from_millis(500));
                Box::new(notify::PollWatcher::new(tx, config).map_err(|e| format!("cannot watch the site: {e}"))?)
            }
        };
        let canonical_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let mut w = Watch { watcher, events, root: root.to_path_buf(), canonical_root, watching: Vec::new() };
        w.add_watches();
        Ok(w)
    }

    /// Watches the site's folder (for site.toml, and watched folders that appear) and each
    /// watched folder that exists and is not watched yet.
    fn add_watches(&mut self) {
        if !self.watching.contains(&"") && self.watcher.watch(&self.root, RecursiveMode::NonRecursive).is_ok() {
            self.watching.push("");
        }
        for name in WATCHED.iter().filter(|n| **n != "site.toml") {
            let dir = self.root.join(name);
            if !self.watching.contains(name)
                && dir.is_dir()
                && self.watcher.watch(&dir, RecursiveMode::Recursive).is_ok()
            {
                self.watching.push(name);
            }
        }
    }
}

/// The search index in the making, on a thread of its own, for the build of `generation`; `None` when it was
/// given up.
struct Indexing {
    thread: std::thread::JoinHandle<Option<Vec<OutFile>>>,
    generation: u64,
    started: Instant,
    /// Set when a newer model wants its index: this one would not be published, so it stops.
    give_up: Arc<AtomicBool>,
}

/// Builds the search index of the newest model after the pages are online: one index at a
/// time; an index whose model is superseded stops, and a model superseded while waiting is
/// skipped. It runs on threads of its own at the lowest priority, so the next save's pages are
/// not kept waiting behind it.
#[derive(Default)]
struct Indexer {
    running: Option<Indexing>,
    wanted: Option<(Arc<Site>, u64)>,
    pool: Option<Arc<rayon::ThreadPool>>,
}

impl Indexer {
    fn want(&mut self, site: Arc<Site>, generation: u64) {
        if let Some(r) = &self.running {
            r.give_up.store(true, Ordering::Relaxed);
        }
        self.wanted = Some((site, generation));
    }

    /// Publishes a finished index and starts the next one.
    fn poll(&mut self, server: &Server, builder: &mut Builder) {
        if self.running.as_ref().is_some_and(|r| r.thread.is_finished()) {
            let Indexing { thread, generation, started, .. } = self.running.take().expect("checked");
            match thread.join() {
                Ok(None) => {}
                Ok(Some(out)) => {
                    let empty = out.is_empty();
                    if let Some((files, changed)) = builder.index(out, generation) {
                        server.replace(files);
                        // A site without search gets an empty index: nothing to say.
                        if !empty || changed > 0 {
                            eprintln!(
                                "Search index updated in {} ms ({changed} files changed)",
                                started.elapsed().as_millis()
                            );
                        }
                    }
                }
                Err(_) => eprintln!("warning: building the search index failed; the last one is still served"),
            }
        }
        if self.running.is_none()
            && let Some((site, generation)) = self.wanted.take()
        {
            let pool = self.pool.get_or_insert_with(index_pool).clone();
            let give_up = Arc::new(AtomicBool::new(false));
            let stop = give_up.clone();
            let thread = std::thread::spawn(move || {
                pool.install(|| {
                    let mut all = Vec::new();
                    // Asked between batches of documents (4,096 each): about once a second at 100,000 reports.
                    crate::search::build_each(&site, &mut |files| {
                        if stop.load(Ordering::Relaxed) {
                            return Err("superseded".into());
                        }
                        all.extend(files);
                        Ok(())
                    })
                    .ok()
                    .map(|()| all)
                })
            });
            self.running = Some(Indexing { thread, generation, started: Instant::now(), give_up });
        }
    }
}

/// Threads that build the search index in `serve`, named `dossier-index`, one per core, at the lowest
/// priority: the scheduler gives the cores to a rebuild of pages whenever one runs. Sharing the threads that
/// render pages, an index being built made a save's pages take 140–400 ms instead of 20–60 ms at 10,000 reports.
fn index_pool() -> Arc<rayon::ThreadPool> {
    let pool = rayon::ThreadPoolBuilder::new()
        .thread_name(|_| "dossier-index".into())
        .start_handler(|_| lowest_priority())
        .build()
        .unwrap_or_else(|_| rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a thread for the index"));
    Arc::new(pool)
}

/// Lowers the calling thread's priority to the lowest (nice 19). Only on Linux, where the nice value is per
/// thread; elsewhere it would lower the whole process.
#[cfg(target_os = "linux")]
fn lowest_priority() {
    // SAFETY: setpriority only reads its arguments; `0` names the calling thread.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 19);
    }
}

#[cfg(not(target_os = "linux"))]
fn lowest_priority() {}

/// Rebuilds after each burst of changes, until Ctrl-C.
fn watch_loop(watch: &mut Watch, server: &Server, builder: &mut Builder) -> Result<(), String> {
    let (root, canonical_root) = (watch.root.clone(), watch.canonical_root.clone());
    let mut indexer = Indexer::default();
    loop {
        if STOP.load(Ordering::SeqCst) {
            return Ok(());
        }
        indexer.poll(server, builder);
        let first = match watch.events.recv_timeout(Duration::from_millis(50)) {
            Ok(ev) => ev,
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => return Err("the file watcher stopped".into()),
        };
        let mut changed: Vec<PathBuf> = Vec::new();
        collect_event(first, &root, &canonical_root, &mut changed);
        if changed.is_empty() {
            continue;
        }
        // Debounce: wait until the files have been quiet for a moment.
        let burst = Instant::now();
        while burst.elapsed() < MAX_WAIT {
            match watch.events.recv_timeout(QUIET) {
                Ok(ev) => collect_event(ev, &root, &canonical_root, &mut changed),
                Err(_) => break,
            }
        }
        changed.sort();
        changed.dedup();
        watch.add_watches();

        let start = Instant::now();
        let old = server.snapshot();
        match builder.build(Some(&changed)) {
            Ok(b) => {
                let summary = b.summary.clone().unwrap_or_else(|| touched(&old, &b.files));
                let ms = start.elapsed().as_millis();
                let what = changed.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
                eprintln!(
                    "Rebuilt in {ms} ms after {what}: {summary} ({} of {} files rendered; {}{})",
                    b.rendered,
                    b.files.len(),
                    b.phases,
                    if b.index_of.as_ref().is_some_and(|s| s.config.search.enabled) {
                        "; the search index follows"
                    } else {
                        ""
                    }
                );
                server.publish(b.files, builder.generation);
                // Without search, the index made is empty, and takes the place of one made before it was switched off.
                if let Some(site) = b.index_of {
                    indexer.want(site, builder.generation);
                }
            }
            Err(e) => {
                eprintln!("{e}");
                eprintln!("Rebuild failed; still serving the last good pages");
                server.set_errors(e);
            }
        }
    }
}

/// Adds the site-relative paths an event is about, leaving out reads and editors' own files.
fn collect_event(ev: notify::Result<notify::Event>, root: &Path, canonical_root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(ev) = ev else { return };
    match ev.kind {
        EventKind::Access(notify::event::AccessKind::Close(notify::event::AccessMode::Write)) => {}
        EventKind::Access(_) => return,
        _ => {}
    }
    for p in ev.paths {
        let rel = p.strip_prefix(root).or_else(|_| p.strip_prefix(canonical_root)).unwrap_or(&p).to_path_buf();
        let Some(first) = rel.components().next() else { continue };
        let first = first.as_os_str().to_string_lossy();
        if !WATCHED.contains(&first.as_ref()) {
            continue;
        }
        let name = rel.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let scratch = name.starts_with('.')
            || name.ends_with('~')
            || name.ends_with(".swp")
            || name.ends_with(".swx")
            || name.ends_with(".tmp")
            || name == "4913";
        if !scratch {
            out.push(rel);
        }
    }
}

// ---------------------------------------------------------------------------------------
// HTTP

fn accept_loop(listener: TcpListener, server: Arc<Server>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        if server.connections.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            server.connections.fetch_sub(1, Ordering::SeqCst);
            let _ = write_response(&stream, 503, &[], b"busy\n", false);
            continue;
        }
        let server = server.clone();
        let spawned = std::thread::Builder::new().name("dossier-http".into()).spawn(move || {
            let _ = handle(&stream, &server);
            server.connections.fetch_sub(1, Ordering::SeqCst);
        });
        if spawned.is_err() {
            server_busy();
        }
    }
}

fn server_busy() {
    std::thread::sleep(Duration::from_millis(10));
}

/// A parsed request line and the headers the server uses.
struct Request {
    method: String,
    target: String,
    if_none_match: Option<String>,
}

fn read_request(stream: &TcpStream) -> Result<Option<Request>, u16> {
    let mut reader = BufReader::new(stream.take(64 * 1024));
    let mut line = String::new();
    match reader.read_line(&mut line) {
        Ok(0) => return Ok(None),
        Ok(_) => {}
        Err(_) => return Err(400),
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(400);
    };
    if !version.starts_with("HTTP/1.") {
        return Err(505);
    }
    let mut req = Request { method: method.to_string(), target: target.to_string(), if_none_match: None };
    loop {
        let mut h = String::new();
        match reader.read_line(&mut h) {
            Ok(0) => return Err(400),
            Ok(_) => {}
            Err(_) => return Err(400),
        }
        let h = h.trim_end_matches(['\r', '\n']);
        if h.is_empty() {
            break;
        }
        if let Some((name, value)) = h.split_once(':')
            && name.trim().eq_ignore_ascii_case("if-none-match")
        {
            req.if_none_match = Some(value.trim().to_string());
        }
    }
    Ok(Some(req))
}

fn handle(stream: &TcpStream, server: &Server) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    let req = match read_request(stream) {
        Ok(Some(r)) => r,
        Ok(None) => return Ok(()),
        Err(code) => return write_response(stream, code, &[], reason(code).as_bytes(), false),
    };
    let head = req.method == "HEAD";
    if req.method != "GET" && !head {
        return write_response(stream, 405, &[("Allow", "GET, HEAD".into())], b"Method Not Allowed\n", false);
    }
    let Some(path) = site_key(&req.target) else {
        return write_response(stream, 400, &[], b"Bad Request\n", head);
    };
    if format!("/{path}") == EVENTS_PATH {
        return events(stream, server, head);
    }
    let files = server.snapshot();
    let key = if path.is_empty() || path.ends_with('/') { format!("{path}index.html") } else { path.clone() };
    if let Some(entry) = files.get(&key) {
        return send_entry(stream, server, entry, 200, req.if_none_match.as_deref(), head);
    }
    if !path.is_empty() && files.contains_key(&format!("{path}/index.html")) {
        let location = format!("/{path}/");
        return write_response(stream, 301, &[("Location", location)], b"Moved Permanently\n", head);
    }
    match files.get("404.html") {
        Some(entry) => send_entry(stream, server, entry, 404, None, head),
        None => {
            let errors = server.errors();
            if errors.is_empty() {
                write_response(stream, 404, &[], b"Not Found\n", head)
            } else {
                // No good build yet: show the errors on every page, with the reload script.
                let page = inject_script(format!(
                    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Build failed</title></head><body>{}</body></html>",
                    overlay_html(&errors)
                ));
                let headers =
                    [("Content-Type", "text/html; charset=utf-8".into()), ("Cache-Control", "no-store".into())];
                write_response(stream, 404, &headers, page.as_bytes(), head)
            }
        }
    }
}

/// Serves a file; HTML pages get the error overlay while the last build failed.
fn send_entry(
    stream: &TcpStream,
    server: &Server,
    entry: &Entry,
    code: u16,
    if_none_match: Option<&str>,
    head: bool,
) -> std::io::Result<()> {
    let errors = if entry.content_type.starts_with("text/html") { server.errors() } else { String::new() };
    let mut headers = vec![("Content-Type", entry.content_type.to_string())];
    if errors.is_empty() {
        headers.push(("ETag", entry.etag.clone()));
        headers.push(("Cache-Control", "no-cache".into()));
        let matches = if_none_match.is_some_and(|v| v.trim() == "*" || v.split(',').any(|t| t.trim() == entry.etag));
        if code == 200 && matches {
            return write_response(stream, 304, &headers, b"", true);
        }
        write_response(stream, code, &headers, &entry.body, head)
    } else {
        headers.push(("Cache-Control", "no-store".into()));
        let body = String::from_utf8_lossy(&entry.body);
        let body = insert_before_body_end(&body, &overlay_html(&errors));
        write_response(stream, code, &headers, body.as_bytes(), head)
    }
}

/// The server-sent event stream: one `state` event now and one after every change.
fn events(stream: &TcpStream, server: &Server, head: bool) -> std::io::Result<()> {
    let mut out = stream;
    out.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
    )?;
    if head {
        return Ok(());
    }
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut seen = u64::MAX;
    loop {
        let message = {
            let mut s = server.status.lock().unwrap_or_else(|e| e.into_inner());
            if s.seq == seen && !server.stopping.load(Ordering::SeqCst) {
                s = server.changed.wait_timeout(s, Duration::from_secs(15)).unwrap_or_else(|e| e.into_inner()).0;
            }
            if server.stopping.load(Ordering::SeqCst) {
                return Ok(());
            }
            if s.seq == seen {
                None
            } else {
                seen = s.seq;
                Some(serde_json::json!({"version": s.version, "errors": s.errors}).to_string())
            }
        };
        match message {
            Some(data) => out.write_all(format!("event: state\ndata: {data}\n\n").as_bytes())?,
            // A comment now and then finds out when the page has gone away.
            None => out.write_all(b": keep-alive\n\n")?,
        }
        out.flush()?;
    }
}

fn write_response(
    mut stream: &TcpStream,
    code: u16,
    headers: &[(&str, String)],
    body: &[u8],
    head: bool,
) -> std::io::Result<()> {
    let mut h = format!("HTTP/1.1 {code} {}\r\n", reason(code));
    if !headers.iter().any(|(n, _)| *n == "Content-Type") && code != 304 {
        h.push_str("Content-Type: text/plain; charset=utf-8\r\n");
    }
    for (name, value) in headers {
        h.push_str(&format!("{name}: {value}\r\n"));
    }
    if code != 304 {
        h.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    h.push_str("X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n");
    stream.write_all(h.as_bytes())?;
    if !head && code != 304 {
        stream.write_all(body)?;
    }
    stream.flush()
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        301 => "Moved Permanently",
        304 => "Not Modified",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Error",
    }
}

/// The site path a request target asks for ("" for the top, "reports/" for a folder), or
/// `None` for anything that could step outside the site: `..` or `.` segments, encoded
/// slashes or backslashes, NUL, bad percent-encoding or anything not UTF-8.
pub fn site_key(target: &str) -> Option<String> {
    let path = target.split(['?', '#']).next().unwrap_or_default();
    let rest = path.strip_prefix('/')?;
    let segs: Vec<&str> = rest.split('/').collect();
    let mut out = Vec::with_capacity(segs.len());
    for (i, seg) in segs.iter().enumerate() {
        let seg = percent_decode(seg)?;
        if seg == "." || seg == ".." || seg.contains(['/', '\\', '\0']) {
            return None;
        }
        if seg.is_empty() && i + 1 != segs.len() {
            return None;
        }
        out.push(seg);
    }
    Some(out.join("/"))
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The Content-Type of a served file, by its extension.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" if path == "atom.xml" => "application/atom+xml; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

// ---------------------------------------------------------------------------------------
// What serve adds to pages

/// Reloads the page when the site changes (keeping the scroll position) and shows or
/// clears the error overlay. Only added in serve mode.
const RELOAD_SCRIPT: &str = r#"<script id="dossier-live">
(function () {
  var key = "dossier-scroll:" + location.pathname;
  var saved = sessionStorage.getItem(key);
  if (saved !== null) {
    sessionStorage.removeItem(key);
    addEventListener("load", function () { scrollTo(0, +saved); });
  }
  var version = null;
  function overlay(errors) {
    var el = document.getElementById("dossier-overlay");
    if (!errors) { if (el) el.remove(); return; }
    if (!el) {
      el = document.createElement("div");
      el.id = "dossier-overlay";
      el.setAttribute("style", document.getElementById("dossier-live").dataset.style || "");
      document.body.appendChild(el);
    }
    el.innerHTML = "<strong>Build failed: showing the last good pages</strong><pre></pre>";
    el.querySelector("pre").textContent = errors;
  }
  var events = new EventSource("/__dossier/events");
  events.addEventListener("state", function (e) {
    var s = JSON.parse(e.data);
    if (version !== null && s.version !== version) {
      sessionStorage.setItem(key, String(scrollY));
      location.reload();
      return;
    }
    version = s.version;
    overlay(s.errors);
  });
})();
</script>"#;

const OVERLAY_STYLE: &str = "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2rem;\
background:rgba(20,20,20,.94);color:#fdd;font:14px/1.5 monospace";

fn inject_script(html: String) -> String {
    let script = RELOAD_SCRIPT.replacen(
        "id=\"dossier-live\"",
        &format!("id=\"dossier-live\" data-style=\"{OVERLAY_STYLE}\""),
        1,
    );
    insert_before_body_end(&html, &script)
}

fn overlay_html(errors: &str) -> String {
    format!(
        "<div id=\"dossier-overlay\" style=\"{OVERLAY_STYLE}\"><strong>Build failed: showing the last good pages</strong><pre>{}</pre></div>",
        crate::markdown::escape(errors)
    )
}

/// [`inject_script`] for a page held as bytes.
fn inject_script_bytes(html: Vec<u8>) -> Vec<u8> {
    match String::from_utf8(html) {
        Ok(html) => inject_script(html).into_bytes(),
        Err(e) => e.into_bytes(),
    }
}

fn insert_before_body_end(html: &str, insert: &str) -> String {
    match html.rfind("</body>") {
        Some(i) => format!("{}{insert}\n{}", &html[..i], &html[i..]),
        None => format!("{html}\n{insert}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_targets_stay_inside_the_site() {
        assert_eq!(site_key("/").as_deref(), Some(""));
        assert_eq!(site_key("/reports/a-1/?x=1").as_deref(), Some("reports/a-1/"));
        assert_eq!(site_key("/caf%C3%A9.css").as_deref(), Some("café.css"));
        for bad in [
            "/../etc/passwd",
            "/reports/../../x",
            "/%2e%2e/x",
            "/%2E%2E%2Fx",
            "/a%2fb",
            "/a%5cb",
            "/a\\..\\b",
            "/./x",
            "//x",
            "/%zz",
            "/%ff",
            "/a%00",
            "x",
            "http://h/x",
        ] {
            assert_eq!(site_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn kinds_of_pages() {
        assert_eq!(page_kind("reports/a-1/index.html"), "report");
        assert_eq!(page_kind("reports/page/2/index.html"), "listing");
        assert_eq!(page_kind("topics/x/index.html"), "term");
        assert_eq!(page_kind("topics/x/page/3/index.html"), "term");
        assert_eq!(page_kind("organisations/x/page/2/index.html"), "organisation");
        assert_eq!(page_kind("topics/index.html"), "listing");
        assert_eq!(page_kind("style.css"), "other");
        assert_eq!(content_type("a/b.woff2"), "font/woff2");
    }
}
