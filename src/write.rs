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
pub fn write_site(out: &Path, files: Vec<OutFile>) -> Result<(), String> {
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
        remove_abandoned(&parent, &name);
        let pid = std::process::id();
        let dir = parent.join(format!(".{name}.new-{pid}"));
        let old = parent.join(format!(".{name}.old-{pid}"));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Staging { out: out.to_path_buf(), dir, old, done: false })
    }

    /// Writes files into the staging folder, each freed by the thread that wrote it.
    pub fn write(&mut self, files: Vec<OutFile>) -> Result<(), String> {
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
        remove_tree(&self.old);
        Ok(())
    }
}

/// Removes what builds that were killed (or lost power) left next to the output: their staging folders
/// `.<name>.new-<pid>` and previous outputs being removed, `.<name>.old-<pid>`. A folder whose process still runs
/// is another build's and stays. Only where running processes can be looked up (Linux); elsewhere nothing is removed.
fn remove_abandoned(parent: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(parent) else { return };
    for entry in entries.filter_map(Result::ok) {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix('.')?.strip_prefix(name)) else { continue };
        let Some(pid) = rest.strip_prefix(".new-").or_else(|| rest.strip_prefix(".old-")) else { continue };
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if pid != std::process::id() && !process_runs(pid) && entry.file_type().is_ok_and(|t| t.is_dir()) {
            remove_tree(&entry.path());
        }
    }
}

/// Whether process `pid` is running; `true` where that cannot be known.
fn process_runs(pid: u32) -> bool {
    if cfg!(target_os = "linux") { Path::new("/proc").join(pid.to_string()).exists() } else { true }
}

/// Removes a folder and everything in it, the files in parallel: the previous output of a large archive holds
/// hundreds of thousands of files, and removing them one after another took a fifth of a rebuild.
fn remove_tree(dir: &Path) {
    let (mut dirs, mut files) = (Vec::new(), Vec::new());
    for entry in walkdir::WalkDir::new(dir).into_iter().filter_map(Result::ok) {
        if entry.file_type().is_dir() {
            dirs.push(entry.into_path());
        } else {
            files.push(entry.into_path());
        }
    }
    files.par_iter().for_each(|f| {
        let _ = fs::remove_file(f);
    });
    // A folder comes before its contents in the walk, so backwards every folder is empty when reached.
    for d in dirs.iter().rev() {
        let _ = fs::remove_dir(d);
    }
    // Whatever could not be removed above is tried once more the usual way.
    if dir.exists() {
        let _ = fs::remove_dir_all(dir);
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn write_all(dir: &Path, files: Vec<OutFile>) -> Result<(), String> {
    let mut dirs: Vec<&Path> = files.iter().filter_map(|f| Path::new(&f.path).parent()).collect();
    dirs.sort_unstable();
    dirs.dedup();
    // In parallel: a batch of report or source pages is thousands of folders. `create_dir_all` accepts a folder
    // another thread made in the meantime.
    dirs.par_iter().try_for_each(|d| {
        let d = dir.join(d);
        fs::create_dir_all(&d).map_err(|e| format!("cannot create {}: {e}", d.display()))
    })?;
    drop(dirs);
    files.into_par_iter().try_for_each(|f| {
        let target = dir.join(&f.path);
        let r = match &f.data {
            OutData::Text(s) => fs::write(&target, s),
            OutData::Page(b) => fs::write(&target, b),
            OutData::Static(StaticData::Embedded(b)) => fs::write(&target, b),
            OutData::Static(StaticData::Disk(p)) => fs::copy(p, &target).map(|_| ()),
        };
        r.map_err(|e| format!("cannot write {}: {e}", target.display()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removing_a_tree_removes_all_of_it_and_follows_no_link() {
        let base = std::env::temp_dir().join(format!("dossier-remove-tree-{}", std::process::id()));
        let (tree, outside) = (base.join("old"), base.join("outside"));
        fs::create_dir_all(tree.join("reports/a/b")).unwrap();
        fs::create_dir_all(&outside).unwrap();
        fs::write(outside.join("keep.txt"), "kept").unwrap();
        for i in 0..50 {
            fs::write(tree.join(format!("reports/a/b/{i}.html")), "x").unwrap();
            fs::write(tree.join(format!("reports/{i}.js")), "y").unwrap();
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(&outside, tree.join("reports/link")).unwrap();
        remove_tree(&tree);
        assert!(!tree.exists(), "the tree is gone");
        assert_eq!(fs::read_to_string(outside.join("keep.txt")).unwrap(), "kept", "a link's target stays");
        fs::remove_dir_all(&base).unwrap();
    }
}
