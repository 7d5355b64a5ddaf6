//! Storage records that are not domain types: keys, levels with their location, events and
//! idempotency records.

use ordo_domain::id::LocationId;
use ordo_domain::inventory::{Level, Reason};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyRecord {
    pub id: String,
    /// SHA-256 of the secret, hex. The secret itself is never stored.
    pub hash: String,
    /// The first characters of the secret, to recognise a key in a list.
    pub prefix: String,
    pub role: String,
    pub channel: Option<String>,
    pub name: Option<String>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelRecord {
    pub location_id: LocationId,
    pub location: String,
    pub sku: String,
    pub on_hand: i64,
    pub reserved: i64,
}

impl LevelRecord {
    /// The level as the domain reads it (`available` is derived there, once).
    pub fn level(&self) -> Level {
        Level { on_hand: self.on_hand, reserved: self.reserved }
    }
}

/// A guarded change of one level, with the ledger entry that explains it.
#[derive(Debug, Clone)]
pub struct LevelChange {
    pub at: i64,
    pub location_id: LocationId,
    pub location: String,
    pub sku: String,
    pub on_hand_delta: i64,
    pub reserved_delta: i64,
    pub reason: Reason,
    pub actor: Option<String>,
    pub order_id: Option<String>,
    pub note: Option<String>,
    /// What else the change answers: a purchase order's line (`po_...:2`), a transfer's line.
    pub reference: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub id: &'a str,
    pub event_type: &'a str,
    /// The id of the object the event is about (an order id, a SKU ...).
    pub subject: &'a str,
    pub at: i64,
    /// JSON text.
    pub data: &'a str,
    /// The payload's schema version.
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    pub seq: i64,
    pub id: String,
    pub event_type: String,
    pub subject: String,
    pub at: i64,
    pub data: String,
    pub version: i64,
    /// The key that made the change, and the client's address (see [`crate::origin`]).
    pub actor: Option<String>,
    pub address: Option<String>,
}

/// One link of the audit log's hash chain: its place in the chain (increasing in the order
/// links were appended, which is the feed's order), its event's sequence, and its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLink {
    pub position: i64,
    pub seq: i64,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub key_id: String,
    pub key: String,
    pub request_hash: String,
    pub status: u16,
    pub body: Vec<u8>,
    pub created_at: i64,
}

/// A stored routing rule set: the rules as JSON, with the channels that use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSetRecord {
    pub name: String,
    /// JSON text of the rule set.
    pub body: String,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Stock that needs counting at a location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountRequest {
    pub sku: String,
    pub location_id: String,
    pub location: String,
    pub requested_at: i64,
    pub reason: Option<String>,
}

/// A payment as stored: its document (provider, method, ...) beside lookup columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    pub id: String,
    pub order_id: String,
    pub provider: String,
    pub currency: String,
    pub created_at: i64,
    /// JSON text.
    pub body: String,
    /// The gateway's id for it (a Stripe PaymentIntent), if any.
    pub reference: Option<String>,
}

/// A document of an order's life after capture (a refund; later returns, holds, edits): lookup
/// columns beside its JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRecord {
    pub id: String,
    pub order_id: String,
    /// `refund`, ...
    pub kind: String,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// JSON text.
    pub body: String,
}

/// One money movement of a payment's ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentEntry {
    pub seq: i64,
    pub payment_id: String,
    pub order_id: String,
    /// `authorized`, `captured`, `voided`, `refunded` or `failed`.
    pub kind: String,
    /// Minor units of the payment's currency.
    pub amount: i64,
    pub at: i64,
    pub actor: Option<String>,
    pub reason: Option<String>,
    /// The gateway's reference, if any.
    pub reference: Option<String>,
}

/// A balance Ordo keeps: a gift card (by code) or a customer's store credit (code = customer id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceAccount {
    pub id: String,
    /// `gift_card` or `store_credit`.
    pub kind: String,
    pub code: String,
    pub currency: String,
    pub balance: i64,
    pub created_at: i64,
}

/// One movement of a balance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceEntry {
    pub seq: i64,
    pub account_id: String,
    /// Signed minor units: credits positive, spending negative.
    pub amount: i64,
    pub balance_after: i64,
    pub at: i64,
    pub reason: Option<String>,
    pub order_id: Option<String>,
    pub payment_id: Option<String>,
    pub actor: Option<String>,
}

