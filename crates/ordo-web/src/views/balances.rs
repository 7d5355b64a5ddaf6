//! How gift cards and store credit look on the wire.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use ordo_app::kernel::time_fmt::format_ms;
use serde::Serialize;
use utoipa::ToSchema;

use super::MoneyView;

/// A movement of a gift card or store credit.
#[derive(Debug, Serialize, ToSchema)]
pub struct BalanceEntryView {
    pub sequence: i64,
    /// Signed: credits positive, spending negative.
    pub amount: MoneyView,
    pub balance_after: MoneyView,
    pub at: String,
    pub reason: Option<String>,
    pub order_id: Option<String>,
    pub payment_id: Option<String>,
}

/// A gift card or a customer's store credit.
#[derive(Debug, Serialize, ToSchema)]
pub struct BalanceView {
    /// `gift_card` or `store_credit`.
    pub kind: String,
    /// The gift card's code, or the customer's id.
    pub code: String,
    pub balance: MoneyView,
    pub entries: Vec<BalanceEntryView>,
}

impl From<&ordo_app::money::balances::Balance> for BalanceView {
    fn from(b: &ordo_app::money::balances::Balance) -> Self {
        let c = &b.account.currency;
        BalanceView {
            kind: b.account.kind.clone(),
            code: b.account.code.clone(),
            balance: MoneyView::new(b.account.balance, c),
            entries: b
                .entries
                .iter()
                .map(|e| BalanceEntryView {
                    sequence: e.seq,
                    amount: MoneyView::new(e.amount, c),
                    balance_after: MoneyView::new(e.balance_after, c),
                    at: format_ms(e.at),
                    reason: e.reason.clone(),
                    order_id: e.order_id.clone(),
                    payment_id: e.payment_id.clone(),
                })
                .collect(),
        }
    }
}
