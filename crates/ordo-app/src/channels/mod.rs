//! Sales channels' settings: the platform a channel is and its sealed credentials, the
//! locations it sells from, capture policy, hold rules, the return window and when returns
//! are refunded, and its branding in customer messages; the orders it sends are taken in
//! `intake`. Read by money, sales, after-sales and notify; depends only on the kernel.

pub mod branding;
pub mod settings;
