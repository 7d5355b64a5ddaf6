//! The event catalogue and the transactional outbox. Every state change appends exactly one
//! typed [`Event`] per fact in the same transaction as the change; the catalogue below is the
//! one list of event types, each with its payload (`payloads.rs`), the object it is about, and
//! its schema version. Events are serialized here and nowhere else; `docs/events.md` is
//! generated from the catalogue and checked for drift.

pub mod payloads;

use ordo_domain::fulfillment::Fulfillment;
use ordo_domain::id::EventId;
use ordo_domain::order::Order;
use ordo_store::{EventFilter, EventRecord, NewEvent, Page, Tx};
use serde::Serialize;

use crate::{Action, Actor, App, AppError, AppResult, random_u128};
use payloads::*;

/// A payload type's JSON schema, for documentation.
pub type SchemaFn = fn() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>;

/// One entry of the catalogue, for documentation.
#[derive(Debug, Clone, Copy)]
pub struct EventSpec {
    /// The event type, e.g. `order.created`.
    pub name: &'static str,
    pub summary: &'static str,
    /// What the event's `subject` is.
    pub subject: &'static str,
    /// The payload's schema name.
    pub payload: &'static str,
    pub schema: SchemaFn,
    /// The payload's schema version; bumped only for a change that is not an addition.
    pub version: u32,
}

macro_rules! catalogue {
    ($( #[doc = $summary:literal] $variant:ident($payload:ident) = $name:literal, subject $subject:literal, version $version:literal; )+) => {
        /// Every event Ordo records, with its payload.
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(untagged)]
        pub enum Event {
            $( #[doc = $summary] $variant($payload), )+
        }

        /// The event types, for reading the feed: `EventType::parse(&record.event_type)`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum EventType {
            $( $variant, )+
        }

        impl EventType {
            pub fn parse(name: &str) -> Option<EventType> {
                match name {
                    $( $name => Some(EventType::$variant), )+
                    _ => None,
                }
            }


        }

        impl Event {
            /// The event type, e.g. `order.created`.
            pub fn event_type(&self) -> &'static str {
                match self {
                    $( Event::$variant(_) => $name, )+
                }
            }

            /// The payload's schema version.
            pub fn version(&self) -> u32 {
                match self {
                    $( Event::$variant(_) => $version, )+
                }
            }
        }

        /// The catalogue, in the order the documentation lists it.
        pub const CATALOGUE: &[EventSpec] = &[
            $( EventSpec {
                name: $name,
                summary: $summary,
                subject: $subject,
                payload: stringify!($payload),
                schema: <$payload as utoipa::PartialSchema>::schema,
                version: $version,
            }, )+
        ];
    };
}

