//! Demo data: a small outdoor-gear shop with warehouses and stores, stock, customers and a
//! few hundred orders, loaded through the same use cases as the API.

mod planning;

use ordo_app::kernel::input::{AddressInput, MoneyInput};
use ordo_app::sales::orders::{CancelInput, NewOrder, OrderCustomerInput, OrderLineInput};
use ordo_app::stock::catalog::{NewLocation, NewProduct};
use ordo_app::stock::inventory::AdjustmentInput;
use ordo_app::{Actor, App, AppError};
use ordo_store::Page;

const PRODUCTS: &[(&str, &str, &str, i64)] = &[
    ("TENT-2P", "Ridgeline 2-person tent", "249.00", 2300),
    ("TENT-4P", "Ridgeline 4-person tent", "389.00", 4100),
    ("BAG-0C", "Alpine down sleeping bag, 0°C", "179.00", 1100),
    ("BAG-10C", "Summer sleeping bag, 10°C", "89.00", 800),
    ("PAD-AIR", "Insulated air pad", "119.00", 480),
    ("PACK-35", "Daypack 35 L", "129.00", 950),
    ("PACK-60", "Trekking pack 60 L", "229.00", 1650),
    ("STOVE-GAS", "Compact gas stove", "49.00", 180),
    ("POT-SET", "Titanium cook set", "69.00", 320),
    ("LAMP-HEAD", "Headlamp 400 lm", "39.95", 90),
    ("FILTER-H2O", "Squeeze water filter", "34.50", 85),
    ("BOTTLE-1L", "Insulated bottle 1 L", "29.00", 410),
    ("JKT-RAIN-M", "Rain shell jacket, M", "159.00", 390),
    ("JKT-RAIN-L", "Rain shell jacket, L", "159.00", 410),
    ("JKT-DOWN-M", "Down jacket, M", "219.00", 360),
    ("JKT-DOWN-L", "Down jacket, L", "219.00", 380),
    ("BOOT-42", "Hiking boots, EU 42", "189.00", 1200),
    ("BOOT-44", "Hiking boots, EU 44", "189.00", 1260),
    ("SOCK-WOOL", "Merino hiking socks", "22.00", 80),
    ("POLE-PAIR", "Carbon trekking poles (pair)", "139.00", 460),
    ("MAP-CASE", "Waterproof map case", "18.00", 60),
    ("KNIFE-MULTI", "Multi-tool knife", "59.00", 170),
    ("FIRST-AID", "Trail first-aid kit", "27.50", 300),
    ("CHAIR-CAMP", "Folding camp chair", "79.00", 950),
];

/// (code, name, kind, line1, city, region, postal, lat, lon, ships, pickup, priority)
type LocationRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    f64,
    f64,
    bool,
    bool,
    i64,
);

const LOCATIONS: &[LocationRow] = &[
    (
        "NJ-WH",
        "Newark warehouse",
        "warehouse",
        "400 Doremus Ave",
        "Newark",
        "NJ",
        "07105",
        40.7282,
        -74.1377,
        true,
        false,
        10,
    ),
    (
        "NV-WH",
        "Reno warehouse",
        "warehouse",
        "1200 Kleppe Ln",
        "Sparks",
        "NV",
        "89431",
        39.5349,
        -119.7527,
        true,
        false,
        20,
    ),
    (
        "CHI-ST",
        "Chicago flagship store",
        "store",
        "600 N Michigan Ave",
        "Chicago",
        "IL",
        "60611",
        41.8935,
        -87.6240,
        true,
        true,
        50,
    ),
    ("AUS-ST", "Austin store", "store", "300 W 2nd St", "Austin", "TX", "78701", 30.2650, -97.7467, false, true, 60),
];

