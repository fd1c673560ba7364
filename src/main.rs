//! The `dossier` command line: build, check, serve, init and new. Exit codes: 0 success,
//! 1 content errors, 2 usage or I/O errors.

use clap::{Parser, Subcommand, ValueEnum};
use dossier::diag::{Diagnostics, Severity};
use dossier::{Failure, model, text::Date};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

// Loading, Markdown and rendering allocate many small objects from all threads at once; with the system
// allocator, malloc and free were about a fifth of a large build's CPU time (bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// For the one-shot commands (`build`, `check`): keeps freed memory for reuse instead of handing it back to the
/// system after a second. A build frees each batch of pages and makes the next one of the same size; handed back,
/// every batch had to be faulted in and cleared by the kernel again (42,000 page faults at 10,000 reports against
/// 700 kept, for 5 % more peak memory). `MIMALLOC_PURGE_DELAY` in the environment still decides when set.
fn keep_freed_memory() {
    /// mimalloc's `mi_option_purge_delay` (its option enum in `mimalloc.h`).
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: sets an option before any thread but this one runs; mimalloc reads it when it next purges.
    unsafe { libmimalloc_sys::mi_option_set_default(PURGE_DELAY, -1) };
}

#[derive(Parser)]
#[command(name = "dossier", version, about = "Builds a static, cross-linked archive of research reports from Markdown")]
struct Cli {
    /// The site's folder (holding site.toml and content/).
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into a folder (default: public/ in the site's folder).
    Build {
        /// Output folder; replaced atomically when the build succeeds.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Absolute URL the site will be published at (overrides site.toml).
        #[arg(long)]
        base_url: Option<String>,
        /// Include reports and pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Write links ending in index.html, for browsing from a folder without a server.
        #[arg(long)]
        portable: bool,
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Run every check of `build` and write nothing.
    Check {
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Build the site into memory and serve it with live reload while you edit.
    Serve {
        /// Port to listen on; the next free one is taken if it is in use. 0 lets the system choose.
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Address to listen on (default: loopback only).
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the site in the default browser.
        #[arg(long)]
        open: bool,
        /// Include reports and pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
    },
    /// Create a new site that builds at once.
    Init {
        /// Folder to create the site in.
        dir: PathBuf,
    },
    /// Create a new piece of content.
    New {
        #[command(subcommand)]
        what: New,
    },
}

#[derive(Subcommand)]
enum New {
    /// A new report at content/reports/<ID>.md.
    Report {
        /// The report's id: lowercase letters, digits and `-`.
        id: String,
        /// Its title.
        #[arg(long)]
        title: Option<String>,
        /// Its language (BCP 47, e.g. de, de-AT, en); default from site.toml.
        #[arg(long)]
        language: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build { out, base_url, drafts, portable, strict, format } => {
            let start = Instant::now();
            keep_freed_memory();
            let out = out.unwrap_or_else(|| cli.root.join("public"));
            let day = match Date::source_date_epoch() {
                Ok(day) => day,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            let opts = model::Options { include_drafts: drafts, portable, base_url, day, ..Default::default() };
            let mut diags = Diagnostics::default();
            let result = dossier::build(&cli.root, &opts, strict, &out, &mut diags);
            report(&diags, format);
            match result {
                Ok(built) => {
                    eprintln!(
                        "Built {} pages ({} files) into {} in {} ms",
                        built.pages,
                        built.files,
                        out.display(),
                        start.elapsed().as_millis()
                    );
                    ExitCode::SUCCESS
                }
                Err(f) => fail(f, &diags, "build failed; the previous output is unchanged"),
            }
        }
        Command::Check { strict, format } => {
            keep_freed_memory();
            let opts = model::Options { include_drafts: true, validate_only: true, ..Default::default() };
            let mut diags = Diagnostics::default();
            let result = dossier::run(&cli.root, &opts, strict, false, &mut diags);
            report(&diags, format);
            match result {
                Ok(_) => {
                    if format == Format::Text {
                        eprintln!("No errors ({} warnings).", diags.count(Severity::Warning));
                    }
                    ExitCode::SUCCESS
                }
                Err(f) => fail(f, &diags, "check failed"),
            }
        }
        Command::Serve { port, bind, open, drafts } => {
            let opts = dossier::serve::ServeOptions { root: cli.root, port, bind, open, drafts };
            match dossier::serve::serve(&opts) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Init { dir } => match init(&dir) {
            Ok(()) => {
                eprintln!(
                    "Created a new site in {}. Build it with: dossier build --root {}",
                    dir.display(),
                    dir.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Command::New { what: New::Report { id, title, language } } => match new_report(&cli.root, &id, title, language)
        {
            Ok(path) => {
                eprintln!("Created {}", path.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
    }
}

fn report(diags: &Diagnostics, format: Format) {
    match format {
        Format::Json => println!("{}", diags.to_json()),
        Format::Text => {
            for d in diags.sorted() {
                eprintln!("{d}\n");
            }
        }
    }
}

fn fail(f: Failure, diags: &Diagnostics, what: &str) -> ExitCode {
    match f {
        Failure::Content => {
            eprintln!("{what}: {} errors, {} warnings", diags.count(Severity::Error), diags.count(Severity::Warning));
            ExitCode::from(1)
        }
        Failure::Usage(m) | Failure::Io(m) => {
            eprintln!("error: {m}");
            ExitCode::from(2)
        }
    }
}

const INIT_SITE: &str = r#"# Settings of this Dossier site; README of Dossier lists every key.
title = "My Report Archive"
description = "Reports and the sources they cite."
base_url = "https://example.org/"
language = "en"

[listing]
page_size = 20
feed_size = 20

[disclaimer]
en = "This report is based on time-limited research in public sources."
"#;

const INIT_ORG: &str = r#"name: Example Research Institute
short: ERI
url: https://example.org/
seat: Vienna, Austria
description:
  en: The Example Research Institute is a fictitious body used to show how organisations are described.
  de: Das Example Research Institute ist eine erfundene Einrichtung, an der die Beschreibung von Organisationen gezeigt wird.
"#;

const INIT_SOURCES: &str = r#"eri-annual-2024:
  organisation: example-institute
  title: Annual Report 2024
  date: 2024-03-15
  url: https://example.org/annual-2024
  type: report
  language: en
"#;

fn init(dir: &Path) -> Result<(), String> {
    if dir.join("site.toml").exists() {
        return Err(format!("{} already holds a site (site.toml exists)", dir.display()));
    }
    let today = Date::today().iso();
    let report = format!(
        "---\nid: first-report\ntitle: My first report\ndate: {today}\nlanguage: en\ncountries: [Austria]\ntopics: [Example]\nsummary: A first report to start from.\naccessed: {today}\n---\n\n## Question\n\nWrite the report here. Cite a source like this [@eri-annual-2024, p. 4].\n\n## Excerpts\n\n> A short passage quoted from the source.\n>\n> [@eri-annual-2024, p. 4]\n"
    );
    let files: [(&str, &str); 4] = [
        ("site.toml", INIT_SITE),
        ("content/organisations/example-institute.yaml", INIT_ORG),
        ("content/sources/example-institute.yaml", INIT_SOURCES),
        ("content/reports/first-report.md", &report),
    ];
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().expect("has parent"))
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        std::fs::write(&p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    }
    Ok(())
}

fn new_report(root: &Path, id: &str, title: Option<String>, language: Option<String>) -> Result<PathBuf, String> {
    if !root.join("site.toml").exists() {
        return Err(format!("no site.toml in {}: pass --root with a site's folder", root.display()));
    }
    if !model::valid_slug(id) {
        return Err(format!("`{id}` is not a valid id: use lowercase letters, digits and `-`"));
    }
    let path = root.join("content/reports").join(format!("{id}.md"));
    if path.exists() {
        return Err(format!("{} already exists", path.display()));
    }
    let title = title.unwrap_or_else(|| "Untitled report".into());
    let title = title.replace('"', "\\\"");
    let lang = language.map(|l| format!("language: {l}\n")).unwrap_or_default();
    let today = Date::today().iso();
    let text = format!(
        "---\nid: {id}\ntitle: \"{title}\"\ndate: {today}\n{lang}countries: []\ntopics: []\nsummary: \naccessed: {today}\ndraft: true\n---\n\n## First question\n\nWrite the text here; cite sources like `[@source-key, p. 6]` (see content/sources/).\n"
    );
    std::fs::create_dir_all(path.parent().expect("has parent")).map_err(|e| format!("cannot create folder: {e}"))?;
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}