catalogue! {
    /// A product was created.
    ProductCreated(ProductRef) = "product.created", subject "the product's id", version 1;
    /// A product was changed.
    ProductUpdated(ProductRef) = "product.updated", subject "the product's id", version 1;
    /// A location was created.
    LocationCreated(LocationRef) = "location.created", subject "the location's id", version 1;
    /// A location was changed.
    LocationUpdated(LocationRef) = "location.updated", subject "the location's id", version 1;
    /// A location's buyers (told when its stock runs low) were replaced.
    LocationBuyersUpdated(BuyersChanged) = "location.buyers_updated", subject "the location's id", version 1;
    /// The settings of stock planning (ABC classes, service levels, count intervals) were changed.
    PlanningSettingsUpdated(PlanningSettings) = "planning.settings_updated", subject "planning", version 1;
    /// Stock was adjusted or counted.
    InventoryAdjusted(InventoryAdjusted) = "inventory.adjusted", subject "the SKU", version 1;
    /// A SKU's safety stock and reorder point at a location were set.
    StockPolicySet(StockPolicyChanged) = "inventory.policy_set", subject "the SKU", version 1;
    /// A SKU's safety stock and reorder point at a location were removed.
    StockPolicyRemoved(StockPolicyChanged) = "inventory.policy_removed", subject "the SKU", version 1;
    /// A SKU's available stock at a location fell to or below its reorder point (once, until it recovers).
    LowStock(StockAlertChanged) = "inventory.low_stock", subject "the SKU", version 1;
    /// A SKU's available stock at a location is above its reorder point again (or the policy was removed).
    LowStockResolved(StockAlertChanged) = "inventory.low_stock_resolved", subject "the SKU", version 1;
    /// A location that held a SKU has none available.
    StockOut(StockAlertChanged) = "inventory.stock_out", subject "the SKU", version 1;
    /// A location out of a SKU has some available again.
    BackInStock(StockAlertChanged) = "inventory.back_in_stock", subject "the SKU", version 1;
    /// Units moved between available stock and non-sellable buckets, or out.
    InventoryBucketMoved(BucketMoved) = "inventory.bucket_moved", subject "the SKU", version 1;
    /// A location found less stock than it should have and asks for a count.
    InventoryCountRequested(CountRequested) = "inventory.count_requested", subject "the SKU", version 1;
    /// A customer was created (by hand or by an order).
    CustomerCreated(CustomerRef) = "customer.created", subject "the customer's id", version 1;
    /// A customer was changed.
    CustomerUpdated(CustomerRef) = "customer.updated", subject "the customer's id", version 1;
    /// A channel's settings were replaced.
    ChannelUpdated(ChannelUpdated) = "channel.updated", subject "the channel", version 1;
    /// A payload a channel sent could not become an order and waits in its import log.
    ChannelImportParked(ImportParked) = "channel.import_parked", subject "the channel", version 1;
    /// A SKU was listed on a channel's platform (or its listing changed): its stock is pushed.
    ChannelListingUpdated(ListingChanged) = "channel.listing_updated", subject "the SKU", version 1;
    /// A SKU's listing on a channel was removed: its stock is no longer pushed there.
    ChannelListingRemoved(ListingChanged) = "channel.listing_removed", subject "the SKU", version 1;
    /// A platform changed an order in a way Ordo could not apply (it is kept as it was).
    OrderChannelUpdateNotApplied(UpdateNotApplied) = "order.channel_update_not_applied", subject "the order's id", version 1;
    /// A carrier was created.
    CarrierCreated(CarrierCreated) = "carrier.created", subject "the carrier's code", version 1;
    /// A carrier was disabled (it quotes and labels nothing until enabled) or enabled again.
    CarrierUpdated(CarrierUpdated) = "carrier.updated", subject "the carrier's code", version 1;
    /// A carrier was deleted; its code may be used again.
    CarrierDeleted(CarrierCreated) = "carrier.deleted", subject "the carrier's code", version 1;
    /// A supplier was added.
    SupplierCreated(SupplierRef) = "supplier.created", subject "the supplier's id", version 1;
    /// A supplier's name, contact, terms or status changed.
    SupplierUpdated(SupplierRef) = "supplier.updated", subject "the supplier's id", version 1;
    /// A purchase order was drafted.
    PurchaseOrderCreated(PurchaseOrderRef) = "purchase_order.created", subject "the purchase order's id", version 1;
    /// A purchase order's lines, expected date or note changed.
    PurchaseOrderUpdated(PurchaseOrderRef) = "purchase_order.updated", subject "the purchase order's id", version 1;
    /// A purchase order was sent to its supplier; its lines now count as incoming stock.
    PurchaseOrderSent(PurchaseOrderRef) = "purchase_order.sent", subject "the purchase order's id", version 1;
    /// Goods arrived against a purchase order (one receipt).
    PurchaseOrderReceived(PurchaseOrderReceived) = "purchase_order.received", subject "the purchase order's id", version 1;
    /// A partly received purchase order was closed; what never came is short.
    PurchaseOrderClosed(PurchaseOrderClosed) = "purchase_order.closed", subject "the purchase order's id", version 1;
    /// A purchase order was cancelled before anything arrived.
    PurchaseOrderCancelled(PurchaseOrderRef) = "purchase_order.cancelled", subject "the purchase order's id", version 1;
    /// A transfer between two locations was drafted.
    TransferCreated(TransferRef) = "transfer.created", subject "the transfer's id", version 1;
    /// A transfer's lines, expected date or note changed.
    TransferUpdated(TransferRef) = "transfer.updated", subject "the transfer's id", version 1;
    /// A transfer shipped: its units left the source and are in transit.
    TransferShipped(TransferRef) = "transfer.shipped", subject "the transfer's id", version 1;
    /// Units of a transfer arrived at the destination (one receipt).
    TransferReceived(TransferReceived) = "transfer.received", subject "the transfer's id", version 1;
    /// A transfer was closed; what was still in transit is written off as lost or damaged.
    TransferClosed(TransferClosed) = "transfer.closed", subject "the transfer's id", version 1;
    /// A draft transfer was cancelled.
    TransferCancelled(TransferRef) = "transfer.cancelled", subject "the transfer's id", version 1;
    /// A routing rule set was created.
    RuleSetCreated(RuleSetChanged) = "routing.rule_set.created", subject "the rule set's name", version 1;
    /// A routing rule set was replaced.
    RuleSetUpdated(RuleSetChanged) = "routing.rule_set.updated", subject "the rule set's name", version 1;
    /// An order was captured.
    OrderCreated(OrderCreated) = "order.created", subject "the order's id", version 1;
    /// An order's stock was reserved: at capture, or again after a location rejected it.
    OrderAllocated(OrderAllocated) = "order.allocated", subject "the order's id", version 1;
    /// A rejected fulfilment's lines could not be placed anywhere else.
    OrderRerouteFailed(RerouteFailed) = "order.reroute_failed", subject "the order's id", version 1;
    /// An order was cancelled (by request, through a hold, or by an edit that left nothing).
    OrderCancelled(OrderCancelled) = "order.cancelled", subject "the order's id", version 1;
    /// An order was edited before shipment.
    OrderEdited(OrderEdited) = "order.edited", subject "the order's id", version 1;
    /// An edit left more to pay than the order's payments cover.
    OrderPaymentRequired(PaymentRequired) = "order.payment_required", subject "the order's id", version 1;
    /// A hold was placed on an order.
    OrderHeld(OrderHeld) = "order.held", subject "the order's id", version 1;
    /// A hold was released.
    OrderHoldReleased(HoldResolved) = "order.hold_released", subject "the order's id", version 1;
    /// An order was cancelled through a hold.
    OrderHoldCancelledOrder(HoldResolved) = "order.hold_cancelled_order", subject "the order's id", version 1;
    /// Every fulfilment of an order has shipped.
    OrderShipped(OrderRef) = "order.shipped", subject "the order's id", version 1;
    /// Every fulfilment of an order was delivered (or collected).
    OrderDelivered(OrderRef) = "order.delivered", subject "the order's id", version 1;
    /// Every fulfilment of a click-and-collect order was collected.
    OrderPickedUp(OrderRef) = "order.picked_up", subject "the order's id", version 1;
    /// Picking started.
    FulfillmentPicking(FulfillmentStep) = "fulfillment.picking", subject "the order's id", version 1;
    /// A fulfilment was packed.
    FulfillmentPacked(FulfillmentStep) = "fulfillment.packed", subject "the order's id", version 1;
    /// A fulfilment shipped: its units left stock.
    FulfillmentShipped(FulfillmentStep) = "fulfillment.shipped", subject "the order's id", version 1;
    /// A fulfilment was delivered.
    FulfillmentDelivered(FulfillmentStep) = "fulfillment.delivered", subject "the order's id", version 1;
    /// A fulfilment was cancelled and its reservations released.
    FulfillmentCancelled(FulfillmentStep) = "fulfillment.cancelled", subject "the order's id", version 1;
    /// A click-and-collect fulfilment is ready at the store.
    FulfillmentReadyForPickup(FulfillmentStep) = "fulfillment.ready_for_pickup", subject "the order's id", version 1;
    /// The customer collected a click-and-collect fulfilment.
    FulfillmentPickedUp(FulfillmentStep) = "fulfillment.picked_up", subject "the order's id", version 1;
    /// A location rejected a fulfilment; its lines are routed again.
    FulfillmentRejected(FulfillmentRejected) = "fulfillment.rejected", subject "the order's id", version 1;
    /// A shipping label was bought for a fulfilment.
    FulfillmentLabelPurchased(LabelPurchased) = "fulfillment.label_purchased", subject "the order's id", version 1;
    /// A carrier reported a parcel in transit.
    ShipmentInTransit(TrackingUpdate) = "shipment.in_transit", subject "the order's id", version 1;
    /// A carrier reported a parcel out for delivery.
    ShipmentOutForDelivery(TrackingUpdate) = "shipment.out_for_delivery", subject "the order's id", version 1;
    /// A carrier reported a parcel delivered.
    ShipmentDelivered(TrackingUpdate) = "shipment.delivered", subject "the order's id", version 1;
    /// A carrier reported a problem with a parcel.
    ShipmentException(TrackingUpdate) = "shipment.exception", subject "the order's id", version 1;
    /// Money was authorized.
    PaymentAuthorized(PaymentMoved) = "payment.authorized", subject "the order's id", version 1;
    /// Money was captured.
    PaymentCaptured(PaymentMoved) = "payment.captured", subject "the order's id", version 1;
    /// An authorization was released.
    PaymentVoided(PaymentMoved) = "payment.voided", subject "the order's id", version 1;
    /// A gateway refused or failed a payment step (no money moved).
    PaymentFailed(PaymentMoved) = "payment.failed", subject "the order's id", version 1;
    /// Money went back to a payment: one payment's part of a refund.
    RefundSucceeded(PaymentMoved) = "refund.succeeded", subject "the order's id", version 1;
    /// A gateway reported money given back at the gateway itself (a refund made in its dashboard).
    PaymentRefunded(PaymentMoved) = "payment.refunded", subject "the order's id", version 1;
    /// A refund was created.
    RefundCreated(RefundCreated) = "refund.created", subject "the order's id", version 1;
    /// Every part of a refund was made.
    RefundCompleted(RefundFinished) = "refund.completed", subject "the order's id", version 1;
    /// A gateway refused part of a refund; what succeeded stays refunded.
    RefundFailed(RefundFinished) = "refund.failed", subject "the order's id", version 1;
    /// A gift card or store credit balance changed.
    BalanceChanged(BalanceChanged) = "balance.changed", subject "the balance account's id", version 1;
    /// An outbound webhook subscription was created.
    WebhookCreated(WebhookRef) = "webhook.created", subject "the subscription's id", version 1;
    /// A subscription's URL, events, description, status or secret changed.
    WebhookUpdated(WebhookRef) = "webhook.updated", subject "the subscription's id", version 1;
    /// A subscription was deleted with its delivery log.
    WebhookDeleted(WebhookRef) = "webhook.deleted", subject "the subscription's id", version 1;
    /// Ordo disabled a subscription whose receiver failed every attempt for too long.
    WebhookDisabled(WebhookDisabled) = "webhook.disabled", subject "the subscription's id", version 1;
    /// A message to the customer about their order was handed to the mail server or SMS provider.
    NotificationSent(NotificationStep) = "notification.sent", subject "the order's id", version 1;
    /// A message to the customer could not be sent and was given up.
    NotificationFailed(NotificationStep) = "notification.failed", subject "the order's id", version 1;
    /// Exchange rates were stored.
    ExchangeRatesUpdated(RatesUpdated) = "exchange_rates.updated", subject "the base currency", version 1;
    /// A return was requested.
    ReturnRequested(ReturnRequested) = "return.requested", subject "the order's id", version 1;
    /// A return was approved.
    ReturnApproved(ReturnStep) = "return.approved", subject "the order's id", version 1;
    /// A return was rejected.
    ReturnRejected(ReturnStep) = "return.rejected", subject "the order's id", version 1;
    /// A return's goods were received and dispositioned.
    ReturnReceived(ReturnStep) = "return.received", subject "the order's id", version 1;
    /// A return was closed.
    ReturnClosed(ReturnStep) = "return.closed", subject "the order's id", version 1;
    /// An exchange's replacement order was placed.
    ReturnExchangePlaced(ExchangePlaced) = "return.exchange_placed", subject "the order's id", version 1;
    /// A return's refund could not be made.
    ReturnRefundFailed(ReturnRefundFailed) = "return.refund_failed", subject "the order's id", version 1;
    /// A prepaid return label was bought.
    ReturnLabelPurchased(ReturnLabelPurchased) = "return.label_purchased", subject "the order's id", version 1;
    /// A claim was filed (and resolved by a refund or a reshipment).
    ClaimCreated(ClaimCreated) = "claim.created", subject "the order's id", version 1;
}

