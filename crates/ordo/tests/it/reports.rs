//! The sales report: orders of a span of days in one currency, converted at the rates of
//! each order's day; orders without a rate are listed apart, never guessed at.

use crate::common::{Engine, TestServer, order_body};
use serde_json::{Value, json};

fn priced(sku: &str, quantity: i64, amount: &str, currency: &str) -> Value {
    let mut body = order_body(&[(sku, quantity)]);
    body["currency"] = json!(currency);
    body["lines"][0]["unit_price"] = json!({"amount": amount, "currency": currency});
    body
}

async fn sales_are_reported_in_one_currency_at_the_rates_of_the_orders_day(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("X", "10.00").await;
    s.stock("A", "X", 100).await;
    let today = s.get("/v1/exchange-rates").await.body["date"].as_str().unwrap().to_owned();
    let r = s
        .post("/v1/exchange-rates", json!({"date": today, "base": "EUR", "rates": {"USD": "1.25", "JPY": "160"}}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);

    // 30.00 USD, paid, 5.00 refunded.
    let usd = s.post("/v1/orders", priced("X", 3, "10.00", "USD")).await;
    assert_eq!(usd.status, 201, "{:?}", usd.body);
    let id = usd.body["id"].as_str().unwrap();
    let paid = s
        .post(
            &format!("/v1/orders/{id}/payments"),
            json!({"provider": "manual", "amount": {"amount": "30.00", "currency": "USD"}}),
        )
        .await;
    assert_eq!(paid.status, 201);
    let refund =
        s.post(&format!("/v1/orders/{id}/refunds"), json!({"amount": {"amount": "5.00", "currency": "USD"}})).await;
    assert_eq!(refund.status, 201, "{:?}", refund.body);
    // 2,400 JPY.
    assert_eq!(s.post("/v1/orders", priced("X", 2, "1200", "JPY")).await.status, 201);
    // Cancelled: counted apart.
    let gone = s.post("/v1/orders", priced("X", 1, "10.00", "USD")).await.body["id"].as_str().unwrap().to_owned();
    assert_eq!(s.post(&format!("/v1/orders/{gone}/cancel"), json!({})).await.status, 200);
    // No GBP rate: listed apart.
    assert_eq!(s.post("/v1/orders", priced("X", 1, "8.00", "GBP")).await.status, 201);

    let r = s.get(&format!("/v1/reports/sales?from={today}&to={today}")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let b = &r.body;
    assert_eq!((b["currency"].as_str(), b["cancelled"].as_i64()), (Some("EUR"), Some(1)));
    // 30.00 USD / 1.25 = 24.00 EUR; 2,400 JPY / 160 = 15.00 EUR; refunded 5.00 USD = 4.00 EUR.
    assert_eq!(b["totals"]["orders"], 2);
    assert_eq!(b["totals"]["total"]["amount"], "39.00", "{b:?}");
    assert_eq!(b["totals"]["refunded"]["amount"], "4.00");
    assert_eq!(b["totals"]["net"]["amount"], "35.00");
    assert_eq!(b["days"][0]["date"], today.as_str());
    assert_eq!(b["days"][0]["total"]["amount"], "39.00");
    let jpy = b["by_currency"].as_array().unwrap().iter().find(|c| c["currency"] == "JPY").unwrap();
    assert_eq!(
        (jpy["figures"]["total"]["amount"].as_str(), jpy["converted"]["total"]["amount"].as_str()),
        (Some("2400"), Some("15.00"))
    );
    assert_eq!(b["unconverted"][0]["currency"], "GBP");
    assert_eq!(b["unconverted"][0]["figures"]["total"]["amount"], "8.00");

    // In dollars: 30.00 + 2,400 × 1.25 / 160 = 18.75.
    let r = s.get(&format!("/v1/reports/sales?from={today}&to={today}&currency=USD")).await;
    assert_eq!(r.body["totals"]["total"]["amount"], "48.75", "{:?}", r.body);
    assert_eq!(r.body["totals"]["refunded"]["amount"], "5.00");
    // Only one channel's orders; a channel's key sees only its own.
    let r = s.get(&format!("/v1/reports/sales?from={today}&to={today}&channel=pos")).await;
    assert_eq!(r.body["totals"]["orders"], 0);
    let pos = s.key("channel", Some("pos")).await;
    let r = s.call(&pos, reqwest::Method::GET, &format!("/v1/reports/sales?from={today}&to={today}"), None).await;
    assert_eq!((r.status.as_u16(), r.body["totals"]["orders"].as_i64()), (200, Some(0)), "{:?}", r.body);

    for bad in ["from=2026-13-01", "to=yesterday", "currency=EURO"] {
        let r = s.get(&format!("/v1/reports/sales?{bad}")).await;
        // Every query problem is a 400 `invalid_query`, naming the parameter.
        assert_eq!((r.status.as_u16(), r.body["code"].as_str()), (400, Some("invalid_query")), "{bad}: {:?}", r.body);
        assert!(r.body["errors"][0]["field"].is_string(), "{bad}: {:?}", r.body);
    }
    // A span that ends before it starts holds no day; a long one is a report like any other.
    let empty = s.get("/v1/reports/sales?from=2026-02-01&to=2026-01-01").await;
    assert_eq!((empty.status.as_u16(), &empty.body["totals"]["orders"]), (200, &json!(0)), "{:?}", empty.body);
    assert_eq!(s.get("/v1/reports/sales?from=2024-01-01&to=2026-01-01").await.status, 200);
}

async fn orders_in_the_report_s_own_currency_need_no_rate(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("X", "10.00").await;
    s.stock("A", "X", 10).await;
    assert_eq!(s.post("/v1/orders", priced("X", 2, "10.00", "USD")).await.status, 201);
    let today = s.get("/v1/exchange-rates").await.body["date"].as_str().unwrap().to_owned();
    // No exchange rate is loaded at all.
    let r = s.get(&format!("/v1/reports/sales?from={today}&to={today}&currency=USD")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["totals"]["orders"], 1, "{:?}", r.body);
    assert_eq!(r.body["totals"]["total"]["amount"], "20.00");
    assert_eq!(r.body["unconverted"], json!([]));
}

/// Two orders that are each as large as an order may be add up beyond what one amount holds:
/// the report's sums do not wrap (they once came out negative).
async fn report_sums_never_wrap(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("X", "10.00").await;
    s.stock("A", "X", 1_000_000_000).await;
    let mut body = order_body(&vec![("X", 1_000_000); 500]);
    for line in body["lines"].as_array_mut().unwrap() {
        line["unit_price"] = json!({"amount": "99999999.99", "currency": "USD"});
    }
    for _ in 0..2 {
        let r = s.post("/v1/orders", body.clone()).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        assert_eq!(r.body["totals"]["subtotal"]["amount"], "49999999995000000.00");
    }
    let report = s.get("/v1/reports/sales?currency=USD").await;
    assert_eq!(report.status, 200, "{:?}", report.body);
    assert_eq!(report.body["totals"]["orders"], 2);
    assert_eq!(report.body["totals"]["subtotal"]["amount"], "99999999990000000.00");
}

on_both_engines!(
    report_sums_never_wrap,
    sales_are_reported_in_one_currency_at_the_rates_of_the_orders_day,
    orders_in_the_report_s_own_currency_need_no_rate,
);
