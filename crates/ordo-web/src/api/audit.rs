//! The audit log endpoint (`ordo_app::kernel::audit`): every change, who made it and from
//! where, with its link in the hash chain. Admins only.
//!
//! The handler parses the query, calls the use case and renders through `views::audit`; no
//! business rule here.

use axum::Json;
use axum::extract::State;
use ordo_app::kernel::audit::{AuditEntry, AuditFilter};
use ordo_app::page_limit;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ApiResult, Limit, decode_int_cursor, list, time_param};
use crate::extract::{Caller, Query};
use crate::state::AppState;
use crate::views::{AuditEntryView, ListView};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Items per page, 1 to 10000 (default 50); more than 200 counts as 200.
    #[param(value_type = Option<usize>, minimum = 1, maximum = 10000)]
    pub limit: Option<Limit>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^(3[0-9]){0,18}$")]
    pub cursor: Option<String>,
    /// Only changes made with this API key (its id, `key_...`).
    pub actor: Option<String>,
    /// Only changes of this object (an order id, a SKU, a customer id ...).
    pub object: Option<String>,
    /// Only changes of this kind (an event type, e.g. `store_credit.granted`).
    pub action: Option<String>,
    /// RFC 3339; changes made at or after.
    #[param(format = DateTime)]
    pub from: Option<String>,
    /// RFC 3339; changes made before.
    #[param(format = DateTime)]
    pub to: Option<String>,
}

/// The audit log: every change in the event feed's order (commit order), oldest first, with
/// who made it, from which address, and its hash-chain link (`null` until the auditor has chained it, within seconds).
#[utoipa::path(get, path = "/v1/audit", tag = "events", params(AuditQuery),
    responses((status = 200, body = ListView<AuditEntryView>)))]
pub async fn list_audit(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<ListView<AuditEntryView>>> {
    let limit = page_limit(q.limit.map(|l| l.0));
    let after = decode_int_cursor(&q.cursor)?;
    let filter = AuditFilter {
        actor: q.actor,
        subject: q.object,
        event_type: q.action,
        from: time_param("from", &q.from)?,
        to: time_param("to", &q.to)?,
    };
    let items = s.app.audit_entries(&actor, filter, after, limit).await?;
    Ok(Json(list(items, limit, |e: &AuditEntry| e.event.seq.to_string())))
}