/// The events that more than one use case records, each built here once.
impl Event {
    /// On-hand units changed by hand or by a receipt, as the ledger entry records it.
    pub fn inventory_adjusted(m: &ordo_domain::inventory::Movement) -> Event {
        Event::InventoryAdjusted(InventoryAdjusted {
            sku: m.sku.clone(),
            location: m.location.clone(),
            delta: m.on_hand_delta,
            reason: m.reason.as_str().to_owned(),
            on_hand: m.on_hand_after,
            reserved: m.reserved_after,
            available: m.on_hand_after - m.reserved_after,
        })
    }

    pub fn order_cancelled(order: &Order, actor: &str) -> Event {
        Event::OrderCancelled(OrderCancelled {
            id: order.id.to_string(),
            number: order.number,
            reason: order.cancel_reason.clone(),
            actor: actor.to_owned(),
        })
    }

    /// The order's reservations after capture or a re-route, with the fulfilments created.
    pub fn order_allocated(
        order: &Order,
        created: &[Fulfillment],
        rerouted: Option<(&str, &str)>,
        actor: &str,
    ) -> Event {
        Event::OrderAllocated(OrderAllocated {
            id: order.id.to_string(),
            allocations: order
                .lines
                .iter()
                .flat_map(|l| {
                    l.allocations.iter().map(|a| AllocationRef {
                        line_id: l.id.to_string(),
                        sku: l.sku.clone(),
                        location: a.location.clone(),
                        quantity: a.quantity,
                    })
                })
                .collect(),
            fulfillments: created
                .iter()
                .map(|f| FulfillmentRef { id: f.id.to_string(), location: f.location.clone() })
                .collect(),
            rerouted_from: rerouted.map(|(from, _)| from.to_owned()),
            reason: rerouted.map(|(_, why)| why.to_owned()),
            actor: actor.to_owned(),
        })
    }

