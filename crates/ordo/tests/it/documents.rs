//! Printed documents: the shipping label opens as a PDF whose barcode decodes to the tracking
//! number, the ZPL carries the same, and packing slips and pick lists say what they should.
//! The PDF checks use poppler's `pdftotext` and `pdftoppm` and zbar's `zbarimg`;
//! `scripts/test.sh` installs them and sets `ORDO_TEST_REQUIRE_TOOLS=1`, which makes their
//! absence a failure rather than a skipped check.

use std::process::Command;

use crate::common::{Engine, TestServer, order_body, temp_dir};
use reqwest::Method;
use serde_json::json;

fn tool(name: &str) -> bool {
    let found = Command::new(name).arg("-v").output().is_ok();
    if !found {
        assert!(std::env::var_os("ORDO_TEST_REQUIRE_TOOLS").is_none(), "{name} is required but missing");
        eprintln!("{name} is not installed: that check did not run");
    }
    found
}

async fn bytes(s: &TestServer, path: &str) -> (u16, String, Vec<u8>) {
    let r = s.client.get(format!("{}{path}", s.base)).bearer_auth(&s.admin).send().await.unwrap();
    let status = r.status().as_u16();
    let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, ct, r.bytes().await.unwrap().to_vec())
}

fn pdf_text(pdf: &[u8]) -> Option<String> {
    if !tool("pdftotext") {
        return None;
    }
    let dir = temp_dir("pdf");
    let file = dir.join("doc.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = Command::new("pdftotext").arg("-layout").arg(&file).arg("-").output().unwrap();
    assert!(out.status.success(), "pdftotext could not read the PDF: {}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn decode_barcode(pdf: &[u8]) -> Option<String> {
    if !tool("pdftoppm") || !tool("zbarimg") {
        return None;
    }
    let dir = temp_dir("barcode");
    let file = dir.join("label.pdf");
    std::fs::write(&file, pdf).unwrap();
    let png = dir.join("label");
    let r = Command::new("pdftoppm").args(["-r", "300", "-png", "-singlefile"]).arg(&file).arg(&png).status().unwrap();
    assert!(r.success());
    let out = Command::new("zbarimg")
        .args(["--raw", "-q", "-Sdisable", "-Scode128.enable"])
        .arg(dir.join("label.png"))
        .output()
        .unwrap();
    Some(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

async fn first_fulfillment(s: &TestServer, order: &serde_json::Value) -> String {
    let id = order["id"].as_str().unwrap();
    s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"][0]["id"].as_str().unwrap().to_owned()
}

async fn labels_packing_slips_and_pick_lists_print_what_they_should(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("MUG-1", "12.50").await;
    s.product("CUP-2", "3.00").await;
    s.stock("A", "MUG-1", 10).await;
    s.stock("A", "CUP-2", 10).await;
    let first = s.post("/v1/orders", order_body(&[("MUG-1", 2), ("CUP-2", 1)])).await;
    let second = s.post("/v1/orders", order_body(&[("MUG-1", 1)])).await;
    let f1 = first_fulfillment(&s, &first.body).await;
    let f2 = first_fulfillment(&s, &second.body).await;

    // The pick list: each SKU once, with the orders it serves.
    let list = s.get("/v1/locations/A/pick-list").await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    let mug = list.body["data"].as_array().unwrap().iter().find(|i| i["sku"] == "MUG-1").unwrap().clone();
    assert_eq!(mug["quantity"], 3);
    assert_eq!(mug["orders"].as_array().unwrap().len(), 2);
    let (status, ct, pdf) = bytes(&s, "/v1/locations/A/pick-list?format=pdf").await;
    assert_eq!((status, ct.as_str()), (200, "application/pdf"));
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains("Pick list - A") && text.contains("MUG-1") && text.contains("CUP-2"), "{text}");
    }

    // No label before there is a tracking number.
    let early = s.get(&format!("/v1/fulfillments/{f1}/label")).await;
    assert_eq!((early.status.as_u16(), early.body["code"].as_str()), (409, Some("invalid_transition")));

    let tracking = "1Z999AA10123456784";
    let packed = s
        .call(
            &s.admin,
            Method::POST,
            &format!("/v1/fulfillments/{f1}/pack"),
            Some(json!({"parcels": [{"weight_grams": 1250, "length_mm": 300, "width_mm": 200, "height_mm": 150}]})),
        )
        .await;
    assert_eq!(packed.status, 200);
    let shipped = s
        .call(
            &s.admin,
            Method::POST,
            &format!("/v1/fulfillments/{f1}/ship"),
            Some(json!({"carrier": "UPS", "service": "Ground", "tracking_number": tracking})),
        )
        .await;
    assert_eq!(shipped.status, 200, "{:?}", shipped.body);

    let (status, ct, pdf) = bytes(&s, &format!("/v1/fulfillments/{f1}/label")).await;
    assert_eq!((status, ct.as_str()), (200, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF-"));
    if let Some(text) = pdf_text(&pdf) {
        for expected in [tracking, "SHIP TO", "Boston", "UPS Ground", "1.25 kg"] {
            assert!(text.contains(expected), "{expected} missing from the label:\n{text}");
        }
    }
    if let Some(decoded) = decode_barcode(&pdf) {
        assert_eq!(decoded, tracking, "the label's barcode decodes to the tracking number");
    }
    let (status, _, zpl) = bytes(&s, &format!("/v1/fulfillments/{f1}/label?format=zpl")).await;
    let zpl = String::from_utf8(zpl).unwrap();
    assert_eq!(status, 200);
    assert!(zpl.starts_with("^XA") && zpl.trim_end().ends_with("^XZ"));
    assert!(zpl.contains(&format!("^BCN,220,Y,N,N^FD{tracking}^FS")), "{zpl}");

    let (status, ct, slip) = bytes(&s, &format!("/v1/fulfillments/{f1}/packing-slip")).await;
    assert_eq!((status, ct.as_str()), (200, "application/pdf"));
    if let Some(text) = pdf_text(&slip) {
        let number = first.body["number"].as_i64().unwrap();
        assert!(
            text.contains(&format!("order #{number}")) && text.contains("MUG-1") && text.contains("Product MUG-1"),
            "{text}"
        );
    }
    // The shipped fulfilment has left the pick list; the other remains.
    let list = s.get("/v1/locations/A/pick-list").await;
    let mug = list.body["data"].as_array().unwrap().iter().find(|i| i["sku"] == "MUG-1").unwrap().clone();
    assert_eq!(mug["quantity"], 1);
    assert_eq!(mug["orders"][0]["fulfillment_id"], f2.as_str());
    assert_eq!(s.get("/v1/locations/A/pick-list?format=doc").await.status, 400);
    assert_eq!(s.get("/v1/locations/NOPE/pick-list").await.status, 404);
}

async fn a_return_label_is_bought_from_a_carrier_and_prints_back_to_the_warehouse(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("MUG-1", "12.50").await;
    s.stock("A", "MUG-1", 10).await;
    let money = |a: &str| json!({"amount": a, "currency": "USD"});
    let acme = json!({"code": "ACME", "name": "Acme Parcel", "services": [
        {"code": "ground", "name": "Ground", "cutoff_hour": 24, "max_weight_grams": 30000, "zones": [
            {"name": "national", "countries": ["US"], "transit_days": 4, "base": money("7.00"), "per_kg": money("1.00")}]}]});
    assert_eq!(s.post("/v1/carriers", acme).await.status, 201);
    let order = s.post("/v1/orders", order_body(&[("MUG-1", 2)])).await.body;
    let (id, line) = (order["id"].as_str().unwrap(), order["lines"][0]["id"].as_str().unwrap());
    let f = first_fulfillment(&s, &order).await;
    assert_eq!(s.post(&format!("/v1/fulfillments/{f}/ship"), json!({})).await.status, 200);
    let ret = s
        .post(
            &format!("/v1/orders/{id}/returns"),
            json!({"lines": [{"line_id": line, "quantity": 1, "reason": "damaged"}]}),
        )
        .await;
    let ret = ret.body["id"].as_str().unwrap().to_owned();
    assert_eq!(s.get(&format!("/v1/returns/{ret}/label")).await.status, 404);

    let bought = s.post(&format!("/v1/returns/{ret}/label"), json!({})).await;
    assert_eq!(bought.status, 201, "{:?}", bought.body);
    let label = bought.body["label"].clone();
    assert_eq!((label["carrier"].as_str(), label["location"].as_str()), (Some("ACME"), Some("A")), "{label:?}");
    let tracking = label["tracking_number"].as_str().unwrap().to_owned();
    // Buying again gives the same label.
    let again = s.post(&format!("/v1/returns/{ret}/label"), json!({})).await;
    assert_eq!(again.body["label"]["tracking_number"], tracking.as_str());

    let (status, ct, pdf) = bytes(&s, &format!("/v1/returns/{ret}/label")).await;
    assert_eq!((status, ct.as_str()), (200, "application/pdf"));
    if let Some(text) = pdf_text(&pdf) {
        // From the customer, to the warehouse.
        assert!(text.contains("Buyer") && text.contains("1 Dock Rd") && text.contains("Newark"), "{text}");
    }
    if let Some(code) = decode_barcode(&pdf) {
        assert_eq!(code, tracking);
    }
    let (_, _, zpl) = bytes(&s, &format!("/v1/returns/{ret}/label?format=zpl")).await;
    assert!(String::from_utf8(zpl).unwrap().contains(&tracking));
    // An unknown location is refused.
    let bad = s.post(&format!("/v1/returns/{ret}/label"), json!({"location": "NOPE"})).await;
    assert_eq!(bad.status, 404, "{:?}", bad.body);
}

on_both_engines!(
    labels_packing_slips_and_pick_lists_print_what_they_should,
    a_return_label_is_bought_from_a_carrier_and_prints_back_to_the_warehouse,
);
