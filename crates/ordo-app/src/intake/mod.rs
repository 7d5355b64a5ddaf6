//! Orders from the sales platforms: webhooks checked by the channel's adapter and taken
//! exactly once (`webhooks.rs`), a platform's order mapped into Ordo's terms (`mapping.rs`),
//! orders a webhook missed pulled on a schedule and on demand (`pulls.rs`), sales rung up at
//! a store's till (`till.rs`), stock pushed back to the platforms (`stock.rs`), each
//! channel's import log and SKU mappings (`imports.rs`), and CSV import files (`csv/`). It sits above sales (it
//! places, edits and cancels orders) and money (it records what was paid at the platform).

pub mod csv;
pub mod imports;
pub mod mapping;
pub mod pulls;
pub mod stock;
pub mod till;
pub mod webhooks;

/// The shortfall of an order Ordo has no stock for, in words, for an import log or a report.
pub(crate) fn shortage_text(short: &[ordo_domain::allocation::Short]) -> String {
    let each: Vec<String> =
        short.iter().map(|s| format!("{} (wanted {}, {} available)", s.sku, s.requested, s.available)).collect();
    format!("not enough stock: {}", each.join(", "))
}
