//! Whole-database work: table counts, stock totals, and copies between engines (exporting,
//! importing and renumbering rows).

use ordo_store::copy::copy_database;
use ordo_store::schema::{self, Cell, TABLES};
use ordo_store::{
    ApiKeyRecord, AttemptRecord, BalanceAccount, BalanceEntry, BucketChange, CountRequest, DeliveryRecord, EventFilter,
    IdempotencyRecord, NewEvent, NotificationRecord, OrderRecord, Page, PaymentEntry, PaymentRecord, RuleSetRecord,
    Store, StoreError, Tx, WebhookRecord,
};

use crate::common::{
    change, customer, engine_pairs, engines, fulfillment, location, order, product, read, store, write,
};

/// Writes at least one row into every table, with the numbered keys well past 1.
fn populate(tx: &mut dyn Tx) -> Result<(), StoreError> {
    let mut loc = location("WH", 1);
    loc.daily_capacity = Some(5);
    let (p, c) = (product("A-1"), customer(1, "ann@example.com"));
    let o = order(1200, 1, &loc, c.id.as_str(), 50);
    let mut f = fulfillment(1, &o, &loc);
    f.tracking_number = Some("1Z999".into());
    tx.insert_api_key(&ApiKeyRecord {
        id: "key_1".into(),
        hash: "h1".into(),
        prefix: "ordo_1".into(),
        role: "admin".into(),
        channel: None,
        name: Some("ops".into()),
        created_at: 1,
        revoked_at: None,
    })?;
    tx.insert_product(&p)?;
    tx.insert_location(&loc)?;
    tx.take_location_load(loc.id.as_str(), "2024-05-01", i64::MAX).map(drop)?;
    for _ in 0..3 {
        tx.change_level(&change(&loc, "A-1", 10, 0))?.unwrap();
    }
    tx.change_level(&change(&loc, "A-1", 0, 2))?.unwrap();
    tx.insert_customer(&c)?;
    tx.insert_order(&o)?;
    let doc =
        |name: &str| RuleSetRecord { name: name.into(), body: "{}".into(), version: 1, created_at: 1, updated_at: 1 };
    tx.put_carrier(&doc("UPS"))?;
    tx.put_rule_set(&doc("default"))?;
    tx.request_count(&CountRequest {
        sku: "A-1".into(),
        location_id: loc.id.as_str().into(),
        location: "WH".into(),
        requested_at: 3,
        reason: None,
    })?;
    tx.insert_fulfillment(&f)?;
    tx.insert_payment(&PaymentRecord {
        id: "pay_1".into(),
        order_id: o.id.as_str().into(),
        provider: "manual".into(),
        currency: "USD".into(),
        created_at: 4,
        body: "{}".into(),
        reference: None,
    })?;
    tx.insert_order_record(&OrderRecord {
        id: "ref_1".into(),
        order_id: o.id.as_str().into(),
        kind: "refund".into(),
        status: "pending".into(),
        created_at: 5,
        updated_at: 5,
        body: "{}".into(),
    })?;
    let bucket = BucketChange {
        at: 6,
        location_id: loc.id.as_str().into(),
        location: "WH".into(),
        sku: "A-1".into(),
        bucket: "quarantine".into(),
        delta: 2,
        reason: "returned".into(),
        actor: None,
        order_id: None,
        reference: None,
        note: None,
    };
    tx.change_bucket(&bucket)?.unwrap();
    tx.change_bucket(&bucket)?.unwrap();
    tx.put_channel_settings("web", "{}", 7)?;
    tx.insert_channel_import(&ordo_store::ChannelImportRecord {
        id: "imp_1".into(),
        channel: "web".into(),
        delivery_id: Some("d1".into()),
        external_id: Some("820982911946154508".into()),
        topic: "orders/create".into(),
        status: "imported".into(),
        reason: None,
        order_id: Some(o.id.to_string()),
        payload: "{\"id\":820982911946154508}".into(),
        created_at: 7,
        updated_at: 7,
    })?;
    tx.put_sku_mapping(&ordo_store::SkuMappingRecord {
        channel: "web".into(),
        external: "808950810".into(),
        sku: "A-1".into(),
        updated_at: 7,
    })?;
    tx.put_channel_listing(&ordo_store::ListingRecord {
        channel: "web".into(),
        sku: "A-1".into(),
        target: "{\"product_id\":\"93\"}".into(),
        pushed: Some(4),
        pushed_at: Some(7),
        pushes: 1,
        failures: 0,
        last_error: None,
        updated_at: 7,
    })?;
    tx.put_import_job(&ordo_store::ImportJobRecord {
        id: "imj_1".into(),
        body: "{}".into(),
        created_at: 7,
        updated_at: 7,
    })?;
    tx.set_worker_cursor("settler", 2)?;
    let entry = PaymentEntry {
        seq: 0,
        payment_id: "pay_1".into(),
        order_id: o.id.as_str().into(),
        kind: "captured".into(),
        amount: 4498,
        at: 8,
        actor: None,
        reason: None,
        reference: None,
    };
    tx.append_payment_entry(&entry)?;
    tx.append_payment_entry(&entry)?;
    tx.put_exchange_rate("2024-05-01", "EUR", "USD", "0.92")?;
    tx.insert_balance_account(&BalanceAccount {
        id: "bal_1".into(),
        kind: "gift_card".into(),
        code: "GIFT-1".into(),
        currency: "USD".into(),
        balance: 0,
        created_at: 9,
    })?;
    let credit = BalanceEntry {
        seq: 0,
        account_id: "bal_1".into(),
        amount: 500,
        balance_after: 0,
        at: 9,
        reason: None,
        order_id: None,
        payment_id: None,
        actor: None,
    };
    tx.change_balance(&credit)?.unwrap();
    tx.change_balance(&credit)?.unwrap();
    for i in 0..2 {
        tx.append_event(&NewEvent {
            id: "evt_1",
            event_type: "order.created",
            subject: "ord_1",
            at: 10 + i,
            data: "{}",
            version: 1,
        })?;
    }
    tx.idempotency_put(&IdempotencyRecord {
        key_id: "key_1".into(),
        key: "k1".into(),
        request_hash: "rh".into(),
        status: 201,
        body: vec![0, 255, b'{'],
        created_at: 11,
    })?;
    tx.put_webhook(&WebhookRecord {
        id: "whk_1".into(),
        url: "https://erp.example.com/hooks".into(),
        events: r#"["*"]"#.into(),
        description: None,
        secret: "enc1:k1:00".into(),
        status: "active".into(),
        failing_since: None,
        disabled_reason: None,
        version: 1,
        created_at: 12,
        updated_at: 12,
    })?;
    tx.add_webhook_deliveries(&[DeliveryRecord {
        seq: 0,
        id: "whd_1".into(),
        subscription_id: "whk_1".into(),
        event_id: "evt_1".into(),
        event_seq: 1,
        event_type: "order.created".into(),
        subject: "ord_1".into(),
        body: "{}".into(),
        event: None,
        status: "delivered".into(),
        attempts: 1,
        next_at: 12,
        window_from: 12,
        claimed_until: 0,
        last_status: Some(200),
        last_error: None,
        created_at: 12,
        updated_at: 13,
    }])?;
    tx.add_webhook_attempts(&[AttemptRecord {
        delivery_id: "whd_1".into(),
        n: 1,
        at: 13,
        status: Some(200),
        latency_ms: 4,
        error: None,
        answer: Some("ok".into()),
    }])?;
    tx.add_notifications(&[NotificationRecord {
        seq: 0,
        id: "ntf_1".into(),
        dedupe: "ord_1/order_confirmation/ord_1/email".into(),
        order_id: "ord_1".into(),
        customer_id: Some("cus_1".into()),
        kind: "order_confirmation".into(),
        transport: "email".into(),
        recipient: "ann@example.com".into(),
        language: "en".into(),
        event_id: Some("evt_1".into()),
        about: None,
        status: "sent".into(),
        attempts: 1,
        next_at: 12,
        claimed_until: 0,
        subject: Some("Thank you for your order 1200".into()),
        provider_id: Some("<ntf_1@ordo> queued".into()),
        error: None,
        created_at: 12,
        sent_at: Some(13),
        updated_at: 13,
    }])?;
    tx.put_customer_preferences("cus_1", r#"{"language":"de"}"#, 13)?;
    tx.add_public_link("tracking", "ord_1", "0123456789abcdef0123456789abcdef", 13)?;
    tx.put_supplier(&ordo_store::SupplierRecord {
        id: "sup_1".into(),
        code: "ACME".into(),
        status: "active".into(),
        version: 1,
        created_at: 14,
        updated_at: 14,
        body: r#"{"name":"Acme"}"#.into(),
    })?;
    tx.put_purchase_order(&ordo_store::PurchaseOrderRecord {
        id: "po_1".into(),
        number: 1,
        supplier_id: "sup_1".into(),
        location_id: loc.id.as_str().into(),
        status: "sent".into(),
        expected_on: Some("2026-12-24".into()),
        version: 2,
        created_at: 14,
        updated_at: 15,
        body: r#"{"lines":[]}"#.into(),
    })?;
    tx.put_transfer(&ordo_store::TransferRecord {
        id: "tr_1".into(),
        number: 1,
        from_location_id: loc.id.as_str().into(),
        to_location_id: loc.id.as_str().into(),
        status: "draft".into(),
        expected_on: Some("2026-12-26".into()),
        version: 1,
        created_at: 15,
        updated_at: 15,
        body: r#"{"lines":[]}"#.into(),
    })?;
    tx.replace_incoming(
        "po_1",
        &[ordo_store::IncomingRecord {
            origin: "po_1".into(),
            line: 1,
            sku: "A-1".into(),
            location_id: loc.id.as_str().into(),
            expected_on: "2026-12-24".into(),
            quantity: 12,
        }],
    )?;
    tx.put_cost(&ordo_store::CostRecord {
        sku: "A-1".into(),
        location_id: loc.id.as_str().into(),
        currency: "EUR".into(),
        units: 12,
        value: 3000,
        updated_at: 15,
    })?;
    tx.put_policy(&ordo_store::PolicyRecord {
        sku: "A-1".into(),
        location_id: loc.id.as_str().into(),
        safety_stock: 2,
        reorder_point: 6,
        source: "manual".into(),
        updated_at: 15,
    })?;
    tx.put_alert(&ordo_store::AlertRecord {
        id: "alr_1".into(),
        kind: "low_stock".into(),
        sku: "A-1".into(),
        location_id: loc.id.as_str().into(),
        started_at: 15,
        ended_at: None,
        available: 2,
        reorder_point: Some(6),
    })?;
    let buyer = ordo_store::BuyerRecord {
        location_id: loc.id.as_str().into(),
        email: "buyer@example.com".into(),
        name: Some("Bea".into()),
    };
    tx.put_buyers(loc.id.as_str(), &[buyer])?;
    let forecast = ordo_store::ForecastRecord {
        sku: "SKU-1".into(),
        computed_at: 1_000,
        model: "croston".into(),
        mase: Some(0.75),
        bias: None,
        units: 12,
        body: "{}".into(),
    };
    tx.put_forecast(&forecast)?;
    tx.put_planning_settings("{}", 1_000)?;
    tx.put_last_count("SKU-1", loc.id.as_str(), 1_000)?;
    tx.append_audit(&[(1, "h1".into())])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn table_counts_name_every_listed_table_once_and_stock_totals_sum_every_level() {
    for engine in engines() {
        let s = store(&engine);
        let empty = read(&s, |tx| tx.table_counts()).await;
        let names: Vec<&str> = empty.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(names, TABLES.iter().map(|t| t.name).collect::<Vec<_>>(), "{engine:?}");
        assert!(empty.iter().all(|(_, n)| *n == 0), "{engine:?}: {empty:?}");
        assert_eq!(read(&s, |tx| tx.stock_totals()).await, (0, 0), "{engine:?}");
        write(&s, populate).await.unwrap();
        let wh2 = location("WH2", 2);
        write(&s, move |tx| {
            tx.insert_location(&wh2)?;
            tx.change_level(&change(&wh2, "B-1", 7, 3)).map(|_| ())
        })
        .await
        .unwrap();
        let counts = read(&s, |tx| tx.table_counts()).await;
        let count = |t: &str| counts.iter().find(|(n, _)| n == t).map(|(_, n)| *n);
        assert_eq!(
            (count("inventory_levels"), count("inventory_movements"), count("locations")),
            (Some(2), Some(5), Some(2))
        );
        assert_eq!(read(&s, |tx| tx.stock_totals()).await, (37, 5), "{engine:?}: (30 + 7) on hand, (2 + 3) reserved");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_moves_every_row_and_new_rows_continue_after_the_copied_ones() {
    for (from, to) in engine_pairs() {
        let (source, target) = (store(&from), store(&to));
        write(&source, populate).await.unwrap();
        let before = read(&source, |tx| tx.table_counts()).await;
        let empty: Vec<&str> = before.iter().filter(|(_, n)| *n == 0).map(|(t, _)| t.as_str()).collect();
        assert!(empty.is_empty(), "populate writes nothing into {empty:?}: give those tables a row");

        let report = copy_database(&source, &target).await.unwrap();
        assert_eq!(report.tables, before, "{from:?} -> {to:?}");
        assert_eq!((report.on_hand, report.reserved), (30, 2), "{from:?} -> {to:?}");
        let again = copy_database(&source, &target).await.unwrap_err();
        assert_eq!(again, StoreError::Conflict("an empty destination database"), "{from:?} -> {to:?}");

        // Every column travels, the late ones (tracking numbers, capacities) included.
        let (p, c, o) = (product("A-1"), customer(1, "ann@example.com"), order(1200, 1, &location("WH", 1), "", 50));
        let copied = read(&target, move |tx| {
            Ok((
                tx.product_by_sku("A-1")?,
                tx.customer_by_email("ann@example.com")?,
                tx.order_by_id(o.id.as_str())?.map(|o| o.number),
                tx.fulfillments_by_tracking("1Z999")?.len(),
                tx.location_by_code("WH")?.and_then(|l| l.daily_capacity),
                tx.idempotency_get("key_1", "k1")?.map(|r| r.body),
            ))
        })
        .await;
        assert_eq!(copied.0, Some(p), "{from:?} -> {to:?}");
        assert_eq!(copied.1, Some(c), "{from:?} -> {to:?}");
        assert_eq!((copied.2, copied.3, copied.4), (Some(1200), 1, Some(5)), "{from:?} -> {to:?}");
        assert_eq!(copied.5, Some(vec![0, 255, b'{']), "{from:?} -> {to:?}");

        let (old, new) = (last_numbers(&source).await, next_numbers(&target).await);
        for ((what, old), (_, new)) in old.iter().zip(&new) {
            assert!(new > old, "{from:?} -> {to:?}: a new {what} is numbered {new}, not after the copied {old}");
        }
    }
}

/// The highest number of each kind the database hands out: (what, number).
async fn last_numbers(s: &Store) -> Vec<(&'static str, i64)> {
    read(s, |tx| {
        let movement = tx.list_movements(&Page { after: None, limit: 1 }, &Default::default())?[0].seq;
        let bucket = tx.bucket_movements("A-1")?.last().map_or(0, |m| m.seq);
        let entry = tx.payment_entries_for_order(&order(1200, 1, &location("WH", 1), "", 50).id.to_string())?;
        let balance = tx.balance_entries("bal_1")?.last().map_or(0, |e| e.seq);
        let event = last_event(tx)?;
        Ok(vec![
            ("order number", 1200),
            ("movement", movement),
            ("bucket movement", bucket),
            ("payment entry", entry.last().map_or(0, |e| e.seq)),
            ("balance entry", balance),
            ("event", event),
        ])
    })
    .await
}

/// The sequence of the latest event about `ord_1` (one subject's events are never held back).
fn last_event(tx: &mut dyn Tx) -> Result<i64, StoreError> {
    let filter = EventFilter { subject: Some("ord_1".into()), event_type: None, actor: None };
    Ok(tx.list_events(&Page { after: None, limit: 100 }, &filter)?.last().map_or(0, |e| e.seq))
}

/// One new row of each numbered kind, in the same order as `last_numbers`.
async fn next_numbers(s: &Store) -> Vec<(&'static str, i64)> {
    write(s, |tx| {
        let loc = location("WH", 1);
        let movement = tx.change_level(&change(&loc, "A-1", 1, 0))?.unwrap().seq;
        let bucket = BucketChange {
            at: 20,
            location_id: loc.id.as_str().into(),
            location: "WH".into(),
            sku: "A-1".into(),
            bucket: "quarantine".into(),
            delta: 1,
            reason: "returned".into(),
            actor: None,
            order_id: None,
            reference: None,
            note: None,
        };
        tx.change_bucket(&bucket)?.unwrap();
        let bucket = tx.bucket_movements("A-1")?.last().map_or(0, |m| m.seq);
        let entry = tx.append_payment_entry(&PaymentEntry {
            seq: 0,
            payment_id: "pay_1".into(),
            order_id: "ord_x".into(),
            kind: "refunded".into(),
            amount: 1,
            at: 20,
            actor: None,
            reason: None,
            reference: None,
        })?;
        let credit = BalanceEntry {
            seq: 0,
            account_id: "bal_1".into(),
            amount: 1,
            balance_after: 0,
            at: 20,
            reason: None,
            order_id: None,
            payment_id: None,
            actor: None,
        };
        tx.change_balance(&credit)?.unwrap();
        let balance = tx.balance_entries("bal_1")?.last().map_or(0, |e| e.seq);
        tx.append_event(&NewEvent {
            id: "evt_2",
            event_type: "order.created",
            subject: "ord_1",
            at: 20,
            data: "{}",
            version: 1,
        })?;
        let event = last_event(tx)?;
        Ok(vec![
            ("order number", tx.next_order_number()?),
            ("movement", movement),
            ("bucket movement", bucket),
            ("payment entry", entry),
            ("balance entry", balance),
            ("event", event),
        ])
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exported_rows_come_in_key_order_page_by_page_and_import_as_they_were() {
    for (from, to) in engine_pairs() {
        let (source, target) = (store(&from), store(&to));
        write(&source, |tx| {
            for (date, currency) in
                [("2024-01-02", "EUR"), ("2024-01-01", "GBP"), ("2024-01-01", "EUR"), ("2024-01-03", "CHF")]
            {
                tx.put_exchange_rate(date, currency, "USD", "1.5")?;
            }
            Ok(())
        })
        .await
        .unwrap();
        let mut pages = Vec::new();
        let mut after: Vec<Cell> = Vec::new();
        loop {
            let key = after.clone();
            let page = read(&source, move |tx| tx.export_rows(&schema::EXCHANGE_RATES, &key, 3)).await;
            let Some(last) = page.last() else { break };
            after = last[..schema::EXCHANGE_RATES.key_len].to_vec();
            pages.push(page);
        }
        assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [3, 1], "{from:?}");
        let rows: Vec<Vec<Cell>> = pages.concat();
        let keys: Vec<(Cell, Cell)> = rows.iter().map(|r| (r[0].clone(), r[1].clone())).collect();
        let text = |s: &str| Cell::Text(s.into());
        assert_eq!(
            keys,
            [
                (text("CHF"), text("2024-01-03")),
                (text("EUR"), text("2024-01-01")),
                (text("EUR"), text("2024-01-02")),
                (text("GBP"), text("2024-01-01")),
            ],
            "{from:?}"
        );
        let imported = rows.clone();
        write(&target, move |tx| {
            tx.import_rows(&schema::EXCHANGE_RATES, &imported)?;
            tx.after_import()
        })
        .await
        .unwrap();
        let back = read(&target, |tx| tx.export_rows(&schema::EXCHANGE_RATES, &[], 10)).await;
        assert_eq!(back, rows, "{from:?} -> {to:?}");
        let rates = read(&target, |tx| tx.exchange_rates_on("2024-01-02")).await;
        assert_eq!(
            rates.iter().map(|r| (r.0.as_str(), r.1.as_str())).collect::<Vec<_>>(),
            [("EUR", "2024-01-02"), ("GBP", "2024-01-01")]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nulls_booleans_and_reals_survive_an_export_and_import() {
    for (from, to) in engine_pairs() {
        let (source, target) = (store(&from), store(&to));
        let mut loc = location("WH", 1);
        (loc.latitude, loc.longitude, loc.pickup, loc.daily_capacity) = (Some(-33.25), None, true, None);
        let l2 = loc.clone();
        write(&source, move |tx| tx.insert_location(&l2)).await.unwrap();
        let rows = read(&source, |tx| tx.export_rows(&schema::LOCATIONS, &[], 10)).await;
        write(&target, move |tx| tx.import_rows(&schema::LOCATIONS, &rows)).await.unwrap();
        assert_eq!(read(&target, |tx| tx.location_by_code("WH")).await, Some(loc), "{from:?} -> {to:?}");
    }
}
