//! Stock: the catalogue (products, locations), inventory levels with their ledger, counts and
//! non-sellable buckets, the suppliers stock is bought from, the purchase orders that bring
//! it and the transfers that move it between locations, availability by date, stock policies,
//! alerts and buyers, demand forecasts and replenishment. Depends only on the kernel.

pub mod alerts;
pub mod availability;
pub mod buyers;
pub mod catalog;
pub mod classes;
pub mod cycle_counts;
pub mod demand;
pub mod forecast_model;
pub mod forecast_runs;
pub mod forecasts;
pub mod inventory;
pub mod policies;
pub mod purchase_orders;
pub mod purchase_receipts;
pub mod rebalancing;
pub mod replenishment;
pub mod suppliers;
pub mod transfers;
