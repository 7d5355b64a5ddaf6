//! Money a customer paid at a sales platform (Shopify, WooCommerce, Amazon): recorded as a
//! captured payment of provider `platform`, its `method` naming the platform, whose ledger
//! entries are the record of what the platform holds (no gateway moves it). Money taken at a
//! store's till is recorded the same way, as a captured `manual` payment (`cash`, or
//! `card_present` for a card terminal's).

use ordo_domain::order::Order;
use ordo_domain::payment::EntryKind;
use ordo_store::Tx;

use crate::money::payments::{Payment, insert, payments_with_totals, record};
use crate::{Actor, AppResult, random_u128};

/// The provider of money a customer paid at a sales platform (Shopify, Amazon, ...): its
/// ledger entries record what the platform holds; `method` names the platform.
pub const PLATFORM: &str = "platform";

/// Records `amount` the customer already paid at the channel's platform as one captured
/// payment (authorized and captured at once), inside the caller's transaction.
pub(crate) fn record_platform_payment(
    tx: &mut dyn Tx,
    now: i64,
    actor: &Actor,
    order: &Order,
    platform: &str,
    amount: i64,
) -> AppResult<()> {
    let paid =
        Captured { provider: PLATFORM, method: platform, reference: None, reason: format!("paid at {platform}") };
    record_captured(tx, now, actor, order, &paid, amount)
}

/// Records money taken at a store's till: `cash` or `card_present`, captured at once.
pub(crate) fn record_till_payment(
    tx: &mut dyn Tx,
    now: i64,
    actor: &Actor,
    order: &Order,
    method: &str,
    amount: i64,
    reference: Option<String>,
) -> AppResult<()> {
    let paid = Captured { provider: "manual", method, reference, reason: "paid at the till".to_owned() };
    record_captured(tx, now, actor, order, &paid, amount)
}

/// A payment taken outside Ordo, as it is recorded.
struct Captured<'a> {
    provider: &'a str,
    method: &'a str,
    reference: Option<String>,
    reason: String,
}

fn record_captured(
    tx: &mut dyn Tx,
    now: i64,
    actor: &Actor,
    order: &Order,
    paid: &Captured<'_>,
    amount: i64,
) -> AppResult<()> {
    let payment = Payment {
        id: format!("pay_{}", ordo_domain::id::encode(now as u64, random_u128())),
        order_id: order.id.to_string(),
        provider: paid.provider.into(),
        method: Some(paid.method.to_owned()),
        currency: order.currency.clone(),
        created_at: now,
        account_id: None,
        reference: paid.reference.clone(),
    };
    insert(tx, &payment)?;
    let reason = Some(paid.reason.clone());
    record(tx, now, actor, &payment, EntryKind::Authorized, amount, reason.clone(), None)?;
    record(tx, now, actor, &payment, EntryKind::Captured, amount, reason, None)
}

/// What the customer paid at a platform for this order so far (captured, less refunded).
pub(crate) fn paid_at_platform(tx: &mut dyn Tx, order_id: &str) -> AppResult<i64> {
    Ok(payments_with_totals(tx, order_id)?
        .iter()
        .filter(|(p, _)| p.provider == PLATFORM)
        .map(|(_, t)| t.captured - t.refunded)
        .sum())
}
