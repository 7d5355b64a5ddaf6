//! Customer messages per channel and per language: a channel's branding (its store's name,
//! logo, colour, footer and sender) in its customers' email and on its tracking pages, Ordo's
//! own settings for a channel without; a return label bought after the approval sent in a
//! message of its own with the label; the public pages in the customer's language.

use reqwest::Method;
use serde_json::json;

use crate::common::{Engine, TestServer, order_body};
use crate::email::{
    PUBLIC, inbox_of, link_in, now_in, path_of, settled_log, shipped, smtp_listener, started, subject, tracking_json,
};

/// A public page as a browser reads it (the templates escape `/` and `&`).
async fn page(s: &TestServer, link: &str) -> (u16, String) {
    let r = s.client.get(format!("{}{}", s.base, path_of(link))).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap().replace("&#x2f;", "/").replace("&amp;", "&"))
}

async fn stocked(engine: Engine) -> (TestServer, crate::email::Inbox) {
    let (url, inbox) = smtp_listener().await;
    let s = started(engine, &url).await;
    s.location("MAIL-WH", 1).await;
    s.product("MAIL-1", "10.00").await;
    s.stock("MAIL-WH", "MAIL-1", 50).await;
    (s, inbox)
}

async fn a_channel_writes_to_its_customers_in_its_own_name_and_look(engine: Engine) {
    let (s, inbox) = stocked(engine).await;
    let branding = json!({
        "store_name": "Outdoor Co",
        "logo_url": "https://outdoor.example/logo.png",
        "color": "#ff6600",
        "footer": "Outdoor Co, 2 Hill Road",
        "from": "Outdoor Co <hello@outdoor.example>",
        "reply_to": "care@outdoor.example",
    });
    let put = s.call(&s.admin, Method::PUT, "/v1/channels/web", Some(json!({"branding": branding}))).await;
    assert_eq!(put.status, 200, "{:?}", put.body);
    assert_eq!(put.body["branding"], branding);
    // Bad branding is refused and changes nothing.
    for bad in [
        json!({"color": "orange"}),
        json!({"from": "Outdoor Co hello@outdoor.example"}),
        json!({"from": "\"Evil\" <a@b.example>"}),
        json!({"reply_to": "care"}),
        json!({"logo_url": "javascript:alert(1)"}),
        json!({"store_name": "n".repeat(101)}),
        json!({"colour": "#ffffff"}),
    ] {
        let r = s.call(&s.admin, Method::PUT, "/v1/channels/web", Some(json!({"branding": bad.clone()}))).await;
        assert!(matches!(r.status.as_u16(), 400 | 422), "{bad}: {:?}", r.body);
    }
    assert_eq!(s.get("/v1/channels/web").await.body["branding"], branding);

    let (id, _, _) = shipped(&s, "lin@example.com", "Lin Ma").await;
    let mut other = order_body(&[("MAIL-1", 1)]);
    other["channel"] = json!("kiosk");
    other["customer"] = json!({"email": "kim@example.com", "name": "Kim Park"});
    assert_eq!(s.post("/v1/orders", other).await.status, 201);

    let got = inbox_of(&inbox, "lin@example.com", 2).await;
    assert_eq!(got.len(), 2, "the confirmation and the shipping notice");
    for t in &got {
        let html = t.data.replace("&#x2f;", "/");
        for part in [
            "From: \"Outdoor Co\" <hello@outdoor.example>",
            "Reply-To: care@outdoor.example",
            "Outdoor Co, 2 Hill Road",
            "#ff6600",
            "https://outdoor.example/logo.png",
        ] {
            assert!(html.contains(part), "{part} missing from\n{}", t.data);
        }
        assert!(!t.data.contains("Acme"), "nothing of Ordo's own settings:\n{}", t.data);
    }
    let kim = inbox_of(&inbox, "kim@example.com", 1).await;
    assert_eq!(kim.len(), 1);
    assert!(kim[0].data.contains("From: \"Acme Shop\" <orders@acme.example>"), "{}", kim[0].data);
    assert!(kim[0].data.contains("Acme Ltd, 1 Dock Street") && !kim[0].data.contains("Outdoor"), "{}", kim[0].data);

    // The channel's tracking page wears its look.
    let tracking = link_in(&got[0].data, &format!("{PUBLIC}/track/")).expect("a tracking link");
    let (status, html) = page(&s, &tracking).await;
    assert_eq!(status, 200);
    assert!(html.contains("Outdoor Co") && html.contains("#ff6600") && !html.contains("Acme"), "{html}");
    let json_page = tracking_json(&s, &tracking).await;
    assert_eq!((json_page["store"].as_str(), json_page["language"].as_str()), (Some("Outdoor Co"), Some("en")));
    let log = settled_log(&s, &id).await.body;
    assert_eq!(log["items"].as_array().map(Vec::len), Some(2), "{log}");
}

