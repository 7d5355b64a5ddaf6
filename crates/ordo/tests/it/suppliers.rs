//! Suppliers over HTTP: added with their terms, codes unique, bad input refused field by field
//! with nothing stored, listed by code and status, changed under `If-Match`, archived, and
//! reserved to the roles that buy.

use reqwest::Method;
use serde_json::json;

use crate::common::{Engine, TestServer};

async fn suppliers_are_added_listed_changed_and_archived(engine: Engine) {
    let s = TestServer::start(engine).await;
    let acme = json!({"code": "ACME", "name": "Acme Wholesale", "email": "orders@acme.example",
        "lead_time_days": 7, "min_order_quantity": 12, "pack_size": 6, "currency": "EUR"});
    let r = s.post("/v1/suppliers", acme).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("sup_"), "{id}");
    assert_eq!(
        (&r.body["code"], &r.body["lead_time_days"], &r.body["min_order_quantity"], &r.body["pack_size"]),
        (&json!("ACME"), &json!(7), &json!(12), &json!(6))
    );
    assert_eq!(
        (&r.body["currency"], &r.body["status"], &r.body["version"]),
        (&json!("EUR"), &json!("active"), &json!(1))
    );
    // Defaults: one unit at a time, in packs of one.
    let r = s
        .post("/v1/suppliers", json!({"code": "BOLTS", "name": "Bolts", "lead_time_days": 0, "currency": "USD"}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(
        (&r.body["min_order_quantity"], &r.body["pack_size"], &r.body["email"]),
        (&json!(1), &json!(1), &json!(null))
    );

    // A code in use is a conflict; bad fields are named; nothing is stored by either.
    let r =
        s.post("/v1/suppliers", json!({"code": "ACME", "name": "Other", "lead_time_days": 1, "currency": "EUR"})).await;
    assert_eq!((r.status.as_u16(), r.body["code"].as_str()), (409, Some("conflict")), "{:?}", r.body);
    let r = s
        .post(
            "/v1/suppliers",
            json!({"code": "no spaces", "name": " ", "email": "nope", "lead_time_days": 731,
                   "min_order_quantity": 0, "pack_size": -1, "currency": "XYZ"}),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    let mut fields: Vec<&str> =
        r.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    fields.sort();
    assert_eq!(fields, ["code", "currency", "email", "lead_time_days", "min_order_quantity", "name", "pack_size"]);
    let r = s.post("/v1/suppliers", json!({"code": "NEW", "name": "New"})).await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    let listed = s.get("/v1/suppliers").await;
    let codes: Vec<&str> =
        listed.body["data"].as_array().unwrap().iter().map(|v| v["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["ACME", "BOLTS"]);

    // Paged by code.
    let first = s.get("/v1/suppliers?limit=1").await;
    assert_eq!(first.body["data"][0]["code"], "ACME");
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let second = s.get(&format!("/v1/suppliers?limit=1&cursor={cursor}")).await;
    assert_eq!(second.body["data"][0]["code"], "BOLTS");

    // Changed under If-Match: a stale version is refused and changes nothing.
    let got = s.get(&format!("/v1/suppliers/{id}")).await;
    assert_eq!(got.headers["etag"], "\"1\"");
    let path = format!("/v1/suppliers/{id}");
    let r = s
        .call_with(
            &s.admin,
            Method::PATCH,
            &path,
            Some(json!({"lead_time_days": 10, "email": ""})),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        (&r.body["lead_time_days"], &r.body["email"], &r.body["version"]),
        (&json!(10), &json!(null), &json!(2))
    );
    let stale =
        s.call_with(&s.admin, Method::PATCH, &path, Some(json!({"lead_time_days": 3})), &[("If-Match", "\"1\"")]).await;
    assert_eq!(stale.status, 412, "{:?}", stale.body);
    let r = s.call(&s.admin, Method::PATCH, &path, Some(json!({"pack_size": 0}))).await;
    assert_eq!((r.status.as_u16(), r.body["errors"][0]["field"].as_str()), (422, Some("pack_size")));
    assert_eq!(s.get(&path).await.body["lead_time_days"], 10);
    // A change that changes nothing keeps the version.
    let same = s.call(&s.admin, Method::PATCH, &path, Some(json!({"lead_time_days": 10}))).await;
    assert_eq!(same.body["version"], 2);

    // Archived: kept, and listed by status.
    let r = s.call(&s.admin, Method::PATCH, &path, Some(json!({"status": "archived"}))).await;
    assert_eq!((&r.body["status"], &r.body["version"]), (&json!("archived"), &json!(3)));
    let active = s.get("/v1/suppliers?status=active").await;
    assert_eq!(active.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(s.get("/v1/suppliers?status=archived").await.body["data"][0]["id"], id.as_str());
    let bad = s.get("/v1/suppliers?status=gone").await;
    assert_eq!((bad.status.as_u16(), bad.body["code"].as_str()), (400, Some("invalid_query")), "{:?}", bad.body);
    assert_eq!(s.get("/v1/suppliers/sup_01JD8X3Q6Z3M9V8K2N4P6R8T0W").await.status, 404);

    // Every change is an event about the supplier.
    let events = s.get(&format!("/v1/events?subject={id}")).await;
    let types: Vec<&str> =
        events.body["data"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["supplier.created", "supplier.updated", "supplier.updated"], "{:?}", events.body);

    // Warehouse staff and viewers read suppliers; only buyers (operators, admins) change them.
    for role in ["warehouse", "viewer"] {
        let key = s.key(role, None).await;
        assert_eq!(s.call(&key, Method::GET, "/v1/suppliers", None).await.status, 200, "{role}");
        let r = s
            .call(
                &key,
                Method::POST,
                "/v1/suppliers",
                Some(json!({"code": "X", "name": "X", "lead_time_days": 1, "currency": "EUR"})),
            )
            .await;
        assert_eq!(r.status, 403, "{role}");
        assert_eq!(s.call(&key, Method::PATCH, &path, Some(json!({"name": "Y"}))).await.status, 403, "{role}");
    }
    let operator = s.key("operator", None).await;
    let r = s
        .call(
            &operator,
            Method::POST,
            "/v1/suppliers",
            Some(json!({"code": "OP", "name": "Op", "lead_time_days": 2, "currency": "GBP"})),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
}

on_both_engines!(suppliers_are_added_listed_changed_and_archived);
