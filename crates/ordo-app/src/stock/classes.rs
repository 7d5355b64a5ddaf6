//! ABC classes and the planning settings. A SKU's class comes from its sales value over the
//! history of its kept forecast (units ordered, every location's, times its price): the
//! largest sellers that make `a_share` of the value together are A, the next `b_share` B,
//! the rest C (`ordo_domain::planning::classify`). A class sets the service level that
//! replenishment sizes safety stock for (unless one is asked for) and how often the SKU is
//! counted. A SKU without a kept forecast has no class (the default service level, 0.95).
//!
//! Value is the price's minor units as they are: a catalogue priced in several currencies is
//! classed without converting them.

use std::collections::HashMap;

use ordo_domain::planning::{Class, classify};
use ordo_domain::validate::Errors;
use ordo_store::{Page, Tx};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::kernel::events::payloads::PlanningSettings;
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::require;
use crate::{Action, Actor, App, AppError, AppResult};

impl Default for PlanningSettings {
    fn default() -> Self {
        PlanningSettings {
            a_share: 0.8,
            b_share: 0.15,
            service_level_a: 0.98,
            service_level_b: 0.95,
            service_level_c: 0.9,
            count_every_days_a: 30,
            count_every_days_b: 91,
            count_every_days_c: 365,
            cycle_counts: true,
        }
    }
}

impl PlanningSettings {
    pub fn service_level(&self, class: Class) -> f64 {
        match class {
            Class::A => self.service_level_a,
            Class::B => self.service_level_b,
            Class::C => self.service_level_c,
        }
    }

    pub fn count_every_days(&self, class: Class) -> i64 {
        match class {
            Class::A => self.count_every_days_a,
            Class::B => self.count_every_days_b,
            Class::C => self.count_every_days_c,
        }
    }
}

/// New planning settings: each field left out keeps its default.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanningSettingsInput {
    /// More than 0, at most 1 (default 0.8).
    #[schema(minimum = 0.01, maximum = 1.0)]
    pub a_share: Option<f64>,
    /// 0 to 1 (default 0.15); more than A leaves counts as what it leaves.
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub b_share: Option<f64>,
    /// 0.5 to 0.999 each (defaults 0.98, 0.95, 0.90).
    #[schema(minimum = 0.5, maximum = 0.999)]
    pub service_level_a: Option<f64>,
    #[schema(minimum = 0.5, maximum = 0.999)]
    pub service_level_b: Option<f64>,
    #[schema(minimum = 0.5, maximum = 0.999)]
    pub service_level_c: Option<f64>,
    /// 1 to 3650 days each (defaults 30, 91, 365).
    #[schema(minimum = 1, maximum = 3650)]
    pub count_every_days_a: Option<i64>,
    #[schema(minimum = 1, maximum = 3650)]
    pub count_every_days_b: Option<i64>,
    #[schema(minimum = 1, maximum = 3650)]
    pub count_every_days_c: Option<i64>,
    /// Whether cycle counts are asked for each day (default true).
    pub cycle_counts: Option<bool>,
}

/// A SKU's class, with what it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct SkuClass {
    pub sku: String,
    pub class: Class,
    /// Units ordered in the kept forecast's history, and their value at the SKU's price.
    pub units: i64,
    pub value_minor: i64,
    pub currency: String,
    /// When the kept forecast was made.
    pub computed_at: i64,
}

fn check(input: &PlanningSettingsInput) -> AppResult<PlanningSettings> {
    let d = PlanningSettings::default();
    let mut e = Errors::new();
    let mut share = |field: &str, v: Option<f64>, min: f64, default: f64| match v {
        None => default,
        Some(v) if v.is_finite() && v >= min && v <= 1.0 && (min == 0.0 || v > 0.0) => v,
        Some(_) => {
            e.add(field, format!("must be {} to 1", if min == 0.0 { "0" } else { "more than 0, up" }));
            default
        }
    };
    let a_share = share("a_share", input.a_share, 0.01, d.a_share);
    let b_share = share("b_share", input.b_share, 0.0, d.b_share);
    let mut level = |field: &str, v: Option<f64>, default: f64| match v {
        None => default,
        Some(v) if v.is_finite() && (0.5..=0.999).contains(&v) => v,
        Some(_) => {
            e.add(field, "must be 0.5 to 0.999");
            default
        }
    };
    let (service_level_a, service_level_b, service_level_c) = (
        level("service_level_a", input.service_level_a, d.service_level_a),
        level("service_level_b", input.service_level_b, d.service_level_b),
        level("service_level_c", input.service_level_c, d.service_level_c),
    );
    let mut days = |field: &str, v: Option<i64>, default: i64| match v {
        None => default,
        Some(v) if (1..=3650).contains(&v) => v,
        Some(_) => {
            e.add(field, "must be 1 to 3650 days");
            default
        }
    };
    let (count_every_days_a, count_every_days_b, count_every_days_c) = (
        days("count_every_days_a", input.count_every_days_a, d.count_every_days_a),
        days("count_every_days_b", input.count_every_days_b, d.count_every_days_b),
        days("count_every_days_c", input.count_every_days_c, d.count_every_days_c),
    );
    // B takes what A leaves, at most.
    let b_share = b_share.min(1.0 - a_share);
    e.finish(PlanningSettings {
        a_share,
        b_share,
        service_level_a,
        service_level_b,
        service_level_c,
        count_every_days_a,
        count_every_days_b,
        count_every_days_c,
        cycle_counts: input.cycle_counts.unwrap_or(d.cycle_counts),
    })
    .map_err(AppError::from)
}

