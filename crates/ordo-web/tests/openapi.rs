//! The OpenAPI document is generated from code; the copy in `docs/openapi.json` shows every API
//! change in review. Run with `UPDATE_OPENAPI=1` to accept a change.

#[test]
fn the_checked_in_openapi_document_matches_the_code() {
    let generated = ordo_web::openapi::document_json();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        stored == generated,
        "docs/openapi.json is out of date: run `UPDATE_OPENAPI=1 cargo test -p ordo-web --test openapi`"
    );
}

#[test]
fn every_operation_documents_its_errors_and_security() {
    let doc: serde_json::Value = serde_json::from_str(&ordo_web::openapi::document_json()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for required in [
        "/v1/orders",
        "/v1/orders/{id}",
        "/v1/orders/{id}/cancel",
        "/v1/inventory/{sku}",
        "/v1/inventory/adjustments",
        "/v1/products/{sku}",
        "/v1/locations",
        "/v1/customers/{id}/orders",
        "/v1/events",
    ] {
        assert!(paths.contains_key(required), "{required} is missing");
    }
    let mut operations = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let responses = op["responses"].as_object().unwrap();
            for status in ["400", "401", "403", "429", "500", "503"] {
                assert!(responses.contains_key(status), "{method} {path} does not document {status}");
            }
            // A query problem is a 400, never a 422; a webhook reads its body whatever its type.
            assert!(method != "get" || !responses.contains_key("422"), "{method} {path} declares 422");
            if op["security"] == serde_json::json!([{}]) {
                assert!(!responses.contains_key("415"), "{method} {path} refuses no content type but declares 415");
            }
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let content = response["content"].as_object().unwrap_or_else(|| panic!("{method} {path} {status}"));
                    assert_eq!(
                        content.keys().collect::<Vec<_>>(),
                        ["application/problem+json"],
                        "{method} {path} {status} is not declared as a problem document"
                    );
                    assert_eq!(content["application/problem+json"]["schema"]["$ref"], "#/components/schemas/Problem");
                }
            }
            if method == "post" {
                assert!(responses.contains_key("422") && responses.contains_key("409"), "{method} {path}");
                // Every POST honours an idempotency key but the signed webhooks, which need none.
                let keyed = op["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header"));
                let webhook = op["security"] == serde_json::json!([{}]);
                assert!(keyed != webhook, "{method} {path}: a keyed POST declares Idempotency-Key, a webhook does not");
            }
        }
    }
    assert!(operations >= 27);
    assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}

/// The description of a query parameter of an operation.
fn param_description<'a>(doc: &'a serde_json::Value, path: &str, name: &str) -> &'a str {
    doc["paths"][path]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .and_then(|p| p["description"].as_str())
        .unwrap_or_else(|| panic!("{path} documents no {name}"))
}

#[test]
fn documented_choices_are_the_ones_the_server_takes() {
    let doc: serde_json::Value = serde_json::from_str(&ordo_web::openapi::document_json()).unwrap();
    let status = doc["paths"]["/v1/fulfillments"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "status")
        .unwrap();
    let named = status["schema"]["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")).unwrap();
    let listed: Vec<&str> =
        doc["components"]["schemas"][named]["enum"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
    let all: Vec<&str> = ordo_domain::fulfillment::FulfillmentStatus::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(listed, all, "the status filter's values");
    let statuses = param_description(&doc, "/v1/fulfillments", "status");
    for s in ordo_domain::fulfillment::FulfillmentStatus::ALL {
        assert!(statuses.contains(&format!("`{}`", s.as_str())), "the status filter does not list {}", s.as_str());
    }
    let reasons = doc["components"]["schemas"]["MovementView"]["properties"]["reason"]["description"].as_str().unwrap();
    for r in ordo_domain::inventory::Reason::ALL {
        assert!(reasons.contains(&format!("`{}`", r.as_str())), "the movement reasons do not list {}", r.as_str());
    }
    // A pick list answers JSON unless PDF is asked for; a label is PDF unless ZPL is.
    assert!(param_description(&doc, "/v1/locations/{code}/pick-list", "format").contains("`json` (the default)"));
    assert!(param_description(&doc, "/v1/fulfillments/{id}/label", "format").contains("`pdf` (the default)"));
}

