//! What Ordo tells a customer, and what each customer wants to be told: the kinds of message
//! (one per customer-facing step of an order), which event calls for each, and a customer's
//! preferences (which optional messages, their language, a phone number for SMS, and
//! marketing consent, kept apart from the messages about their orders).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::kernel::guard::require;
use crate::{Action, Actor, App, AppError, AppResult};
use ordo_domain::validate::Errors;

pub use ordo_domain::notification::{LANGUAGES, MessageKind};

/// What one message is about besides its order: the step whose data it shows, and which
/// object makes it the same message (a second event about the same fulfilment's delivery
/// sends nothing twice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Called {
    pub kind: MessageKind,
    /// The order (for the staff's messages, what the message is about: a subscription, a
    /// stock alert).
    pub order_id: String,
    /// The fulfilment, return or refund it is about, when it is about one.
    pub about: Option<String>,
    /// What makes two calls the same message.
    pub once_per: String,
}

/// The message an event calls for, if any. `data` is the event's payload; its subject is
/// the order's id for every event that calls for one.
pub fn called_by(event_type: &str, event_id: &str, subject: &str, data: &serde_json::Value) -> Option<Called> {
    let field = |name: &str| data.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    let (kind, about) = match event_type {
        "order.created" => (MessageKind::OrderConfirmation, None),
        "order.edited" => (MessageKind::OrderChanged, None),
        "order.payment_required" => (MessageKind::PaymentRequired, None),
        "order.cancelled" => (MessageKind::Cancelled, None),
        "fulfillment.shipped" => (MessageKind::Shipped, field("id")),
        "shipment.out_for_delivery" => (MessageKind::OutForDelivery, field("fulfillment_id")),
        // Delivered by hand or by the carrier's tracking: one message either way.
        "fulfillment.delivered" => (MessageKind::Delivered, field("id")),
        "shipment.delivered" => (MessageKind::Delivered, field("fulfillment_id")),
        "fulfillment.ready_for_pickup" => (MessageKind::ReadyForPickup, field("id")),
        "fulfillment.picked_up" => (MessageKind::PickedUp, field("id")),
        "return.approved" => (MessageKind::ReturnApproved, field("return_id")),
        // Only a label bought for an approved return, as the event says; one bought before
        // the approval goes with the approval's message. (Without the data, as when a worker
        // asks whether it wants the event at all, the type alone answers.)
        "return.label_purchased"
            if data.is_null() || data.get("return_status").and_then(|v| v.as_str()) == Some("approved") =>
        {
            (MessageKind::ReturnLabel, field("return_id"))
        }
        "return.received" => (MessageKind::ReturnReceived, field("return_id")),
        "refund.completed" => (MessageKind::RefundIssued, field("refund_id")),
        "webhook.disabled" if subject.starts_with("whk_") => {
            return Some(Called {
                kind: MessageKind::WebhookDisabled,
                order_id: subject.to_owned(),
                about: None,
                once_per: event_id.to_owned(),
            });
        }
        // To the location's buyers, once per alert (`order_id` names the alert; without the
        // data, the type alone answers).
        "inventory.low_stock" => {
            return Some(Called {
                kind: MessageKind::LowStock,
                order_id: field("id").unwrap_or_default(),
                about: field("location"),
                once_per: event_id.to_owned(),
            });
        }
        _ => return None,
    };
    if !subject.starts_with("ord_") {
        return None;
    }
    // Edits and payment requests may come many times; every other step once per object.
    let once_per = match kind {
        MessageKind::OrderChanged | MessageKind::PaymentRequired => event_id.to_owned(),
        _ => about.clone().unwrap_or_else(|| subject.to_owned()),
    };
    Some(Called { kind, order_id: subject.to_owned(), about, once_per })
}

