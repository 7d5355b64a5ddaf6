//! What the low-stock message to a location's buyers shows: the SKU and its product, the
//! location, what is available now against the reorder point and safety stock, and what is
//! already on its way there (open purchase order lines and transfers, by expected date).

use serde_json::json;

use crate::kernel::time_fmt::format_ms;
use crate::notify::brand::Brand;
use crate::notify::messages::MessageKind;
use crate::{App, AppError, AppResult};

impl App {
    /// The facts of the low-stock message about stock alert `alert_id`.
    pub(crate) async fn low_stock_context(&self, alert_id: &str) -> AppResult<(serde_json::Value, Brand)> {
        let id = alert_id.to_owned();
        let facts = self
            .store
            .read(move |tx| {
                let alert = tx.alert(&id)?.ok_or(AppError::NotFound("stock alert"))?;
                let location = tx.all_locations()?.into_iter().find(|l| l.id.as_str() == alert.location_id);
                let (code, name) = location.map_or((alert.location_id.clone(), None), |l| (l.code, Some(l.name)));
                let sku = alert.sku.as_str();
                let product = tx.product_by_sku(sku)?.map(|p| p.name);
                let here = |location_id: &str| location_id == alert.location_id;
                let level = tx.levels_for_skus(&[sku])?.into_iter().find(|l| here(l.location_id.as_str()));
                let policy = tx.policies_for_skus(&[sku])?.into_iter().find(|p| here(&p.location_id));
                let incoming: Vec<serde_json::Value> = tx
                    .incoming_for_skus(&[sku])?
                    .into_iter()
                    .filter(|i| here(&i.location_id))
                    .map(|i| json!({"source": format!("{}:{}", i.origin, i.line), "expected_on": i.expected_on, "quantity": i.quantity}))
                    .collect();
                let on_order: i64 = incoming.iter().filter_map(|i| i["quantity"].as_i64()).sum();
                Ok::<_, AppError>(json!({
                    "id": alert.id,
                    "sku": alert.sku,
                    "product": product,
                    "location": {"code": code, "name": name},
                    "started_at": format_ms(alert.started_at),
                    "ended": alert.ended_at.is_some(),
                    "available_then": alert.available,
                    "available": level.map(|l| l.level().available()),
                    "reorder_point": alert.reorder_point.or(policy.as_ref().map(|p| p.reorder_point)),
                    "safety_stock": policy.map(|p| p.safety_stock),
                    "incoming": incoming,
                    "on_order": on_order,
                }))
            })
            .await?;
        let brand = Brand::default_of(&self.mail);
        let ctx = json!({
            "kind": MessageKind::LowStock.as_str(),
            "optional": false,
            "store": brand.store_json(),
            "customer": {"first_name": null},
            "alert": facts,
        });
        Ok((ctx, brand))
    }
}
