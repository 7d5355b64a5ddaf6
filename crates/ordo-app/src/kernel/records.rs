//! The documents of an order's life after capture (holds, refunds, returns, claims, edits),
//! stored as order records: lookup columns (order, kind, status) beside a JSON body. One
//! trait says how each is stored; the reads that lock the order and the work queues across
//! orders are written once here.

use ordo_domain::hold::Hold;
use ordo_store::{OrderRecord, Tx};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::kernel::guard::{visible_order, visible_order_of};
use crate::{Actor, AppError, AppResult};

/// A document kept as an order record.
pub(crate) trait OrderDocument: Serialize + DeserializeOwned {
    /// The record kind (`hold`, `refund`, ...), also the word for it in "not found".
    const KIND: &'static str;
    fn id(&self) -> &str;
    fn order_id(&self) -> &str;
    /// The status the lookup column carries (work queues filter on it).
    fn status(&self) -> &'static str;
    fn created_at(&self) -> i64;
    fn updated_at(&self) -> i64;

    fn to_record(&self) -> AppResult<OrderRecord> {
        Ok(OrderRecord {
            id: self.id().to_owned(),
            order_id: self.order_id().to_owned(),
            kind: Self::KIND.into(),
            status: self.status().into(),
            created_at: self.created_at(),
            updated_at: self.updated_at(),
            body: serde_json::to_string(self).map_err(|e| AppError::Internal(e.to_string()))?,
        })
    }

    fn from_record(r: &OrderRecord) -> AppResult<Self> {
        serde_json::from_str(&r.body).map_err(|e| AppError::Internal(format!("stored {}: {e}", Self::KIND)))
    }
}

/// Implements [`OrderDocument`] for a document with `id` and `order_id` fields: its kind,
/// and how to read its status and times.
macro_rules! order_document {
    ($ty:ty, $kind:literal, |$d:ident| status $status:expr, created $created:expr, updated $updated:expr $(,)?) => {
        impl $crate::kernel::records::OrderDocument for $ty {
            const KIND: &'static str = $kind;
            fn id(&self) -> &str {
                &self.id
            }
            fn order_id(&self) -> &str {
                &self.order_id
            }
            fn status(&self) -> &'static str {
                let $d = self;
                $status
            }
            fn created_at(&self) -> i64 {
                let $d = self;
                $created
            }
            fn updated_at(&self) -> i64 {
                let $d = self;
                $updated
            }
        }
    };
}
pub(crate) use order_document;

/// An order's documents of one kind, oldest first.
pub(crate) fn documents_of<D: OrderDocument>(tx: &mut dyn Tx, order_id: &str) -> AppResult<Vec<D>> {
    tx.order_records(order_id, D::KIND)?.iter().map(D::from_record).collect()
}

/// A document read again after locking its order, so that changes to one order's documents
/// happen one at a time (the order row is locked on PostgreSQL; SQLite has one writer).
pub(crate) fn locked<D: OrderDocument>(tx: &mut dyn Tx, id: &str) -> AppResult<D> {
    let found = tx.order_record(id)?.filter(|r| r.kind == D::KIND).ok_or(AppError::NotFound(D::KIND))?;
    tx.order_by_id(&found.order_id)?;
    D::from_record(&tx.order_record(id)?.ok_or(AppError::NotFound(D::KIND))?)
}

/// A document the actor may see, read again under its order's lock, with the order. Another
/// channel's document is as unknown as a missing one.
pub(crate) fn visible<D: OrderDocument>(
    tx: &mut dyn Tx,
    actor: &Actor,
    id: &str,
) -> AppResult<(D, ordo_domain::order::Order)> {
    let record = tx.order_record(id)?.filter(|r| r.kind == D::KIND).ok_or(AppError::NotFound(D::KIND))?;
    let order = visible_order_of(tx, actor, &record.order_id, D::KIND)?;
    let doc = D::from_record(&tx.order_record(id)?.ok_or(AppError::NotFound(D::KIND))?)?;
    Ok((doc, order))
}

/// A work queue: documents of a kind in a status, oldest first, after `after`, that the
/// actor may see (a channel key sees its own channel's only).
pub(crate) fn queue<D: OrderDocument>(
    tx: &mut dyn Tx,
    actor: &Actor,
    status: &str,
    mut after: Option<String>,
    limit: usize,
) -> AppResult<Vec<D>> {
    let mut out = Vec::new();
    loop {
        let batch = tx.order_records_in_status(D::KIND, status, after.as_deref(), limit)?;
        let full = batch.len() == limit;
        for r in batch {
            after = Some(r.id.clone());
            if visible_order(tx, actor, &r.order_id).is_ok() {
                out.push(D::from_record(&r)?);
                if out.len() == limit {
                    return Ok(out);
                }
            }
        }
        if !full {
            return Ok(out);
        }
    }
}

order_document!(Hold, "hold", |h| status h.status.as_str(), created h.placed_at, updated h.resolved_at.unwrap_or(h.placed_at));