/// Consent to marketing, kept apart from the messages about a customer's orders.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MarketingConsent {
    pub granted: bool,
    /// When it was last given or withdrawn (RFC 3339).
    #[schema(nullable = false)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// Where: `checkout`, `unsubscribe_link`, `support`, ...
    #[schema(nullable = false)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// What a customer wants to be told, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Preferences {
    /// The language messages are written in (`en`, `de`).
    pub language: String,
    /// Optional messages the customer turned off for email.
    #[schema(value_type = Vec<crate::kernel::schema::OptionalMessageKindName>)]
    pub email_off: Vec<String>,
    /// Messages the customer wants by SMS too (needs `phone`).
    #[schema(value_type = Vec<crate::kernel::schema::CustomerMessageKindName>)]
    pub sms: Vec<String>,
    /// The number SMS go to, in E.164 form (`+4915112345678`).
    #[schema(nullable = false)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub marketing: MarketingConsent,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            language: "en".into(),
            email_off: Vec::new(),
            sms: Vec::new(),
            phone: None,
            marketing: MarketingConsent::default(),
        }
    }
}

impl Preferences {
    /// Whether this kind of message goes by email.
    pub fn wants_email(&self, kind: MessageKind) -> bool {
        !(kind.optional() && self.email_off.iter().any(|k| k == kind.as_str()))
    }

    pub fn parse(body: Option<&str>) -> Preferences {
        body.and_then(|b| serde_json::from_str(b).ok()).unwrap_or_default()
    }
}

/// A change to a customer's preferences: the fields given replace what is there.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesInput {
    #[schema(value_type = Option<crate::kernel::schema::LanguageName>)]
    pub language: Option<String>,
    /// Optional messages to turn off for email (`shipped`, `out_for_delivery`, `delivered`,
    /// `picked_up`, `return_received`); the others always go.
    #[schema(value_type = Option<Vec<crate::kernel::schema::OptionalMessageKindName>>, max_items = 12)]
    pub email_off: Option<Vec<String>>,
    #[schema(value_type = Option<Vec<crate::kernel::schema::CustomerMessageKindName>>, max_items = 12)]
    pub sms: Option<Vec<String>>,
    /// E.164: `+` and 8 to 15 digits; `""` removes it.
    #[schema(max_length = 16, pattern = r"^(\+[0-9]{8,15})?$")]
    pub phone: Option<String>,
    /// Marketing consent given (`true`) or withdrawn (`false`), recorded with the time.
    pub marketing: Option<bool>,
    /// Where the consent was given or withdrawn; `api` when not said.
    #[schema(max_length = 64, pattern = r"^[^\u0000]*$")]
    pub marketing_source: Option<String>,
}

fn kinds(e: &mut Errors, field: &str, list: &Option<Vec<String>>, only_optional: bool) -> Option<Vec<String>> {
    let list = list.as_ref()?;
    if list.len() > 12 {
        e.add(field, "lists at most 12 kinds of message");
        return None;
    }
    let mut out = Vec::new();
    for (i, k) in list.iter().enumerate() {
        match MessageKind::parse(k) {
            None => e.add(format!("{field}/{i}"), "is not a kind of message"),
            Some(kind) if !kind.to_customer() => e.add(format!("{field}/{i}"), "is not a message to customers"),
            Some(kind) if only_optional && !kind.optional() => {
                e.add(format!("{field}/{i}"), "cannot be turned off: it is about the customer's order or money")
            }
            Some(kind) if !out.contains(&kind.as_str().to_owned()) => out.push(kind.as_str().to_owned()),
            Some(_) => {}
        }
    }
    out.sort();
    Some(out)
}

impl App {
    pub async fn customer_preferences(&self, actor: &Actor, customer_id: &str) -> AppResult<Preferences> {
        require(actor, Action::ReadCustomers)?;
        let id = customer_id.to_owned();
        self.store
            .read(move |tx| {
                tx.customer_by_id(&id)?.ok_or(AppError::NotFound("customer"))?;
                Ok(Preferences::parse(tx.customer_preferences(&id)?.as_deref()))
            })
            .await
    }

