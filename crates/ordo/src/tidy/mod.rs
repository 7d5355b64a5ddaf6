//! Tidy: the house rules, checked on every `cargo test` (as rust-analyzer's tidy test does).
//! Each check reads the source tree as text and fails with one sentence per thing to fix:
//! crate dependency directions, business areas that import each other in a circle, source
//! files without a header comment or over the size cap, storage methods without a
//! conformance test, and events built in more than one place. Never compiled into the binary.

mod areas;
mod crates;
mod files;
mod storage;

use std::path::{Path, PathBuf};

mod events;

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.rs` file under `dir` (relative to the workspace root), with its path relative to
/// the workspace root and its text, sorted by path.
fn rust_files(dir: &str) -> Vec<(String, String)> {
    let root = root();
    let mut out = Vec::new();
    let mut stack = vec![root.join(dir)];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "target") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                out.push((path.strip_prefix(&root).unwrap_or(&path).to_string_lossy().into_owned(), text));
            }
        }
    }
    out.sort();
    out
}

/// Lines that are code, not comments.
fn code(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim_start).filter(|l| !l.starts_with("//"))
}

/// Fails with every sentence, one per line.
fn check(problems: Vec<String>) {
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}
