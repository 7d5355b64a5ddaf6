//! Messages to customers: the kinds Ordo sends (one per customer-facing step of an order),
//! which of them a customer may turn off, the languages Ordo's own templates are written in,
//! and where a message stands.

/// The messages Ordo sends; `optional` ones a customer may turn off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageKind {
    OrderConfirmation,
    OrderChanged,
    PaymentRequired,
    Shipped,
    OutForDelivery,
    Delivered,
    ReadyForPickup,
    PickedUp,
    Cancelled,
    ReturnApproved,
    /// A prepaid return label bought after the return was approved (one bought before goes
    /// with the approval).
    ReturnLabel,
    ReturnReceived,
    RefundIssued,
    /// To the merchant's admins, not a customer: a webhook subscription was disabled.
    WebhookDisabled,
    /// To a location's buyers, not a customer: a SKU there fell to its reorder point.
    LowStock,
}

impl MessageKind {
    pub const ALL: [MessageKind; 15] = [
        MessageKind::OrderConfirmation,
        MessageKind::OrderChanged,
        MessageKind::PaymentRequired,
        MessageKind::Shipped,
        MessageKind::OutForDelivery,
        MessageKind::Delivered,
        MessageKind::ReadyForPickup,
        MessageKind::PickedUp,
        MessageKind::Cancelled,
        MessageKind::ReturnApproved,
        MessageKind::ReturnLabel,
        MessageKind::ReturnReceived,
        MessageKind::RefundIssued,
        MessageKind::WebhookDisabled,
        MessageKind::LowStock,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::OrderConfirmation => "order_confirmation",
            MessageKind::OrderChanged => "order_changed",
            MessageKind::PaymentRequired => "payment_required",
            MessageKind::Shipped => "shipped",
            MessageKind::OutForDelivery => "out_for_delivery",
            MessageKind::Delivered => "delivered",
            MessageKind::ReadyForPickup => "ready_for_pickup",
            MessageKind::PickedUp => "picked_up",
            MessageKind::Cancelled => "cancelled",
            MessageKind::ReturnApproved => "return_approved",
            MessageKind::ReturnLabel => "return_label",
            MessageKind::ReturnReceived => "return_received",
            MessageKind::RefundIssued => "refund_issued",
            MessageKind::WebhookDisabled => "webhook_disabled",
            MessageKind::LowStock => "low_stock",
        }
    }

    pub fn parse(s: &str) -> Option<MessageKind> {
        MessageKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether it goes to the order's customer (every kind but the staff's own).
    pub fn to_customer(self) -> bool {
        !matches!(self, MessageKind::WebhookDisabled | MessageKind::LowStock)
    }

    /// Progress notices a customer may turn off; what asks them to act, or tells them of
    /// their money or of a cancellation, always goes.
    pub fn optional(self) -> bool {
        matches!(
            self,
            MessageKind::Shipped
                | MessageKind::OutForDelivery
                | MessageKind::Delivered
                | MessageKind::PickedUp
                | MessageKind::ReturnReceived
        )
    }
}

/// The languages Ordo's own templates are written in; a merchant's template folder may add
/// others.
pub const LANGUAGES: [&str; 2] = ["en", "de"];

/// Where a message stands: `pending` (queued, or waiting to be tried again), `sent`,
/// `failed` (given up) or `skipped` (the customer turned this kind off).
pub const NOTIFICATION_STATUSES: [&str; 4] = ["pending", "sent", "failed", "skipped"];