    /// Every fulfilment of the order was delivered.
    pub fn order_delivered(order: &Order, actor: &str) -> Event {
        Event::OrderDelivered(OrderRef { id: order.id.to_string(), number: order.number, actor: actor.to_owned() })
    }

    pub fn product_created(p: &ordo_domain::catalog::Product) -> Event {
        Event::ProductCreated(ProductRef { sku: p.sku.clone(), version: None })
    }

    pub fn product_updated(p: &ordo_domain::catalog::Product) -> Event {
        Event::ProductUpdated(ProductRef { sku: p.sku.clone(), version: Some(p.version) })
    }

    pub fn customer_updated(c: &ordo_domain::catalog::Customer) -> Event {
        Event::CustomerUpdated(CustomerRef { email: c.email.clone(), version: Some(c.version) })
    }
}

/// Appends an event about `subject` to the outbox, in the caller's transaction.
pub fn emit(tx: &mut dyn Tx, now: i64, subject: &str, event: Event) -> AppResult<()> {
    let id = EventId::generate(now as u64, random_u128());
    let data = serde_json::to_string(&event).map_err(|e| AppError::Internal(format!("event payload: {e}")))?;
    let version = i64::from(event.version());
    tx.append_event(&NewEvent {
        id: id.as_str(),
        event_type: event.event_type(),
        subject,
        at: now,
        data: &data,
        version,
    })?;
    Ok(())
}