async fn a_label_bought_after_the_approval_is_sent_with_a_message_of_its_own(engine: Engine) {
    let (s, inbox) = stocked(engine).await;
    let (id, line, f) = shipped(&s, "ada@example.com", "Ada Lovelace").await;
    assert_eq!(s.post(&format!("/v1/fulfillments/{f}/deliver"), json!({})).await.status, 200);
    let ret = json!({"lines": [{"line_id": line, "quantity": 1, "reason": "damaged"}]});
    let ret = s.post(&format!("/v1/orders/{id}/returns"), ret).await.body["id"].as_str().unwrap().to_owned();
    assert_eq!(s.post(&format!("/v1/returns/{ret}/approve"), json!({})).await.status, 200);
    let approval = inbox_of(&inbox, "ada@example.com", 4).await;
    let approval = approval.iter().find(|t| subject(&t.data).contains("is approved")).expect("the approval");
    assert!(!approval.data.contains("application/pdf"), "no label yet: {}", approval.data);

    let money = |a: &str| json!({"amount": a, "currency": "USD"});
    let acme = json!({"code": "ACME", "name": "Acme Parcel", "services": [
        {"code": "ground", "name": "Ground", "cutoff_hour": 24, "max_weight_grams": 30000, "zones": [
            {"name": "national", "countries": ["US"], "transit_days": 4, "base": money("7.00"), "per_kg": money("1.00")}]}]});
    assert_eq!(s.post("/v1/carriers", acme).await.status, 201);
    let label = s.post(&format!("/v1/returns/{ret}/label"), json!({})).await;
    assert_eq!(label.status, 201, "{:?}", label.body);
    let tracking = label.body["label"]["tracking_number"].as_str().unwrap().to_owned();

    let got = inbox_of(&inbox, "ada@example.com", 5).await;
    let mail = got.iter().find(|t| subject(&t.data).contains("return label")).expect("the label's message");
    assert!(mail.data.contains(&format!("return-label-{tracking}.pdf")), "{}", mail.data);
    assert!(mail.data.contains("Content-Type: application/pdf") && mail.data.contains(&tracking), "{}", mail.data);
    let log = settled_log(&s, &id).await.body;
    let kinds: Vec<&str> = log["items"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["order_confirmation", "shipped", "delivered", "return_approved", "return_label"], "{log}");
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(now_in(&inbox, "ada@example.com").len(), 5, "sent once");
}

async fn the_public_pages_speak_the_customers_language(engine: Engine) {
    let (s, inbox) = stocked(engine).await;
    let c = s.post("/v1/customers", json!({"email": "grete@example.de", "name": "Grete Berg"})).await;
    let customer = c.body["id"].as_str().unwrap().to_owned();
    let prefs = format!("/v1/customers/{customer}/preferences");
    let p = s.call(&s.admin, Method::PATCH, &prefs, Some(json!({"language": "de"}))).await;
    assert_eq!(p.status, 200, "{:?}", p.body);
    let (_, line, f) = shipped(&s, "grete@example.de", "Grete Berg").await;
    assert_eq!(s.post(&format!("/v1/fulfillments/{f}/deliver"), json!({})).await.status, 200);

    let got = inbox_of(&inbox, "grete@example.de", 3).await;
    let tracking = link_in(&got[0].data, &format!("{PUBLIC}/track/")).expect("a tracking link");
    let (status, html) = page(&s, &tracking).await;
    assert_eq!(status, 200);
    for shown in ["<html lang=\"de\">", "Bestellung", "Hallo Grete", "zugestellt", "Rücksendung anmelden"] {
        assert!(html.contains(shown), "{shown} not on the page:\n{html}");
    }
    let form = [("line_id", line.as_str()), ("quantity", "1"), ("reason", "damaged")];
    let posted = s.client.post(format!("{}{}/returns", s.base, path_of(&tracking))).form(&form).send().await.unwrap();
    assert_eq!(posted.status(), 201);
    assert!(posted.text().await.unwrap().contains("Ihre Rücksendung ist angemeldet"));

    let shipped_mail = got.iter().find(|t| t.data.contains("List-Unsubscribe: ")).expect("an optional message");
    let header = shipped_mail.data.lines().find(|l| l.starts_with("List-Unsubscribe: ")).unwrap();
    let unsubscribe = header.trim_start_matches("List-Unsubscribe: ").trim_matches(|c| c == '<' || c == '>').to_owned();
    let (status, asked) = page(&s, &unsubscribe).await;
    assert_eq!(status, 200);
    assert!(asked.contains("<html lang=\"de\">") && asked.contains("Abmelden"), "{asked}");
    let url = format!("{}{}", s.base, path_of(&unsubscribe));
    let done = s.client.post(&url).send().await.unwrap().text().await.unwrap();
    assert!(done.contains("Sie sind abgemeldet"), "{done}");
}

on_both_engines!(
    a_channel_writes_to_its_customers_in_its_own_name_and_look,
    a_label_bought_after_the_approval_is_sent_with_a_message_of_its_own,
    the_public_pages_speak_the_customers_language,
);
