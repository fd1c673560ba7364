//! Embeds the default theme (`themes/default/`) into the binary, so `dossier init` and
//! `dossier build` work in any folder without a copy of the theme.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let theme = Path::new("themes/default");
    println!("cargo:rerun-if-changed=themes/default");
    let mut out = String::new();
    for (kind, ty, macro_name) in [("templates", "str", "include_str"), ("static", "[u8]", "include_bytes")] {
        let dir = theme.join(kind);
        let mut files = Vec::new();
        collect(&dir, &mut files);
        files.sort();
        let konst = if kind == "templates" { "TEMPLATES" } else { "STATIC" };
        writeln!(out, "pub static {konst}: &[(&str, &{ty})] = &[").unwrap();
        for f in files {
            println!("cargo:rerun-if-changed={}", f.display());
            let rel = f.strip_prefix(&dir).unwrap().to_string_lossy().replace('\\', "/");
            let abs = std::fs::canonicalize(&f).unwrap();
            writeln!(out, "    ({rel:?}, {macro_name}!({:?})),", abs.display().to_string()).unwrap();
        }
        writeln!(out, "];").unwrap();
    }
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("embedded_theme.rs");
    std::fs::write(dest, out).unwrap();
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            println!("cargo:rerun-if-changed={}", p.display());
            collect(&p, out);
        } else if !e.file_name().to_string_lossy().starts_with('.') {
            out.push(p);
        }
    }
}
