//! Every storage method has a conformance test: each method the store's area traits declare
//! (`fn name(` in `crates/ordo-store/src/tx/*.rs`) is called (`.name(`) somewhere in the
//! conformance suite (`crates/ordo-store/tests/conformance/`), which runs on every engine. It
//! reads source text only; whether the calls check anything is for review to judge.

use super::{check, code, rust_files};

/// A method an area trait declares.
#[derive(Debug, PartialEq)]
struct Method {
    /// The trait file's name in `src/tx/`, which is also its module's here.
    file: String,
    area: String,
    name: String,
}

/// The name `fn name(` declares on this line, if it declares one.
fn declared_fn(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("fn ")?;
    let end = rest.find('(')?;
    let name = &rest[..end];
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'))
        .then_some(name)
}

fn methods(file: &str, text: &str) -> Vec<Method> {
    let mut area = String::new();
    let mut out = Vec::new();
    for line in code(text) {
        if let Some(rest) = line.strip_prefix("pub trait ") {
            area = rest.split(|c: char| !c.is_alphanumeric()).next().unwrap_or_default().to_owned();
        } else if let Some(name) = declared_fn(line) {
            out.push(Method { file: file.to_owned(), area: area.clone(), name: name.to_owned() });
        }
    }
    out
}

/// One sentence for each method that no source calls.
fn uncovered(methods: &[Method], sources: &[String]) -> Vec<String> {
    methods
        .iter()
        .filter(|m| {
            let call = format!(".{}(", m.name);
            !sources.iter().any(|s| code(s).any(|l| l.contains(&call)))
        })
        .map(|m| {
            format!(
                "`{}::{}` (crates/ordo-store/src/tx/{}) is called by no conformance test: add a test to \
                 crates/ordo-store/tests/conformance/{} that \
                 states what the use cases rely on from it, on every engine.",
                m.area, m.name, m.file, m.file
            )
        })
        .collect()
}

#[test]
fn every_storage_method_is_called_by_a_conformance_test() {
    let declared: Vec<Method> = rust_files("crates/ordo-store/src/tx")
        .iter()
        .map(|(path, text)| (path.rsplit('/').next().unwrap_or_default(), text))
        .flat_map(|(file, text)| methods(file, text))
        .collect();
    assert!(declared.len() > 70, "found only {} storage methods in src/tx: is the parsing broken?", declared.len());
    let suite: Vec<String> =
        rust_files("crates/ordo-store/tests/conformance").into_iter().map(|(_, text)| text).collect();
    check(uncovered(&declared, &suite));
}

#[test]
fn the_coverage_check_names_each_method_no_test_calls() {
    let traits = "super::store_area! {\n    pub trait GiftStore {\n        /// Wraps it.\n        fn wrap_gift(\n            &mut self,\n        ) -> StoreResult<()>;\n        // fn not_a_method(&mut self);\n        fn unwrap_gift(&mut self) -> StoreResult<()>;\n    }\n}\n";
    let declared = methods("gifts.rs", traits);
    assert_eq!(declared.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["wrap_gift", "unwrap_gift"]);
    let suite = ["tx.unwrap_gift()?;\n// tx.wrap_gift() in a comment is no test\n".to_owned()];
    assert_eq!(
        uncovered(&declared, &suite),
        ["`GiftStore::wrap_gift` (crates/ordo-store/src/tx/gifts.rs) is called by no conformance test: add a \
          test to crates/ordo-store/tests/conformance/gifts.rs that states what the use cases rely on from it, \
          on every engine."]
    );
}
