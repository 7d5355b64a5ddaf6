//! The pages customers open from their email without a key: an order's tracking page (its
//! status, each shipment with its carrier, tracking number, link and latest tracking event,
//! the expected delivery, pickup instructions for click and collect, and a return started
//! within the window) and the unsubscribe page (RFC 8058's one-click `POST` too). Each opens
//! by a random token (`public_links`, 128 bits), never by an order's or a customer's id, and
//! shows no more of the customer than their first name and city.

use ordo_domain::fulfillment::{Fulfillment, FulfillmentStatus};
use serde::Serialize;
use serde_json::json;

use crate::aftersales::returns::{ReturnInput, ReturnLineInput};
use crate::aftersales::units::OrderUnits;
use crate::kernel::time_fmt::format_ms;
use crate::notify::brand::{Brand, PageLook};
use crate::notify::email::carrier_tracking_link;
use crate::notify::messages::{MarketingConsent, MessageKind, Preferences};
use crate::{Actor, App, AppError, AppResult, random_u128};

/// What a link opens.
pub const TRACKING: &str = "tracking";
pub const UNSUBSCRIBE: &str = "unsubscribe";

const DAY_MS: i64 = 24 * 3600 * 1000;

/// A new link token: 128 random bits, as hex.
pub fn new_token() -> String {
    format!("{:032x}", random_u128())
}

/// The latest word from the carrier about a shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackingNews {
    pub status: String,
    pub description: Option<String>,
    pub at: String,
}

/// Where and how to collect a click-and-collect order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pickup {
    pub location: String,
    pub address: String,
    /// Whether it is ready now.
    pub ready: bool,
}

/// One shipment (or pickup) of the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shipment {
    pub status: String,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_link: Option<String>,
    pub shipped_at: Option<String>,
    pub delivered_at: Option<String>,
    pub latest: Option<TrackingNews>,
    pub pickup: Option<Pickup>,
    /// What is in it: product names and quantities.
    pub items: Vec<(String, i64)>,
}

/// A line the customer may still start a return for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Returnable {
    pub line_id: String,
    pub name: String,
    pub quantity: i64,
}

/// What the tracking page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackingPage {
    pub store: String,
    /// The customer's language (`en`, `de`), the page's too.
    pub language: String,
    /// The store's look (the order's channel's branding).
    #[serde(skip)]
    pub look: PageLook,
    pub order_number: i64,
    /// The order's fulfilment status (`unfulfilled`, `in_progress`, `shipped`, `delivered`,
    /// ...), or `cancelled`.
    pub status: String,
    pub placed_at: String,
    pub first_name: Option<String>,
    pub city: Option<String>,
    /// When the order was promised by.
    pub expected_by: Option<String>,
    pub shipments: Vec<Shipment>,
    /// What may still be returned, while the window is open.
    pub returnable: Vec<Returnable>,
    pub return_window_closes: Option<String>,
}

/// What the unsubscribe page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnsubscribePage {
    pub store: String,
    #[serde(skip)]
    pub look: PageLook,
    pub first_name: Option<String>,
    /// The optional messages still sent by email.
    pub still_on: Vec<String>,
    pub marketing: bool,
}

