//! Card payments in flight. Before a card payment goes to the gateway it claims its amount of
//! the order's balance due, in a write that holds the order's lock (its row on PostgreSQL;
//! SQLite has one writer); the claim is settled when the payment is recorded and released
//! when the gateway refuses or cannot be reached. Claims still pending count as taken, so two
//! card payments for one order, on one node or on several, never both take the same balance.
//! A claim left by a process that died while the gateway answered lapses after `LAPSE_MS`.

use ordo_store::{OrderRecord, Tx};
use serde::{Deserialize, Serialize};

use crate::{App, AppError, AppResult};

pub(crate) const KIND: &str = "card_claim";

/// Longer than any gateway call may take (the Stripe adapter gives up after 10 s).
const LAPSE_MS: i64 = 120_000;

#[derive(Debug, Serialize, Deserialize)]
struct Claim {
    /// Minor units of the order's currency.
    amount: i64,
    lapses_at: i64,
}

/// Minor units claimed by card payments still in flight for the order.
pub(crate) fn pending(tx: &mut dyn Tx, order_id: &str, now: i64) -> AppResult<i64> {
    let mut sum = 0i64;
    for r in tx.order_records(order_id, KIND)?.iter().filter(|r| r.status == "pending") {
        let claim: Claim = serde_json::from_str(&r.body).map_err(|e| AppError::Internal(format!("card claim: {e}")))?;
        if claim.lapses_at > now {
            sum = sum.saturating_add(claim.amount);
        }
    }
    Ok(sum)
}

/// Claims `amount` for a card payment about to go to the gateway.
pub(crate) fn claim(tx: &mut dyn Tx, order_id: &str, id: &str, amount: i64, now: i64) -> AppResult<()> {
    let body = serde_json::to_string(&Claim { amount, lapses_at: now + LAPSE_MS })
        .map_err(|e| AppError::Internal(e.to_string()))?;
    tx.insert_order_record(&OrderRecord {
        id: id.to_owned(),
        order_id: order_id.to_owned(),
        kind: KIND.to_owned(),
        status: "pending".to_owned(),
        created_at: now,
        updated_at: now,
        body,
    })?;
    Ok(())
}

/// Ends a claim: `settled` (the payment is recorded) or `released` (it was not made).
pub(crate) fn end(tx: &mut dyn Tx, id: &str, status: &str, now: i64) -> AppResult<()> {
    if let Some(mut r) = tx.order_record(id)?.filter(|r| r.kind == KIND && r.status == "pending") {
        r.status = status.to_owned();
        r.updated_at = now;
        tx.update_order_record(&r)?;
    }
    Ok(())
}

impl App {
    /// The gateway did not make the payment: its claim goes (if this write fails too, the
    /// claim lapses). Answers the gateway's error.
    pub(crate) async fn release_card_claim(&self, id: &str, now: i64, error: AppError) -> AppError {
        let id = id.to_owned();
        let _ = self.store.write(move |tx| end(tx, &id, "released", now)).await;
        error
    }
}