/// The catalogue as Markdown: `docs/events.md`.
pub fn catalogue_markdown() -> String {
    let mut out = String::from(
        "# Events\n\nEvery change Ordo makes is recorded as an event in the outbox, in the same transaction as \
         the change, and read from `GET /v1/events` in commit order. Each event has an `id`, a `type` \
         (below), a `sequence` (its place in commit order), a `subject` (the object it is about), the \
         time it was recorded `created_at`, its `data`, whose fields are \
         listed here, and the `version` of the data's schema. Fields are only ever added; a change \
         that is not an addition gets a new schema version.\n\nThis file is generated from the catalogue in `crates/ordo-app/src/kernel/events/` \
         and checked by a test; do not edit it by hand.\n",
    );
    for spec in CATALOGUE {
        out.push_str(&format!(
            "\n## `{}`\n\n{}\n\nSubject: {}. Payload `{}`, version {}.\n\n| Field | Type | |\n|---|---|---|\n",
            spec.name,
            spec.summary.trim(),
            spec.subject,
            spec.payload,
            spec.version
        ));
        fields(&mut out, spec.schema);
    }
    out.push_str("\n## Nested types\n");
    let nested: [(&str, SchemaFn); 3] = [
        ("AllocationRef", <AllocationRef as utoipa::PartialSchema>::schema),
        ("FulfillmentRef", <FulfillmentRef as utoipa::PartialSchema>::schema),
        ("Shortage", <Shortage as utoipa::PartialSchema>::schema),
    ];
    for (name, schema) in nested {
        out.push_str(&format!("\n### `{name}`\n\n| Field | Type | |\n|---|---|---|\n"));
        fields(&mut out, schema);
    }
    out
}

