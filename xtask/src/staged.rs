//! A build written aside, then copied over the folder in use only where its bytes changed.
//!
//! The app and the server embed the UI's build (`ui/dist`, `ui/dist-web`), and their build
//! scripts ask Cargo to build them again when anything in those folders changes. Vite writes
//! every file anew, so each UI build, even one that changed nothing, made Cargo rebuild the
//! app: about four minutes for a release build here. Files whose bytes are the same keep
//! their times.

use anyhow::{Context, Result};
use std::path::Path;

/// Makes `to` hold exactly what `from` holds: files that differ or are new are copied, files
/// `from` does not have are removed, and files with the same bytes are left untouched.
pub fn copy_changes(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type()?.is_dir() {
            if target.is_file() {
                std::fs::remove_file(&target)?;
            }
            copy_changes(&source, &target)?;
        } else if !same_bytes(&source, &target) {
            if target.is_dir() {
                std::fs::remove_dir_all(&target)?;
            }
            std::fs::copy(&source, &target)
                .with_context(|| format!("copying {} to {}", source.display(), target.display()))?;
        }
    }
    for entry in std::fs::read_dir(to)? {
        let entry = entry?;
        if !from.join(entry.file_name()).exists() {
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                std::fs::remove_dir_all(&path)?;
            } else {
                std::fs::remove_file(&path)?;
            }
        }
    }
    Ok(())
}

fn same_bytes(a: &Path, b: &Path) -> bool {
    match (std::fs::read(a), std::fs::read(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::copy_changes;
    use std::fs;
    use std::time::{Duration, SystemTime};

    #[test]
    fn only_what_changed_is_written_and_what_went_away_is_removed() {
        let root = tempfile::tempdir().unwrap();
        let (from, to) = (root.path().join("stage"), root.path().join("dist"));
        for dir in [&from, &to] {
            fs::create_dir_all(dir.join("assets/old")).unwrap();
            fs::write(dir.join("index.html"), "<html>").unwrap();
            fs::write(dir.join("assets/app.js"), "one").unwrap();
        }
        fs::write(from.join("assets/app.js"), "two").unwrap();
        fs::write(from.join("assets/new.css"), "css").unwrap();
        fs::write(to.join("assets/stale.js"), "gone").unwrap();
        fs::write(to.join("assets/old/x.js"), "gone").unwrap();
        fs::remove_dir(from.join("assets/old")).unwrap();
        // Times an hour back, so a rewrite shows whatever the file system's resolution.
        let then = SystemTime::now() - Duration::from_secs(3600);
        for file in ["index.html", "assets/app.js"] {
            let handle = fs::File::options().write(true).open(to.join(file)).unwrap();
            handle.set_modified(then).unwrap();
        }

        copy_changes(&from, &to).unwrap();

        let modified = |file: &str| fs::metadata(to.join(file)).unwrap().modified().unwrap();
        assert_eq!(
            modified("index.html"),
            then,
            "the same bytes keep their time"
        );
        assert!(modified("assets/app.js") > then);
        assert_eq!(fs::read_to_string(to.join("assets/app.js")).unwrap(), "two");
        assert_eq!(
            fs::read_to_string(to.join("assets/new.css")).unwrap(),
            "css"
        );
        assert!(!to.join("assets/stale.js").exists());
        assert!(!to.join("assets/old").exists());
    }
}
