//! How a sales channel's policies look on the wire.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use ordo_app::kernel::time_fmt::format_ms;
use serde::Serialize;
use utoipa::ToSchema;

use super::MoneyView;

/// A rule that holds an order for review when it is captured.
#[derive(Debug, Serialize, ToSchema)]
pub struct HoldRuleView {
    /// `total_above`, `countries_differ`, `first_order_above` or `blocked_customer`.
    pub when: String,
    /// The hold type it places.
    pub hold: String,
    pub amount: Option<MoneyView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<String>,
}

/// A sales channel's policies.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelView {
    pub channel: String,
    /// `at_placement` (the default) or `on_shipment`.
    pub capture: String,
    pub hold_rules: Vec<HoldRuleView>,
    /// Days after delivery (or shipment) within which returns are accepted.
    pub return_window_days: i64,
    /// When a return is refunded: `received` or `approved`.
    pub refund_returns_on: String,
    /// Absent while the channel runs on the defaults.
    pub updated_at: Option<String>,
}

impl From<&ordo_app::channels::settings::ChannelSettings> for ChannelView {
    fn from(c: &ordo_app::channels::settings::ChannelSettings) -> Self {
        ChannelView {
            channel: c.channel.clone(),
            capture: c.capture.to_string(),
            hold_rules: c
                .hold_rules
                .iter()
                .map(|r| HoldRuleView {
                    when: r.when.to_string(),
                    hold: r.hold.to_string(),
                    amount: match (r.amount, &r.currency) {
                        (Some(a), Some(c)) => Some(MoneyView::new(a, c)),
                        _ => None,
                    },
                    emails: r.emails.clone(),
                })
                .collect(),
            return_window_days: c.return_window_days,
            refund_returns_on: c.refund_returns_on.to_string(),
            updated_at: c.updated_at.map(format_ms),
        }
    }
}