/// A guarded change of a non-sellable bucket, with its ledger entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketChange {
    pub at: i64,
    pub location_id: String,
    pub location: String,
    pub sku: String,
    /// `quarantine`, `refurbish`, `return_to_vendor` or `disposed`.
    pub bucket: String,
    pub delta: i64,
    pub reason: String,
    pub actor: Option<String>,
    pub order_id: Option<String>,
    /// What moved it (a return's id).
    pub reference: Option<String>,
    pub note: Option<String>,
}

/// One entry of the non-sellable ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketMovement {
    pub seq: i64,
    pub change: BucketChange,
    pub quantity_after: i64,
}

/// How many units of a SKU sit in a bucket at a location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketLevel {
    pub sku: String,
    pub location_id: String,
    pub bucket: String,
    pub quantity: i64,
}

/// One payload a sales channel sent (a webhook or an order read by a pull): what became of it
/// and why, with the body exactly as it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelImportRecord {
    pub id: String,
    pub channel: String,
    /// The platform's id for this delivery (Shopify's `X-Shopify-Webhook-Id`): one record per
    /// delivery id and channel.
    pub delivery_id: Option<String>,
    /// The platform's order id, when the payload names one.
    pub external_id: Option<String>,
    /// The platform's topic (`orders/create`, `order.updated`, `pull`, ...).
    pub topic: String,
    /// `imported`, `updated`, `unchanged`, `parked`, `dismissed` or `ignored`.
    pub status: String,
    pub reason: Option<String>,
    pub order_id: Option<String>,
    pub payload: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Which Ordo SKU a channel's product, variant or SKU stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuMappingRecord {
    pub channel: String,
    /// The platform's variant id, product id or SKU, as the platform writes it.
    pub external: String,
    pub sku: String,
    pub updated_at: i64,
}

/// Where a SKU is listed on a channel's platform, and what Ordo last pushed to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingRecord {
    pub channel: String,
    pub sku: String,
    /// The platform's ids for the listing (product, variant, inventory item, location), JSON.
    pub target: String,
    /// The quantity last pushed and accepted, and when; none before the first.
    pub pushed: Option<i64>,
    pub pushed_at: Option<i64>,
    /// Pushes the platform accepted, and attempts it refused, since the listing was saved.
    pub pushes: i64,
    pub failures: i64,
    pub last_error: Option<String>,
    pub updated_at: i64,
}

/// An import job as stored: its state and report, JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportJobRecord {
    pub id: String,
    pub body: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An outbound webhook subscription as stored; `events` is a JSON array of event types (or
/// `["*"]`), `secret` the signing secret as sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRecord {
    pub id: String,
    pub url: String,
    pub events: String,
    pub description: Option<String>,
    pub secret: String,
    /// `active` or `disabled`.
    pub status: String,
    /// Since when every attempt has failed; none while the receiver answers.
    pub failing_since: Option<i64>,
    pub disabled_reason: Option<String>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One event for one subscription, and where its delivery stands. Its body is the event as
/// the feed shows it: stored with the delivery when given (`body`), or, when `body` is empty,
/// read from the event itself (`event`, filled by every read), which is kept unchanged
/// anyway, so that a delivery row stays small in the writer's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// The order deliveries were queued in (a new one's is given by the store).
    pub seq: i64,
    pub id: String,
    pub subscription_id: String,
    pub event_id: String,
    /// The event's sequence: deliveries about one object go out in its order.
    pub event_seq: i64,
    pub event_type: String,
    /// The object the event is about; deliveries about one object go out in order.
    pub subject: String,
    pub body: String,
    /// The event, when `body` is empty (reads only; never written).
    pub event: Option<EventRecord>,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
    pub attempts: i64,
    /// When a pending delivery is next tried.
    pub next_at: i64,
    /// When its retry window began (when it was queued, or replayed).
    pub window_from: i64,
    /// Until when a node that took it may send it without another taking it too.
    pub claimed_until: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One attempt of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    pub delivery_id: String,
    /// 1 for the first attempt.
    pub n: i64,
    pub at: i64,
    /// The receiver's status code; none when it could not be reached or timed out.
    pub status: Option<i64>,
    pub latency_ms: i64,
    pub error: Option<String>,
    /// The first KiB of the receiver's answer.
    pub answer: Option<String>,
}

