//! Repository-wide checks that run as tests: conventions a reviewer should not have to spot.

use std::path::{Path, PathBuf};

/// The checkout Cargo runs this test in (not the one the binary was built in).
fn workspace_root() -> PathBuf {
    crate::project::Project::locate()
        .expect("xtask sits inside the workspace")
        .root
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name == "node_modules" || name == "gen" {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

fn project_rust_files() -> Vec<PathBuf> {
    let root = workspace_root();
    let mut files = Vec::new();
    for dir in ["crates", "src-tauri", "xtask"] {
        rust_files(&root.join(dir), &mut files);
    }
    files
}

#[test]
fn every_rust_file_starts_with_a_module_doc() {
    let files = project_rust_files();
    assert!(files.len() > 5, "the walk found the sources: {files:?}");
    let undocumented: Vec<_> = files
        .iter()
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            !text.trim_start().starts_with("//!")
        })
        .collect();
    assert!(
        undocumented.is_empty(),
        "files without a `//!` doc saying why they exist: {undocumented:?}"
    );
}

#[test]
fn no_unwrap_outside_tests() {
    let offenders: Vec<String> = project_rust_files()
        .iter()
        .filter(|path| !path.components().any(|c| c.as_os_str() == "tests"))
        .flat_map(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            // Code after `#[cfg(test)]` is test code.
            let code = text
                .split("#[cfg(test)]")
                .next()
                .unwrap_or_default()
                .to_owned();
            code.lines()
                .enumerate()
                .filter(|(_, line)| {
                    line.contains(".unwrap()") && !line.trim_start().starts_with("//")
                })
                .map(|(n, _)| format!("{}:{}", path.display(), n + 1))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "use `?` or `expect(\"why\")` instead of unwrap: {offenders:?}"
    );
}
