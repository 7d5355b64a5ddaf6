//! How a fulfilment looks on the wire: its lines, parcels and tracking events.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use ordo_app::kernel::time_fmt::format_ms;
use serde::Serialize;
use utoipa::ToSchema;

use super::QuoteView;

/// A parcel as packed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParcelView {
    pub weight_grams: i64,
    pub length_mm: i64,
    pub width_mm: i64,
    pub height_mm: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FulfillmentLineView {
    pub line_id: String,
    pub sku: String,
    pub quantity: i64,
}

/// One location's part of an order.
#[derive(Debug, Serialize, ToSchema)]
pub struct FulfillmentView {
    #[schema(example = "ful_01JD7Z0000000000000000000")]
    pub id: String,
    pub order_id: String,
    /// Location code.
    pub location: String,
    /// `pending`, `picking`, `packed`, `shipped`, `delivered`, `cancelled`, `rejected`, or for
    /// click and collect `ready_for_pickup` and `picked_up`.
    pub status: String,
    /// Collected by the customer at the location instead of shipped.
    pub pickup: bool,
    pub lines: Vec<FulfillmentLineView>,
    pub parcels: Vec<ParcelView>,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub shipped_at: Option<String>,
    pub delivered_at: Option<String>,
    pub version: i64,
    /// The shipping bought through Ordo, if any.
    pub shipping: Option<QuoteView>,
    /// The carrier's own label, when an external carrier API sold it.
    pub label_url: Option<String>,
    /// The carrier's reports, oldest first.
    pub tracking_events: Vec<TrackingEventView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrackingEventView {
    pub status: String,
    pub occurred_at: String,
    pub description: Option<String>,
}

impl From<&ordo_domain::fulfillment::Fulfillment> for FulfillmentView {
    fn from(f: &ordo_domain::fulfillment::Fulfillment) -> Self {
        FulfillmentView {
            id: f.id.to_string(),
            order_id: f.order_id.to_string(),
            location: f.location.clone(),
            status: f.status.as_str().to_owned(),
            pickup: f.pickup,
            lines: f
                .lines
                .iter()
                .map(|l| FulfillmentLineView {
                    line_id: l.line_id.to_string(),
                    sku: l.sku.clone(),
                    quantity: l.quantity,
                })
                .collect(),
            parcels: f
                .parcels
                .iter()
                .map(|p| ParcelView {
                    weight_grams: p.weight_grams,
                    length_mm: p.length_mm,
                    width_mm: p.width_mm,
                    height_mm: p.height_mm,
                })
                .collect(),
            carrier: f.carrier.clone(),
            tracking_number: f.tracking_number.clone(),
            created_at: format_ms(f.created_at),
            updated_at: format_ms(f.updated_at),
            shipped_at: f.shipped_at.map(format_ms),
            delivered_at: f.delivered_at.map(format_ms),
            version: f.version,
            shipping: f.shipping_quote.as_ref().map(QuoteView::from),
            label_url: f.label_url.clone(),
            tracking_events: f
                .tracking_events
                .iter()
                .map(|t| TrackingEventView {
                    status: t.status.clone(),
                    occurred_at: format_ms(t.occurred_at),
                    description: t.description.clone(),
                })
                .collect(),
        }
    }
}
