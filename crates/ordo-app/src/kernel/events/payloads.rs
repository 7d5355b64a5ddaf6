//! The payload of every event, as the outbox stores it and outbound webhooks will carry it:
//! a public contract. Ids are strings, money is a decimal string with its currency (or minor
//! units where the field says so), times are RFC 3339. Fields are only ever added.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A product, by SKU.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProductRef {
    pub sku: String,
    /// The product's version after the change (updates only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

/// A location, by code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LocationRef {
    pub code: String,
    /// The location's version after the change (updates only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

/// A customer, by email.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CustomerRef {
    pub email: String,
    /// The customer's version after the change (updates only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InventoryAdjusted {
    pub sku: String,
    /// The location's code.
    pub location: String,
    /// Units added (negative: removed).
    pub delta: i64,
    /// The ledger reason (`received`, `count`, `damaged`, ...).
    pub reason: String,
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BucketMoved {
    pub sku: String,
    pub location: String,
    /// The non-sellable bucket the units left (`quarantine`, `refurbish`, `return_to_vendor`,
    /// `disposed`).
    pub from: String,
    /// Another bucket, `stock` (sellable again at the same location) or `out` (the units left
    /// the business).
    pub to: String,
    pub quantity: i64,
    pub actor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CountRequested {
    pub sku: String,
    pub location: String,
    /// The order whose fulfilment found the stock short.
    pub order_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChannelUpdated {
    pub channel: String,
    /// `at_placement` or `on_shipment`.
    pub capture: String,
    /// How many hold rules the channel now has.
    pub hold_rules: usize,
    /// The platform behind the channel (`api`, `shopify`, ...); its credentials are never
    /// in an event.
    #[serde(default)]
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ImportParked {
    pub channel: String,
    /// The import log entry, to read, retry or dismiss.
    pub import_id: String,
    /// The platform's order id, when the payload names one.
    pub external_id: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ListingChanged {
    pub channel: String,
    pub sku: String,
    pub actor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UpdateNotApplied {
    pub order_id: String,
    pub channel: String,
    /// The import log entry holding the platform's payload.
    pub import_id: String,
    /// Each change Ordo did not apply, and why.
    pub changes: Vec<String>,
    pub actor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CarrierCreated {
    pub code: String,
}

/// A stock alert that opened or ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StockAlertChanged {
    /// The alert's id (`GET /v1/inventory/alerts`).
    pub id: String,
    pub sku: String,
    /// The location's code.
    pub location: String,
    /// Units available (on hand less reserved) when it opened or ended.
    pub available: i64,
    /// The reorder point (low stock).
    pub reorder_point: Option<i64>,
}

/// The settings of stock planning: how SKUs are classed by sales value (ABC), and the service
/// level and count interval of each class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlanningSettings {
    /// The share of sales value the A SKUs make together (the largest sellers first), and the
    /// share the B SKUs make after them (at most what A leaves); the rest are C.
    #[schema(example = 0.8)]
    pub a_share: f64,
    #[schema(example = 0.15)]
    pub b_share: f64,
    /// The chance of not running out before an order arrives, per class: replenishment's
    /// safety stock when no service level is asked for.
    #[schema(example = 0.98)]
    pub service_level_a: f64,
    #[schema(example = 0.95)]
    pub service_level_b: f64,
    #[schema(example = 0.9)]
    pub service_level_c: f64,
    /// Days between cycle counts of a SKU at a location, per class.
    #[schema(example = 30)]
    pub count_every_days_a: i64,
    #[schema(example = 91)]
    pub count_every_days_b: i64,
    #[schema(example = 365)]
    pub count_every_days_c: i64,
    /// Whether cycle counts are asked for each day.
    #[serde(default = "yes")]
    pub cycle_counts: bool,
}

fn yes() -> bool {
    true
}

/// A location's buyers as they now are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BuyersChanged {
    /// The location's code.
    pub location: String,
    /// Their email addresses.
    pub buyers: Vec<String>,
}

/// A SKU's stock policy at a location as it now is (all absent once removed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StockPolicyChanged {
    pub sku: String,
    /// The location's code.
    pub location: String,
    pub safety_stock: Option<i64>,
    pub reorder_point: Option<i64>,
    /// `manual` or `computed`.
    pub source: Option<String>,
}

/// Which supplier an event is about; read the supplier for the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SupplierRef {
    pub id: String,
    pub code: String,
}

/// Which purchase order an event is about, and its status after the change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PurchaseOrderRef {
    pub id: String,
    pub number: i64,
    pub supplier_id: String,
    /// The destination location's code.
    pub location: String,
    /// `draft`, `sent`, `partially_received`, `received` or `cancelled`.
    pub status: String,
}