fn fields(out: &mut String, schema: SchemaFn) {
    let schema = serde_json::to_value(schema()).unwrap_or_default();
    let required: Vec<&str> = schema["required"].as_array().into_iter().flatten().filter_map(|v| v.as_str()).collect();
    for (field, prop) in schema["properties"].as_object().into_iter().flatten() {
        let kind = match (&prop["type"], prop["items"]["$ref"].as_str()) {
            (_, Some(r)) => format!("array of {}", r.rsplit('/').next().unwrap_or_default()),
            (serde_json::Value::String(t), None) => t.clone(),
            (serde_json::Value::Array(ts), None) => {
                ts.iter().filter_map(|t| t.as_str()).collect::<Vec<_>>().join(" or ")
            }
            _ => "object".to_owned(),
        };
        let optional = if required.contains(&field.as_str()) { "" } else { " (may be absent)" };
        let doc = prop["description"].as_str().unwrap_or_default().replace('\n', " ");
        out.push_str(&format!("| `{field}` | {kind}{optional} | {doc} |\n"));
    }
}

impl App {
    /// Events in commit order, after the cursor.
    pub async fn list_events(
        &self,
        actor: &Actor,
        page: Page<i64>,
        filter: EventFilter,
    ) -> AppResult<Vec<EventRecord>> {
        if !actor.can(Action::ReadEvents) {
            return Err(AppError::Forbidden("this key may not read events".into()));
        }
        self.store.read(move |tx| Ok(tx.list_events(&page, &filter)?)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checked_in_event_catalogue_matches_the_code() {
        let generated = catalogue_markdown();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/events.md");
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let stored = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            stored == generated,
            "docs/events.md is out of date: run `UPDATE_DOCS=1 cargo test -p ordo-app events`"
        );
    }

    #[test]
    fn every_event_type_is_listed_once_and_documents_its_fields() {
        let mut names: Vec<&str> = CATALOGUE.iter().map(|s| s.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "an event type is listed twice");
        for spec in CATALOGUE {
            let schema = serde_json::to_value((spec.schema)()).unwrap();
            let props = schema["properties"].as_object().unwrap_or_else(|| panic!("{} has no fields", spec.name));
            assert!(!props.is_empty(), "{} has no fields", spec.name);
            assert!(
                spec.name.contains('.') && spec.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_')
            );
        }
    }

    #[test]
    fn an_event_serializes_as_its_payload_alone() {
        let e = Event::ProductUpdated(ProductRef { sku: "X".into(), version: Some(2) });
        assert_eq!(e.event_type(), "product.updated");
        assert_eq!(serde_json::to_value(&e).unwrap(), serde_json::json!({"sku": "X", "version": 2}));
        let created = Event::ProductCreated(ProductRef { sku: "X".into(), version: None });
        assert_eq!(serde_json::to_value(&created).unwrap(), serde_json::json!({"sku": "X"}));
    }
}
