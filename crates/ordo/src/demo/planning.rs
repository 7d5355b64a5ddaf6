//! The demo's buying and planning: suppliers, purchase orders, transfers, and a year of
//! shipped demand for forecasts to learn from.

use ordo_app::kernel::input::AddressInput;
use ordo_app::sales::orders::{NewOrder, OrderCustomerInput, OrderLineInput};
use ordo_app::stock::inventory::AdjustmentInput;
use ordo_app::{Actor, App};

use super::{LOCATIONS, PRODUCTS, SplitMix, fail, money};

/// The demo's suppliers: a quick local wholesaler and a slower importer with larger lots.
/// Returns their ids.
pub(super) async fn suppliers(app: &App) -> anyhow::Result<Vec<String>> {
    use ordo_app::stock::suppliers::SupplierInput;
    let mut ids = Vec::new();
    let supplier = |code: &str, name: &str, email: &str, lead_time_days, min_order_quantity, pack_size| SupplierInput {
        code: Some(code.into()),
        name: Some(name.into()),
        email: Some(email.into()),
        lead_time_days: Some(lead_time_days),
        min_order_quantity: Some(min_order_quantity),
        pack_size: Some(pack_size),
        currency: Some("USD".into()),
        ..Default::default()
    };
    for s in [
        supplier("NORTHWIND", "Northwind Wholesale", "orders@northwind.example", 5, 12, 6),
        supplier("PACIFIC", "Pacific Imports", "purchasing@pacific-imports.example", 28, 100, 25),
    ] {
        let made = app.create_supplier(&Actor::system(), s, None).await.and_then(|o| o.into_fresh());
        ids.push(made.map_err(|e| fail("supplier", e))?.id);
    }
    Ok(ids)
}

/// The demo's purchase orders to the Newark warehouse, at about 45% of the selling price: one
/// received in full (so stock there has a cost), one partly received, one sent and on its way
/// from the importer, and a draft.
pub(super) async fn purchase_orders(app: &App, suppliers: &[String]) -> anyhow::Result<()> {
    use ordo_app::stock::purchase_orders::{PurchaseLineInput, PurchaseOrderInput};
    use ordo_app::stock::purchase_receipts::{ReceiptInput, ReceiptLineInput};
    let system = Actor::system();
    let cost = |price: &str| {
        let cents: i64 = price.replace('.', "").parse().unwrap_or(0) * 45 / 100;
        money(&format!("{}.{:02}", cents / 100, cents % 100))
    };
    let order = |supplier: &str, products: &[usize], quantity: i64| PurchaseOrderInput {
        supplier_id: Some(supplier.to_owned()),
        location: Some(LOCATIONS[0].0.to_owned()),
        currency: None,
        expected_on: None,
        note: None,
        lines: Some(
            products
                .iter()
                .map(|&i| PurchaseLineInput {
                    sku: Some(PRODUCTS[i].0.into()),
                    quantity: Some(quantity),
                    unit_cost: cost(PRODUCTS[i].2),
                })
                .collect(),
        ),
    };
    let receive = |lines: &[(i64, i64)]| ReceiptInput {
        lines: Some(
            lines
                .iter()
                .map(|&(line, quantity)| ReceiptLineInput { line: Some(line), quantity: Some(quantity) })
                .collect(),
        ),
        note: Some("dock 2".into()),
    };
    let (northwind, pacific) = (&suppliers[0], &suppliers[1]);
    // (supplier, products, quantity of each, what a receipt brings: (line, quantity)).
    type Plan<'a> = (&'a String, &'a [usize], i64, Option<Vec<(i64, i64)>>);
    let plan: [Plan<'_>; 4] = [
        (northwind, &[0, 2, 4], 24, Some(vec![(1, 24), (2, 24), (3, 24)])),
        (northwind, &[1, 3], 36, Some(vec![(1, 18)])),
        (pacific, &[5, 0], 100, None),
        (pacific, &[2], 50, None),
    ];
    for (n, (supplier, products, quantity, receipt)) in plan.into_iter().enumerate() {
        let po = app.create_purchase_order(&system, order(supplier, products, quantity), None).await;
        let po = po.and_then(|o| o.into_fresh()).map_err(|e| fail("purchase order", e))?;
        if n == 3 {
            continue;
        }
        app.send_purchase_order(&system, &po.id, None, None).await.map_err(|e| fail("purchase order", e))?;
        if let Some(lines) = receipt {
            let got = app.receive_purchase_order(&system, &po.id, receive(&lines), None).await;
            got.map_err(|e| fail("receipt", e))?;
        }
    }
    Ok(())
}

