//! Shopify's order webhook payload (REST Admin API `Order`, as `orders/create`,
//! `orders/updated`, `orders/paid` and `orders/cancelled` deliver it), the fields Ordo reads,
//! and the mapping to a platform-neutral order. Amounts are the shop-currency fields.
//! Conversions only; the adapter is in `mod.rs`.

use ordo_app::kernel::input::AddressInput;
use ordo_app::ports::channel::{ChannelLine, ChannelOrder};
use serde::Deserialize;

use crate::platform::{Id, amount_opt, full_name, id_opt, text};

#[derive(Debug, Deserialize)]
pub struct Order {
    pub id: Id,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub order_number: Option<Id>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub contact_email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub processed_at: Option<String>,
    pub currency: String,
    #[serde(default)]
    pub taxes_included: bool,
    #[serde(default, deserialize_with = "amount_opt")]
    pub total_price: Option<String>,
    #[serde(default, deserialize_with = "amount_opt")]
    pub total_tax: Option<String>,
    #[serde(default, deserialize_with = "amount_opt")]
    pub total_discounts: Option<String>,
    #[serde(default, deserialize_with = "amount_opt")]
    pub total_outstanding: Option<String>,
    #[serde(default)]
    pub total_shipping_price_set: Option<PriceSet>,
    #[serde(default)]
    pub financial_status: Option<String>,
    #[serde(default)]
    pub cancelled_at: Option<String>,
    #[serde(default)]
    pub cancel_reason: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub customer: Option<Customer>,
    #[serde(default)]
    pub shipping_address: Option<Address>,
    #[serde(default)]
    pub billing_address: Option<Address>,
    #[serde(default)]
    pub line_items: Vec<LineItem>,
    #[serde(default)]
    pub shipping_lines: Vec<ShippingLine>,
}

#[derive(Debug, Deserialize)]
pub struct PriceSet {
    pub shop_money: MoneySet,
}

#[derive(Debug, Deserialize)]
pub struct MoneySet {
    #[serde(deserialize_with = "amount_opt")]
    pub amount: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Customer {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Address {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub address1: Option<String>,
    #[serde(default)]
    pub address2: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub province_code: Option<String>,
    #[serde(default)]
    pub province: Option<String>,
    #[serde(default)]
    pub zip: Option<String>,
    #[serde(default)]
    pub country_code: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LineItem {
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default, deserialize_with = "id_opt")]
    pub product_id: Option<String>,
    #[serde(default, deserialize_with = "id_opt")]
    pub variant_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    pub quantity: i64,
    #[serde(deserialize_with = "amount_opt")]
    pub price: Option<String>,
    #[serde(default, deserialize_with = "amount_opt")]
    pub total_discount: Option<String>,
    #[serde(default)]
    pub discount_allocations: Vec<DiscountAllocation>,
}

#[derive(Debug, Deserialize)]
pub struct DiscountAllocation {
    #[serde(deserialize_with = "amount_opt")]
    pub amount: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ShippingLine {
    #[serde(default, deserialize_with = "amount_opt")]
    pub price: Option<String>,
}

fn address(a: &Address) -> AddressInput {
    AddressInput {
        name: text(&a.name).or_else(|| full_name(&a.first_name, &a.last_name)),
        line1: text(&a.address1),
        line2: text(&a.address2),
        city: text(&a.city),
        region: text(&a.province_code).or_else(|| text(&a.province)),
        postal_code: text(&a.zip),
        country: text(&a.country_code),
        latitude: None,
        longitude: None,
    }
}

/// A line's discounts: the exact sum of its discount allocations when it has any, else the
/// older `total_discount`.
fn line_discount(l: &LineItem) -> Option<String> {
    if l.discount_allocations.is_empty() {
        return l.total_discount.clone();
    }
    let parts: Vec<&str> = l.discount_allocations.iter().filter_map(|d| d.amount.as_deref()).collect();
    crate::platform::sum(&parts)
}

/// What the customer has paid at Shopify, from the order's financial status: all of it once
/// paid (refunds come as their own changes), the total less what is outstanding when partly
/// paid, nothing while pending, authorized (not captured) or voided.
fn paid(o: &Order) -> Option<String> {
    match o.financial_status.as_deref() {
        Some("paid" | "partially_refunded" | "refunded") => o.total_price.clone(),
        Some("partially_paid") => {
            let total = o.total_price.as_deref()?;
            let outstanding = o.total_outstanding.as_deref().unwrap_or("0");
            crate::platform::difference(total, outstanding)
        }
        _ => None,
    }
}

impl Order {
    pub fn into_channel_order(self) -> ChannelOrder {
        let shipping = match &self.total_shipping_price_set {
            Some(set) => set.shop_money.amount.clone(),
            None => {
                let parts: Vec<&str> = self.shipping_lines.iter().filter_map(|s| s.price.as_deref()).collect();
                crate::platform::sum(&parts)
            }
        };
        let customer = self.customer.as_ref();
        ChannelOrder {
            number: text(&self.name).or_else(|| self.order_number.as_ref().map(|n| n.0.clone())),
            placed_at: self
                .processed_at
                .as_deref()
                .or(self.created_at.as_deref())
                .and_then(ordo_app::kernel::time_fmt::parse_rfc3339),
            currency: self.currency.clone(),
            email: text(&self.email)
                .or_else(|| text(&self.contact_email))
                .or_else(|| customer.and_then(|c| text(&c.email))),
            customer_name: customer
                .and_then(|c| full_name(&c.first_name, &c.last_name))
                .or_else(|| self.billing_address.as_ref().and_then(|a| text(&a.name))),
            phone: text(&self.phone).or_else(|| customer.and_then(|c| text(&c.phone))),
            shipping_address: self.shipping_address.as_ref().map(address),
            billing_address: self.billing_address.as_ref().map(address),
            lines: self
                .line_items
                .iter()
                .map(|l| ChannelLine {
                    sku: text(&l.sku),
                    product_id: l.product_id.clone(),
                    variant_id: l.variant_id.clone(),
                    name: text(&l.name).or_else(|| text(&l.title)),
                    quantity: l.quantity,
                    unit_price: l.price.clone().unwrap_or_default(),
                    discount: line_discount(l),
                })
                .collect(),
            shipping,
            tax: self.total_tax.clone(),
            taxes_included: self.taxes_included,
            discount: self.total_discounts.clone(),
            total: self.total_price.clone(),
            paid: paid(&self),
            note: text(&self.note),
            cancelled: self
                .cancelled_at
                .as_ref()
                .map(|_| text(&self.cancel_reason).unwrap_or_else(|| "cancelled at Shopify".into())),
            external_id: self.id.0,
        }
    }
}
