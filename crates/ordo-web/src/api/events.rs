//! The outbox endpoint: every event in commit order (`ordo_app::kernel::events`).
//!
//! The handler parses the query, calls the use case and renders through `views::events`; no
//! business rule here.

use axum::Json;
use axum::extract::State;
use ordo_app::page_limit;
use ordo_store::{EventFilter, Page};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ApiResult, Limit, decode_int_cursor, list};
use crate::extract::{Caller, Query};
use crate::state::AppState;
use crate::views::{EventView, ListView};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Items per page, 1 to 10000 (default 50); more than 200 counts as 200.
    #[param(value_type = Option<usize>, minimum = 1, maximum = 10000)]
    pub limit: Option<Limit>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^(3[0-9]){0,18}$")]
    pub cursor: Option<String>,
    /// Only events of this type, e.g. `order.created`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub event_type: Option<String>,
    /// Only events about this object id.
    pub subject: Option<String>,
}

/// The outbox: every event in commit order, oldest first.
#[utoipa::path(get, path = "/v1/events", tag = "events", params(EventQuery),
    responses((status = 200, body = ListView<EventView>)))]
pub async fn list_events(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<EventQuery>,
) -> ApiResult<Json<ListView<EventView>>> {
    let limit = page_limit(q.limit.map(|l| l.0));
    let page = Page { after: decode_int_cursor(&q.cursor)?, limit };
    let items = s
        .app
        .list_events(&actor, page, EventFilter { subject: q.subject, event_type: q.event_type, actor: None })
        .await?;
    Ok(Json(list(items, limit, |e: &ordo_store::EventRecord| e.seq.to_string())))
}