/// Every request schema says exactly what the server reads: no field it does not list, and a
/// required field never `null`; parameters and bodies are never `null` either.
#[test]
fn request_schemas_are_exact() {
    let doc: serde_json::Value = serde_json::from_str(&ordo_web::openapi::document_json()).unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let ty = &p["schema"]["type"];
                assert!(ty.is_string() || p["schema"]["$ref"].is_string(), "{method} {path} {}: {ty}", p["name"]);
            }
            let Some(content) = op["requestBody"]["content"].as_object() else { continue };
            for media in content.values() {
                assert!(media["schema"]["oneOf"].is_null(), "{method} {path}: a body is an object or nothing");
                let Some(name) = media["schema"]["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/"))
                else {
                    continue;
                };
                let schema = &schemas[name];
                // Every text a request carries says what it may hold (no NUL, at the least).
                for (field, property) in schema["properties"].as_object().into_iter().flatten() {
                    let text = property["type"] == "string"
                        || property["type"].as_array().is_some_and(|t| t.contains(&"string".into()));
                    let said = ["pattern", "enum", "format"].iter().any(|k| !property[*k].is_null());
                    assert!(!text || said, "{name}.{field} is text the document says nothing about");
                }
                if schema["properties"].is_object() {
                    checked += 1;
                    assert_eq!(schema["additionalProperties"], false, "{name} takes unknown fields");
                    for required in schema["required"].as_array().into_iter().flatten() {
                        let property = &schema["properties"][required.as_str().unwrap()];
                        let nullable = property["type"].as_array().is_some_and(|t| t.contains(&"null".into()))
                            || property["oneOf"].as_array().is_some_and(|o| o.iter().any(|s| s["type"] == "null"));
                        assert!(!nullable, "{name}.{required} is required but typed nullable");
                    }
                }
            }
        }
    }
    assert!(checked >= 30, "{checked} request schemas checked");
    // Every schema a parameter or body names is in the document.
    let text = doc.to_string();
    for name in text.split("\"#/components/schemas/").skip(1).filter_map(|rest| rest.split('"').next()) {
        assert!(schemas.contains_key(name), "{name} is referred to but not in the document");
    }
    // The rules between fields land on schemas that exist.
    for (name, _) in ordo_app::kernel::schema::field_rules() {
        assert!(schemas[name]["allOf"].is_array(), "{name} carries no field rules");
    }
}

/// Every link names an operation that exists, with the path parameters it has, and the main
/// flows are linked: create, then read and act on what was created.
#[test]
fn links_lead_to_operations_that_exist() {
    let doc: serde_json::Value = serde_json::from_str(&ordo_web::openapi::document_json()).unwrap();
    let mut params: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let names = op["parameters"].as_array().into_iter().flatten().filter(|p| p["in"] == "path");
            params.insert(
                op["operationId"].as_str().unwrap().to_owned(),
                names.map(|p| p["name"].as_str().unwrap().to_owned()).collect(),
            );
        }
    }
    let mut links = 0;
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            for response in op["responses"].as_object().unwrap().values() {
                for (name, link) in response["links"].as_object().into_iter().flatten() {
                    links += 1;
                    let target = link["operationId"].as_str().unwrap();
                    let wanted =
                        params.get(target).unwrap_or_else(|| panic!("link {name} leads to no operation {target}"));
                    let given: Vec<&String> = link["parameters"].as_object().unwrap().keys().collect();
                    assert_eq!(given.len(), wanted.len(), "link {name} to {target}");
                    assert!(
                        given.iter().all(|g| wanted.contains(g)),
                        "link {name} to {target} sets {given:?}, not {wanted:?}"
                    );
                }
            }
        }
    }
    assert!(links >= 60, "{links} links");
    let order = &doc["paths"]["/v1/orders"]["post"]["responses"]["201"]["links"];
    assert!(order["get_order"].is_object() && order["order_fulfillments"].is_object());
}

