//! Which crate may depend on which: the domain does no IO, the app crate has no HTTP and no
//! SQL driver and does not know its adapters, the HTTP crate has no SQL.

use super::{check, root};

/// (crate, dependencies it may not have, why).
const RULES: &[(&str, &[&str], &str)] = &[
    (
        "ordo-domain",
        &[
            "tokio",
            "futures",
            "reqwest",
            "axum",
            "hyper",
            "rusqlite",
            "postgres",
            "tokio-postgres",
            "getrandom",
            "ordo-store",
            "ordo-app",
            "ordo-connectors",
            "ordo-web",
        ],
        "the domain is pure: no IO, clock, randomness, async, database or HTTP",
    ),
    (
        "ordo-store",
        &["axum", "hyper", "reqwest", "ordo-app", "ordo-connectors", "ordo-web"],
        "storage knows no use case and speaks no HTTP",
    ),
    (
        "ordo-app",
        &["axum", "hyper", "tower", "reqwest", "rusqlite", "postgres", "tokio-postgres", "ordo-connectors", "ordo-web"],
        "use cases reach outside systems only through their ports, and storage only through ordo-store",
    ),
    (
        "ordo-connectors",
        &["axum", "hyper", "rusqlite", "postgres", "tokio-postgres", "ordo-store", "ordo-web"],
        "an adapter speaks its outside system's protocol and nothing else",
    ),
    (
        "ordo-web",
        &["rusqlite", "postgres", "tokio-postgres", "ordo-connectors"],
        "the HTTP crate has no SQL and no adapters",
    ),
];

/// The names in a manifest's `[dependencies]` (not dev-dependencies).
fn dependencies(manifest: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == "[dependencies]";
        } else if inside
            && !line.is_empty()
            && !line.starts_with('#')
            && let Some(name) = line.split(['=', '.', ' ']).next()
        {
            out.push(name.trim().to_owned());
        }
    }
    out
}

fn problems(manifests: &[(&str, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (krate, forbidden, why) in RULES {
        let Some((_, manifest)) = manifests.iter().find(|(k, _)| k == krate) else {
            out.push(format!("crates/{krate}/Cargo.toml is missing: update the tidy rules if the crate was renamed."));
            continue;
        };
        for dep in dependencies(manifest) {
            if forbidden.contains(&dep.as_str()) {
                out.push(format!(
                    "crates/{krate} depends on `{dep}`, but {why}: move the code that needs it to the crate that may \
                     have it."
                ));
            }
        }
    }
    out
}

#[test]
fn crates_depend_on_each_other_in_one_direction() {
    let manifests: Vec<(&str, String)> = RULES
        .iter()
        .map(|(k, _, _)| {
            (*k, std::fs::read_to_string(root().join("crates").join(k).join("Cargo.toml")).unwrap_or_default())
        })
        .collect();
    check(problems(&manifests));
}

#[test]
fn the_dependency_check_names_the_crate_and_the_dependency() {
    let domain = "[package]\nname = \"ordo-domain\"\n\n[dependencies]\nserde.workspace = true\ntokio = { version = \"1\" }\n\n[dev-dependencies]\nreqwest.workspace = true\n";
    let all: Vec<(&str, String)> = RULES.iter().map(|(k, _, _)| (*k, String::new())).collect();
    let mut manifests = all.clone();
    manifests[0].1 = domain.to_owned();
    let found = problems(&manifests);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("crates/ordo-domain depends on `tokio`, but the domain is pure"), "{}", found[0]);
}
