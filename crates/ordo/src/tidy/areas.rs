//! The app crate's business areas import each other in one direction only: each area may use
//! the areas listed before it in [`LAYERS`] and none after, so there are no import circles.
//! A piece two areas truly share moves down to the lower one (or to the kernel) under a name
//! of its own. The same holds for calls: `App`'s methods are spread over the areas, and a
//! call `self.method(` from a lower area into a method defined only above it is a circle the
//! imports do not show.

use super::{check, code, rust_files};

/// The areas of `crates/ordo-app/src`, lowest first.
const LAYERS: &[&str] = &[
    "kernel",
    "ports",
    "stock",
    "channels",
    "money",
    "shipping",
    "sales",
    "intake",
    "aftersales",
    "reports",
    "notify",
];

fn area_of(path: &str) -> Option<&'static str> {
    let rest = path.strip_prefix("crates/ordo-app/src/")?;
    let first = rest.split('/').next()?;
    LAYERS.iter().copied().find(|a| *a == first)
}

/// The first module of every `crate::` path in `code`, grouped imports
/// (`use crate::{sales::orders, money::refunds}`) included.
fn used_modules(code: &str) -> Vec<&str> {
    fn ident(s: &str) -> &str {
        s.split(|c: char| !(c.is_ascii_lowercase() || c == '_')).next().unwrap_or("")
    }
    let mut out = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + 7..];
        match rest.strip_prefix('{') {
            Some(group) => {
                let (mut depth, mut start) = (0, 0);
                for (j, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => {
                            out.push(ident(group[start..j].trim_start()));
                            break;
                        }
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            out.push(ident(group[start..j].trim_start()));
                            start = j + 1;
                        }
                        _ => {}
                    }
                }
            }
            None => out.push(ident(rest)),
        }
    }
    out
}

fn problems(files: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (path, text) in files {
        let Some(area) = area_of(path) else { continue };
        let level = LAYERS.iter().position(|a| *a == area).unwrap_or(0);
        for used in used_modules(&code(text).collect::<Vec<_>>().join("\n")) {
            let Some(above) = LAYERS.iter().position(|a| *a == used) else { continue };
            if above > level {
                let message = format!(
                    "{path} uses `crate::{used}`, but {area} sits below {used} (the order is {}): move what \
                     both need down to {area} or the kernel, under a name of its own.",
                    LAYERS.join(" < ")
                );
                if !out.contains(&message) {
                    out.push(message);
                }
            }
        }
    }
    out.extend(upward_calls(files));
    out
}

/// The names of the methods (`    pub fn name` or `    pub(crate) async fn name`, indented once,
/// as in an `impl App` block) that each file defines.
fn defined_methods(code: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for line in code.lines() {
        let Some(rest) = line.strip_prefix("    pub") else { continue };
        let rest = rest.strip_prefix("(crate)").unwrap_or(rest).trim_start();
        let rest = rest.strip_prefix("async ").unwrap_or(rest);
        if let Some(name) = rest.strip_prefix("fn ") {
            out.push(name.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or(""));
        }
    }
    out
}

/// Calls `self.name(` from an area into a method that only areas above it define.
fn upward_calls(files: &[(String, String)]) -> Vec<String> {
    let level = |area: &str| LAYERS.iter().position(|a| *a == area).unwrap_or(0);
    let mut lowest: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (path, text) in files {
        let Some(area) = area_of(path) else { continue };
        for name in defined_methods(text) {
            let at = lowest.entry(name.to_owned()).or_insert(usize::MAX);
            *at = (*at).min(level(area));
        }
    }
    let mut out = Vec::new();
    for (path, text) in files {
        let Some(area) = area_of(path) else { continue };
        let code = code(text).collect::<Vec<_>>().join("\n");
        for (i, _) in code.match_indices("self.") {
            let rest = &code[i + 5..];
            let name = rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or("");
            if !rest[name.len()..].starts_with('(') {
                continue;
            }
            let Some(&above) = lowest.get(name) else { continue };
            if above > level(area) {
                let message = format!(
                    "{path} calls `self.{name}`, defined in {}, but {area} sits below it (the order is {}): \
                     call the kernel's or a lower area's piece instead, or move the piece down.",
                    LAYERS[above],
                    LAYERS.join(" < ")
                );
                if !out.contains(&message) {
                    out.push(message);
                }
            }
        }
    }
    out
}

#[test]
fn business_areas_import_each_other_in_one_direction() {
    let files = rust_files("crates/ordo-app/src");
    for area in LAYERS {
        assert!(
            files.iter().any(|(p, _)| area_of(p) == Some(area)),
            "the area {area} has no files: update the tidy layers if it was renamed"
        );
    }
    check(problems(&files));
}

#[test]
fn the_area_check_names_the_file_and_the_import() {
    let files = vec![
        (
            "crates/ordo-app/src/money/a.rs".to_owned(),
            "use crate::kernel::guard;\nuse crate::sales::orders;\n".to_owned(),
        ),
        (
            "crates/ordo-app/src/sales/b.rs".to_owned(),
            "use crate::money::payments;\n// crate::reports in a comment\n".to_owned(),
        ),
    ];
    let found = problems(&files);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("crates/ordo-app/src/money/a.rs uses `crate::sales`, but money sits below sales"));
}

#[test]
fn the_area_check_names_a_call_into_a_higher_area() {
    let files = vec![
        (
            "crates/ordo-app/src/sales/orders.rs".to_owned(),
            "impl App {\n    pub async fn get_order(&self) {}\n}\n".to_owned(),
        ),
        (
            "crates/ordo-app/src/shipping/routing.rs".to_owned(),
            "impl App {\n    pub async fn why(&self) { self.get_order().await; self.store.read(); }\n}\n".to_owned(),
        ),
        ("crates/ordo-app/src/aftersales/returns.rs".to_owned(), "fn f() { self.get_order(); }\n".to_owned()),
    ];
    let found = problems(&files);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("crates/ordo-app/src/shipping/routing.rs calls `self.get_order`, defined in sales"));
}
