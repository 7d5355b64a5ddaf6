//! Every hand-written source file says what it owns in a `//!` header, and stays small
//! enough to read: at most [`MAX_LINES`] lines.

use super::{check, rust_files};

/// The size cap for one source file.
const MAX_LINES: usize = 800;

fn problems(files: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (path, text) in files {
        if !text.trim_start().starts_with("//!") {
            out.push(format!(
                "{path} does not open with a `//!` comment: say in a line or two what the file owns and what it \
                 must not do."
            ));
        }
        let lines = text.lines().count();
        if lines > MAX_LINES {
            out.push(format!(
                "{path} has {lines} lines, over the cap of {MAX_LINES}: split it along what it owns (one file per \
                 area, use case or wire format)."
            ));
        }
    }
    out
}

#[test]
fn every_source_file_has_a_header_and_stays_under_the_size_cap() {
    let files = rust_files("crates");
    assert!(files.len() > 100, "found only {} source files: is the walk broken?", files.len());
    check(problems(&files));
}

#[test]
fn the_file_check_names_the_file_and_what_to_do() {
    let long = format!("//! Long.\n{}", "x\n".repeat(MAX_LINES));
    let files = vec![
        ("a.rs".to_owned(), "//! Fine.\nfn a() {}\n".to_owned()),
        ("b.rs".to_owned(), "use x;\n".to_owned()),
        ("c.rs".to_owned(), long),
    ];
    let found = problems(&files);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with("b.rs does not open with a `//!` comment"));
    assert!(found[1].starts_with("c.rs has 801 lines, over the cap of 800"));
}