/// One message to a customer about one step of an order, by one transport: queued once per
/// step (its `dedupe` key), then sent, and what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRecord {
    /// The order messages were queued in (a new one's is given by the store).
    pub seq: i64,
    pub id: String,
    /// One message per step and transport: the event and kind (or a resend's own key).
    pub dedupe: String,
    pub order_id: String,
    pub customer_id: Option<String>,
    /// What the message says: `order_confirmation`, `shipped`, `refund_issued`, ...
    pub kind: String,
    /// `email` or `sms`.
    pub transport: String,
    /// The address or phone number it goes to.
    pub recipient: String,
    pub language: String,
    /// The event that called for it (none for a resend by hand).
    pub event_id: Option<String>,
    /// The fulfilment, return or refund the message is about, when it is about one.
    pub about: Option<String>,
    /// `pending`, `sent`, `failed` (given up) or `skipped` (the customer turned it off).
    pub status: String,
    pub attempts: i64,
    pub next_at: i64,
    /// Until when a node that took it may send it without another taking it too.
    pub claimed_until: i64,
    /// The subject (email) as sent.
    pub subject: Option<String>,
    /// The id the mail server or SMS provider gave the message.
    pub provider_id: Option<String>,
    pub error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub updated_at: i64,
}

/// A supplier as stored: its code (unique), `active` or `archived`, and its terms as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplierRecord {
    pub id: String,
    pub code: String,
    pub status: String,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub body: String,
}

/// A purchase order as stored: its number (unique), supplier, destination location, status
/// and expected date (`YYYY-MM-DD`) for lists, and the whole order (lines, receipts) as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseOrderRecord {
    pub id: String,
    pub number: i64,
    pub supplier_id: String,
    pub location_id: String,
    pub status: String,
    pub expected_on: Option<String>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub body: String,
}

/// A transfer between two locations as stored: its number (unique), source and destination,
/// status and expected date for lists, and the whole transfer (lines, receipts) as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferRecord {
    pub id: String,
    pub number: i64,
    pub from_location_id: String,
    pub to_location_id: String,
    pub status: String,
    pub expected_on: Option<String>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub body: String,
}

/// Units still to come to a location: one line of what brings them (`origin`: a purchase
/// order's or a transfer's id), expected on a date (`YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingRecord {
    pub origin: String,
    pub line: i64,
    pub sku: String,
    pub location_id: String,
    pub expected_on: String,
    pub quantity: i64,
}

/// What planning holds back of a SKU at a location (`safety_stock`) and the level of
/// available stock at or below which it is low (`reorder_point`); `source` is `manual` or
/// `computed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRecord {
    pub sku: String,
    pub location_id: String,
    pub safety_stock: i64,
    pub reorder_point: i64,
    pub source: String,
    pub updated_at: i64,
}

/// Stock of a SKU that ran low (`kind` `low_stock`: available at or below the reorder point)
/// or out (`stock_out`) at a location, from `started_at` until `ended_at` (open while none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRecord {
    pub id: String,
    pub kind: String,
    pub sku: String,
    pub location_id: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    /// Units available when it started.
    pub available: i64,
    /// The reorder point crossed (low stock).
    pub reorder_point: Option<i64>,
}

/// Someone who buys stock for a location (told when a SKU there runs low).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuyerRecord {
    pub location_id: String,
    pub email: String,
    pub name: Option<String>,
}

/// The forecast last made for a SKU: the whole document as JSON, and the total's model and
/// backtest error for listing.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastRecord {
    pub sku: String,
    pub computed_at: i64,
    pub model: String,
    pub mase: Option<f64>,
    pub bias: Option<f64>,
    /// Units ordered in its history (every location's).
    pub units: i64,
    pub body: String,
}

/// The moving average cost of a SKU at a location: `units` valued at `value` minor units of
/// `currency` in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostRecord {
    pub sku: String,
    pub location_id: String,
    pub currency: String,
    pub units: i64,
    pub value: i64,
    pub updated_at: i64,
}