const FIRST: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Katherine",
    "Linus",
    "Margaret",
    "Dennis",
    "Barbara",
    "Ken",
    "Frances",
    "Edsger",
    "Radia",
    "Tim",
    "Hedy",
    "John",
];
const LAST: &[&str] = &[
    "Lovelace", "Hopper", "Turing", "Johnson", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Allen",
    "Dijkstra", "Perlman",
];
const CITIES: &[(&str, &str, &str, f64, f64)] = &[
    ("New York", "NY", "10001", 40.7506, -73.9972),
    ("Boston", "MA", "02108", 42.3576, -71.0684),
    ("Philadelphia", "PA", "19103", 39.9525, -75.1740),
    ("Denver", "CO", "80202", 39.7527, -104.9999),
    ("Seattle", "WA", "98101", 47.6114, -122.3305),
    ("San Francisco", "CA", "94103", 37.7726, -122.4099),
    ("Chicago", "IL", "60614", 41.9227, -87.6533),
    ("Austin", "TX", "78704", 30.2431, -97.7652),
    ("Atlanta", "GA", "30303", 33.7525, -84.3888),
    ("Portland", "OR", "97205", 45.5210, -122.6890),
];

/// A small deterministic generator, so every demo database looks the same.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn money(amount: &str) -> Option<MoneyInput> {
    Some(MoneyInput { amount: Some(amount.to_owned()), currency: Some("USD".into()) })
}

/// Most orders are paid by bank transfer when placed; every fifth is cash on delivery, a
/// promise captured as it ships.
async fn pay(app: &App, order: &ordo_domain::order::Order, n: usize) -> anyhow::Result<()> {
    let cod = n.is_multiple_of(5);
    let currency = ordo_domain::Currency::from_code(&order.currency).ok_or_else(|| anyhow::anyhow!("currency"))?;
    let payment = ordo_app::money::payments::NewPayment {
        provider: Some("manual".into()),
        gift_card_code: None,
        payment_method: None,
        method: Some(if cod { "cash_on_delivery" } else { "bank_transfer" }.into()),
        amount: Some(MoneyInput {
            amount: Some(ordo_domain::Money::from_minor(order.totals.total, currency).amount_string()),
            currency: Some(order.currency.clone()),
        }),
        captured: Some(!cod),
        overpayment: None,
    };
    app.add_payment(&Actor::system(), order.id.as_str(), payment, None).await.map_err(|e| fail("payment", e))?;
    Ok(())
}

/// One unit of the first line comes back: requested, approved, received and restocked (or
/// quarantined, every other time), which refunds it.
async fn returned(app: &App, order: &ordo_domain::order::Order, n: usize) -> anyhow::Result<()> {
    let system = Actor::system();
    let line = order.lines[0].id.to_string();
    let request = ordo_app::aftersales::returns::ReturnInput {
        lines: Some(vec![ordo_app::aftersales::returns::ReturnLineInput {
            line_id: Some(line.clone()),
            quantity: Some(1),
            reason: Some(if n.is_multiple_of(2) { "no_longer_needed" } else { "damaged" }.into()),
            note: None,
        }]),
        ..Default::default()
    };
    let ret = app
        .request_return(&system, order.id.as_str(), request, None)
        .await
        .and_then(|o| o.into_fresh())
        .map_err(|e| fail("return", e))?;
    app.approve_return(&system, &ret.id, Default::default(), None).await.map_err(|e| fail("approve", e))?;
    let location = order.lines[0].allocations.first().map(|a| a.location.clone()).unwrap_or_default();
    let receive = ordo_app::aftersales::returns::ReceiveInput {
        location: Some(location),
        units: Some(vec![ordo_app::aftersales::returns::UnitInput {
            line_id: Some(line),
            quantity: Some(1),
            condition: Some(if n.is_multiple_of(2) { "as new" } else { "broken" }.into()),
            disposition: Some(if n.is_multiple_of(2) { "restock" } else { "damaged" }.into()),
        }]),
        ..Default::default()
    };
    app.receive_return(&system, &ret.id, receive, None).await.map_err(|e| fail("receive", e))?;
    Ok(())
}

