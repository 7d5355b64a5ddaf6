//! Amazon's order (Selling Partner API, Orders v0: `getOrders` and `getOrderItems`), the
//! fields Ordo reads, and the mapping to a platform-neutral order. Money is
//! `{CurrencyCode, Amount}`; an item's `ItemPrice` is for its whole quantity. Amazon does not
//! say whether `ItemTax` is inside `ItemPrice` (its US examples add it, its European sellers
//! report it inside); Ordo reads which from `OrderTotal`. Amazon withholds the buyer's email
//! and address unless the seller's application may see them: an order without the buyer's
//! email belongs to one customer per marketplace, `withheld-buyer@amazon.invalid` (a name that
//! can never receive mail), and one without a street address has none. Conversions only; the
//! adapter is in `mod.rs`.

use ordo_app::kernel::input::AddressInput;
use ordo_app::ports::channel::{ChannelLine, ChannelOrder};
use serde::{Deserialize, Serialize};

use crate::platform::{amount_opt, difference, lines_priced_in_all, same_amount, sum, text};

/// The customer of orders whose buyer Amazon does not name.
pub const WITHHELD_BUYER: &str = "withheld-buyer@amazon.invalid";

/// What `getOrders` answers.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrdersAnswer {
    #[serde(rename = "payload")]
    pub payload: OrdersPayload,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrdersPayload {
    #[serde(default)]
    pub orders: Vec<serde_json::Value>,
    #[serde(default)]
    pub next_token: Option<String>,
}

/// What `getOrderItems` answers.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ItemsAnswer {
    #[serde(rename = "payload")]
    pub payload: ItemsPayload,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ItemsPayload {
    #[serde(default)]
    pub order_items: Vec<serde_json::Value>,
    #[serde(default)]
    pub next_token: Option<String>,
}

