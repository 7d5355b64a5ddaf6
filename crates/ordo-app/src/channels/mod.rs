//! Sales channels' settings: capture policy, hold rules, the return window and when returns
//! are refunded. Read by money, sales and after-sales; depends only on the kernel.

pub mod imports;
pub mod intake;
pub mod mapping;
pub mod settings;
