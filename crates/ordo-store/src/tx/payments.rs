//! Money as stored: payments with their ledger, exchange rates, and the balances Ordo keeps
//! itself (gift cards, store credit). Only the trait; the engines implement it.

use crate::{BalanceAccount, BalanceEntry, PaymentEntry, PaymentRecord, StoreResult};

super::store_area! {
    list payment_store;
    /// Payments, payment entries, exchange rates and balances.
    pub trait PaymentStore {
        fn insert_payment(&mut self, p: &PaymentRecord) -> StoreResult<()>;
        fn payments_for_order(&mut self, order_id: &str) -> StoreResult<Vec<PaymentRecord>>;
        /// In a write transaction the payment's order is what serializes changes to it.
        fn payment_by_id(&mut self, id: &str) -> StoreResult<Option<PaymentRecord>>;
        /// The payment a gateway knows by `reference` (a Stripe PaymentIntent id).
        fn payment_by_reference(&mut self, reference: &str) -> StoreResult<Option<PaymentRecord>>;
        /// Appends a ledger entry (its `seq` is assigned) and returns the sequence.
        fn append_payment_entry(&mut self, e: &PaymentEntry) -> StoreResult<i64>;
        fn payment_entries_for_order(&mut self, order_id: &str) -> StoreResult<Vec<PaymentEntry>>;

        // Exchange rates: (date, currency, base, rate) with rates as decimal text.
        fn put_exchange_rate(&mut self, date: &str, currency: &str, base: &str, rate: &str) -> StoreResult<()>;
        /// For each currency, its latest rate on or before `date`: (currency, date, base, rate).
        fn exchange_rates_on(&mut self, date: &str) -> StoreResult<Vec<(String, String, String, String)>>;

        // Gift cards and store credit.
        fn insert_balance_account(&mut self, a: &BalanceAccount) -> StoreResult<()>;
        fn balance_account(&mut self, kind: &str, code: &str) -> StoreResult<Option<BalanceAccount>>;
        /// Atomically adds `entry.amount` to the balance if it stays at or above zero, records
        /// the entry and returns the new balance; `Ok(Err(current))` and no change otherwise.
        fn change_balance(&mut self, entry: &BalanceEntry) -> StoreResult<Result<i64, i64>>;
        fn balance_entries(&mut self, account_id: &str) -> StoreResult<Vec<BalanceEntry>>;
    }
}
