//! Sales rung up at a store's till (`pos` channels): an order already handed over. In one
//! write the order is placed at the channel's store (that store's stock only: no routing, no
//! daily capacity), its units leave the store's shelf at once (reserved and picked up), and
//! what the customer paid is recorded captured (`cash`, or `card_present` for a card
//! terminal). The payments must add up to the sale's total, exactly; a sale whose receipt the
//! channel recorded before answers with that order and records nothing more. A sale the store
//! has no stock for is refused (409): Ordo never lets a shelf go below zero, so the store
//! counts its stock first.

use ordo_domain::Money;
use ordo_domain::channel::{ChannelKind, OrderSource};
use ordo_domain::money::Currency;
use ordo_domain::order::Order;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::channels::settings::{settings_of, valid_channel};
use crate::kernel::guard::require;
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::kernel::input::{MoneyInput, check_money};
use crate::sales::orders::{NewOrder, OrderCustomerInput, OrderLineInput};
use crate::{Action, Actor, App, AppError, AppResult};

/// The customer of a sale whose buyer gave no email: one per installation, at a name that
/// can never receive mail.
pub const WALK_IN: &str = "walk-in-customer@pos.invalid";

/// A sale as the till rang it up.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TillSaleInput {
    /// The till's receipt number: a channel records a receipt once.
    #[schema(required = true, example = "R-0042-000173", min_length = 1, max_length = 255, pattern = r"^[^\u0000]+$")]
    pub receipt: Option<String>,
    /// The buyer, when they gave an email; a walk-in customer otherwise.
    pub customer: Option<OrderCustomerInput>,
    /// ISO 4217 code of the sale.
    #[schema(required = true, example = "USD", min_length = 3, max_length = 3, pattern = r"^[A-Za-z]{3}$")]
    pub currency: Option<String>,
    #[schema(required = true, min_items = 1, max_items = 500)]
    pub lines: Option<Vec<OrderLineInput>>,
    /// Taken off the sale in all.
    pub discount: Option<MoneyInput>,
    /// The sale's tax; added to the total unless `tax_included`.
    pub tax: Option<MoneyInput>,
    /// The prices contain the tax (shelf prices in most of Europe): it is kept, not added.
    pub tax_included: Option<bool>,
    /// What the customer paid, by method; the amounts add up to the sale's total.
    #[schema(required = true, min_items = 1, max_items = 20)]
    pub payments: Option<Vec<TillPaymentInput>>,
    #[schema(max_length = 2000, pattern = r"^[^\u0000]*$")]
    pub note: Option<String>,
    /// When the till rang the sale up (RFC 3339); now, unless given.
    #[schema(example = "2026-12-03T09:15:00Z", format = DateTime)]
    pub sold_at: Option<String>,
}

/// One way the customer paid at the till.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TillPaymentInput {
    /// `cash`, or `card` (a card terminal's payment, recorded as `card_present`).
    #[schema(required = true, example = "cash", pattern = r"^(cash|card)$")]
    pub method: Option<String>,
    #[schema(required = true)]
    pub amount: Option<MoneyInput>,
    /// The terminal's reference for a card payment.
    #[schema(max_length = 255, pattern = r"^[^\u0000]*$")]
    pub reference: Option<String>,
}

/// A recorded till sale: its order, and whether the receipt was recorded before.
#[derive(Debug, Clone)]
pub struct TillSale {
    pub order: Order,
    pub existing: bool,
}