/// The demo's transfers out of the Newark warehouse: one to the Chicago store partly received
/// (the rest still in transit), one to Reno on its way, and a draft.
pub(super) async fn transfers(app: &App) -> anyhow::Result<()> {
    use ordo_app::stock::purchase_receipts::{ReceiptInput, ReceiptLineInput};
    use ordo_app::stock::transfers::{TransferInput, TransferLineInput};
    let system = Actor::system();
    let draft = |to: &str, products: &[usize], quantity: i64| TransferInput {
        from_location: Some(LOCATIONS[0].0.to_owned()),
        to_location: Some(to.to_owned()),
        expected_on: Some(ordo_app::kernel::time_fmt::day(app.now() + 2 * 86_400_000)),
        note: Some("store replenishment".into()),
        lines: Some(
            products
                .iter()
                .map(|&i| TransferLineInput { sku: Some(PRODUCTS[i].0.into()), quantity: Some(quantity) })
                .collect(),
        ),
    };
    for (n, (to, products)) in
        [(LOCATIONS[2].0, &[0usize, 2][..]), (LOCATIONS[1].0, &[4]), (LOCATIONS[2].0, &[1])].into_iter().enumerate()
    {
        let t = app.create_transfer(&system, draft(to, products, 6), None).await;
        let t = t.and_then(|t| t.into_fresh()).map_err(|e| fail("transfer", e))?;
        if n == 2 {
            continue;
        }
        app.ship_transfer(&system, &t.id, None, None).await.map_err(|e| fail("transfer", e))?;
        if n == 0 {
            let lines = Some(vec![ReceiptLineInput { line: Some(1), quantity: Some(4) }]);
            let receipt = ReceiptInput { lines, note: Some("back door".into()) };
            app.receive_transfer(&system, &t.id, receipt, None).await.map_err(|e| fail("transfer receipt", e))?;
        }
    }
    Ok(())
}

/// A clock the demo sets to each past day of its history.
struct PastDay(std::sync::atomic::AtomicI64);

impl ordo_app::Clock for PastDay {
    fn now_ms(&self) -> i64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A year of demand shipped from the Newark warehouse before today, so that forecasts and
/// replenishment have history to learn from: an order a day of the first four products, in a
/// weekly pattern with a slow rise and some noise, placed, shipped and delivered on its day.
/// The units arrive the day before the first, so today's stock is what the rest of the demo
/// sets.
pub(super) async fn history(app: &App, rng: &mut SplitMix) -> anyhow::Result<()> {
    use ordo_app::shipping::fulfillments::FulfillmentInput;
    use ordo_domain::fulfillment::FulfillmentAction;
    const DAY: i64 = 86_400_000;
    const DAYS: i64 = 365;
    let system = Actor::system();
    let noon = app.now().div_euclid(DAY) * DAY + DAY / 2;
    let clock = std::sync::Arc::new(PastDay(std::sync::atomic::AtomicI64::new(noon - (DAYS + 1) * DAY)));
    let past = App::new(app.store.clone(), clock.clone());
    let week = [0.7, 0.8, 0.9, 1.0, 1.1, 1.6, 1.4];
    let base = [6.0, 4.0, 3.0, 2.0];
    let days: Vec<Vec<i64>> = (0..DAYS)
        .map(|d| {
            let rise = 1.0 + 0.5 * d as f64 / DAYS as f64;
            let noise = |rng: &mut SplitMix| 0.8 + 0.4 * rng.below(1000) as f64 / 1000.0;
            base.iter().map(|b| (b * week[(d % 7) as usize] * rise * noise(rng)).round() as i64).collect()
        })
        .collect();
    for (i, (sku, ..)) in PRODUCTS.iter().enumerate().take(base.len()) {
        let input = AdjustmentInput {
            location: Some(LOCATIONS[0].0.to_owned()),
            sku: Some(sku.to_string()),
            delta: Some(days.iter().map(|q| q[i]).sum::<i64>().max(1)),
            reason: Some("received".into()),
            note: Some("the year's stock".into()),
        };
        past.adjust_inventory(&system, input, None).await.map_err(|e| fail("history stock", e))?;
    }
    for (d, quantities) in days.iter().enumerate() {
        clock.0.store(noon - (DAYS - d as i64) * DAY, std::sync::atomic::Ordering::SeqCst);
        let lines: Vec<OrderLineInput> = PRODUCTS
            .iter()
            .zip(quantities)
            .filter(|(_, q)| **q > 0)
            .map(|((sku, _, price, _), q)| OrderLineInput {
                sku: Some(sku.to_string()),
                quantity: Some(*q),
                unit_price: money(price),
            })
            .collect();
        if lines.is_empty() {
            continue;
        }
        let input = NewOrder {
            channel: Some("web".into()),
            external_id: Some(format!("HIST-{d}")),
            customer_id: None,
            customer: Some(OrderCustomerInput {
                email: Some(format!("regular{}@example.com", d % 40)),
                name: Some(format!("Regular {}", d % 40)),
                phone: None,
            }),
            currency: Some("USD".into()),
            lines: Some(lines),
            shipping_address: Some(AddressInput {
                name: Some(format!("Regular {}", d % 40)),
                line1: Some("1 Broad St".into()),
                city: Some("Newark".into()),
                region: Some("NJ".into()),
                postal_code: Some("07102".into()),
                country: Some("US".into()),
                latitude: Some(40.7357),
                longitude: Some(-74.1724),
                ..Default::default()
            }),
            billing_address: None,
            shipping: money("0.00"),
            tax: None,
            discount: None,
            note: None,
            promised_by: None,
            shipping_service: None,
            pickup_location: None,
        };
        let order = past.place_order(&system, input, None).await.and_then(|o| o.into_fresh());
        let order = order.map_err(|e| fail("history order", e))?;
        // Shipped that day and long since delivered.
        for f in past.order_fulfillments(&system, order.id.as_str()).await.map_err(|e| fail("fulfilments", e))? {
            for step in [FulfillmentAction::Ship, FulfillmentAction::Deliver] {
                let done = past.fulfillment_action(&system, f.id.as_str(), step, FulfillmentInput::default(), None);
                done.await.map_err(|e| fail("history shipment", e))?;
            }
        }
    }
    Ok(())
}