/// Units of one purchase order line that arrived in a receipt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReceivedUnits {
    pub line: u32,
    pub sku: String,
    pub quantity: i64,
    /// Of them, units beyond what the line still expected.
    pub over: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PurchaseOrderReceived {
    pub id: String,
    pub number: i64,
    pub supplier_id: String,
    /// The destination location's code.
    pub location: String,
    /// The status after the receipt: `partially_received` or `received`.
    pub status: String,
    /// The receipt's number within the order.
    pub receipt: u32,
    pub lines: Vec<ReceivedUnits>,
}

/// Units of a purchase order line that will not come.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ShortUnits {
    pub line: u32,
    pub sku: String,
    pub quantity: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PurchaseOrderClosed {
    pub id: String,
    pub number: i64,
    pub supplier_id: String,
    /// The destination location's code.
    pub location: String,
    /// `received`.
    pub status: String,
    pub short: Vec<ShortUnits>,
}

/// Which transfer an event is about, and its status after the change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TransferRef {
    pub id: String,
    pub number: i64,
    /// The source location's code.
    pub from_location: String,
    /// The destination location's code.
    pub to_location: String,
    /// `draft`, `shipped`, `partially_received`, `received` or `cancelled`.
    pub status: String,
}

/// Units of one line of a transfer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LineUnits {
    pub line: u32,
    pub sku: String,
    pub quantity: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TransferReceived {
    pub id: String,
    pub number: i64,
    pub from_location: String,
    pub to_location: String,
    /// The status after the receipt: `partially_received` or `received`.
    pub status: String,
    /// The receipt's number within the transfer.
    pub receipt: u32,
    /// Units that arrived, per line.
    pub lines: Vec<LineUnits>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TransferClosed {
    pub id: String,
    pub number: i64,
    pub from_location: String,
    pub to_location: String,
    /// `received`.
    pub status: String,
    /// `lost` or `damaged`.
    pub reason: String,
    /// Units written off, per line.
    pub lost: Vec<LineUnits>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CarrierUpdated {
    pub code: String,
    pub enabled: bool,
    pub actor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RuleSetChanged {
    pub name: String,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OrderCreated {
    pub id: String,
    pub number: i64,
    pub channel: String,
    pub external_id: Option<String>,
    pub customer_id: String,
    pub currency: String,
    /// The return or claim this replacement order replaces goods for.
    pub replaces: Option<String>,
    /// The order total, a decimal string in `currency`.
    pub total: String,
    pub actor: String,
}

/// Where one line's units are reserved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AllocationRef {
    pub line_id: String,
    pub sku: String,
    pub location: String,
    pub quantity: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FulfillmentRef {
    pub id: String,
    pub location: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OrderAllocated {
    pub id: String,
    /// Every reservation the order holds now.
    pub allocations: Vec<AllocationRef>,
    /// The fulfilments this allocation created.
    pub fulfillments: Vec<FulfillmentRef>,
    /// After a rejection: the location that rejected, and why routing chose again as it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rerouted_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Who placed the order or rejected the fulfilment (a key id).
    #[serde(default)]
    pub actor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Shortage {
    pub sku: String,
    pub requested: i64,
    pub available: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RerouteFailed {
    pub id: String,
    pub shortages: Vec<Shortage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OrderCancelled {
    pub id: String,
    pub number: i64,
    pub reason: Option<String>,
    pub actor: String,
}

/// An order that reached a milestone (shipped, delivered, picked up).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OrderRef {
    pub id: String,
    pub number: i64,
    /// Whose step completed it: a key id, or the carrier's code for a tracking report.
    #[serde(default)]
    pub actor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OrderEdited {
    pub order_id: String,
    pub edit_id: String,
    /// The order's version after the edit.
    pub version: i64,
    pub actor: String,
    pub reason: Option<String>,
    /// What changed, as applied.
    pub changes: Vec<AppliedChange>,
    /// The new total, a decimal string in the order's currency.
    pub total: String,
}

/// One change of an order edit, as applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AppliedChange {
    /// The shipping address was replaced; the new one is in this country.
    SetShippingAddress { country: String },
    /// A line was added.
    AddLine { line_id: String, sku: String, quantity: i64 },
    /// A line's quantity went from `from` to `to` (0 removes the line's units).
    SetQuantity { line_id: String, from: i64, to: i64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PaymentRequired {
    pub order_id: String,
    /// What is left to pay, a decimal string.
    pub amount: String,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OrderHeld {
    pub order_id: String,
    pub hold_id: String,
    /// `fraud_review`, `address_check`, `payment_review` or `manual`.
    #[serde(rename = "type")]
    pub kind: String,
    pub reason: Option<String>,
    /// `operator` or `rule`.
    pub source: String,
    pub actor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HoldResolved {
    pub order_id: String,
    pub hold_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub note: Option<String>,
    pub actor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FulfillmentStep {
    pub id: String,
    pub order_id: String,
    pub location: String,
    /// The fulfilment's status after the step.
    pub status: String,
    pub tracking_number: Option<String>,
    pub reason: Option<String>,
    /// Who took the step (a key id). Events recorded before actors were recorded have none.
    #[serde(default)]
    pub actor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FulfillmentRejected {
    pub id: String,
    pub order_id: String,
    pub location: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LabelPurchased {
    /// The fulfilment.
    pub id: String,
    pub carrier: String,
    pub service: String,
    pub tracking_number: String,
    /// What the label cost, minor units of `currency`.
    pub price: i64,
    pub currency: String,
    /// Who bought it (a key id).
    #[serde(default)]
    pub actor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TrackingUpdate {
    pub fulfillment_id: String,
    pub order_id: String,
    pub tracking_number: String,
    /// `in_transit`, `out_for_delivery`, `delivered` or `exception`.
    pub status: String,
    pub occurred_at: String,
    pub description: Option<String>,
    /// The carrier that reported it (its code).
    #[serde(default)]
    pub actor: String,
}

/// Money that moved in the payment ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PaymentMoved {
    pub payment_id: String,
    pub order_id: String,
    /// A decimal string in `currency`.
    pub amount: String,
    pub currency: String,
    pub reason: Option<String>,
    pub actor: String,
    /// The gateway's event that reported the movement, when a webhook did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_event: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RefundCreated {
    pub refund_id: String,
    pub order_id: String,
    /// Minor units of the order's currency.
    pub amount: i64,
    pub reason: Option<String>,
    pub return_id: Option<String>,
    pub actor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RefundFinished {
    pub refund_id: String,
    pub order_id: String,
    /// Minor units of the order's currency.
    pub amount: i64,
    pub actor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BalanceChanged {
    pub account_id: String,
    /// Minor units added (negative: spent).
    pub amount: i64,
    /// The balance after, minor units.
    pub balance: i64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RatesUpdated {
    /// The days whose rates were stored (`YYYY-MM-DD`).
    pub dates: Vec<String>,
    /// How many rates were stored.
    pub rates: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReturnRequested {
    pub order_id: String,
    pub return_id: String,
    pub actor: String,
    /// Requested after the return window, allowed by an operator.
    pub window_overridden: bool,
    /// Whether the customer wants a replacement.
    pub exchange: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReturnStep {
    pub order_id: String,
    pub return_id: String,
    /// The return's status after the step.
    pub status: String,
    pub actor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExchangePlaced {
    pub return_id: String,
    /// The replacement order.
    pub exchange_order_id: String,
    pub actor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReturnRefundFailed {
    pub return_id: String,
    /// Why the refund could not be made (it can be made by hand).
    pub reason: Option<String>,
    pub actor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReturnLabelPurchased {
    pub return_id: String,
    pub carrier: String,
    pub tracking_number: String,
    pub actor: String,
    /// The return's status when the label was bought (`requested` or `approved`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ClaimCreated {
    pub order_id: String,
    pub claim_id: String,
    /// `missing` or `damaged`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `refund` or `reship`.
    pub resolution: String,
    pub actor: String,
}

/// A webhook subscription (its URL, which may carry a receiver's token, is never in an event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookRef {
    pub id: String,
    /// `active`, `disabled` or `deleted`.
    pub status: String,
}

/// A subscription Ordo disabled because its receiver kept failing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookDisabled {
    pub id: String,
    /// Since when every attempt failed (RFC 3339).
    pub failing_since: String,
    pub reason: String,
}

/// A message to a customer (its address is not in the event; the message log has it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NotificationStep {
    /// The message (`GET /v1/orders/{id}/notifications`).
    pub id: String,
    pub order_id: String,
    /// What it says: `order_confirmation`, `shipped`, `refund_issued`, ...
    pub kind: String,
    /// `email` or `sms`.
    pub transport: String,
    pub attempts: i64,
    /// Why it was given up.
    pub error: Option<String>,
}