/// An order as Ordo keeps it in the import log: the order and its items, read together.
#[derive(Debug, Serialize, Deserialize)]
pub struct Fetched {
    pub order: serde_json::Value,
    pub items: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Order {
    pub amazon_order_id: String,
    #[serde(default)]
    pub purchase_date: Option<String>,
    #[serde(default)]
    pub last_update_date: Option<String>,
    #[serde(default)]
    pub order_status: Option<String>,
    #[serde(default)]
    pub fulfillment_channel: Option<String>,
    #[serde(default)]
    pub order_total: Option<Money>,
    #[serde(default)]
    pub shipping_address: Option<Address>,
    #[serde(default)]
    pub buyer_info: Option<BuyerInfo>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Money {
    #[serde(default)]
    pub currency_code: Option<String>,
    #[serde(default, deserialize_with = "amount_opt")]
    pub amount: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Address {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub address_line1: Option<String>,
    #[serde(default)]
    pub address_line2: Option<String>,
    #[serde(default)]
    pub address_line3: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub state_or_region: Option<String>,
    #[serde(default)]
    pub postal_code: Option<String>,
    #[serde(default)]
    pub country_code: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BuyerInfo {
    #[serde(default)]
    pub buyer_email: Option<String>,
    #[serde(default)]
    pub buyer_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Item {
    #[serde(rename = "ASIN", default)]
    pub asin: Option<String>,
    #[serde(rename = "SellerSKU", default)]
    pub seller_sku: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    pub quantity_ordered: i64,
    #[serde(default)]
    pub item_price: Option<Money>,
    #[serde(default)]
    pub item_tax: Option<Money>,
    #[serde(default)]
    pub shipping_price: Option<Money>,
    #[serde(default)]
    pub shipping_tax: Option<Money>,
    #[serde(default)]
    pub shipping_discount: Option<Money>,
    #[serde(default)]
    pub promotion_discount: Option<Money>,
}

/// Statuses of an order Amazon has taken payment for.
const PAID: &[&str] = &["Unshipped", "PartiallyShipped", "Shipped", "InvoiceUnconfirmed"];

fn amount(m: &Option<Money>) -> Option<&str> {
    m.as_ref().and_then(|m| m.amount.as_deref())
}

/// The amounts given, added exactly ("0" when none is).
fn total_of<'a>(parts: impl Iterator<Item = Option<&'a str>>) -> String {
    let given: Vec<&str> = parts.flatten().collect();
    if given.is_empty() { "0".to_owned() } else { sum(&given).unwrap_or_default() }
}

fn address(a: &Address) -> Option<AddressInput> {
    let line2 = [text(&a.address_line2), text(&a.address_line3)].into_iter().flatten().collect::<Vec<_>>();
    let input = AddressInput {
        name: text(&a.name),
        line1: text(&a.address_line1),
        line2: (!line2.is_empty()).then(|| line2.join(", ")),
        city: text(&a.city),
        region: text(&a.state_or_region),
        postal_code: text(&a.postal_code),
        country: text(&a.country_code),
        latitude: None,
        longitude: None,
    };
    // Without its street (withheld), an address cannot be shipped to.
    input.line1.is_some().then_some(input)
}

impl Order {
    /// Why Ordo does not take this order, if it does not: Amazon ships it, or it is not yet
    /// payable.
    pub fn not_taken(&self) -> Option<String> {
        if self.fulfillment_channel.as_deref() == Some("AFN") {
            return Some("fulfilled by Amazon (AFN): Amazon ships it from its own stock".into());
        }
        if self.order_status.as_deref() == Some("Pending") {
            return Some("pending at Amazon: it is taken once Amazon has the payment".into());
        }
        None
    }

    pub fn into_channel_order(self, items: Vec<Item>) -> ChannelOrder {
        // `ItemPrice` is for the item's whole quantity.
        let lines: Vec<ChannelLine> = items
            .iter()
            .flat_map(|i| {
                let line = ChannelLine {
                    sku: text(&i.seller_sku),
                    product_id: text(&i.asin),
                    variant_id: None,
                    name: text(&i.title),
                    quantity: i.quantity_ordered,
                    unit_price: String::new(),
                    discount: amount(&i.promotion_discount).map(str::to_owned),
                };
                lines_priced_in_all(line, amount(&i.item_price).unwrap_or_default())
            })
            .collect();
        let prices = total_of(items.iter().map(|i| amount(&i.item_price)));
        let shipping = difference(
            &total_of(items.iter().map(|i| amount(&i.shipping_price))),
            &total_of(items.iter().map(|i| amount(&i.shipping_discount))),
        )
        .unwrap_or_default();
        let tax = total_of(items.iter().flat_map(|i| [amount(&i.item_tax), amount(&i.shipping_tax)]));
        let discount = total_of(items.iter().map(|i| amount(&i.promotion_discount)));
        let total = amount(&self.order_total).map(str::to_owned);
        let without_tax = difference(&sum(&[&prices, &shipping]).unwrap_or_default(), &discount).unwrap_or_default();
        let taxes_included = total.as_deref().is_some_and(|t| same_amount(t, &without_tax))
            && !sum(&[&without_tax, &tax]).is_some_and(|with| total.as_deref().is_some_and(|t| same_amount(t, &with)));
        let currency = self
            .order_total
            .as_ref()
            .and_then(|m| m.currency_code.clone())
            .or_else(|| items.iter().find_map(|i| i.item_price.as_ref().and_then(|m| m.currency_code.clone())))
            .unwrap_or_default();
        let buyer = self.buyer_info.as_ref();
        let status = self.order_status.as_deref().unwrap_or_default();
        ChannelOrder {
            number: Some(self.amazon_order_id.clone()),
            placed_at: self.purchase_date.as_deref().and_then(ordo_app::kernel::time_fmt::parse_rfc3339),
            currency,
            email: Some(buyer.and_then(|b| text(&b.buyer_email)).unwrap_or_else(|| WITHHELD_BUYER.to_owned())),
            customer_name: buyer
                .and_then(|b| text(&b.buyer_name))
                .or_else(|| self.shipping_address.as_ref().and_then(|a| text(&a.name))),
            phone: self.shipping_address.as_ref().and_then(|a| text(&a.phone)),
            shipping_address: self.shipping_address.as_ref().and_then(address),
            billing_address: None,
            lines,
            shipping: Some(shipping),
            tax: Some(tax),
            taxes_included,
            discount: Some(discount),
            paid: if PAID.contains(&status) { total.clone() } else { None },
            total,
            note: None,
            cancelled: (status == "Canceled").then(|| "cancelled at Amazon".to_owned()),
            external_id: self.amazon_order_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Item, Order};

    /// An item of 3 units for 10.00 (which does not divide into cents) becomes 1 unit at 3.34
    /// and 2 at 3.33, with the item's discount on the first part: the lines add up to the price.
    #[test]
    fn an_item_price_that_does_not_divide_becomes_two_lines_that_add_up() {
        let order: Order = serde_json::from_value(serde_json::json!({
            "AmazonOrderId": "902-1845936-5435065",
            "OrderStatus": "Unshipped",
            "OrderTotal": {"CurrencyCode": "USD", "Amount": "9.50"}
        }))
        .unwrap();
        let item: Item = serde_json::from_value(serde_json::json!({
            "SellerSKU": "CARD-BOOK",
            "QuantityOrdered": 3,
            "ItemPrice": {"CurrencyCode": "USD", "Amount": "10.00"},
            "PromotionDiscount": {"CurrencyCode": "USD", "Amount": "0.50"}
        }))
        .unwrap();
        let mapped = order.into_channel_order(vec![item]);
        let lines: Vec<(Option<&str>, i64, &str, Option<&str>)> = mapped
            .lines
            .iter()
            .map(|l| (l.sku.as_deref(), l.quantity, l.unit_price.as_str(), l.discount.as_deref()))
            .collect();
        assert_eq!(lines, [(Some("CARD-BOOK"), 1, "3.34", Some("0.50")), (Some("CARD-BOOK"), 2, "3.33", None)]);
        assert_eq!(mapped.discount.as_deref(), Some("0.50"));
    }
}