/// The planning settings in force (the defaults until saved).
pub(crate) fn settings(tx: &mut dyn Tx) -> AppResult<PlanningSettings> {
    Ok(tx.planning_settings()?.and_then(|body| serde_json::from_str(&body).ok()).unwrap_or_default())
}

/// Every classed SKU's class, by SKU (from every kept forecast of a product that still exists).
pub(crate) fn classes(tx: &mut dyn Tx, s: &PlanningSettings) -> AppResult<Vec<SkuClass>> {
    let mut kept = Vec::new();
    let mut page = Page { after: None, limit: 1000 };
    loop {
        let batch = tx.list_forecasts(&page)?;
        let more = batch.len() == page.limit;
        page.after = batch.last().map(|f| f.sku.clone());
        kept.extend(batch);
        if !more {
            break;
        }
    }
    let mut priced: Vec<SkuClass> = Vec::with_capacity(kept.len());
    for chunk in kept.chunks(500) {
        let skus: Vec<&str> = chunk.iter().map(|f| f.sku.as_str()).collect();
        let products: HashMap<String, (i64, String)> =
            tx.products_by_skus(&skus)?.into_iter().map(|p| (p.sku, (p.price, p.currency))).collect();
        for f in chunk {
            if let Some((price, currency)) = products.get(&f.sku) {
                priced.push(SkuClass {
                    sku: f.sku.clone(),
                    class: Class::C,
                    units: f.units,
                    value_minor: f.units.saturating_mul(*price),
                    currency: currency.clone(),
                    computed_at: f.computed_at,
                });
            }
        }
    }
    let values: Vec<(String, i64)> = priced.iter().map(|c| (c.sku.clone(), c.value_minor)).collect();
    let by_sku: HashMap<String, Class> = classify(&values, s.a_share, s.b_share).into_iter().collect();
    for c in &mut priced {
        c.class = by_sku.get(&c.sku).copied().unwrap_or(Class::C);
    }
    Ok(priced)
}

/// Each classed SKU's class and that class's service level.
pub(crate) type ClassLevels = HashMap<String, (Class, f64)>;

/// [`ClassLevels`] as they stand: read once per request, however many locations it looks at.
pub(crate) fn class_levels(tx: &mut dyn Tx) -> AppResult<ClassLevels> {
    let s = settings(tx)?;
    Ok(classes(tx, &s)?.into_iter().map(|c| (c.sku, (c.class, s.service_level(c.class)))).collect())
}

impl App {
    pub async fn planning_settings(&self, actor: &Actor) -> AppResult<PlanningSettings> {
        require(actor, Action::ReadInventory)?;
        self.store.read(settings).await
    }

    /// Replaces the planning settings (fields left out take their defaults). The same
    /// settings again change nothing and record nothing.
    pub async fn put_planning_settings(
        &self,
        actor: &Actor,
        input: PlanningSettingsInput,
    ) -> AppResult<PlanningSettings> {
        require(actor, Action::Purchase)?;
        let next = check(&input)?;
        let now = self.now();
        self.store
            .write(move |tx| {
                if settings(tx)? == next && tx.planning_settings()?.is_some() {
                    return Ok(next.clone());
                }
                let body = serde_json::to_string(&next).map_err(|e| AppError::Internal(e.to_string()))?;
                tx.put_planning_settings(&body, now)?;
                emit(tx, now, "planning", Event::PlanningSettingsUpdated(next.clone()))?;
                Ok::<_, AppError>(next.clone())
            })
            .await
    }

    /// Classed SKUs by SKU, a page at a time (after the page's SKU).
    pub async fn sku_classes(&self, actor: &Actor, page: Page<String>) -> AppResult<Vec<SkuClass>> {
        require(actor, Action::ReadInventory)?;
        self.store
            .read(move |tx| {
                let s = settings(tx)?;
                let all = classes(tx, &s)?;
                let from = page.after.as_deref();
                Ok(all.into_iter().filter(|c| from.is_none_or(|a| c.sku.as_str() > a)).take(page.limit).collect())
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_and_left_out_fields_take_their_defaults() {
        let ok =
            check(&PlanningSettingsInput { a_share: Some(0.7), service_level_c: Some(0.85), ..Default::default() });
        let ok = ok.unwrap();
        assert_eq!((ok.a_share, ok.b_share, ok.service_level_c, ok.count_every_days_a), (0.7, 0.15, 0.85, 30));
        let capped = check(&PlanningSettingsInput { a_share: Some(0.75), b_share: Some(0.5), ..Default::default() });
        assert_eq!(capped.unwrap().b_share, 0.25, "B takes what A leaves");
        let bad = [
            PlanningSettingsInput { a_share: Some(0.0), ..Default::default() },
            PlanningSettingsInput { b_share: Some(-0.1), ..Default::default() },
            PlanningSettingsInput { service_level_a: Some(1.0), ..Default::default() },
            PlanningSettingsInput { service_level_b: Some(f64::NAN), ..Default::default() },
            PlanningSettingsInput { count_every_days_b: Some(0), ..Default::default() },
        ];
        for input in bad {
            assert!(matches!(check(&input), Err(AppError::Validation(_))), "{input:?}");
        }
    }
}
