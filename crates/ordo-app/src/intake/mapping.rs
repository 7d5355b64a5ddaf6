//! A platform's order in Ordo's terms: lines by SKU (through the channel's mapping table where
//! the platform's SKU is missing or differs), amounts converted into the order's currency by
//! one rule, and totals that must add up to the platform's own. What cannot be mapped is a
//! reason in words, for the import log.
//!
//! The rule for amounts: digits beyond the currency's precision are rounded half away from
//! zero (`Money::parse_rounding`); the rounded fields are named in the import log entry, and
//! the totals check then decides whether the order still adds up.

use std::collections::HashMap;

use ordo_domain::Money;
use ordo_domain::channel::OrderSource;
use ordo_domain::money::Currency;

use crate::kernel::input::MoneyInput;
use crate::ports::channel::{ChannelLine, ChannelOrder};
use crate::sales::orders::{NewOrder, OrderCustomerInput, OrderLineInput};

/// An order ready for Ordo's own checks, and what comes with it from the platform.
#[derive(Debug, Clone)]
pub struct Mapped {
    pub input: NewOrder,
    pub source: OrderSource,
    /// Minor units paid at the platform, at most the order's total.
    pub paid: i64,
    /// The platform cancelled it, for this reason.
    pub cancelled: Option<String>,
    /// The fields whose amounts had more decimals than the currency has.
    pub rounded: Vec<String>,
    /// Each line's Ordo SKU and quantity, in the platform's order.
    pub lines: Vec<(String, i64)>,
}

/// The platform references a line may be mapped by, most specific first.
pub fn references(line: &ChannelLine) -> impl Iterator<Item = &str> {
    [line.variant_id.as_deref(), line.product_id.as_deref(), line.sku.as_deref()].into_iter().flatten()
}

/// The longest note Ordo keeps; a platform's longer note is cut there, never refused.
const NOTE_CHARS: usize = 2000;

struct Amounts {
    currency: Currency,
    rounded: Vec<String>,
}

impl Amounts {
    fn read(&mut self, field: &str, value: Option<&str>) -> Result<i64, String> {
        let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(0) };
        let (money, rounded) = Money::parse_rounding(text, self.currency)
            .map_err(|e| format!("{field}: {text:?} is not an amount in {} ({e})", self.currency))?;
        if rounded {
            self.rounded.push(field.to_owned());
        }
        if money.is_negative() {
            return Err(format!("{field}: {text:?} is negative"));
        }
        Ok(money.minor())
    }

    fn text(&self, minor: i64) -> MoneyInput {
        MoneyInput {
            amount: Some(Money::from_minor(minor, self.currency).amount_string()),
            currency: Some(self.currency.code().to_owned()),
        }
    }

    fn show(&self, minor: i64) -> String {
        format!("{} {}", Money::from_minor(minor, self.currency).amount_string(), self.currency)
    }
}

/// Maps a platform's order; `skus` is the channel's mapping table for the order's
/// references (platform id or SKU → Ordo SKU).
pub fn map_order(channel: &str, o: &ChannelOrder, skus: &HashMap<String, String>) -> Result<Mapped, String> {
    let code = o.currency.trim().to_ascii_uppercase();
    let currency =
        Currency::from_code(&code).ok_or_else(|| format!("the currency {:?} is not one Ordo knows", o.currency))?;
    let mut a = Amounts { currency, rounded: Vec::new() };
    if o.lines.is_empty() {
        return Err("the order has no lines".into());
    }
    let mut lines = Vec::new();
    let mut inputs = Vec::new();
    let (mut subtotal, mut line_discounts) = (0i64, 0i64);
    for (i, line) in o.lines.iter().enumerate() {
        let sku = references(line)
            .find_map(|r| skus.get(r).cloned())
            .or_else(|| line.sku.clone().filter(|s| !s.trim().is_empty()))
            .ok_or_else(|| {
                let refs: Vec<String> = [("variant", &line.variant_id), ("product", &line.product_id)]
                    .into_iter()
                    .filter_map(|(what, id)| id.as_ref().map(|id| format!("{what} {id}")))
                    .collect();
                let refs = if refs.is_empty() { String::new() } else { format!(" for {}", refs.join(" or ")) };
                format!("lines/{i}: the line has no SKU and the channel maps none{refs}")
            })?;
        if line.quantity < 1 {
            return Err(format!("lines/{i}: the quantity {} is not a positive number of units", line.quantity));
        }
        let price = a.read(&format!("lines/{i}/unit_price"), Some(&line.unit_price))?;
        let discount = a.read(&format!("lines/{i}/discount"), line.discount.as_deref())?;
        subtotal = price
            .checked_mul(line.quantity)
            .and_then(|v| v.checked_add(subtotal))
            .ok_or_else(|| format!("lines/{i}: the amount is out of range"))?;
        line_discounts =
            line_discounts.checked_add(discount).ok_or_else(|| format!("lines/{i}: the discount is out of range"))?;
        inputs.push(OrderLineInput {
            sku: Some(sku.clone()),
            quantity: Some(line.quantity),
            unit_price: Some(a.text(price)),
        });
        lines.push((sku, line.quantity));
    }
    let discount = match o.discount.as_deref() {
        Some(d) => a.read("discount", Some(d))?,
        None => line_discounts,
    };
    let shipping = a.read("shipping", o.shipping.as_deref())?;
    let tax = a.read("tax", o.tax.as_deref())?;
    let added_tax = if o.taxes_included { 0 } else { tax };
    let ours = subtotal
        .checked_add(shipping)
        .and_then(|v| v.checked_add(added_tax))
        .and_then(|v| v.checked_sub(discount))
        .ok_or("the order's amounts are out of range")?;
    if let Some(total) = o.total.as_deref() {
        let theirs = a.read("total", Some(total))?;
        if theirs != ours {
            return Err(format!(
                "the totals do not add up: the lines ({}) less discounts ({}) plus shipping ({}) and tax ({}) make {}, \
                 but the platform's total is {}, a difference of {}",
                a.show(subtotal),
                a.show(discount),
                a.show(shipping),
                a.show(added_tax),
                a.show(ours),
                a.show(theirs),
                a.show((theirs - ours).abs()),
            ));
        }
    }
    let paid = a.read("paid", o.paid.as_deref())?.min(ours.max(0));
    let email = o.email.clone().filter(|e| !e.trim().is_empty()).ok_or("the order has no customer email")?;
    let input = NewOrder {
        channel: Some(channel.to_owned()),
        external_id: Some(o.external_id.clone()),
        customer_id: None,
        customer: Some(OrderCustomerInput {
            email: Some(email.trim().to_owned()),
            name: o.customer_name.clone().filter(|n| !n.trim().is_empty()),
            phone: o.phone.clone().filter(|p| !p.trim().is_empty()),
        }),
        currency: Some(code),
        lines: Some(inputs),
        shipping_address: o.shipping_address.clone(),
        billing_address: o.billing_address.clone(),
        shipping: Some(a.text(shipping)),
        tax: Some(a.text(added_tax)),
        discount: Some(a.text(discount)),
        note: o.note.as_ref().filter(|n| !n.trim().is_empty()).map(|n| n.chars().take(NOTE_CHARS).collect()),
        promised_by: None,
        shipping_service: None,
        pickup_location: None,
    };
    let source = OrderSource {
        number: o.number.clone(),
        placed_at: o.placed_at,
        tax_included: if o.taxes_included { tax } else { 0 },
    };
    Ok(Mapped { input, source, paid, cancelled: o.cancelled.clone(), rounded: a.rounded, lines })
}
