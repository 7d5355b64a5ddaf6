//! WooCommerce's order (REST API v3 `orders`, as the `order.created` and `order.updated`
//! webhooks and `GET /wp-json/wc/v3/orders` deliver it), the fields Ordo reads, and the
//! mapping to a platform-neutral order. WooCommerce keeps line amounts without tax and tax
//! beside them, so an order's total is its lines' `total` plus `shipping_total` plus
//! `total_tax`. Conversions only; the adapter is in `mod.rs`.

use ordo_app::kernel::input::AddressInput;
use ordo_app::ports::channel::{ChannelLine, ChannelOrder};
use serde::Deserialize;

use crate::platform::{Id, amount_opt, full_name, id_opt, text};

#[derive(Debug, Deserialize)]
pub struct Order {
    pub id: Id,
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    pub currency: String,
    #[serde(default)]
    pub date_created_gmt: Option<String>,
    #[serde(default, deserialize_with = "amount_opt")]
    pub discount_total: Option<String>,
    #[serde(default, deserialize_with = "amount_opt")]
    pub shipping_total: Option<String>,
    #[serde(default, deserialize_with = "amount_opt")]
    pub total: Option<String>,
    #[serde(default, deserialize_with = "amount_opt")]
    pub total_tax: Option<String>,
    #[serde(default)]
    pub date_paid_gmt: Option<String>,
    #[serde(default)]
    pub customer_note: Option<String>,
    #[serde(default)]
    pub billing: Option<Address>,
    #[serde(default)]
    pub shipping: Option<Address>,
    #[serde(default)]
    pub line_items: Vec<LineItem>,
}

#[derive(Debug, Deserialize)]
pub struct Address {
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub address_1: Option<String>,
    #[serde(default)]
    pub address_2: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub postcode: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LineItem {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "id_opt")]
    pub product_id: Option<String>,
    #[serde(default, deserialize_with = "id_opt")]
    pub variation_id: Option<String>,
    pub quantity: i64,
    /// Before discounts, without tax.
    #[serde(default, deserialize_with = "amount_opt")]
    pub subtotal: Option<String>,
    /// After discounts, without tax.
    #[serde(default, deserialize_with = "amount_opt")]
    pub total: Option<String>,
    #[serde(default)]
    pub sku: Option<String>,
}

/// An address with its street, city or country, as WooCommerce sends empty strings for an
/// address never given.
fn address(a: &Address) -> Option<AddressInput> {
    let input = AddressInput {
        name: full_name(&a.first_name, &a.last_name),
        line1: text(&a.address_1),
        line2: text(&a.address_2),
        city: text(&a.city),
        region: text(&a.state),
        postal_code: text(&a.postcode),
        country: text(&a.country),
        latitude: None,
        longitude: None,
    };
    (input.line1.is_some() || input.city.is_some() || input.country.is_some()).then_some(input)
}

/// Statuses WooCommerce gives an order that is paid for.
const PAID: &[&str] = &["processing", "completed", "refunded"];

impl Order {
    pub fn into_channel_order(self) -> ChannelOrder {
        let billing = self.billing.as_ref();
        let paid = self.date_paid_gmt.is_some() || self.status.as_deref().is_some_and(|s| PAID.contains(&s));
        ChannelOrder {
            number: text(&self.number),
            placed_at: self
                .date_created_gmt
                .as_deref()
                .and_then(|d| ordo_app::kernel::time_fmt::parse_rfc3339(&format!("{d}Z"))),
            currency: self.currency.clone(),
            email: billing.and_then(|b| text(&b.email)),
            customer_name: billing.and_then(|b| full_name(&b.first_name, &b.last_name)),
            phone: billing.and_then(|b| text(&b.phone)),
            shipping_address: self.shipping.as_ref().and_then(address).or_else(|| billing.and_then(address)),
            billing_address: billing.and_then(address),
            lines: self
                .line_items
                .iter()
                .flat_map(|l| {
                    let line = ChannelLine {
                        sku: text(&l.sku),
                        product_id: l.product_id.clone(),
                        variant_id: l.variation_id.clone(),
                        name: text(&l.name),
                        quantity: l.quantity,
                        unit_price: String::new(),
                        discount: match (l.subtotal.as_deref(), l.total.as_deref()) {
                            (Some(s), Some(t)) => crate::platform::difference(s, t),
                            _ => None,
                        },
                    };
                    // The subtotal is for all the line's units, before discounts.
                    crate::platform::lines_priced_in_all(line, l.subtotal.as_deref().unwrap_or_default())
                })
                .collect(),
            shipping: self.shipping_total.clone(),
            tax: self.total_tax.clone(),
            taxes_included: false,
            discount: self.discount_total.clone(),
            total: self.total.clone(),
            paid: if paid { self.total.clone() } else { None },
            note: text(&self.customer_note),
            cancelled: (self.status.as_deref() == Some("cancelled")).then(|| "cancelled at WooCommerce".to_owned()),
            external_id: self.id.0,
        }
    }
}