    /// Changes what the fields given name, and keeps the rest.
    pub async fn update_customer_preferences(
        &self,
        actor: &Actor,
        customer_id: &str,
        input: PreferencesInput,
    ) -> AppResult<Preferences> {
        require(actor, Action::WriteCustomers)?;
        let mut e = Errors::new();
        let language = e.optional_text("language", input.language.as_deref(), 8);
        if language.as_deref().is_some_and(|l| !LANGUAGES.contains(&l)) {
            e.add("language", "must be one of the languages messages are written in: en, de");
        }
        let email_off = kinds(&mut e, "email_off", &input.email_off, true);
        let sms = kinds(&mut e, "sms", &input.sms, false);
        let phone = input.phone.clone();
        if let Some(p) = phone.as_deref().filter(|p| !p.is_empty()) {
            let digits = p.strip_prefix('+').unwrap_or("");
            if !(8..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
                e.add("phone", "must be in E.164 form: '+' and 8 to 15 digits");
            }
        }
        let source = e.optional_text("marketing_source", input.marketing_source.as_deref(), 64);
        e.finish(())?;
        let (id, now) = (customer_id.to_owned(), self.now());
        let marketing = input.marketing;
        self.store
            .write(move |tx| {
                tx.customer_by_id(&id)?.ok_or(AppError::NotFound("customer"))?;
                let mut p = Preferences::parse(tx.customer_preferences(&id)?.as_deref());
                if let Some(l) = &language {
                    p.language = l.clone();
                }
                if let Some(k) = &email_off {
                    p.email_off = k.clone();
                }
                if let Some(k) = &sms {
                    p.sms = k.clone();
                }
                if let Some(ph) = &phone {
                    p.phone = (!ph.is_empty()).then(|| ph.clone());
                }
                if !p.sms.is_empty() && p.phone.is_none() {
                    let mut e = Errors::new();
                    e.conflicting("sms", "needs a phone number to send to");
                    e.finish(())?;
                }
                if let Some(granted) = marketing {
                    p.marketing = MarketingConsent {
                        granted,
                        at: Some(crate::kernel::time_fmt::format_ms(now)),
                        source: Some(source.clone().unwrap_or_else(|| "api".into())),
                    };
                }
                let body = serde_json::to_string(&p).map_err(|e| AppError::Internal(e.to_string()))?;
                tx.put_customer_preferences(&id, &body, now)?;
                Ok(p)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_step_calls_for_its_message_once_per_object() {
        let data = serde_json::json!({"id": "ful_1", "fulfillment_id": "ful_1", "return_id": "ret_1"});
        let shipped = called_by("fulfillment.shipped", "evt_1", "ord_1", &data).unwrap();
        assert_eq!((shipped.kind, shipped.about.as_deref()), (MessageKind::Shipped, Some("ful_1")));
        let by_hand = called_by("fulfillment.delivered", "evt_2", "ord_1", &data).unwrap();
        let by_carrier = called_by("shipment.delivered", "evt_3", "ord_1", &data).unwrap();
        assert_eq!(by_hand.once_per, by_carrier.once_per, "delivered once, however it was learned");
        let edit1 = called_by("order.edited", "evt_4", "ord_1", &data).unwrap();
        let edit2 = called_by("order.edited", "evt_5", "ord_1", &data).unwrap();
        assert_ne!(edit1.once_per, edit2.once_per, "every edit is told");
        assert_eq!(called_by("inventory.adjusted", "evt_6", "SKU-1", &data), None);
        assert_eq!(called_by("order.created", "evt_7", "not-an-order", &data), None);
        for k in MessageKind::ALL {
            assert_eq!(MessageKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn a_label_has_a_message_of_its_own_only_when_bought_for_an_approved_return() {
        let bought = |status: &str| serde_json::json!({"return_id": "ret_1", "return_status": status});
        let after = called_by("return.label_purchased", "evt_2", "ord_1", &bought("approved")).unwrap();
        assert_eq!(
            (after.kind, after.about.as_deref(), after.once_per.as_str()),
            (MessageKind::ReturnLabel, Some("ret_1"), "ret_1")
        );
        assert!(called_by("return.label_purchased", "evt_2", "ord_1", &bought("requested")).is_none());
        assert!(
            called_by("return.label_purchased", "evt_2", "ord_1", &serde_json::json!({"return_id": "ret_1"})).is_none()
        );
        // A worker asking whether it wants the event at all passes no data: the type answers.
        assert!(called_by("return.label_purchased", "evt_2", "ord_1", &serde_json::Value::Null).is_some());
    }

    #[test]
    fn only_optional_messages_can_be_turned_off() {
        let p = Preferences { email_off: vec!["shipped".into(), "refund_issued".into()], ..Default::default() };
        assert!(!p.wants_email(MessageKind::Shipped));
        assert!(p.wants_email(MessageKind::RefundIssued), "money is always told");
        assert!(p.wants_email(MessageKind::Delivered));
        assert_eq!(Preferences::parse(Some("not json")), Preferences::default());
    }
}