fn shipment(
    f: &Fulfillment,
    order: &ordo_domain::order::Order,
    location: Option<&ordo_domain::catalog::Location>,
) -> Shipment {
    let name = |line_id: &str| {
        order.lines.iter().find(|l| l.id.as_str() == line_id).map(|l| l.name.clone()).unwrap_or_default()
    };
    let link = match (&f.carrier, &f.tracking_number) {
        (Some(c), Some(n)) => carrier_tracking_link(c, n),
        _ => None,
    };
    let latest = f.tracking_events.iter().max_by_key(|e| e.occurred_at).map(|e| TrackingNews {
        status: e.status.clone(),
        description: e.description.clone(),
        at: format_ms(e.occurred_at),
    });
    let pickup = f.pickup.then(|| Pickup {
        location: location.map(|l| l.name.clone()).unwrap_or_else(|| f.location.clone()),
        address: location
            .map(|l| {
                let a = &l.address;
                [Some(a.line1.clone()), a.postal_code.clone(), Some(a.city.clone())]
                    .into_iter()
                    .flatten()
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default(),
        ready: f.status == FulfillmentStatus::ReadyForPickup,
    });
    Shipment {
        status: f.status.as_str().to_owned(),
        carrier: f.carrier.clone(),
        tracking_number: f.tracking_number.clone(),
        tracking_link: link,
        shipped_at: f.shipped_at.map(format_ms),
        delivered_at: f.delivered_at.map(format_ms),
        latest,
        pickup,
        items: f.lines.iter().map(|l| (name(l.line_id.as_str()), l.quantity)).collect(),
    }
}

impl App {
    /// What a link's token opens, if it is a link for `purpose`.
    async fn opened(&self, token: &str, purpose: &'static str) -> AppResult<String> {
        let t = token.to_owned();
        let found = self.store.read(move |tx| Ok::<_, AppError>(tx.resolve_public_link(&t)?)).await?;
        match found {
            Some((p, subject)) if p == purpose => Ok(subject),
            _ => Err(AppError::NotFound("page")),
        }
    }

    /// The order's tracking page, by its link's token (404 for any other).
    pub async fn tracking_page(&self, token: &str) -> AppResult<TrackingPage> {
        let order_id = self.opened(token, TRACKING).await?;
        let now = self.now();
        let mail = self.mail.clone();
        self.store
            .read(move |tx| {
                let order = tx.order_by_id(&order_id)?.ok_or(AppError::NotFound("page"))?;
                let language =
                    Preferences::parse(tx.customer_preferences(order.customer_id.as_str())?.as_deref()).language;
                let fulfillments = tx.fulfillments_for_order(&order_id)?;
                let customer = tx.customer_by_id(order.customer_id.as_str())?;
                let mut shipments = Vec::new();
                for f in fulfillments
                    .iter()
                    .filter(|f| !matches!(f.status, FulfillmentStatus::Cancelled | FulfillmentStatus::Rejected))
                {
                    let location = if f.pickup { tx.location_by_code(&f.location)? } else { None };
                    shipments.push(shipment(f, &order, location.as_ref()));
                }
                let units = OrderUnits::of(tx, &order)?;
                let settings = crate::channels::settings::settings_of(tx, &order.channel)?;
                let brand = Brand::of(&mail, &settings.branding);
                let closes = units.last_shipped_at.map(|at| at + settings.return_window_days * DAY_MS);
                let returnable = match closes {
                    Some(c) if now <= c => order
                        .lines
                        .iter()
                        .filter_map(|l| {
                            let left = units.line(l.id.as_str()).left();
                            (left > 0).then(|| Returnable {
                                line_id: l.id.to_string(),
                                name: l.name.clone(),
                                quantity: left,
                            })
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                let status = if order.cancelled_at.is_some() {
                    "cancelled".to_owned()
                } else {
                    crate::shipping::fulfillments::order_status(&fulfillments).as_str().to_owned()
                };
                let first_name =
                    customer.and_then(|c| c.name).and_then(|n| n.split_whitespace().next().map(str::to_owned));
                Ok(TrackingPage {
                    store: brand.name.clone(),
                    look: PageLook { brand, language: language.clone() },
                    language,
                    order_number: order.number,
                    status,
                    placed_at: format_ms(order.created_at),
                    first_name,
                    city: order.shipping_address.as_ref().map(|a| a.city.clone()),
                    expected_by: order.promised_by.map(format_ms),
                    shipments,
                    return_window_closes: closes.filter(|_| !returnable.is_empty()).map(format_ms),
                    returnable,
                })
            })
            .await
    }

    /// Starts a return from the tracking page: one line, some of its units, for a reason;
    /// requested (an operator approves it), within the window only.
    pub async fn return_from_tracking(&self, token: &str, line_id: &str, quantity: i64, reason: &str) -> AppResult<()> {
        let order_id = self.opened(token, TRACKING).await?;
        let input = ReturnInput {
            lines: Some(vec![ReturnLineInput {
                line_id: Some(line_id.to_owned()),
                quantity: Some(quantity),
                reason: Some(reason.to_owned()),
                note: Some("started from the tracking page".into()),
            }]),
            ..Default::default()
        };
        self.request_return(&Actor::system(), &order_id, input, None).await.map(|_| ())
    }

    /// The unsubscribe page, by its link's token.
    pub async fn unsubscribe_page(&self, token: &str) -> AppResult<UnsubscribePage> {
        let customer_id = self.opened(token, UNSUBSCRIBE).await?;
        let brand = Brand::default_of(&self.mail);
        self.store
            .read(move |tx| {
                let customer = tx.customer_by_id(&customer_id)?.ok_or(AppError::NotFound("page"))?;
                let p = Preferences::parse(tx.customer_preferences(&customer_id)?.as_deref());
                let still_on = MessageKind::ALL
                    .into_iter()
                    .filter(|k| k.optional() && p.wants_email(*k))
                    .map(|k| k.as_str().to_owned())
                    .collect();
                let first_name = customer.name.and_then(|n| n.split_whitespace().next().map(str::to_owned));
                Ok(UnsubscribePage {
                    store: brand.name.clone(),
                    look: PageLook { brand, language: p.language.clone() },
                    first_name,
                    still_on,
                    marketing: p.marketing.granted,
                })
            })
            .await
    }

    /// Turns every optional message off, and marketing consent with it (RFC 8058's
    /// one-click unsubscribe lands here too). Doing it twice changes nothing more.
    pub async fn unsubscribe(&self, token: &str) -> AppResult<()> {
        let customer_id = self.opened(token, UNSUBSCRIBE).await?;
        let now = self.now();
        self.store
            .write(move |tx| {
                let mut p = Preferences::parse(tx.customer_preferences(&customer_id)?.as_deref());
                p.email_off =
                    MessageKind::ALL.into_iter().filter(|k| k.optional()).map(|k| k.as_str().to_owned()).collect();
                p.email_off.sort();
                if p.marketing.granted {
                    p.marketing = MarketingConsent {
                        granted: false,
                        at: Some(format_ms(now)),
                        source: Some("unsubscribe_link".into()),
                    };
                }
                let body = serde_json::to_string(&p).map_err(|e| AppError::Internal(e.to_string()))?;
                tx.put_customer_preferences(&customer_id, &body, now)?;
                Ok(())
            })
            .await
    }

    /// A page as HTML, from the `pages/<language>/<name>.html` template in its store's look,
    /// with `extra` facts beside it (a notice, the link's token).
    pub fn render_page(
        &self,
        name: &str,
        look: &PageLook,
        page: &impl Serialize,
        extra: serde_json::Value,
    ) -> AppResult<String> {
        let mut ctx = json!({ "page": page, "store": look.brand.store_json() });
        if let (Some(ctx), serde_json::Value::Object(extra)) = (ctx.as_object_mut(), extra) {
            ctx.extend(extra);
        }
        self.templates.page(name, &look.language, &ctx).map_err(|e| AppError::Internal(format!("the {name} page: {e}")))
    }
}