/// Every request field counting units states the bound the server checks
/// (`ordo_domain::validate::MAX_QUANTITY`), so the two cannot drift apart.
#[test]
fn quantities_are_bounded_as_the_server_bounds_them() {
    let doc: serde_json::Value = serde_json::from_str(&ordo_web::openapi::document_json()).unwrap();
    let max = ordo_domain::validate::MAX_QUANTITY;
    let mut checked = 0;
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        for (field, property) in schema["properties"].as_object().into_iter().flatten() {
            if field == "quantity" && schema["additionalProperties"] == false {
                checked += 1;
                assert_eq!(property["maximum"], max, "{name}.quantity is bounded by {}", property["maximum"]);
            }
        }
    }
    assert!(checked >= 8, "only {checked} quantity fields found");
}

/// A name in a path that the server checks as a code (letters, digits, `-`, `_`, `.`) is
/// documented with that pattern, so a client never sends one the server refuses.
#[test]
fn coded_names_in_paths_say_what_the_server_checks() {
    let doc: serde_json::Value = serde_json::from_str(&ordo_web::openapi::document_json()).unwrap();
    let code = regex::Regex::new(r"^[A-Za-z0-9._-]{1,64}$").unwrap();
    for (path, name) in [("/v1/routing/rule-sets/{name}", "name"), ("/v1/channels/{channel}", "channel")] {
        for (method, op) in doc["paths"][path].as_object().unwrap() {
            let param = op["parameters"].as_array().unwrap().iter().find(|p| p["name"] == name).unwrap();
            let pattern = regex::Regex::new(param["schema"]["pattern"].as_str().unwrap_or("")).unwrap();
            for sample in ["default", "web-EU_2.0", "a b", "\u{93}\u{ef}H\u{d8}", ""] {
                assert_eq!(pattern.is_match(sample), code.is_match(sample), "{method} {path}: {sample:?}");
            }
        }
    }
}

/// Every pattern a body's text is held to refuses the characters the server refuses anywhere
/// in a body (control characters but tab, line feed and carriage return; bidirectional
/// overrides and isolates), and still allows the right-to-left marks.
#[test]
fn body_patterns_refuse_control_characters_and_bidirectional_overrides() {
    let doc: serde_json::Value = serde_json::from_str(&ordo_web::openapi::document_json()).unwrap();
    let mut patterns = Vec::new();
    fn collect(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, inner) in map {
                    match inner.as_str() {
                        Some(p) if key == "pattern" => out.push(p.to_owned()),
                        _ => collect(inner, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| collect(i, out)),
            _ => {}
        }
    }
    collect(&doc["components"]["schemas"], &mut patterns);
    patterns.sort();
    patterns.dedup();
    let samples = ["ab", "a@b.co", "a/b", "https://a.example/x", "ab cd"];
    let refused = ['\u{1}', '\u{b}', '\u{1f}', '\u{7f}', '\u{85}', '\u{202a}', '\u{202e}', '\u{2066}', '\u{2069}'];
    let mut checked = 0;
    for p in &patterns {
        let re = regex::Regex::new(p).unwrap_or_else(|e| panic!("{p}: {e}"));
        let Some(sample) = samples.iter().find(|s| re.is_match(s)) else { continue };
        // Only patterns that take any letter at all are about free text.
        if !re.is_match(&sample.replace('a', "\u{5d0}")) {
            continue;
        }
        checked += 1;
        // Inside the text, before its last character (a URL's fixed scheme comes first).
        let at = sample.len() - 1;
        for c in refused {
            let mut bad = sample.to_string();
            bad.insert(at, c);
            assert!(!re.is_match(&bad), "{p} allows U+{:04X}", c as u32);
        }
        let mut marked = sample.to_string();
        marked.insert(at, '\u{200f}');
        assert!(re.is_match(&marked), "{p} refuses the right-to-left mark");
    }
    assert!(checked >= 3, "{checked} free-text patterns checked of {}", patterns.len());
}
