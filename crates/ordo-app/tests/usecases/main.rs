//! The use cases driven directly, without HTTP, on both engines: stock and money stay exact
//! when use cases fail half-way or run concurrently. One test binary, a module per concern.

mod capacity;
mod cards;
mod receiving;
mod stock;
mod support;
mod webhooks;
mod worker;
