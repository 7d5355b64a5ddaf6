//! Each event of the catalogue is built in exactly one place in the app crate, so that one
//! event type always carries one payload built one way.

use super::{check, code, rust_files};

const CATALOGUE: &str = "crates/ordo-app/src/kernel/events/mod.rs";

/// The catalogue's variants: lines like `    OrderCreated(OrderCreated) = "order.created", ...`.
fn variants(catalogue: &str) -> Vec<String> {
    code(catalogue)
        .filter(|l| l.contains(") = \"") && l.contains(", subject "))
        .filter_map(|l| l.split('(').next())
        .map(|v| v.trim().to_owned())
        .collect()
}

/// A file's code without its unit tests, which may build events to check them.
fn shipped(text: &str) -> &str {
    text.split("#[cfg(test)]").next().unwrap_or(text)
}

fn problems(variants: &[String], files: &[(String, String)]) -> Vec<String> {
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), shipped(t))).collect();
    let mut out = Vec::new();
    for v in variants {
        let built = format!("Event::{v}(");
        let places: Vec<&str> =
            files.iter().filter(|(_, text)| code(text).any(|l| l.contains(&built))).map(|(p, _)| *p).collect();
        let count: usize =
            files.iter().map(|(_, text)| code(text).map(|l| l.matches(&built).count()).sum::<usize>()).sum();
        match count {
            1 => {}
            0 => out.push(format!(
                "the event {v} is declared in {CATALOGUE} but never built: remove it, or record it where it happens."
            )),
            n => out.push(format!(
                "the event {v} is built in {n} places ({}): build it once (a constructor on `Event` in the \
                 catalogue) and call that.",
                places.join(", ")
            )),
        }
    }
    out
}

#[test]
fn every_event_is_built_in_exactly_one_place() {
    let files = rust_files("crates/ordo-app/src");
    let catalogue = files.iter().find(|(p, _)| p == CATALOGUE).map(|(_, t)| t.clone()).unwrap_or_default();
    let declared = variants(&catalogue);
    assert!(declared.len() > 40, "found only {} events in {CATALOGUE}: is the parsing broken?", declared.len());
    check(problems(&declared, &files));
}

#[test]
fn the_event_check_names_the_event_and_its_places() {
    let declared = variants(
        "    /// A thing.\n    ThingMade(Thing) = \"thing.made\", subject \"x\", version 1;\n    Unused(Thing) = \"thing.unused\", subject \"x\", version 1;\n",
    );
    assert_eq!(declared, ["ThingMade", "Unused"]);
    let files = vec![
        ("a.rs".to_owned(), "emit(tx, now, s, Event::ThingMade(t))?;\n".to_owned()),
        (
            "b.rs".to_owned(),
            "let e = (Event::ThingMade(t), Event::ThingMade(u));\n#[cfg(test)]\nlet e = Event::Unused(t);\n".to_owned(),
        ),
    ];
    let found = problems(&declared, &files);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with("the event ThingMade is built in 3 places (a.rs, b.rs)"), "{}", found[0]);
    assert!(found[1].starts_with("the event Unused is declared"));
}
