//! Stage 4, write: puts the rendered site on disk atomically. Everything is written
//! into a fresh folder next to the target, which then replaces the target in two
//! renames; a failed build leaves the previous output as it was, and no file of an
//! earlier build survives.

use crate::load::StaticData;
use crate::render::{OutData, OutFile};
use rayon::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};

/// Marks a folder as Dossier's output, so `build` never replaces a folder it did not write.
pub const MARKER: &str = ".dossier-output";

/// Writes a whole site at once: `Staging::begin`, `write`, `commit`.
pub fn write_site(out: &Path, files: &[OutFile]) -> Result<(), String> {
    let mut stage = Staging::begin(out)?;
    stage.write(files)?;
    stage.commit()
}

/// A build's output in the making: a fresh folder next to the target, filled in parts (so a large site need not
/// be held in memory whole), then swapped in by `commit`. Dropped without `commit`, it is removed and the
/// previous output stays as it was.
pub struct Staging {
    out: PathBuf,
    dir: PathBuf,
    old: PathBuf,
    done: bool,
}

impl Staging {
    /// Checks that `out` may be replaced and creates the staging folder.
    pub fn begin(out: &Path) -> Result<Staging, String> {
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = out
            .file_name()
            .ok_or_else(|| format!("{} is not a folder name", out.display()))?
            .to_string_lossy()
            .to_string();
        if out.exists() {
            let is_empty = fs::read_dir(out).map(|mut d| d.next().is_none()).unwrap_or(false);
            if !out.join(MARKER).exists() && !is_empty {
                return Err(format!(
                    "refusing to replace {}: it was not written by `dossier build`; remove it or choose another --out",
                    out.display()
                ));
            }
        }
        fs::create_dir_all(&parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        let pid = std::process::id();
        let dir = parent.join(format!(".{name}.new-{pid}"));
        let old = parent.join(format!(".{name}.old-{pid}"));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Staging { out: out.to_path_buf(), dir, old, done: false })
    }

    /// Writes files into the staging folder.
    pub fn write(&mut self, files: &[OutFile]) -> Result<(), String> {
        write_all(&self.dir, files)
    }

    /// Marks the staged folder as Dossier's output and puts it in place of the previous output.
    pub fn commit(mut self) -> Result<(), String> {
        fs::write(self.dir.join(MARKER), "This folder is written by `dossier build` and replaced on every build.\n")
            .map_err(|e| format!("cannot write the output marker: {e}"))?;
        if self.out.exists() {
            fs::rename(&self.out, &self.old).map_err(|e| format!("cannot move the previous output aside: {e}"))?;
        }
        fs::rename(&self.dir, &self.out).map_err(|e| {
            let _ = fs::rename(&self.old, &self.out);
            format!("cannot move the new output into place: {e}")
        })?;
        self.done = true;
        let _ = fs::remove_dir_all(&self.old);
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn write_all(dir: &Path, files: &[OutFile]) -> Result<(), String> {
    let mut dirs: Vec<PathBuf> =
        files.iter().filter_map(|f| Path::new(&f.path).parent().map(|p| dir.join(p))).collect();
    dirs.sort();
    dirs.dedup();
    for d in dirs {
        fs::create_dir_all(&d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
    }
    files.par_iter().try_for_each(|f| {
        let target = dir.join(&f.path);
        let r = match &f.data {
            OutData::Text(s) => fs::write(&target, s),
            OutData::Static(StaticData::Embedded(b)) => fs::write(&target, b),
            OutData::Static(StaticData::Disk(p)) => fs::copy(p, &target).map(|_| ()),
        };
        r.map_err(|e| format!("cannot write {}: {e}", target.display()))
    })
}
