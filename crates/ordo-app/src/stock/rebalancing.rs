//! Rebalancing: before buying, what other locations can spare. A location spares what it has
//! available beyond its safety stock and beyond what its own order-up-to level needs (its
//! forecast over its lead time and cover, plus safety stock); a SKU that needs ordering takes
//! the largest spares first, up to what it needs, and is bought only for the rest.

use ordo_domain::planning;

use crate::stock::classes::class_levels;
use crate::stock::replenishment::{Policy, Suggestion, facts, suggest};
use crate::{App, AppError, AppResult};

/// What each of `suggestions` could take from each spare (SKU, location, units), largest
/// spare first, up to the need; and what is then left to buy.
pub(crate) fn allocate(suggestions: &mut [Suggestion], spares: &[(String, String, i64)]) {
    let mut left: Vec<(String, String, i64)> = spares.to_vec();
    left.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.1.cmp(&b.1)));
    for s in suggestions.iter_mut().filter(|s| s.quantity > 0) {
        let mut need = (s.target - s.position).max(0);
        for spare in left.iter_mut().filter(|o| o.0 == s.sku && o.2 > 0) {
            if need == 0 {
                break;
            }
            let units = spare.2.min(need);
            s.transfers.push((spare.1.clone(), units));
            spare.2 -= units;
            need -= units;
        }
        let moved: i64 = s.transfers.iter().map(|t| t.1).sum();
        s.quantity_after_transfers = planning::order_quantity(s.terms, s.reorder_point, s.target, s.position + moved);
    }
}

impl App {
    /// Fills in, for the suggestions at `location` that order something, the units other
    /// active locations can spare.
    pub(crate) async fn rebalance(
        &self,
        location: &str,
        suggestions: &mut [Suggestion],
        policy: Policy,
        today: i64,
    ) -> AppResult<()> {
        let needy: Vec<String> = suggestions.iter().filter(|s| s.quantity > 0).map(|s| s.sku.clone()).collect();
        if needy.is_empty() {
            return Ok(());
        }
        let code = location.to_owned();
        let elsewhere = self
            .store
            .read(move |tx| {
                let (mut out, classed) = (Vec::new(), class_levels(tx)?);
                for l in tx.all_locations()?.into_iter().filter(|l| l.active && l.code != code) {
                    out.push((l.code.clone(), facts(tx, l.id.as_str(), &needy, today, &classed)?));
                }
                Ok::<_, AppError>(out)
            })
            .await?;
        let spares: Vec<(String, String, i64)> = tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            for (code, all) in elsewhere {
                for f in all {
                    let s = suggest(&code, f, policy);
                    let spare = (s.on_hand - s.reserved - s.safety_stock).min(s.position - s.target);
                    if spare > 0 {
                        out.push((s.sku, code.clone(), spare));
                    }
                }
            }
            out
        })
        .await
        .map_err(|e| AppError::Internal(format!("rebalancing failed: {e}")))?;
        allocate(suggestions, &spares);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stock::forecast_model::Model;
    use ordo_domain::planning::Terms;

    fn needing(sku: &str, position: i64, reorder_point: i64, target: i64) -> Suggestion {
        Suggestion {
            sku: sku.into(),
            location: "ST".into(),
            source: None,
            lead_time_days: 7,
            on_hand: position,
            reserved: 0,
            incoming: 0,
            class: None,
            service_level: 0.95,
            daily_demand: 5.0,
            model: Model::Mean,
            error_sd: 1.0,
            computed_safety_stock: 3,
            safety_stock: 3,
            manual_policy: false,
            reorder_point,
            position,
            quantity: if position <= reorder_point { 1 } else { 0 },
            target,
            terms: Terms { lead_time_days: 7, min_order_quantity: 10, pack_size: 6 },
            transfers: Vec::new(),
            quantity_after_transfers: 0,
        }
    }

    #[test]
    fn the_largest_spares_go_first_up_to_the_need_and_the_rest_is_bought_in_packs() {
        let mut s = vec![needing("A", 10, 40, 100), needing("B", 50, 40, 100), needing("C", 0, 20, 30)];
        let spares = [
            ("A".to_owned(), "X".to_owned(), 30),
            ("A".to_owned(), "Y".to_owned(), 50),
            ("B".to_owned(), "Y".to_owned(), 99),
            ("C".to_owned(), "X".to_owned(), 45),
        ];
        allocate(&mut s, &spares);
        // A needs 90 and gets 80 (50 from Y, all of X's 30): at 90 it is above its reorder
        // point, so nothing is bought.
        assert_eq!(s[0].transfers, [("Y".to_owned(), 50), ("X".to_owned(), 30)]);
        assert_eq!(s[0].quantity_after_transfers, 0);
        // B is above its reorder point: offered nothing.
        assert!(s[1].transfers.is_empty());
        // C needs 30 and X spares 45: all of it comes from X.
        assert_eq!(s[2].transfers, [("X".to_owned(), 30)]);
        // Too little spare: the rest is bought, at least the minimum, in whole packs.
        let mut short = vec![needing("A", 0, 40, 100)];
        allocate(&mut short, &[("A".to_owned(), "X".to_owned(), 25)]);
        assert_eq!(short[0].transfers, [("X".to_owned(), 25)]);
        assert_eq!(short[0].quantity_after_transfers, 78, "75 more, rounded up to 13 packs of 6");
    }
}
