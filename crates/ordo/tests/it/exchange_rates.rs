//! Exchange rates: loaded as JSON or from the ECB's CSV, dated, and used to convert amounts
//! at the rate of a given day.

use crate::common::{Engine, TestServer};
use serde_json::json;

async fn ecb_rates_load_and_convert_at_the_rate_of_the_day(engine: Engine) {
    let s = TestServer::start(engine).await;
    let csv = "Date,USD,JPY,GBP,CYP,\n2026-11-27,1.0512,160.23,0.8321,N/A,\n2026-11-26,1.0400,159.80,0.8300,N/A,\n";
    let r = s
        .client
        .post(format!("{}/v1/exchange-rates/ecb", s.base))
        .bearer_auth(&s.admin)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["imported"], 6);

    let day = s.get("/v1/exchange-rates?date=2026-11-27").await;
    assert_eq!(day.body["rates"].as_array().unwrap().len(), 3);
    assert_eq!(day.body["rates"][2], json!({"currency": "USD", "date": "2026-11-27", "rate": "1.0512"}));
    // A day without rates uses the latest before it.
    let weekend = s.get("/v1/exchange-rates?date=2026-11-29").await;
    assert_eq!(weekend.body["rates"][2]["date"], "2026-11-27");

    let c = s.get("/v1/exchange-rates/convert?amount=105.12&currency=USD&to=EUR&date=2026-11-27").await;
    assert_eq!(c.body, json!({"amount": "100.00", "currency": "EUR"}));
    let c = s.get("/v1/exchange-rates/convert?amount=104.00&currency=USD&to=EUR&date=2026-11-26").await;
    assert_eq!(c.body["amount"], "100.00");
    let c = s.get("/v1/exchange-rates/convert?amount=10.00&currency=GBP&to=JPY&date=2026-11-27").await;
    assert_eq!(c.body, json!({"amount": "1926", "currency": "JPY"}));
    let none = s.get("/v1/exchange-rates/convert?amount=1.00&currency=CHF&to=EUR&date=2026-11-27").await;
    assert_eq!((none.status.as_u16(), none.body["code"].as_str()), (409, Some("no_exchange_rate")));
    // A conversion takes up to 4 decimals whatever the currency, and rounds once.
    let fine = s.get("/v1/exchange-rates/convert?amount=104.0052&currency=USD&to=EUR&date=2026-11-26").await;
    assert_eq!(fine.body["amount"], "100.01", "{:?}", fine.body);
    let bad = s.get("/v1/exchange-rates/convert?amount=1.00001&currency=USD&to=EUR").await;
    assert_eq!((bad.status.as_u16(), bad.body["code"].as_str()), (400, Some("invalid_query")), "{:?}", bad.body);
    for query in ["date=", "date=2026-02-30", "date=yesterday"] {
        let r = s.get(&format!("/v1/exchange-rates?{query}")).await;
        assert_eq!((r.status.as_u16(), r.body["code"].as_str()), (400, Some("invalid_query")), "{query}: {:?}", r.body);
    }

    // Rates through JSON; a bad line in a CSV stores nothing and names the line.
    let r = s
        .post(
            "/v1/exchange-rates",
            json!({"date": "2026-11-28", "base": "EUR", "rates": {"USD": "1.0600", "XYZ": "1"}}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["field"], "rates/XYZ");
    let r =
        s.post("/v1/exchange-rates", json!({"date": "2026-11-28", "base": "EUR", "rates": {"USD": "1.0600"}})).await;
    assert_eq!(r.status, 201);
    let bad_csv = s
        .client
        .post(format!("{}/v1/exchange-rates/ecb", s.base))
        .bearer_auth(&s.admin)
        .header("content-type", "text/csv")
        .body("Date,USD\n2026-11-30,1.07\n2026-11-31x,abc\n")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_csv.status(), 422);
    let problem: serde_json::Value = bad_csv.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "line 3");
    assert_eq!(s.get("/v1/exchange-rates?date=2026-11-30").await.body["rates"][2]["rate"], "1.0600");
}

on_both_engines!(ecb_rates_load_and_convert_at_the_rate_of_the_day);
