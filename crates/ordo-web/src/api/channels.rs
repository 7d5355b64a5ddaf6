//! Sales channel endpoints: read and set a channel's policies (`ordo_app::channels::settings`).
//!
//! Each handler parses, calls one use case and renders through `views::channels`; no business
//! rule here.

use axum::Json;
use axum::extract::State;

use super::ApiResult;
use crate::extract::{Caller, JsonBody, Path};
use crate::problem::Problem;
use crate::state::AppState;
use crate::views::ChannelView;

/// A sales channel's policies (the defaults until some are saved).
#[utoipa::path(get, path = "/v1/channels/{channel}", tag = "channels", params(("channel" = String, Path, pattern = r"^[A-Za-z0-9._-]{1,64}$", description = "Letters, digits, `-`, `_` and `.`, 1 to 64")),
    responses((status = 200, body = ChannelView), (status = 404, body = Problem)))]
pub async fn get_channel(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(channel): Path<String>,
) -> ApiResult<Json<ChannelView>> {
    Ok(Json(ChannelView::from(&s.app.channel_settings(&actor, &channel).await?)))
}

/// Set a sales channel's policies. `capture`: `at_placement` charges cards and records manual
/// payments as received when they are added; `on_shipment` authorizes and captures each
/// fulfilment's share when it ships.
#[utoipa::path(put, path = "/v1/channels/{channel}", tag = "channels", request_body = ordo_app::channels::settings::ChannelSettingsInput,
    params(("channel" = String, Path, pattern = r"^[A-Za-z0-9._-]{1,64}$", description = "Letters, digits, `-`, `_` and `.`, 1 to 64")), responses((status = 200, body = ChannelView), (status = 422, body = Problem)))]
pub async fn put_channel(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(channel): Path<String>,
    JsonBody(input): JsonBody<ordo_app::channels::settings::ChannelSettingsInput>,
) -> ApiResult<Json<ChannelView>> {
    Ok(Json(ChannelView::from(&s.app.put_channel_settings(&actor, &channel, input).await?)))
}