fn fail(what: &str, e: AppError) -> anyhow::Error {
    anyhow::anyhow!("loading demo {what}: {e:?}")
}

/// Takes each fulfilment of an order `steps` steps along pick, pack, ship, deliver.
async fn advance(app: &App, order_id: &str, steps: usize, n: usize) -> anyhow::Result<()> {
    use ordo_app::shipping::fulfillments::FulfillmentInput;
    use ordo_domain::fulfillment::FulfillmentAction as A;
    let system = Actor::system();
    let fulfillments = app.order_fulfillments(&system, order_id).await.map_err(|e| fail("fulfilments", e))?;
    for f in fulfillments {
        let pickup = f.pickup;
        let actions = if pickup {
            [A::StartPicking, A::Pack, A::ReadyForPickup, A::PickUp]
        } else {
            [A::StartPicking, A::Pack, A::Ship, A::Deliver]
        };
        for action in actions.into_iter().take(steps) {
            if action == A::Ship {
                // Most labels are bought through the demo carriers' rate cards; a few by hand.
                if n.is_multiple_of(5) {
                    let input = FulfillmentInput {
                        carrier: Some("UPS".into()),
                        tracking_number: Some(format!("1Z{:016}", 4_000_000 + n)),
                        ..Default::default()
                    };
                    app.fulfillment_action(&system, f.id.as_str(), action, input, None)
                        .await
                        .map_err(|e| fail("fulfilment", e))?;
                    continue;
                }
                app.buy_label(&system, f.id.as_str(), Default::default(), None).await.map_err(|e| fail("label", e))?;
            }
            app.fulfillment_action(&system, f.id.as_str(), action, FulfillmentInput::default(), None)
                .await
                .map_err(|e| fail("fulfilment", e))?;
        }
    }
    Ok(())
}

/// Two carriers priced by rate cards: an economical ground service and an express one.
async fn carriers(app: &App) -> anyhow::Result<()> {
    use ordo_app::shipping::carriers::{BracketInput, CarrierInput, ServiceInput, ZoneInput};
    let zone = |name: &str, max_km: Option<f64>, days: i64, base: &str, per_kg: &str| ZoneInput {
        name: Some(name.into()),
        max_distance_km: max_km,
        countries: Some(vec!["US".into()]),
        transit_days: Some(days),
        base: money(base),
        brackets: Some(vec![
            BracketInput { max_grams: Some(1000), price: money("0.00") },
            BracketInput { max_grams: Some(5000), price: money("2.50") },
        ]),
        per_kg: money(per_kg),
    };
    let service = |code: &str, name: &str, zones: Vec<ZoneInput>| ServiceInput {
        code: Some(code.into()),
        name: Some(name.into()),
        cutoff_hour: Some(17),
        max_weight_grams: Some(30_000),
        zones: Some(zones),
    };
    let ground = CarrierInput {
        code: Some("PARCELCO".into()),
        name: Some("ParcelCo".into()),
        webhook_secret: Some("demo-parcelco-secret".into()),
        services: Some(vec![service(
            "ground",
            "Ground",
            vec![zone("regional", Some(800.0), 2, "5.90", "0.90"), zone("national", None, 5, "8.90", "1.20")],
        )]),
        api: None,
    };
    let express = CarrierInput {
        code: Some("SWIFT".into()),
        name: Some("Swift Express".into()),
        webhook_secret: Some("demo-swift-secret".into()),
        services: Some(vec![service("overnight", "Overnight", vec![zone("any", None, 1, "24.00", "3.00")])]),
        api: None,
    };
    for c in [ground, express] {
        app.create_carrier(&Actor::system(), c, None).await.map_err(|e| fail("carrier", e))?;
    }
    Ok(())
}

/// The demo's Shopify store: a channel of kind `shopify` whose webhooks are signed with
/// `demo-shopify-secret`, and its example variant mapped to a demo SKU.
pub const DEMO_SHOPIFY: (&str, &str) = ("shopify-demo", "demo-shopify-secret");

