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
    /// The platform behind the channel: `api`, `shopify`, `woocommerce`, `bigcommerce`,
    /// `amazon` or `pos`.
    pub kind: String,
    /// The names of the credentials that are set; their values are never shown.
    pub credentials_set: Vec<String>,
    /// The codes of the locations whose stock the channel sells; empty: every location.
    pub locations: Vec<String>,
    /// Units per SKU kept back from what the channel is told it can sell.
    pub stock_buffer: i64,
    /// For a point of sale: its store's code.
    pub store_location: Option<String>,
    /// Pulls read orders changed from this time on (RFC 3339).
    pub pull_since: Option<String>,
    /// The channel's own look and sender; `null` parts come from Ordo's settings.
    pub branding: BrandingView,
}

/// A channel's look and sender in customer messages and on its tracking page.
#[derive(Debug, Serialize, ToSchema)]
pub struct BrandingView {
    pub store_name: Option<String>,
    pub logo_url: Option<String>,
    pub color: Option<String>,
    pub footer: Option<String>,
    pub from: Option<String>,
    pub reply_to: Option<String>,
}

impl From<&ordo_app::channels::branding::Branding> for BrandingView {
    fn from(b: &ordo_app::channels::branding::Branding) -> Self {
        BrandingView {
            store_name: b.store_name.clone(),
            logo_url: b.logo_url.clone(),
            color: b.color.clone(),
            footer: b.footer.clone(),
            from: b.from.clone(),
            reply_to: b.reply_to.clone(),
        }
    }
}

/// One payload a channel sent, and what became of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelImportView {
    #[schema(example = "imp_0h5tq2x8v3k9m4n7p1r6s0w2y")]
    pub id: String,
    pub channel: String,
    /// The platform's id for the delivery (Shopify's `X-Shopify-Webhook-Id`).
    pub delivery_id: Option<String>,
    /// The platform's order id, exactly as it wrote it.
    pub external_id: Option<String>,
    /// The platform's topic, e.g. `orders/create`.
    pub topic: String,
    /// `imported`, `updated`, `unchanged`, `parked`, `dismissed` or `ignored`.
    #[schema(value_type = ordo_app::kernel::schema::ImportStatus)]
    pub status: String,
    /// Why it was parked, what was not applied, or which amounts were rounded.
    pub reason: Option<String>,
    pub order_id: Option<String>,
    /// The body exactly as the platform sent it (absent in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&ordo_app::intake::imports::ChannelImport> for ChannelImportView {
    fn from(i: &ordo_app::intake::imports::ChannelImport) -> Self {
        ChannelImportView {
            id: i.id.clone(),
            channel: i.channel.clone(),
            delivery_id: i.delivery_id.clone(),
            external_id: i.external_id.clone(),
            topic: i.topic.clone(),
            status: i.status.to_string(),
            reason: i.reason.clone(),
            order_id: i.order_id.clone(),
            payload: i.payload.clone(),
            created_at: format_ms(i.created_at),
            updated_at: format_ms(i.updated_at),
        }
    }
}

/// What Ordo did with a webhook delivery (or a retried payload).
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelReceiptView {
    /// The import log entry.
    pub id: String,
    /// `imported`, `updated`, `unchanged`, `parked` or `ignored`.
    #[schema(value_type = ordo_app::kernel::schema::ImportStatus)]
    pub status: String,
    pub order_id: Option<String>,
    pub reason: Option<String>,
    /// The delivery was taken before; this says what became of it then.
    pub duplicate: bool,
}

impl From<&ordo_app::intake::webhooks::Receipt> for ChannelReceiptView {
    fn from(r: &ordo_app::intake::webhooks::Receipt) -> Self {
        ChannelReceiptView {
            id: r.import_id.clone(),
            status: r.status.to_string(),
            order_id: r.order_id.clone(),
            reason: r.reason.clone(),
            duplicate: r.duplicate,
        }
    }
}

/// What one pull of a channel's platform did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelSyncView {
    pub channel: String,
    /// Orders the platform answered with, changed since the last pull (and a few minutes
    /// before it).
    pub pulled: u64,
    pub imported: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Orders that could not become one; each is in the import log with its reason.
    pub parked: u64,
    pub ignored: u64,
    /// Versions of orders taken before, by a webhook or an earlier pull.
    pub repeats: u64,
    /// The newest platform change taken (RFC 3339); the next pull asks from a little before it.
    pub cursor: Option<String>,
}

impl From<&ordo_app::intake::pulls::SyncReport> for ChannelSyncView {
    fn from(r: &ordo_app::intake::pulls::SyncReport) -> Self {
        ChannelSyncView {
            channel: r.channel.clone(),
            pulled: r.pulled,
            imported: r.imported,
            updated: r.updated,
            unchanged: r.unchanged,
            parked: r.parked,
            ignored: r.ignored,
            repeats: r.repeats,
            cursor: r.cursor.map(format_ms),
        }
    }
}

/// Which Ordo SKU a platform's variant, product or SKU stands for.
#[derive(Debug, Serialize, ToSchema)]
pub struct SkuMappingView {
    pub channel: String,
    /// The platform's variant id, product id or SKU.
    pub external: String,
    pub sku: String,
    pub updated_at: String,
}

impl From<&ordo_store::SkuMappingRecord> for SkuMappingView {
    fn from(m: &ordo_store::SkuMappingRecord) -> Self {
        SkuMappingView {
            channel: m.channel.clone(),
            external: m.external.clone(),
            sku: m.sku.clone(),
            updated_at: format_ms(m.updated_at),
        }
    }
}

/// Where a SKU is listed on a channel's platform, and what Ordo last pushed to it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListingView {
    pub channel: String,
    pub sku: String,
    pub product_id: Option<String>,
    pub variant_id: Option<String>,
    pub inventory_item_id: Option<String>,
    pub location_id: Option<String>,
    /// The quantity the platform last accepted, and when; none before the first push.
    pub pushed_quantity: Option<i64>,
    pub pushed_at: Option<String>,
    /// Pushes the platform accepted since the listing was saved.
    pub pushes: i64,
    /// Refusals since the last accepted push; Ordo tries again with backoff.
    pub failures: i64,
    pub last_error: Option<String>,
    pub updated_at: String,
}

impl From<&ordo_app::intake::stock::Listing> for ListingView {
    fn from(l: &ordo_app::intake::stock::Listing) -> Self {
        let (r, t) = (&l.record, &l.target);
        ListingView {
            channel: r.channel.clone(),
            sku: r.sku.clone(),
            product_id: t.product_id.clone(),
            variant_id: t.variant_id.clone(),
            inventory_item_id: t.inventory_item_id.clone(),
            location_id: t.location_id.clone(),
            pushed_quantity: r.pushed,
            pushed_at: r.pushed_at.map(format_ms),
            pushes: r.pushes,
            failures: r.failures,
            last_error: r.last_error.clone(),
            updated_at: format_ms(r.updated_at),
        }
    }
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
            kind: c.kind.to_string(),
            credentials_set: c.credentials.names_set().into_iter().map(str::to_owned).collect(),
            locations: c.locations.clone(),
            stock_buffer: c.stock_buffer,
            store_location: c.store_location.clone(),
            pull_since: c.pull_since.map(format_ms),
            branding: BrandingView::from(&c.branding),
        }
    }
}