/// The till's payments, checked: (stored method, minor units, reference).
type Tendered = Vec<(&'static str, i64, Option<String>)>;

fn check_payments(
    e: &mut ordo_domain::validate::Errors,
    payments: &[TillPaymentInput],
    currency: Option<Currency>,
) -> Tendered {
    if payments.is_empty() || payments.len() > 20 {
        e.add("payments", "give 1 to 20 payments");
    }
    let mut out = Vec::new();
    for (i, p) in payments.iter().enumerate() {
        let method = match p.method.as_deref() {
            Some("cash") => Some("cash"),
            Some("card") => Some("card_present"),
            None => {
                e.add(format!("payments/{i}/method"), "is required");
                None
            }
            Some(_) => {
                e.add(format!("payments/{i}/method"), "must be cash or card");
                None
            }
        };
        let amount = match &p.amount {
            Some(m) => check_money(e, &format!("payments/{i}/amount"), m, currency),
            None => {
                e.add(format!("payments/{i}/amount"), "is required");
                None
            }
        };
        if let Some(a) = &amount
            && a.minor() <= 0
        {
            e.add(format!("payments/{i}/amount"), "must be more than zero");
        }
        let reference = e.optional_text(&format!("payments/{i}/reference"), p.reference.as_deref(), 255);
        if let (Some(m), Some(a)) = (method, amount) {
            out.push((m, a.minor(), reference));
        }
    }
    out
}

impl App {
    /// Records a sale rung up at the channel's store.
    pub async fn record_till_sale(
        &self,
        actor: &Actor,
        channel: &str,
        input: TillSaleInput,
        idem: Option<IdemCtx<TillSale>>,
    ) -> AppResult<Outcome<TillSale>> {
        require(actor, Action::WriteOrders)?;
        require(actor, Action::TakePayments)?;
        if !valid_channel(channel) || !actor.sees_channel(channel) {
            return Err(AppError::NotFound("channel"));
        }
        let name = channel.to_owned();
        let settings = self.store.read(move |tx| settings_of(tx, &name)).await?;
        let store = match (settings.kind, settings.store_location.clone()) {
            (ChannelKind::Pos, Some(store)) => store,
            _ => return Err(AppError::NotFound("channel")),
        };
        let mut e = ordo_domain::validate::Errors::new();
        let receipt = e.text("receipt", input.receipt.as_deref(), 255);
        let currency = input.currency.as_deref().and_then(|c| Currency::from_code(&c.to_ascii_uppercase()));
        let tendered = match &input.payments {
            Some(p) => check_payments(&mut e, p, currency),
            None => {
                e.add("payments", "is required");
                Vec::new()
            }
        };
        let placed_at = match input.sold_at.as_deref() {
            Some(t) => {
                let at = crate::kernel::time_fmt::parse_rfc3339(t);
                if at.is_none() {
                    e.add("sold_at", "must be an RFC 3339 time such as 2026-12-03T09:15:00Z");
                }
                at
            }
            None => Some(self.now()),
        };
        let included = input.tax_included.unwrap_or(false);
        let tax_included = match (&input.tax, included) {
            (Some(m), true) => check_money(&mut e, "tax", m, currency).map_or(0, |m| m.minor()),
            _ => 0,
        };
        e.finish(())?;
        let customer = input.customer.clone().unwrap_or_else(|| OrderCustomerInput {
            email: Some(WALK_IN.to_owned()),
            name: Some("Walk-in customer".to_owned()),
            phone: None,
        });
        let order = NewOrder {
            channel: Some(channel.to_owned()),
            external_id: receipt.clone(),
            customer_id: None,
            customer: Some(customer),
            currency: input.currency.clone(),
            lines: input.lines.clone(),
            shipping_address: None,
            billing_address: None,
            shipping: None,
            tax: if included { None } else { input.tax.clone() },
            discount: input.discount.clone(),
            note: input.note.clone(),
            promised_by: None,
            shipping_service: None,
            pickup_location: None,
        };
        let mut checked = crate::sales::orders::check_order(actor, &order)?;
        checked.counter = Some(store);
        checked.source = Some(OrderSource { number: receipt.clone(), placed_at, tax_included });
        let prepared = crate::sales::orders::prepare(self, &checked).await?;
        let (who, receipt) = (actor.clone(), receipt.unwrap_or_default());
        let channel = channel.to_owned();
        self.write_idem(idem, move |tx, now| {
            if let Some(id) = tx.order_id_by_external_id(&channel, &receipt)? {
                let order = tx.order_by_id(&id)?.ok_or(AppError::NotFound("order"))?;
                return Ok(TillSale { order, existing: true });
            }
            let order = crate::sales::orders::place_new_in_tx(tx, now, &who.key_id, &checked, &prepared)?;
            let paid: i64 =
                tendered.iter().map(|(_, a, _)| *a).try_fold(0i64, |acc, a| acc.checked_add(a)).unwrap_or(i64::MAX);
            if paid != order.totals.total {
                let c = Currency::from_code(&order.currency).ok_or_else(|| AppError::Internal("currency".into()))?;
                let show = |m: i64| format!("{} {}", Money::from_minor(m, c).amount_string(), c);
                return Err(AppError::field(
                    "payments",
                    format!(
                        "the payments add up to {}, but the sale's total is {}",
                        show(paid),
                        show(order.totals.total)
                    ),
                ));
            }
            // A channel's hold rules apply to till sales too: a held sale is not handed over.
            crate::kernel::guard::ensure_not_held(tx, order.id.as_str())?;
            crate::shipping::fulfillments::hand_over_in_tx(tx, now, &who, &order)?;
            for (method, amount, reference) in &tendered {
                crate::money::platform::record_till_payment(tx, now, &who, &order, method, *amount, reference.clone())?;
            }
            let order = tx.order_by_id(order.id.as_str())?.unwrap_or(order);
            Ok(TillSale { order, existing: false })
        })
        .await
    }
}
