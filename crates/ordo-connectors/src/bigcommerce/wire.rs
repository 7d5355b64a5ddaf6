//! BigCommerce's order (REST v2: `GET /v2/orders/{id}`, its `products` and its
//! `shipping_addresses`), the webhook callback that names one (`store/order/created`,
//! `store/order/updated`), and the mapping to a platform-neutral order. Money is four-decimal
//! strings, dates RFC 2822. The order's total is its products at their tax-exclusive prices
//! (tax-inclusive when the store prices so), less the order's discounts and coupons, plus
//! shipping, handling and gift wrapping, plus tax unless prices include it. Conversions only;
//! the adapter is in `mod.rs`.

use ordo_app::kernel::input::AddressInput;
use ordo_app::kernel::time_fmt::parse_rfc2822;
use ordo_app::ports::channel::{ChannelLine, ChannelOrder};
use serde::{Deserialize, Serialize};

use crate::platform::{Id, amount_opt, full_name, id_opt, sum, text};

/// The callback BigCommerce sends: the event and the id of what it is about.
#[derive(Debug, Deserialize)]
pub struct Callback {
    pub scope: String,
    pub data: CallbackData,
    #[serde(default)]
    pub created_at: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct CallbackData {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    pub id: Id,
}

/// An order as Ordo keeps it in the import log: the order and what its two sub-resources
/// answered, read together.
#[derive(Debug, Serialize, Deserialize)]
pub struct Fetched {
    pub order: serde_json::Value,
    pub products: Vec<serde_json::Value>,
    pub shipping_addresses: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
pub struct Order {
    pub id: Id,
    #[serde(default)]
    pub date_created: Option<String>,
    #[serde(default)]
    pub date_modified: Option<String>,
    #[serde(default)]
    pub status_id: Option<i64>,
    #[serde(default)]
    pub currency_code: Option<String>,
    #[serde(default)]
    pub is_tax_inclusive_pricing: bool,
    #[serde(default, deserialize_with = "amount_opt")]
    pub shipping_cost_ex_tax: Option<String>,
    #[serde(default, deserialize_with = "amount_opt")]
    pub shipping_cost_inc_tax: Option<String>,
    #[serde(default, deserialize_with = "amount_opt")]
    pub handling_cost_ex_tax: Option<String>,
    #[serde(default, deserialize_with = "amount_opt")]
    pub handling_cost_inc_tax: Option<String>,
    #[serde(default, deserialize_with = "amount_opt")]
    pub wrapping_cost_ex_tax: Option<String>,
    #[serde(default, deserialize_with = "amount_opt")]
    pub wrapping_cost_inc_tax: Option<String>,
    #[serde(default, deserialize_with = "amount_opt")]
    pub total_inc_tax: Option<String>,
    #[serde(default, deserialize_with = "amount_opt")]
    pub total_tax: Option<String>,
    #[serde(default, deserialize_with = "amount_opt")]
    pub discount_amount: Option<String>,
    #[serde(default, deserialize_with = "amount_opt")]
    pub coupon_discount: Option<String>,
    #[serde(default)]
    pub customer_message: Option<String>,
    #[serde(default)]
    pub billing_address: Option<Address>,
}

#[derive(Debug, Deserialize)]
pub struct Address {
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub street_1: Option<String>,
    #[serde(default)]
    pub street_2: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub zip: Option<String>,
    #[serde(default)]
    pub country_iso2: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Product {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default, deserialize_with = "id_opt")]
    pub product_id: Option<String>,
    #[serde(default, deserialize_with = "id_opt")]
    pub variant_id: Option<String>,
    pub quantity: i64,
    #[serde(default, deserialize_with = "amount_opt")]
    pub price_ex_tax: Option<String>,
    #[serde(default, deserialize_with = "amount_opt")]
    pub price_inc_tax: Option<String>,
    #[serde(default)]
    pub applied_discounts: Vec<AppliedDiscount>,
}

#[derive(Debug, Deserialize)]
pub struct AppliedDiscount {
    #[serde(default, deserialize_with = "amount_opt")]
    pub amount: Option<String>,
}

/// BigCommerce's order statuses (`status_id`) for an order that is paid for: shipped,
/// partially shipped, refunded, awaiting pickup, shipment or fulfilment, completed,
/// disputed, partially refunded.
const PAID: &[i64] = &[2, 3, 4, 8, 9, 10, 11, 13, 14];
/// Cancelled and declined.
const CANCELLED: &[i64] = &[5, 6];

fn address(a: &Address) -> Option<AddressInput> {
    let input = AddressInput {
        name: full_name(&a.first_name, &a.last_name),
        line1: text(&a.street_1),
        line2: text(&a.street_2),
        city: text(&a.city),
        region: text(&a.state),
        postal_code: text(&a.zip),
        country: text(&a.country_iso2),
        latitude: None,
        longitude: None,
    };
    (input.line1.is_some() || input.city.is_some() || input.country.is_some()).then_some(input)
}

/// The non-empty amounts, added exactly; none when there are none.
fn add(parts: &[&Option<String>]) -> Option<String> {
    let given: Vec<&str> = parts.iter().filter_map(|p| p.as_deref()).collect();
    if given.is_empty() { None } else { sum(&given) }
}

impl Order {
    pub fn into_channel_order(self, products: Vec<Product>, shipping: Vec<Address>) -> ChannelOrder {
        let billing = self.billing_address.as_ref();
        let inclusive = self.is_tax_inclusive_pricing;
        let status = self.status_id.unwrap_or(0);
        let lines = products
            .iter()
            .map(|p| ChannelLine {
                sku: text(&p.sku),
                product_id: p.product_id.clone(),
                variant_id: p.variant_id.clone(),
                name: text(&p.name),
                quantity: p.quantity,
                unit_price: if inclusive { p.price_inc_tax.clone() } else { p.price_ex_tax.clone() }
                    .unwrap_or_default(),
                discount: add(&p.applied_discounts.iter().map(|d| &d.amount).collect::<Vec<_>>()),
            })
            .collect();
        let shipping_charge = if inclusive {
            add(&[&self.shipping_cost_inc_tax, &self.handling_cost_inc_tax, &self.wrapping_cost_inc_tax])
        } else {
            add(&[&self.shipping_cost_ex_tax, &self.handling_cost_ex_tax, &self.wrapping_cost_ex_tax])
        };
        let shipping_address = shipping.first().and_then(address).or_else(|| billing.and_then(address));
        ChannelOrder {
            number: Some(self.id.0.clone()),
            placed_at: self.date_created.as_deref().and_then(parse_rfc2822),
            currency: self.currency_code.clone().unwrap_or_default(),
            email: billing.and_then(|b| text(&b.email)).or_else(|| shipping.first().and_then(|s| text(&s.email))),
            customer_name: billing.and_then(|b| full_name(&b.first_name, &b.last_name)),
            phone: billing.and_then(|b| text(&b.phone)),
            shipping_address,
            billing_address: billing.and_then(address),
            lines,
            shipping: shipping_charge,
            tax: self.total_tax.clone(),
            taxes_included: inclusive,
            discount: add(&[&self.discount_amount, &self.coupon_discount]),
            total: self.total_inc_tax.clone(),
            paid: if PAID.contains(&status) { self.total_inc_tax.clone() } else { None },
            note: text(&self.customer_message),
            cancelled: CANCELLED.contains(&status).then(|| "cancelled at BigCommerce".to_owned()),
            external_id: self.id.0,
        }
    }
}
