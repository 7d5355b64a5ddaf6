//! The checks every area makes before it acts: the actor's role allows the action, the order
//! is visible to this key, the order is not on hold, the caller's version is current. Each
//! is written once here and called everywhere.

use ordo_domain::hold::{Hold, HoldStatus};
use ordo_domain::order::Order;
use ordo_store::Tx;

use crate::kernel::records::documents_of;
use crate::{Action, Actor, AppError, AppResult};

/// Refuses an action the actor's role does not allow.
pub(crate) fn require(actor: &Actor, action: Action) -> AppResult<()> {
    if actor.can(action) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!("a {} key may not do this", actor.role.as_str())))
    }
}

/// Refuses an update based on a stale version (`If-Match` or the body's `version`).
pub(crate) fn check_version(expected: Option<i64>, actual: i64) -> AppResult<()> {
    match expected {
        Some(v) if v != actual => Err(AppError::PreconditionFailed { expected: v, actual }),
        _ => Ok(()),
    }
}

/// The order (locked until commit in a write), if it exists and the actor may see its
/// channel; otherwise "not found", so a channel key learns nothing about other channels'
/// orders.
pub(crate) fn visible_order(tx: &mut dyn Tx, actor: &Actor, id: &str) -> AppResult<Order> {
    tx.order_by_id(id)?.filter(|o| actor.sees_channel(&o.channel)).ok_or(AppError::NotFound("order"))
}

/// The order an object belongs to, if the actor may see it; otherwise the object itself is
/// "not found" (`what`), as if it did not exist.
pub(crate) fn visible_order_of(tx: &mut dyn Tx, actor: &Actor, order_id: &str, what: &'static str) -> AppResult<Order> {
    visible_order(tx, actor, order_id).map_err(|e| match e {
        AppError::NotFound(_) => AppError::NotFound(what),
        other => other,
    })
}

/// The order's active holds.
pub(crate) fn active_holds(tx: &mut dyn Tx, order_id: &str) -> AppResult<Vec<Hold>> {
    Ok(documents_of::<Hold>(tx, order_id)?.into_iter().filter(|h| h.status == HoldStatus::Active).collect())
}

/// Refuses to move an order that is on hold: nothing of it is picked, packed, labelled or
/// shipped until its holds are released.
pub(crate) fn ensure_not_held(tx: &mut dyn Tx, order_id: &str) -> AppResult<()> {
    let active: Vec<&str> = active_holds(tx, order_id)?.iter().map(|h| h.kind.as_str()).collect();
    if active.is_empty() {
        return Ok(());
    }
    Err(AppError::Refused {
        code: "order_on_hold",
        message: format!("the order is on hold ({}); release the hold first", active.join(", ")),
    })
}

/// Locks by order id for work that spans a call out of the process (a card authorization
/// checks the balance due, asks the gateway, then records): two such requests for one order
/// on this node run one after the other. (Across nodes the balance is held by a claim in the
/// database, `money::card_claims`; the lock keeps one node's requests from contending for
/// it.) Entries go when no one holds them.
#[derive(Clone, Default)]
pub struct OrderLocks(
    std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, std::sync::Weak<tokio::sync::Mutex<()>>>>>,
);

impl OrderLocks {
    pub(crate) async fn lock(&self, order_id: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut map = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if map.len() > 1024 {
                map.retain(|_, held| held.strong_count() > 0);
            }
            match map.get(order_id).and_then(std::sync::Weak::upgrade) {
                Some(lock) => lock,
                None => {
                    let lock = std::sync::Arc::new(tokio::sync::Mutex::new(()));
                    map.insert(order_id.to_owned(), std::sync::Arc::downgrade(&lock));
                    lock
                }
            }
        };
        lock.lock_owned().await
    }
}
