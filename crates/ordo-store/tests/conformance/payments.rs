//! Money: payments and their ledger, exchange rates, and gift card and store credit balances
//! that never go below zero.

use ordo_store::{BalanceAccount, BalanceEntry, PaymentEntry, PaymentRecord};

use crate::common::{engines, read, store, write};

fn payment(id: &str, order_id: &str, reference: Option<&str>) -> PaymentRecord {
    PaymentRecord {
        id: id.into(),
        order_id: order_id.into(),
        provider: "stripe".into(),
        currency: "USD".into(),
        created_at: 1,
        body: format!("{{\"id\":\"{id}\"}}"),
        reference: reference.map(Into::into),
    }
}

fn entry(payment_id: &str, order_id: &str, kind: &str, amount: i64) -> PaymentEntry {
    PaymentEntry {
        seq: 0,
        payment_id: payment_id.into(),
        order_id: order_id.into(),
        kind: kind.into(),
        amount,
        at: 5,
        actor: Some("key_1".into()),
        reason: (kind == "refunded").then(|| "damaged".into()),
        reference: Some(format!("ref_{kind}")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_are_found_by_id_by_order_and_by_reference() {
    for engine in engines() {
        let s = store(&engine);
        let rows =
            [payment("pay_2", "ord_1", Some("pi_2")), payment("pay_1", "ord_1", None), payment("pay_3", "ord_2", None)];
        let r2 = rows.clone();
        write(&s, move |tx| r2.iter().try_for_each(|p| tx.insert_payment(p))).await.unwrap();
        let got = read(&s, |tx| {
            Ok((
                tx.payments_for_order("ord_1")?,
                tx.payments_for_order("ord_9")?,
                tx.payment_by_id("pay_3")?,
                tx.payment_by_id("pay_9")?,
                tx.payment_by_reference("pi_2")?,
            ))
        })
        .await;
        let [p2, p1, p3] = rows;
        assert_eq!(got.0, [p1, p2.clone()], "{engine:?}: an order's payments in id order");
        assert_eq!((got.1, got.2, got.3), (vec![], Some(p3), None), "{engine:?}");
        assert_eq!(got.4, Some(p2), "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payment_entries_are_numbered_in_the_order_they_are_appended() {
    for engine in engines() {
        let s = store(&engine);
        let seqs = write(&s, |tx| {
            Ok([
                tx.append_payment_entry(&entry("pay_1", "ord_1", "authorized", 5000))?,
                tx.append_payment_entry(&entry("pay_9", "ord_9", "authorized", 100))?,
                tx.append_payment_entry(&entry("pay_1", "ord_1", "captured", 5000))?,
            ])
        })
        .await
        .unwrap();
        let more = write(&s, |tx| tx.append_payment_entry(&entry("pay_1", "ord_1", "refunded", 1200))).await.unwrap();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]) && seqs[2] < more, "{engine:?}: {seqs:?} then {more}");
        let ledger = read(&s, |tx| tx.payment_entries_for_order("ord_1")).await;
        let expected: Vec<PaymentEntry> =
            [(seqs[0], "authorized", 5000), (seqs[2], "captured", 5000), (more, "refunded", 1200)]
                .into_iter()
                .map(|(seq, kind, amount)| PaymentEntry { seq, ..entry("pay_1", "ord_1", kind, amount) })
                .collect();
        assert_eq!(ledger, expected, "{engine:?}: one order's entries, oldest first, with their sequence");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_on_a_day_is_each_currencys_latest_on_or_before_it() {
    for engine in engines() {
        let s = store(&engine);
        write(&s, |tx| {
            tx.put_exchange_rate("2024-01-01", "GBP", "USD", "0.80")?;
            tx.put_exchange_rate("2024-01-03", "GBP", "USD", "0.79")?;
            tx.put_exchange_rate("2024-01-02", "EUR", "USD", "0.90")?;
            tx.put_exchange_rate("2024-01-05", "JPY", "USD", "150")?;
            tx.put_exchange_rate("2024-01-02", "EUR", "EUR", "1.10")
        })
        .await
        .unwrap();
        let on = |day: &'static str| {
            let s = s.clone();
            async move { read(&s, move |tx| tx.exchange_rates_on(day)).await }
        };
        let row = |c: &str, d: &str, b: &str, r: &str| (c.to_owned(), d.to_owned(), b.to_owned(), r.to_owned());
        assert_eq!(
            on("2024-01-02").await,
            [row("EUR", "2024-01-02", "EUR", "1.10"), row("GBP", "2024-01-01", "USD", "0.80")],
            "{engine:?}: a second rate for a day replaces the first; later rates and currencies wait"
        );
        assert_eq!(on("2024-01-04").await[1], row("GBP", "2024-01-03", "USD", "0.79"), "{engine:?}");
        assert_eq!(on("2023-12-31").await, [], "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_balance_never_goes_below_zero_and_each_change_is_in_its_ledger() {
    for engine in engines() {
        let s = store(&engine);
        let card = BalanceAccount {
            id: "bal_1".into(),
            kind: "gift_card".into(),
            code: "GIFT-1".into(),
            currency: "USD".into(),
            balance: 0,
            created_at: 1,
        };
        let c2 = card.clone();
        write(&s, move |tx| tx.insert_balance_account(&c2)).await.unwrap();
        let change = |account: &str, amount: i64, order: Option<&str>| BalanceEntry {
            seq: 0,
            account_id: account.into(),
            amount,
            balance_after: 0,
            at: 10,
            reason: Some(if amount > 0 { "issued" } else { "spent" }.into()),
            order_id: order.map(Into::into),
            payment_id: order.map(|_| "pay_1".into()),
            actor: Some("key_1".into()),
        };
        let steps = write(&s, move |tx| {
            Ok([
                tx.change_balance(&change("bal_1", 500, None))?,
                tx.change_balance(&change("bal_1", -600, Some("ord_1")))?,
                tx.change_balance(&change("bal_1", -200, Some("ord_1")))?,
                tx.change_balance(&change("bal_9", 100, None))?,
            ])
        })
        .await
        .unwrap();
        assert_eq!(steps, [Ok(500), Err(500), Ok(300), Err(0)], "{engine:?}: refused changes say the balance");
        let (account, other_kind, ledger) = read(&s, |tx| {
            Ok((
                tx.balance_account("gift_card", "GIFT-1")?,
                tx.balance_account("store_credit", "GIFT-1")?,
                tx.balance_entries("bal_1")?,
            ))
        })
        .await;
        assert_eq!(account, Some(BalanceAccount { balance: 300, ..card }), "{engine:?}");
        assert_eq!(other_kind, None, "{engine:?}: found by kind and code together");
        assert!(ledger.len() == 2 && ledger[0].seq < ledger[1].seq, "{engine:?}: only applied changes, in order");
        let expected = [
            BalanceEntry { seq: ledger[0].seq, balance_after: 500, ..change("bal_1", 500, None) },
            BalanceEntry { seq: ledger[1].seq, balance_after: 300, ..change("bal_1", -200, Some("ord_1")) },
        ];
        assert_eq!(ledger, expected, "{engine:?}");
    }
}
