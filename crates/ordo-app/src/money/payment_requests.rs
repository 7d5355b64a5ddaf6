//! What a payment request carries: a new payment, and each step's body (capture, void,
//! refund), as the API reads them and as the payment use cases take them.

use ordo_domain::order::Order;
use ordo_domain::payment::PaymentTotals;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::kernel::input::{MoneyInput, money_text};
use crate::money::payments::Payment;
use crate::{Actor, AppError, AppResult};

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPayment {
    /// `manual`, `gift_card` (give `gift_card_code`), `store_credit` (the order's
    /// customer's) or `stripe` (give `payment_method`, the storefront's token; answers 501 when
    /// Stripe is not configured).
    #[schema(required = true, example = "manual", value_type = Option<crate::kernel::schema::Provider>)]
    pub provider: Option<String>,
    #[schema(max_length = 64, pattern = r"^[^\u0000]*$")]
    pub gift_card_code: Option<String>,
    /// For `stripe`: the payment method token (`pm_...`) the storefront collected: letters,
    /// digits, `_` and `-`, as the gateway writes its ids.
    #[schema(min_length = 1, max_length = 255, pattern = r"^[A-Za-z0-9_-]+$")]
    pub payment_method: Option<String>,
    /// For manual payments: `cash_on_delivery`, `bank_transfer`, `invoice` or `other`.
    #[schema(value_type = Option<crate::kernel::schema::PaymentMethod>)]
    pub method: Option<String>,
    /// In the order's currency.
    #[schema(required = true, value_type = Option<crate::kernel::schema::PositiveMoneyInput>)]
    pub amount: Option<MoneyInput>,
    /// Whether the money was received (captured) now; default true. False records a
    /// promise to pay (authorized) that is captured later.
    pub captured: Option<bool>,
    /// Admins only: take more than the order's balance due, as an explicit overpayment.
    /// Without it, an amount above what is still due is refused (409
    /// `amount_exceeds_balance_due`).
    pub overpayment: Option<bool>,
}

/// What a payment step carries, as the use case reads it; the API reads each step's own part
/// of it ([`CaptureInput`], [`VoidInput`], [`PaymentRefundInput`]).
#[derive(Debug, Clone, Default)]
pub struct AmountInput {
    /// For captures: default everything still capturable. For refunds: required.
    pub amount: Option<MoneyInput>,
    pub reason: Option<String>,
    /// For refunds: `original` (default: back to the payment it came from) or
    /// `store_credit` (onto the customer's store credit).
    pub to: Option<String>,
}

/// A capture: how much (default: everything still authorized).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaptureInput {
    #[schema(value_type = Option<crate::kernel::schema::PositiveMoneyInput>)]
    pub amount: Option<MoneyInput>,
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub reason: Option<String>,
}

/// A void: what is authorized and not captured is let go.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidInput {
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub reason: Option<String>,
}

/// A refund of one payment: how much, and where it goes.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentRefundInput {
    #[schema(required = true, value_type = Option<crate::kernel::schema::PositiveMoneyInput>)]
    pub amount: Option<MoneyInput>,
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub reason: Option<String>,
    /// `original` (default: back to the payment it came from) or `store_credit` (onto the
    /// customer's store credit).
    #[schema(value_type = Option<crate::kernel::schema::RefundTarget>)]
    pub to: Option<String>,
}

impl From<CaptureInput> for AmountInput {
    fn from(c: CaptureInput) -> Self {
        AmountInput { amount: c.amount, reason: c.reason, to: None }
    }
}

impl From<VoidInput> for AmountInput {
    fn from(v: VoidInput) -> Self {
        AmountInput { amount: None, reason: v.reason, to: None }
    }
}

impl From<PaymentRefundInput> for AmountInput {
    fn from(r: PaymentRefundInput) -> Self {
        AmountInput { amount: r.amount, reason: r.reason, to: r.to }
    }
}

/// What is still due on an order before a new payment of `amount`: its total less what its
/// payments hold (authorized and not voided; refunded money stays counted, so that paying and
/// refunding again cannot make money out of one order) and what card payments in flight have
/// claimed (`in_flight`, see `card_claims`). More than that is refused unless an admin asks
/// for an overpayment.
pub(crate) fn check_due(
    actor: &Actor,
    order: &Order,
    payments: &[(Payment, PaymentTotals)],
    in_flight: i64,
    amount: i64,
    overpayment: bool,
) -> AppResult<()> {
    let held: i128 =
        payments.iter().map(|(_, t)| t.authorized as i128 - t.voided as i128).sum::<i128>() + in_flight as i128;
    let due = (order.totals.total as i128 - held).max(0);
    if amount as i128 <= due {
        return Ok(());
    }
    if !overpayment {
        let due = i64::try_from(due).unwrap_or(i64::MAX);
        return Err(AppError::Refused {
            code: "amount_exceeds_balance_due",
            message: format!(
                "only {} is still due on this order; an admin may record more as an overpayment",
                money_text(due, &order.currency)
            ),
        });
    }
    if actor.role != crate::Role::Admin {
        return Err(AppError::Forbidden("only an admin key may record an overpayment".into()));
    }
    Ok(())
}