async fn shopify(app: &App, sku: &str) -> anyhow::Result<()> {
    use ordo_app::channels::settings::{ChannelSettingsInput, CredentialsInput};
    let (channel, secret) = DEMO_SHOPIFY;
    let input = ChannelSettingsInput {
        kind: Some("shopify".into()),
        credentials: Some(CredentialsInput { webhook_secret: Some(secret.into()), ..Default::default() }),
        ..Default::default()
    };
    app.put_channel_settings(&Actor::system(), channel, input).await.map_err(|e| fail("channel", e))?;
    let mapping = ordo_app::intake::imports::SkuMappingInput { sku: Some(sku.into()) };
    app.put_sku_mapping(&Actor::system(), channel, "808950810", mapping).await.map_err(|e| fail("mapping", e))?;
    Ok(())
}

/// The demo's till at the Chicago store: a `pos` channel whose sales leave that store's shelf.
pub const DEMO_TILL: (&str, &str) = ("chicago-till", "CHI-ST");

async fn till(app: &App) -> anyhow::Result<()> {
    use ordo_app::channels::settings::ChannelSettingsInput;
    let (channel, store) = DEMO_TILL;
    let input =
        ChannelSettingsInput { kind: Some("pos".into()), store_location: Some(store.into()), ..Default::default() };
    app.put_channel_settings(&Actor::system(), channel, input).await.map_err(|e| fail("till", e))?;
    Ok(())
}

/// Loads the demo unless the database already has products.
pub async fn load_if_empty(app: &App) -> anyhow::Result<String> {
    let existing = app
        .list_products(&Actor::system(), Page { after: None, limit: 1 }, None)
        .await
        .map_err(|e| fail("check", e))?;
    if existing.is_empty() { load(app).await } else { Ok("the existing data (demo not reloaded)".to_owned()) }
}

