//! No card data, ever: payment inputs that look like a card number are refused with a pointer
//! to tokenisation, and `ordo scan-pan` finds card numbers in a database and in logs.

use serde_json::json;

use crate::common::{TestServer, create_admin_key, demo_database, order_body, ordo_cli, start_server, temp_dir};

fn scan(args: &[&str]) -> (bool, String) {
    ordo_cli(&[&["scan-pan"], args].concat(), &[])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_numbers_are_refused_at_the_door_and_found_by_the_scanner() {
    let dir = temp_dir("scan-pan");
    let db = demo_database(&dir);
    let admin = create_admin_key(&db);
    let (mut child, base) = start_server(&db);
    let s = TestServer::attach(base, admin, dir.clone());

    // The demo's database holds no card number.
    let (clean, out) = scan(&["--database", &db]);
    assert!(clean, "{out}");
    assert!(out.contains("no card numbers") && out.contains("text values"), "{out}");

    let order = s.post("/v1/orders", order_body(&[("SOCK-WOOL", 1)])).await;
    assert_eq!(order.status, 201, "{:?}", order.body);
    let id = order.body["id"].as_str().unwrap();
    let path = format!("/v1/orders/{id}/payments");
    let events_before = s.get("/v1/events?limit=100").await.body["data"].as_array().unwrap().len();
    for (body, field) in [
        (
            json!({"provider": "stripe", "payment_method": "4242424242424242", "amount": {"amount": "1.00", "currency": "USD"}}),
            "payment_method",
        ),
        (
            json!({"provider": "gift_card", "gift_card_code": "4111 1111 1111 1111", "amount": {"amount": "1.00", "currency": "USD"}}),
            "gift_card_code",
        ),
    ] {
        let r = s.post(&path, body).await;
        assert_eq!((r.status.as_u16(), r.body["errors"][0]["field"].as_str()), (422, Some(field)), "{:?}", r.body);
        let message = r.body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("card number") && message.contains("token"), "{message}");
        assert!(!r.body.to_string().contains("4242424242424242") && !r.body.to_string().contains("4111 1111"));
    }
    let refund = s
        .post(
            &format!("/v1/orders/{id}/refunds"),
            json!({"amount": {"amount": "1.00", "currency": "USD"}, "reason": "card 5555-5555-5555-4444"}),
        )
        .await;
    assert_eq!(
        (refund.status.as_u16(), refund.body["errors"][0]["field"].as_str()),
        (422, Some("reason")),
        "{:?}",
        refund.body
    );
    // A gift card whose code reads like a card number could never be redeemed: not issued.
    let amount = json!({"amount": "5.00", "currency": "USD"});
    let card = s.post("/v1/gift-cards", json!({"code": "6011111111111117", "amount": amount})).await;
    assert_eq!(
        (card.status.as_u16(), card.body["errors"][0]["field"].as_str()),
        (422, Some("code")),
        "{:?}",
        card.body
    );
    assert_eq!(
        s.get("/v1/events?limit=100").await.body["data"].as_array().unwrap().len(),
        events_before,
        "refusals record nothing"
    );
    assert_eq!(s.get(&path).await.body["payments"].as_array().unwrap().len(), 0);

    // A number that got in some other way (a customer typed it as their name) is found,
    // masked, in the database; so is one in a log file.
    let customer = s.post("/v1/customers", json!({"email": "pan@example.com", "name": "4000 0566 5566 5556"})).await;
    assert_eq!(customer.status, 201, "{:?}", customer.body);
    let log = dir.join("server.log");
    std::fs::write(&log, "line one\npaid with 378282246310005 today\n").unwrap();
    let (clean, out) = scan(&["--database", &db, log.to_str().unwrap()]);
    assert!(!clean, "{out}");
    assert!(out.contains("card number ************5556 in customers column name"), "{out}");
    assert!(out.contains("card number ***********0005 in ") && out.contains("server.log line 2"), "{out}");
    let found = out.lines().filter(|l| l.starts_with("card number ")).count();
    assert!(found >= 2 && out.contains(&format!(": {found} card numbers")), "{out}");
    assert!(!out.contains("4000 0566") && !out.contains("378282246310005"), "the report repeats no number: {out}");
    child.kill().unwrap();
    child.wait().unwrap();
}
