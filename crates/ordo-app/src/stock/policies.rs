//! Stock policies: per SKU and location, the safety stock held back from what may be promised
//! and the reorder point at or below which available stock is low. Set by hand here
//! (`source` `manual`) or computed from the forecast (`replenishment.rs`, `computed`);
//! availability by date subtracts the safety stock.

use ordo_domain::validate::Errors;
use ordo_store::PolicyRecord;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::kernel::events::payloads::StockPolicyChanged;
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::require;
use crate::{Action, Actor, App, AppError, AppResult};

/// A SKU's policy at one location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockPolicy {
    pub sku: String,
    /// The location's code.
    pub location: String,
    pub safety_stock: i64,
    pub reorder_point: i64,
    /// `manual` (set through the API) or `computed` (from a forecast).
    pub source: String,
    pub updated_at: i64,
}

/// A SKU's safety stock and reorder point at a location.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockPolicyInput {
    /// Units held back from what may be promised.
    #[schema(required = true, minimum = 0, maximum = 1000000, example = 5)]
    pub safety_stock: Option<i64>,
    /// Available units at or below which stock is low; at least the safety stock.
    #[schema(required = true, minimum = 0, maximum = 1000000, example = 12)]
    pub reorder_point: Option<i64>,
}

/// Sets a SKU's safety stock and reorder point at `loc` with its `source` (`manual` or
/// `computed`), recording the change; the same policy again changes nothing.
pub(crate) fn set_policy(
    tx: &mut dyn ordo_store::Tx,
    now: i64,
    sku: &str,
    loc: &ordo_domain::catalog::Location,
    (safety_stock, reorder_point): (i64, i64),
    source: &str,
) -> AppResult<StockPolicy> {
    let policy = StockPolicy {
        sku: sku.to_owned(),
        location: loc.code.clone(),
        safety_stock,
        reorder_point,
        source: source.into(),
        updated_at: now,
    };
    let before = tx.policies_for_skus(&[sku])?.into_iter().find(|p| p.location_id == loc.id.as_str());
    if before
        .as_ref()
        .is_some_and(|b| (b.safety_stock, b.reorder_point, b.source.as_str()) == (safety_stock, reorder_point, source))
    {
        return Ok(StockPolicy { updated_at: before.map_or(now, |b| b.updated_at), ..policy });
    }
    tx.put_policy(&PolicyRecord {
        sku: sku.to_owned(),
        location_id: loc.id.to_string(),
        safety_stock,
        reorder_point,
        source: source.into(),
        updated_at: now,
    })?;
    let changed = StockPolicyChanged {
        sku: sku.to_owned(),
        location: loc.code.clone(),
        safety_stock: Some(safety_stock),
        reorder_point: Some(reorder_point),
        source: Some(source.into()),
    };
    emit(tx, now, sku, Event::StockPolicySet(changed))?;
    Ok(policy)
}

impl App {
    /// Sets a SKU's safety stock and reorder point at a location (replacing what was set).
    pub async fn put_stock_policy(
        &self,
        actor: &Actor,
        sku: &str,
        location: &str,
        input: StockPolicyInput,
    ) -> AppResult<StockPolicy> {
        require(actor, Action::Purchase)?;
        let mut e = Errors::new();
        let safety_stock = e.quantity("safety_stock", input.safety_stock, 0);
        let reorder_point = e.quantity("reorder_point", input.reorder_point, 0);
        if let (Some(s), Some(r)) = (safety_stock, reorder_point)
            && r < s
        {
            e.add("reorder_point", "must be at least the safety stock");
        }
        e.finish(())?;
        let (safety_stock, reorder_point) = (safety_stock.expect("checked"), reorder_point.expect("checked"));
        let (sku, location, now) = (sku.to_owned(), location.to_owned(), self.now());
        self.store
            .write(move |tx| {
                if tx.product_by_sku(&sku)?.is_none() {
                    return Err(AppError::NotFound("product"));
                }
                let loc = tx.location_by_code(&location)?.ok_or(AppError::NotFound("location"))?;
                set_policy(tx, now, &sku, &loc, (safety_stock, reorder_point), "manual")
            })
            .await
    }

    /// Removes a SKU's policy at a location: nothing is held back there any more.
    pub async fn delete_stock_policy(&self, actor: &Actor, sku: &str, location: &str) -> AppResult<()> {
        require(actor, Action::Purchase)?;
        let (sku, location, now) = (sku.to_owned(), location.to_owned(), self.now());
        self.store
            .write(move |tx| {
                let loc = tx.location_by_code(&location)?.ok_or(AppError::NotFound("location"))?;
                if !tx.delete_policy(&sku, loc.id.as_str())? {
                    return Err(AppError::NotFound("stock policy"));
                }
                let removed = StockPolicyChanged {
                    sku: sku.clone(),
                    location: loc.code.clone(),
                    safety_stock: None,
                    reorder_point: None,
                    source: None,
                };
                emit(tx, now, &sku, Event::StockPolicyRemoved(removed))?;
                Ok(())
            })
            .await
    }

    /// A SKU's policies at every location that has one.
    pub async fn stock_policies(&self, actor: &Actor, sku: &str) -> AppResult<Vec<StockPolicy>> {
        require(actor, Action::ReadInventory)?;
        let sku = sku.to_owned();
        self.store
            .read(move |tx| {
                if tx.product_by_sku(&sku)?.is_none() {
                    return Err(AppError::NotFound("product"));
                }
                let rows = tx.policies_for_skus(&[sku.as_str()])?;
                let locations = if rows.is_empty() { Vec::new() } else { tx.all_locations()? };
                Ok(rows
                    .into_iter()
                    .map(|p| StockPolicy {
                        location: locations
                            .iter()
                            .find(|l| l.id.as_str() == p.location_id)
                            .map(|l| l.code.clone())
                            .unwrap_or_default(),
                        sku: p.sku,
                        safety_stock: p.safety_stock,
                        reorder_point: p.reorder_point,
                        source: p.source,
                        updated_at: p.updated_at,
                    })
                    .collect())
            })
            .await
    }
}