pub async fn load(app: &App) -> anyhow::Result<String> {
    let system = Actor::system();
    for (code, name, kind, line1, city, region, postal, lat, lon, ships, pickup, priority) in LOCATIONS {
        let input = NewLocation {
            code: Some(code.to_string()),
            name: Some(name.to_string()),
            kind: Some(kind.to_string()),
            address: Some(AddressInput {
                line1: Some(line1.to_string()),
                city: Some(city.to_string()),
                region: Some(region.to_string()),
                postal_code: Some(postal.to_string()),
                country: Some("US".into()),
                ..Default::default()
            }),
            latitude: Some(*lat),
            longitude: Some(*lon),
            ships_orders: Some(*ships),
            pickup: Some(*pickup),
            priority: Some(*priority),
            daily_capacity: None,
            active: None,
        };
        app.create_location(&system, input, None).await.map_err(|e| fail("location", e))?;
    }
    let mut rng = SplitMix(2026);
    for (i, (sku, name, price, grams)) in PRODUCTS.iter().enumerate() {
        let input = NewProduct {
            sku: Some(sku.to_string()),
            name: Some(name.to_string()),
            price: money(price),
            weight_grams: Some(*grams),
            barcode: Some(format!("0{:011}", 840_000_000_000u64 + i as u64)),
            active: None,
        };
        app.create_product(&system, input, None).await.map_err(|e| fail("product", e))?;
    }
    // The year before today first, so that the ledger reads in time order.
    planning::history(app, &mut SplitMix(365)).await?;
    for (sku, ..) in PRODUCTS {
        for (code, ..) in LOCATIONS {
            let delta = 40 + rng.below(160) as i64;
            let input = AdjustmentInput {
                location: Some(code.to_string()),
                sku: Some(sku.to_string()),
                delta: Some(delta),
                reason: Some("received".into()),
                note: Some("opening stock".into()),
            };
            app.adjust_inventory(&system, input, None).await.map_err(|e| fail("stock", e))?;
        }
    }

    carriers(app).await?;
    let supplier_ids = planning::suppliers(app).await?;
    planning::purchase_orders(app, &supplier_ids).await?;
    planning::transfers(app).await?;
    // Stock policies at the warehouse: the tents are watched closely enough to be low.
    for (i, (sku, ..)) in PRODUCTS.iter().enumerate().take(6) {
        let (safety_stock, reorder_point) = if i < 2 { (20, 400) } else { (10, 40) };
        let policy = ordo_app::stock::policies::StockPolicyInput {
            safety_stock: Some(safety_stock),
            reorder_point: Some(reorder_point),
        };
        app.put_stock_policy(&system, sku, LOCATIONS[0].0, policy).await.map_err(|e| fail("stock policy", e))?;
    }
    // The warehouse's buyer, told by email when its stock runs low (with mail configured).
    let buyer = ordo_app::stock::buyers::BuyerInput {
        email: Some("buyer@ordo-demo.example".into()),
        name: Some("Dana Buyer".into()),
    };
    let buyers = ordo_app::stock::buyers::BuyersInput { buyers: Some(vec![buyer]) };
    app.put_location_buyers(&system, LOCATIONS[0].0, buyers).await.map_err(|e| fail("buyers", e))?;
    shopify(app, PRODUCTS[0].0).await?;
    till(app).await?;
    // Reference rates for today, so the sales report can show any currency.
    let rates = ordo_app::money::fx::RatesInput {
        date: Some(ordo_app::kernel::time_fmt::day(app.now())),
        base: Some("EUR".into()),
        rates: Some(
            [("USD", "1.0512"), ("GBP", "0.8312"), ("JPY", "160.23"), ("CAD", "1.4702")]
                .into_iter()
                .map(|(c, r)| (c.to_owned(), r.to_owned()))
                .collect(),
        ),
    };
    app.put_rates(&system, rates, None).await.map_err(|e| fail("exchange rates", e))?;
    let channels = ["web", "web", "web", "marketplace", "pos"];
    let (mut placed, mut cancelled) = (0, 0);
    for n in 0..300usize {
        let first = FIRST[rng.below(FIRST.len())];
        let last = LAST[rng.below(LAST.len())];
        let customer_no = rng.below(60);
        let (city, region, postal, lat, lon) = CITIES[customer_no % CITIES.len()];
        let mut lines = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let (sku, _, price, _) = PRODUCTS[rng.below(PRODUCTS.len())];
            if lines.iter().any(|l: &OrderLineInput| l.sku.as_deref() == Some(sku)) {
                continue;
            }
            lines.push(OrderLineInput {
                sku: Some(sku.into()),
                quantity: Some(1 + rng.below(2) as i64),
                unit_price: money(price),
            });
        }
        let channel = channels[rng.below(channels.len())];
        let input = NewOrder {
            channel: Some(channel.into()),
            external_id: Some(format!("{}-{}", channel.to_uppercase(), 10_000 + n)),
            customer_id: None,
            customer: Some(OrderCustomerInput {
                email: Some(format!("{}.{}{}@example.com", first.to_lowercase(), last.to_lowercase(), customer_no)),
                name: Some(format!("{first} {last}")),
                phone: None,
            }),
            currency: Some("USD".into()),
            lines: Some(lines),
            shipping_address: Some(AddressInput {
                name: Some(format!("{first} {last}")),
                line1: Some(format!("{} Main St", 1 + rng.below(900))),
                city: Some(city.into()),
                region: Some(region.into()),
                postal_code: Some(postal.into()),
                country: Some("US".into()),
                latitude: Some(lat),
                longitude: Some(lon),
                ..Default::default()
            }),
            billing_address: None,
            shipping: money(if rng.below(3) == 0 { "0.00" } else { "7.95" }),
            tax: None,
            discount: None,
            note: None,
            promised_by: None,
            shipping_service: None,
            // Some customers collect at the Chicago store.
            pickup_location: n.is_multiple_of(12).then(|| "CHI-ST".to_owned()),
        };
        match app.place_order(&system, input, None).await {
            Ok(ordo_app::kernel::idempotency::Outcome::Fresh(order)) => {
                placed += 1;
                pay(app, &order, n).await?;
                if rng.below(10) == 0 {
                    let reason = CancelInput { reason: Some("customer_request".into()) };
                    app.cancel_order(&system, order.id.as_str(), reason, None).await.map_err(|e| fail("cancel", e))?;
                    cancelled += 1;
                } else {
                    // Older orders are further along: some picking, packed, shipped, delivered.
                    let steps = match rng.below(10) {
                        0..=3 => 0,
                        4 => 1,
                        5 => 2,
                        6 | 7 => 3,
                        _ => 4,
                    };
                    advance(app, order.id.as_str(), steps, n).await?;
                    if steps == 4 && n.is_multiple_of(5) {
                        // A delivered order with one unit returned, received and refunded.
                        returned(app, &order, n).await?;
                    } else if steps == 4 && n.is_multiple_of(3) {
                        // A delivered order with one unit refunded as goodwill.
                        let refund = ordo_app::money::refunds::RefundInput {
                            lines: Some(vec![ordo_app::money::refunds::RefundLineInput {
                                line_id: Some(order.lines[0].id.to_string()),
                                quantity: Some(1),
                            }]),
                            reason: Some("returned".into()),
                            ..Default::default()
                        };
                        app.refund_order(&system, order.id.as_str(), refund, None)
                            .await
                            .map_err(|e| fail("refund", e))?;
                    }
                    if steps == 0 && n.is_multiple_of(11) {
                        // Orders waiting for review.
                        let hold = ordo_app::sales::holds::HoldInput {
                            kind: Some(if n.is_multiple_of(2) { "address_check" } else { "fraud_review" }.into()),
                            reason: Some("flagged by the demo".into()),
                        };
                        app.place_hold(&system, order.id.as_str(), hold, None).await.map_err(|e| fail("hold", e))?;
                    }
                    if steps == 0 && n.is_multiple_of(13) && order.lines[0].quantity > 1 {
                        // The customer asked for one unit fewer.
                        let edit = ordo_app::sales::edits::EditInput {
                            changes: Some(vec![ordo_app::sales::edits::ChangeInput {
                                kind: Some("set_quantity".into()),
                                line_id: Some(order.lines[0].id.to_string()),
                                quantity: Some(order.lines[0].quantity - 1),
                                ..Default::default()
                            }]),
                            reason: Some("customer asked by phone".into()),
                            ..Default::default()
                        };
                        app.edit_order(&system, order.id.as_str(), edit, None).await.map_err(|e| fail("edit", e))?;
                    }
                    if steps == 0 && n.is_multiple_of(17) {
                        // A location that could not find the item: the order is routed again.
                        let reject = ordo_app::shipping::fulfillments::FulfillmentInput {
                            reason: Some("cannot find it".into()),
                            ..Default::default()
                        };
                        let fs = app
                            .order_fulfillments(&system, order.id.as_str())
                            .await
                            .map_err(|e| fail("fulfilments", e))?;
                        if let Some(f) = fs.first() {
                            app.fulfillment_action(
                                &system,
                                f.id.as_str(),
                                ordo_domain::fulfillment::FulfillmentAction::Reject,
                                reject,
                                None,
                            )
                            .await
                            .map_err(|e| fail("reject", e))?;
                        }
                    }
                }
            }
            Ok(_) => {}
            // The demo's random orders may run a SKU dry; that is part of a realistic shop.
            Err(AppError::InsufficientStock(_)) => {}
            Err(e) => return Err(fail("order", e)),
        }
    }
    Ok(format!(
        "demo data: {} locations, {} products, {placed} recent orders ({cancelled} cancelled) and a year of shipped ones",
        LOCATIONS.len(),
        PRODUCTS.len()
    ))
}
