//! Shipping: routing orders to locations, fulfilments and their steps, carriers, rates, labels,
//! tracking, and the printed documents (labels, packing slips, pick lists).

pub mod carriers;
pub mod documents;
pub mod fulfillments;
pub mod geo;
pub mod routing;
