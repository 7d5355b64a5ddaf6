//! Customer email over a real socket, to a small SMTP listener the test starts: an order
//! placed, shipped, delivered, returned and refunded sends exactly its six messages, each with
//! a plain-text and an HTML part, in the customer's language, the shipping notice with the
//! carrier's tracking link; a customer who turned shipping notices off is not sent that one
//! (the log says it was skipped); a message is sent once however often its step is told, and
//! a resend is a new message; a node that dies between handing a message to the mail server
//! and recording it costs one duplicate (with the same `Message-ID`), never a lost message.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ordo_app::notify::email::{MailPolicy, MailSettings};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::common::{Engine, TestServer, order_body};

/// One message as the listener took it: envelope recipient and the raw message.
#[derive(Debug, Clone)]
pub(crate) struct Taken {
    pub(crate) to: String,
    /// With its quoted-printable parts decoded.
    pub(crate) data: String,
    /// As it came.
    pub(crate) raw: String,
}

pub(crate) type Inbox = Arc<Mutex<Vec<Taken>>>;

/// An SMTP listener on 127.0.0.1 that takes every message (RFC 5321's commands, enough of
/// them for a client that sends plain SMTP): its URL and what it took.
pub(crate) async fn smtp_listener() -> (String, Inbox) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let inbox: Inbox = Arc::default();
    let shared = inbox.clone();
    tokio::spawn(async move {
        let mut n = 0u64;
        loop {
            let Ok((socket, _)) = listener.accept().await else { return };
            let inbox = shared.clone();
            n += 1;
            let session = n;
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read);
                let _ = write.write_all(b"220 test.local ESMTP ready\r\n").await;
                let (mut to, mut count) = (String::new(), 0u64);
                loop {
                    let mut line = String::new();
                    if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let upper = line.to_ascii_uppercase();
                    let answer = if upper.starts_with("EHLO") {
                        "250-test.local\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n".to_owned()
                    } else if upper.starts_with("RCPT TO:") {
                        to = line[8..].trim().trim_matches(|c| c == '<' || c == '>').to_owned();
                        "250 OK\r\n".to_owned()
                    } else if upper.starts_with("DATA") {
                        let _ = write.write_all(b"354 go ahead\r\n").await;
                        let mut data = String::new();
                        loop {
                            let mut l = String::new();
                            if lines.read_line(&mut l).await.unwrap_or(0) == 0 {
                                return;
                            }
                            if l == ".\r\n" {
                                break;
                            }
                            data.push_str(&l);
                        }
                        count += 1;
                        inbox.lock().unwrap().push(Taken { to: to.clone(), data: unquoted(&data), raw: data });
                        format!("250 2.0.0 OK queued as S{session}M{count}\r\n")
                    } else if upper.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        "250 OK\r\n".to_owned()
                    };
                    if write.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (format!("smtp://{addr}"), inbox)
}

/// Where the messages' links point; the tests open them on the test server instead.
pub(crate) const PUBLIC: &str = "https://shop.example";

/// A link from a message, made to open on the test server.
pub(crate) fn path_of(link: &str) -> String {
    link.replacen(PUBLIC, "", 1).trim().to_owned()
}

/// A public page's link opened as JSON (`Accept: application/json`).
pub(crate) async fn tracking_json(s: &TestServer, link: &str) -> Value {
    let r = s.client.get(format!("{}{}", s.base, path_of(link))).header("accept", "application/json");
    r.send().await.unwrap().json().await.unwrap()
}

/// The first link in a message's text part that starts with `prefix`.
pub(crate) fn link_in(data: &str, prefix: &str) -> Option<String> {
    data.split_whitespace().find(|w| w.starts_with(prefix)).map(|w| w.trim_end_matches(['.', ',', '>']).to_owned())
}

/// A server whose customer email goes to the listener, retried fast.
pub(crate) async fn started(engine: Engine, smtp: &str) -> TestServer {
    let settings = ordo_connectors::mail::SmtpSettings::from_url(smtp).unwrap();
    let mailer = Arc::new(ordo_connectors::mail::SmtpMailer::new(&settings).unwrap());
    TestServer::start_app(engine, Default::default(), move |app| {
        let mail = MailSettings {
            from: "Acme Shop <orders@acme.example>".into(),
            reply_to: Some("help@acme.example".into()),
            store_name: "Acme Shop".into(),
            color: Some("#0a7f5a".into()),
            footer: Some("Acme Ltd, 1 Dock Street".into()),
            public_url: Some(PUBLIC.into()),
            ..Default::default()
        };
        let mut app = app.with_mailer(mailer, mail);
        app.mail_policy = MailPolicy { first_retry: Duration::from_millis(100), ..Default::default() };
        std::mem::forget(app.spawn_notification_workers(Duration::from_millis(50)));
        app
    })
    .await
}

/// Waits (at most 20 s) until the inbox holds `n` messages to `to`.
pub(crate) async fn inbox_of(inbox: &Inbox, to: &str, n: usize) -> Vec<Taken> {
    let started = Instant::now();
    loop {
        let got: Vec<Taken> = inbox.lock().unwrap().iter().filter(|t| t.to == to).cloned().collect();
        if got.len() >= n || started.elapsed() > Duration::from_secs(20) {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A message with its quoted-printable parts decoded (soft line breaks joined, `=XX` bytes
/// read), so that what it says can be looked for.
fn unquoted(data: &str) -> String {
    let joined = data.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What the inbox holds for `to` now.
pub(crate) fn now_in(inbox: &Inbox, to: &str) -> Vec<Taken> {
    inbox.lock().unwrap().iter().filter(|t| t.to == to).cloned().collect()
}

/// The `Subject:` header, decoded when it is RFC 2047 UTF-8 (`=?utf-8?b?...?=`).
pub(crate) fn subject(data: &str) -> String {
    let line = data.lines().find(|l| l.starts_with("Subject: ")).unwrap_or("").trim_start_matches("Subject: ");
    if let Some(rest) = line.strip_prefix("=?utf-8?b?").or_else(|| line.strip_prefix("=?UTF-8?B?")) {
        use base64::Engine as _;
        let encoded: String = rest.split("?=").next().unwrap_or("").to_owned();
        let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).unwrap_or_default();
        return String::from_utf8_lossy(&bytes).into_owned();
    }
    line.to_owned()
}

/// The order's message log once nothing in it is pending (at most 20 s): a message is
/// recorded as sent a moment after the mail server took it.
pub(crate) async fn settled_log(s: &TestServer, order_id: &str) -> crate::common::Reply {
    let started = Instant::now();
    loop {
        let log = s.get(&format!("/v1/orders/{order_id}/notifications")).await;
        let pending = log.body["items"].as_array().is_none_or(|l| l.iter().any(|m| m["status"] == "pending"));
        if !pending || started.elapsed() > Duration::from_secs(20) {
            return log;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Places, pays for and ships an order for `email` (returns its id, line and fulfilment).
pub(crate) async fn shipped(s: &TestServer, email: &str, name: &str) -> (String, String, String) {
    let mut body = order_body(&[("MAIL-1", 2)]);
    body["customer"] = json!({"email": email, "name": name});
    let r = s.post("/v1/orders", body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let line = r.body["lines"][0]["id"].as_str().unwrap().to_owned();
    let paid = s
        .post(
            &format!("/v1/orders/{id}/payments"),
            json!({"provider": "manual", "amount": {"amount": "20.00", "currency": "USD"}}),
        )
        .await;
    assert_eq!(paid.status, 201, "{:?}", paid.body);
    let f = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"][0]["id"].as_str().unwrap().to_owned();
    let r = s
        .post(&format!("/v1/fulfillments/{f}/ship"), json!({"carrier": "UPS", "tracking_number": "1Z999AA10123456784"}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    (id, line, f)
}

async fn an_order_through_to_its_refund_sends_its_six_emails_and_no_more(engine: Engine) {
    let (url, inbox) = smtp_listener().await;
    let s = started(engine, &url).await;
    s.location("MAIL-WH", 1).await;
    s.product("MAIL-1", "10.00").await;
    s.stock("MAIL-WH", "MAIL-1", 20).await;

    let (id, line, f) = shipped(&s, "ada@example.com", "Ada Lovelace").await;
    assert_eq!(s.post(&format!("/v1/fulfillments/{f}/deliver"), json!({})).await.status, 200);
    let r = s
        .post(
            &format!("/v1/orders/{id}/returns"),
            json!({"lines": [{"line_id": line, "quantity": 1, "reason": "no_longer_needed"}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let ret = r.body["id"].as_str().unwrap().to_owned();
    // A prepaid label, bought before the approval, goes with the approval's message.
    let money = |a: &str| json!({"amount": a, "currency": "USD"});
    let acme = json!({"code": "ACME", "name": "Acme Parcel", "services": [
        {"code": "ground", "name": "Ground", "cutoff_hour": 24, "max_weight_grams": 30000, "zones": [
            {"name": "national", "countries": ["US"], "transit_days": 4, "base": money("7.00"), "per_kg": money("1.00")}]}]});
    assert_eq!(s.post("/v1/carriers", acme).await.status, 201);
    let label = s.post(&format!("/v1/returns/{ret}/label"), json!({})).await;
    assert_eq!(label.status, 201, "{:?}", label.body);
    let label_tracking = label.body["label"]["tracking_number"].as_str().unwrap().to_owned();
    assert_eq!(s.post(&format!("/v1/returns/{ret}/approve"), json!({})).await.status, 200);
    let units = json!([{"line_id": line, "quantity": 1, "condition": "new", "disposition": "restock"}]);
    let r = s.post(&format!("/v1/returns/{ret}/receive"), json!({"location": "MAIL-WH", "units": units})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(r.body["refund_id"].is_string(), "the return was refunded: {:?}", r.body);

    let got = inbox_of(&inbox, "ada@example.com", 6).await;
    let subjects: Vec<String> = got.iter().map(|t| subject(&t.data)).collect();
    assert_eq!(got.len(), 6, "{subjects:#?}");
    let log = settled_log(&s, &id).await;
    assert_eq!(log.status, 200, "{:?}", log.body);
    let kinds: Vec<&str> = log.body["items"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["order_confirmation", "shipped", "delivered", "return_approved", "return_received", "refund_issued"],
        "{:?}",
        log.body
    );
    for n in log.body["items"].as_array().unwrap() {
        assert_eq!((n["status"].as_str(), n["transport"].as_str()), (Some("sent"), Some("email")), "{n}");
        assert!(n["provider_id"].as_str().unwrap().contains("queued as"), "{n}");
    }
    // Each message shows in the order's timeline, without the customer's address.
    let timeline = s.get(&format!("/v1/orders/{id}/timeline")).await.body;
    let told: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "notification.sent")
        .map(|e| e["data"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(told.len(), 6, "{timeline}");
    assert!(told.contains(&"refund_issued") && !timeline.to_string().contains("\"recipient\""), "{timeline}");
    for t in &got {
        for part in [
            "Content-Type: multipart/alternative",
            "Content-Type: text/plain",
            "Content-Type: text/html",
            "From: \"Acme Shop\" <orders@acme.example>",
            "Reply-To: help@acme.example",
            "Content-Language: en",
        ] {
            assert!(t.data.contains(part), "{part} missing from\n{}", t.data);
        }
        assert!(t.data.contains("Ada"), "greets the customer by name:\n{}", t.data);
    }
    let shipped_mail = got.iter().find(|t| subject(&t.data).contains("on its way")).expect("a shipping notice");
    assert!(shipped_mail.data.contains("1Z999AA10123456784"), "{}", shipped_mail.data);
    assert!(
        shipped_mail.data.contains("https://www.ups.com/track?tracknum=1Z999AA10123456784"),
        "{}",
        shipped_mail.data
    );
    assert!(subjects.iter().any(|s| s.contains("Your refund for order")), "{subjects:?}");
    let approval = got.iter().find(|t| subject(&t.data).contains("is approved")).expect("the approval");
    assert!(approval.data.contains("Content-Type: multipart/mixed"), "{}", approval.data);
    assert!(approval.data.contains(&format!("return-label-{label_tracking}.pdf")), "{}", approval.data);
    assert!(approval.data.contains("Content-Type: application/pdf"), "{}", approval.data);
    let pdf_part = approval.raw.split("Content-Type: application/pdf").nth(1).unwrap();
    let encoded: String =
        pdf_part.split("\r\n\r\n").nth(1).unwrap().split("\r\n--").next().unwrap().split_whitespace().collect();
    use base64::Engine as _;
    let pdf = base64::engine::general_purpose::STANDARD.decode(encoded).unwrap();
    assert!(pdf.starts_with(b"%PDF"), "the attachment is a PDF");

    // Nothing more comes, however long one waits: every step is told once.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(now_in(&inbox, "ada@example.com").len(), 6);

    // A resend is a new message, sent once.
    let first = log.body["items"][0]["id"].as_str().unwrap();
    let again = s.post(&format!("/v1/orders/{id}/notifications/{first}/resend"), json!({})).await;
    assert_eq!(again.status, 202, "{:?}", again.body);
    assert_eq!(again.body["kind"], "order_confirmation");
    assert_eq!(inbox_of(&inbox, "ada@example.com", 7).await.len(), 7);
    let missing = s.post(&format!("/v1/orders/{id}/notifications/ntf_nope/resend"), json!({})).await;
    assert_eq!(missing.status, 404, "{:?}", missing.body);

    // A preview renders the message for the real order, in a language asked for.
    let preview = s.get(&format!("/v1/notifications/templates/shipped/preview?order={id}&language=de")).await;
    assert_eq!(preview.status, 200, "{:?}", preview.body);
    assert!(preview.body["subject"].as_str().unwrap().contains("unterwegs"), "{:?}", preview.body);
    assert!(
        preview.body["html"]
            .as_str()
            .unwrap()
            .contains("<a href=\"https://www.ups.com/track?tracknum=1Z999AA10123456784\">")
    );
    assert_eq!(s.get(&format!("/v1/notifications/templates/nonsense/preview?order={id}")).await.status, 404);

    // Every message carries the order's tracking page: the status, each shipment with its
    // carrier's link and latest news, and no more of the customer than a first name and city.
    let tracking = link_in(&got[0].data, &format!("{PUBLIC}/track/")).expect("a tracking link");
    assert!(got.iter().all(|t| t.data.contains(&tracking)), "the same page in every message");
    let page = s.client.get(format!("{}{}", s.base, path_of(&tracking))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    // As a browser reads it: the template escapes `/` and `&` in text and attributes.
    let html = page.text().await.unwrap().replace("&#x2f;", "/").replace("&amp;", "&");
    for shown in [
        "Order ",
        "delivered",
        "Hello Ada",
        "Boston",
        "1Z999AA10123456784",
        "https://www.ups.com/track?tracknum=1Z999AA10123456784",
    ] {
        assert!(html.contains(shown), "{shown} not on the page:\n{html}");
    }
    for hidden in ["1 Main St", "ada@example.com", "Lovelace", "02108"] {
        assert!(!html.contains(hidden), "{hidden} shown on the public page");
    }
    let json_page = tracking_json(&s, &tracking).await;
    assert_eq!(
        (json_page["status"].as_str(), json_page["city"].as_str()),
        (Some("delivered"), Some("Boston")),
        "{json_page}"
    );
    assert_eq!(json_page["shipments"][0]["carrier"], "UPS");
    assert_eq!(json_page["returnable"][0]["quantity"], 1, "one of the two units is still returnable: {json_page}");
    let wrong = s.client.get(format!("{}/track/{}", s.base, "0".repeat(32))).send().await.unwrap();
    assert_eq!(wrong.status(), 404);
    assert!(!wrong.text().await.unwrap().contains("Ada"));
    // A return started from the page is requested, once, for what is left.
    let form = [("line_id", line.as_str()), ("quantity", "1"), ("reason", "wrong_item")];
    let posted = s.client.post(format!("{}{}/returns", s.base, path_of(&tracking))).form(&form).send().await.unwrap();
    assert_eq!(posted.status(), 201);
    assert!(posted.text().await.unwrap().contains("Your return request is in"));
    let again = s.client.post(format!("{}{}/returns", s.base, path_of(&tracking))).form(&form).send().await.unwrap();
    assert_eq!(again.status(), 409, "nothing left to return");
    let returns = s.get(&format!("/v1/orders/{id}/returns")).await.body;
    assert_eq!(returns["data"].as_array().map(Vec::len), Some(2), "{returns}");

    // The optional messages carry a one-click unsubscribe (RFC 8058); a GET only asks.
    let shipped_mail = got.iter().find(|t| subject(&t.data).contains("on its way")).unwrap();
    assert!(shipped_mail.data.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), "{}", shipped_mail.data);
    let header = shipped_mail.data.lines().find(|l| l.starts_with("List-Unsubscribe: ")).unwrap();
    let unsubscribe = header.trim_start_matches("List-Unsubscribe: ").trim_matches(|c| c == '<' || c == '>').to_owned();
    let confirmation = got.iter().find(|t| subject(&t.data).contains("Thank you")).unwrap();
    assert!(!confirmation.data.contains("List-Unsubscribe"), "an order confirmation cannot be turned off");
    let url = format!("{}{}", s.base, path_of(&unsubscribe));
    let asked = s.client.get(&url).send().await.unwrap();
    assert_eq!(asked.status(), 200);
    assert!(asked.text().await.unwrap().contains("<form method=\"post\">"));
    let customer =
        s.get("/v1/customers?email=ada@example.com").await.body["data"][0]["id"].as_str().unwrap().to_owned();
    let prefs = format!("/v1/customers/{customer}/preferences");
    assert_eq!(s.get(&prefs).await.body["email_off"], json!([]), "a GET changes nothing");
    let one_click = s.client.post(&url).form(&[("List-Unsubscribe", "One-Click")]).send().await.unwrap();
    assert_eq!(one_click.status(), 200);
    assert!(one_click.text().await.unwrap().contains("You are unsubscribed"));
    let off = s.get(&prefs).await.body;
    assert_eq!(
        off["email_off"],
        json!(["delivered", "out_for_delivery", "picked_up", "return_received", "shipped"]),
        "{off}"
    );
}

async fn a_customer_who_turned_shipping_notices_off_gets_the_rest_in_their_language(engine: Engine) {
    let (url, inbox) = smtp_listener().await;
    let s = started(engine, &url).await;
    s.location("MAIL-WH", 1).await;
    s.product("MAIL-1", "10.00").await;
    s.stock("MAIL-WH", "MAIL-1", 20).await;
    let c = s.post("/v1/customers", json!({"email": "grete@example.de", "name": "Grete Berg"})).await;
    assert_eq!(c.status, 201, "{:?}", c.body);
    let customer = c.body["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/customers/{customer}/preferences");
    let defaults = s.get(&path).await;
    assert_eq!(defaults.body, json!({"language": "en", "email_off": [], "sms": [], "marketing": {"granted": false}}));
    // What cannot be turned off, and what is not a language, are refused, changing nothing.
    let bad = s
        .call(&s.admin, reqwest::Method::PATCH, &path, Some(json!({"email_off": ["refund_issued"], "language": "xx"})))
        .await;
    assert_eq!(bad.status, 422, "{:?}", bad.body);
    assert_eq!(s.get(&path).await.body, defaults.body);
    let set = s
        .call(
            &s.admin,
            reqwest::Method::PATCH,
            &path,
            Some(
                json!({"email_off": ["shipped"], "language": "de", "marketing": true, "marketing_source": "checkout"}),
            ),
        )
        .await;
    assert_eq!(set.status, 200, "{:?}", set.body);
    assert_eq!((set.body["language"].as_str(), set.body["email_off"].clone()), (Some("de"), json!(["shipped"])));
    assert_eq!(set.body["marketing"]["source"], "checkout");
    assert!(set.body["marketing"]["at"].is_string());

    let (id, _, f) = shipped(&s, "grete@example.de", "Grete Berg").await;
    assert_eq!(s.post(&format!("/v1/fulfillments/{f}/deliver"), json!({})).await.status, 200);
    let got = inbox_of(&inbox, "grete@example.de", 2).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let got_later = now_in(&inbox, "grete@example.de");
    assert_eq!(
        got_later.len(),
        2,
        "confirmation and delivery, no shipping notice: {:?}",
        got.iter().map(|t| subject(&t.data)).collect::<Vec<_>>()
    );
    let subjects: Vec<String> = got_later.iter().map(|t| subject(&t.data)).collect();
    assert!(subjects.iter().any(|s| s.contains("Vielen Dank")), "{subjects:?}");
    assert!(subjects.iter().any(|s| s.contains("zugestellt")), "{subjects:?}");
    assert!(got_later.iter().all(|t| t.data.contains("Content-Language: de")));
    let log = settled_log(&s, &id).await.body;
    let states: Vec<(String, String)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n: &Value| (n["kind"].as_str().unwrap().to_owned(), n["status"].as_str().unwrap().to_owned()))
        .collect();
    assert!(states.contains(&("shipped".into(), "skipped".into())), "{states:?}");
    assert_eq!(s.get("/v1/customers/cus_nope/preferences").await.status, 404);
}

/// Hands a message to the mail server, then, once, dies before Ordo can record it (as a
/// node killed at that moment would).
struct DiesAfterSending {
    inner: ordo_connectors::mail::SmtpMailer,
    die: std::sync::atomic::AtomicBool,
}

impl ordo_app::ports::mail::MailSender for DiesAfterSending {
    fn send<'a>(&'a self, mail: &'a ordo_app::ports::mail::Mail) -> ordo_app::ports::mail::MailFuture<'a> {
        Box::pin(async move {
            let answer = self.inner.send(mail).await;
            if self.die.swap(false, std::sync::atomic::Ordering::SeqCst) {
                panic!("the node died after the mail server took the message");
            }
            answer
        })
    }
}

async fn a_crash_between_sending_and_recording_sends_once_more_and_loses_nothing(engine: Engine) {
    let (url, inbox) = smtp_listener().await;
    let settings = ordo_connectors::mail::SmtpSettings::from_url(&url).unwrap();
    let mailer = Arc::new(DiesAfterSending {
        inner: ordo_connectors::mail::SmtpMailer::new(&settings).unwrap(),
        die: std::sync::atomic::AtomicBool::new(true),
    });
    let node: Arc<Mutex<Option<ordo_app::App>>> = Arc::default();
    let kept = node.clone();
    let s = TestServer::start_app(engine, Default::default(), move |app| {
        let mut app = app.with_mailer(mailer, MailSettings::default());
        app.mail_policy = MailPolicy { hold: Duration::from_millis(400), ..Default::default() };
        std::mem::forget(app.spawn_notification_workers(Duration::from_millis(50)));
        *kept.lock().unwrap() = Some(app.clone());
        app
    })
    .await;
    s.location("MAIL-WH", 1).await;
    s.product("MAIL-1", "10.00").await;
    s.stock("MAIL-WH", "MAIL-1", 20).await;
    let mut body = order_body(&[("MAIL-1", 1)]);
    body["customer"] = json!({"email": "lin@example.com", "name": "Lin"});
    let r = s.post("/v1/orders", body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    // The server took the confirmation; the node died before recording it.
    assert_eq!(inbox_of(&inbox, "lin@example.com", 1).await.len(), 1);
    let log = s.get(&format!("/v1/orders/{id}/notifications")).await.body;
    assert_eq!(log["items"][0]["status"], "pending", "not recorded as sent: {log}");
    // Another node takes over: once the dead node's hold has run out, it sends the message again.
    let app = node.lock().unwrap().clone().unwrap();
    std::mem::forget(app.spawn_notification_workers(Duration::from_millis(50)));
    let got = inbox_of(&inbox, "lin@example.com", 2).await;
    assert_eq!(got.len(), 2, "sent again, not lost");
    let id_of = |t: &Taken| t.data.lines().find(|l| l.starts_with("Message-ID:")).map(str::to_owned);
    assert_eq!(id_of(&got[0]), id_of(&got[1]), "the one duplicate is recognisably the same message");
    let started = Instant::now();
    loop {
        let log = s.get(&format!("/v1/orders/{id}/notifications")).await.body;
        if log["items"][0]["status"] == "sent" {
            assert_eq!(log["items"][0]["attempts"], 1, "{log}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "never recorded: {log}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(now_in(&inbox, "lin@example.com").len(), 2, "at most one duplicate");
}

/// What the Twilio stand-in took: the form fields of each message, after checking the
/// account's basic auth.
type Texts = Arc<Mutex<Vec<std::collections::HashMap<String, String>>>>;

async fn twilio_stand_in() -> (String, Texts) {
    use axum::extract::{Path, State};
    use axum::http::{HeaderMap, StatusCode};
    async fn create(
        State(texts): State<Texts>,
        Path(account): Path<String>,
        headers: HeaderMap,
        axum::Form(form): axum::Form<std::collections::HashMap<String, String>>,
    ) -> (StatusCode, axum::Json<Value>) {
        use base64::Engine as _;
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("ACtest00000000000000000000000000:token-1")
        );
        let authorized = headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(expected.as_str());
        if account != "ACtest00000000000000000000000000" || !authorized {
            return (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({"code": 20003, "message": "Authenticate", "status": 401})),
            );
        }
        let mut texts = texts.lock().unwrap();
        texts.push(form.clone());
        let sid = format!("SM{:032}", texts.len());
        (
            StatusCode::CREATED,
            axum::Json(
                json!({"sid": sid, "status": "queued", "to": form.get("To"), "body": form.get("Body"), "error_code": null, "error_message": null}),
            ),
        )
    }
    let texts: Texts = Arc::default();
    let router = axum::Router::new()
        .route("/2010-04-01/Accounts/{account}/Messages.json", axum::routing::post(create))
        .with_state(texts.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}"), texts)
}

async fn a_customer_who_asked_for_texts_gets_the_shipping_notice_by_sms_too(engine: Engine) {
    let (url, inbox) = smtp_listener().await;
    let (twilio, texts) = twilio_stand_in().await;
    let settings = ordo_connectors::mail::SmtpSettings::from_url(&url).unwrap();
    let mailer = Arc::new(ordo_connectors::mail::SmtpMailer::new(&settings).unwrap());
    let s = TestServer::start_app(engine, Default::default(), move |app| {
        let sms = ordo_connectors::twilio::TwilioSender {
            http: ordo_connectors::outbound::client(app.targets),
            targets: app.targets,
            config: ordo_connectors::twilio::TwilioConfig {
                account_sid: "ACtest00000000000000000000000000".into(),
                auth_token: "token-1".into(),
                from: "+14155552345".into(),
                api_base: twilio,
            },
        };
        let mail =
            MailSettings { store_name: "Acme Shop".into(), public_url: Some(PUBLIC.into()), ..Default::default() };
        let app = app.with_mailer(mailer, mail).with_sms(Arc::new(sms));
        std::mem::forget(app.spawn_notification_workers(Duration::from_millis(50)));
        app
    })
    .await;
    s.location("MAIL-WH", 1).await;
    s.product("MAIL-1", "10.00").await;
    s.stock("MAIL-WH", "MAIL-1", 20).await;
    let c = s.post("/v1/customers", json!({"email": "tex@example.com", "name": "Tex Ritter"})).await;
    let path = format!("/v1/customers/{}/preferences", c.body["id"].as_str().unwrap());
    let no_phone = s.call(&s.admin, reqwest::Method::PATCH, &path, Some(json!({"sms": ["shipped"]}))).await;
    assert_eq!(no_phone.status, 409, "a text needs a number: {:?}", no_phone.body);
    let bad =
        s.call(&s.admin, reqwest::Method::PATCH, &path, Some(json!({"sms": ["shipped"], "phone": "0151 123"}))).await;
    assert_eq!(bad.status, 422, "{:?}", bad.body);
    let set = s
        .call(&s.admin, reqwest::Method::PATCH, &path, Some(json!({"sms": ["shipped"], "phone": "+4915112345678"})))
        .await;
    assert_eq!(set.status, 200, "{:?}", set.body);

    let (id, _, fulfillment) = shipped(&s, "tex@example.com", "Tex Ritter").await;
    assert_eq!(inbox_of(&inbox, "tex@example.com", 2).await.len(), 2, "both emails still go");
    let started = Instant::now();
    while texts.lock().unwrap().is_empty() && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let taken = texts.lock().unwrap().clone();
    assert_eq!(taken.len(), 1, "only the step asked for is texted: {taken:?}");
    let text = &taken[0];
    assert_eq!((text["To"].as_str(), text["From"].as_str()), ("+4915112345678", "+14155552345"));
    assert!(text["Body"].starts_with("Acme Shop: Your order ") && text["Body"].contains("is on its way"), "{text:?}");
    assert!(text["Body"].contains(&format!("{PUBLIC}/track/")), "{text:?}");
    let log = settled_log(&s, &id).await.body;
    let sms: Vec<&Value> = log["items"].as_array().unwrap().iter().filter(|n| n["transport"] == "sms").collect();
    assert_eq!(sms.len(), 1, "{log}");
    assert_eq!((sms[0]["status"].as_str(), sms[0]["recipient"].as_str()), (Some("sent"), Some("+4915112345678")));
    assert!(sms[0]["provider_id"].as_str().unwrap().starts_with("SM"), "{}", sms[0]);
    // A text sent again goes to the phone again, not to the order's email address.
    let first = sms[0]["id"].as_str().unwrap();
    let again = s.post(&format!("/v1/orders/{id}/notifications/{first}/resend"), json!({})).await;
    assert_eq!(again.status, 202, "{:?}", again.body);
    assert_eq!(
        (again.body["transport"].as_str(), again.body["recipient"].as_str()),
        (Some("sms"), Some("+4915112345678"))
    );
    let started = Instant::now();
    while texts.lock().unwrap().len() < 2 && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(texts.lock().unwrap().get(1).map(|t| t["To"].clone()).as_deref(), Some("+4915112345678"));

    // The tracking page the text links to follows the order, step by step.
    let tracking = link_in(&text["Body"], &format!("{PUBLIC}/track/")).expect("a tracking link");
    let status = || async { tracking_json(&s, &tracking).await["status"].as_str().unwrap().to_owned() };
    assert_eq!(status().await, "shipped");
    assert_eq!(s.post(&format!("/v1/fulfillments/{fulfillment}/deliver"), json!({})).await.status, 200);
    assert_eq!(status().await, "delivered");
}

async fn the_admins_are_emailed_when_a_webhook_subscription_is_disabled(engine: Engine) {
    let (url, inbox) = smtp_listener().await;
    let settings = ordo_connectors::mail::SmtpSettings::from_url(&url).unwrap();
    let mailer = Arc::new(ordo_connectors::mail::SmtpMailer::new(&settings).unwrap());
    let s = TestServer::start_app(engine, Default::default(), move |app| {
        let mail =
            MailSettings { admins: vec!["ops@acme.example".into(), "cto@acme.example".into()], ..Default::default() };
        let mut app = app.with_mailer(mailer, mail);
        app.webhook_policy = ordo_app::notify::delivery::DeliveryPolicy {
            first_retry: Duration::from_millis(100),
            max_retry: Duration::from_millis(200),
            window: Duration::from_secs(60),
            disable_after: Duration::from_millis(600),
            ..Default::default()
        };
        std::mem::forget(app.spawn_webhook_workers(Duration::from_millis(50)));
        std::mem::forget(app.spawn_notification_workers(Duration::from_millis(50)));
        app
    })
    .await;
    // A receiver nobody listens on: every attempt fails.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://{}/hooks", closed.local_addr().unwrap());
    drop(closed);
    let made = s.post("/v1/webhooks", json!({"url": dead, "events": ["*"], "description": "ERP"})).await;
    assert_eq!(made.status, 201, "{:?}", made.body);
    let id = made.body["id"].as_str().unwrap().to_owned();
    s.location("MAIL-WH", 1).await;
    let got = inbox_of(&inbox, "ops@acme.example", 1).await;
    assert_eq!(got.len(), 1, "the first admin is told");
    assert_eq!(inbox_of(&inbox, "cto@acme.example", 1).await.len(), 1, "and the second");
    let mail = &got[0].data;
    assert!(subject(mail).contains(&format!("Webhook subscription {id} was disabled")), "{mail}");
    assert!(mail.contains("ERP") && mail.contains(&format!("PATCH /v1/webhooks/{id}")), "{mail}");
    assert_eq!(s.get(&format!("/v1/webhooks/{id}")).await.body["status"], "disabled");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(now_in(&inbox, "ops@acme.example").len(), 1, "told once");
}

on_both_engines!(
    the_admins_are_emailed_when_a_webhook_subscription_is_disabled,
    a_customer_who_asked_for_texts_gets_the_shipping_notice_by_sms_too,
    an_order_through_to_its_refund_sends_its_six_emails_and_no_more,
    a_customer_who_turned_shipping_notices_off_gets_the_rest_in_their_language,
    a_crash_between_sending_and_recording_sends_once_more_and_loses_nothing,
);
