//! The `shopify` scenario: orders as Shopify's signed `orders/create` webhooks (each with its
//! own order id and delivery id) to a channel of kind `shopify`, signature, mapping, capture
//! and the platform payment all done by the server as for a real store.

use super::*;

/// `"12.99"` in cents.
fn price_cents(price: &str) -> i64 {
    let (units, cents) = price.split_once('.').unwrap_or((price, "0"));
    units.parse::<i64>().unwrap_or(0) * 100 + cents.parse::<i64>().unwrap_or(0)
}

/// The webhook secret of the bench's Shopify channel.
pub(super) const SECRET: &str = "bench-shopify-secret";

/// A random order as Shopify's `orders/create` payload, and its lines (SKU index, quantity).
pub(super) fn order(w: &Workload, rng: &mut Rng) -> (String, Vec<(usize, i64)>) {
    let lines = rng.range(1, w.lines_max.min(w.skus.len()) as u64) as usize;
    let mut picked: Vec<(usize, i64)> = Vec::with_capacity(lines);
    while picked.len() < lines {
        let i = rng.range(0, w.skus.len() as u64 - 1) as usize;
        if !picked.iter().any(|(p, _)| *p == i) {
            picked.push((i, rng.range(1, w.quantity_max) as i64));
        }
    }
    let customer = rng.range(0, w.customers as u64 - 1);
    // Shopify's ids exceed 2^53; these are unique per run by their random high bits.
    let id = (1u64 << 62) | (rng.next_u64() >> 2);
    let cents: i64 = picked.iter().map(|(i, q)| price_cents(&w.prices[*i]) * q).sum::<i64>() + 499;
    let mut s = String::with_capacity(512 + 128 * lines);
    let _ = write!(
        s,
        r##"{{"id":{id},"name":"#B{id}","email":"c{customer}@bench.example","currency":"USD","created_at":"2026-12-03T10:00:00-05:00","taxes_included":false,"financial_status":"paid","total_price":"{}.{:02}","total_tax":"0.00","total_discounts":"0.00","total_shipping_price_set":{{"shop_money":{{"amount":"4.99","currency_code":"USD"}}}},"customer":{{"email":"c{customer}@bench.example","first_name":"Bench","last_name":"Customer {customer}"}},"shipping_address":{{"first_name":"Bench","last_name":"Customer","address1":"{} Bench Ave","city":"New York","province_code":"NY","zip":"10001","country_code":"US"}},"shipping_lines":[{{"price":"4.99"}}],"line_items":["##,
        cents / 100,
        cents % 100,
        customer + 1
    );
    for (n, (i, q)) in picked.iter().enumerate() {
        let _ = write!(
            s,
            r#"{}{{"id":{},"sku":"{}","quantity":{q},"price":"{}","total_discount":"0.00","discount_allocations":[]}}"#,
            if n == 0 { "" } else { "," },
            id + n as u64 + 1,
            w.skus[*i],
            w.prices[*i]
        );
    }
    s.push_str("]}");
    (s, picked)
}

#[derive(Deserialize)]
struct Receipt {
    status: String,
}

/// Delivers one Shopify webhook; an imported order's lines are the ones it carried, all at
/// the one stocked location.
pub(super) async fn deliver(ctx: &Ctx, body: String, lines: Vec<(usize, i64)>, started: Instant) -> Outcome {
    let Some((_, secret)) = &ctx.work.shopify else { return Outcome::Failed("no channel".into()) };
    // Each delivery its own id (retries of one would share it).
    let sent = ctx.next_url.fetch_add(1, Ordering::Relaxed);
    let n = sent % ctx.orders_urls.len();
    let signature = ordo_connectors::signing::sign_base64(secret, body.as_bytes());
    let delivery = format!("{}-{sent}", ctx.work.prefix);
    let req = ctx
        .client
        .post(&ctx.orders_urls[n])
        .header(CONTENT_TYPE, "application/json")
        .header("X-Shopify-Topic", "orders/create")
        .header("X-Shopify-Hmac-Sha256", signature)
        .header("X-Shopify-Webhook-Id", delivery)
        .body(body);
    let (status, bytes) = match exchange(req).await {
        Ok(answer) => answer,
        Err(kind) => return Outcome::Failed(kind),
    };
    let latency = started.elapsed();
    match (status, serde_json::from_slice::<Receipt>(&bytes)) {
        (200, Ok(r)) if r.status == "imported" => {
            let location = ctx.work.locations[0].clone();
            let lines = lines
                .into_iter()
                .map(|(i, quantity)| PlacedLine {
                    sku: ctx.work.skus[i].clone(),
                    quantity,
                    allocations: vec![Allocation { location: location.clone(), quantity }],
                })
                .collect();
            Outcome::Accepted(latency, Placed { lines })
        }
        (200, Ok(r)) if r.status == "parked" => Outcome::Rejected(latency),
        (200, Ok(r)) => Outcome::Failed(format!("200 {}", r.status)),
        (s, _) => Outcome::Failed(format!("HTTP {s}")),
    }
}
