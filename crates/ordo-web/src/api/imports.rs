//! Import files (`ordo_app::intake::csv`): a CSV upload becomes a background job, read back
//! by its id. The body is streamed to a file as it arrives (at most 100 MB), never held in
//! memory whole; an `Idempotency-Key` is honoured over the file's bytes as for any POST.

use axum::Json;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use ordo_app::intake::csv::jobs::ImportJob;
use ordo_app::intake::csv::{ImportKind, ImportOptions};
use ordo_app::kernel::idempotency::IdemCtx;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use utoipa::IntoParams;

use super::{ApiResult, render, respond};
use crate::extract::{Caller, Path, Query};
use crate::middleware::IdemKey;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::views::ImportJobView;

/// The largest file `POST /v1/imports` takes.
pub const MAX_IMPORT_BYTES: u64 = 100 * 1024 * 1024;

/// How long an upload may take in all.
const UPLOAD_TIME: std::time::Duration = std::time::Duration::from_secs(600);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// What the file holds.
    #[param(required = true, pattern = r"^(orders|products|inventory|customers)$")]
    pub kind: Option<String>,
    /// Check every row and write nothing.
    pub dry_run: Option<bool>,
    /// Import every row or, if any is bad, none.
    pub all_or_nothing: Option<bool>,
}

fn problem(status: StatusCode, code: &'static str, detail: impl Into<String>) -> ApiError {
    ApiError::from(Problem::new(status, code, detail))
}

/// Streams the body to a new file: its path, its size and the SHA-256 of the request.
async fn spool(
    body: Body,
    idle: std::time::Duration,
    query: &str,
) -> Result<(std::path::PathBuf, u64, String), ApiError> {
    use futures_util::StreamExt;
    let path = std::env::temp_dir().join(format!("ordo-import-{}.csv", ordo_app::random_u128()));
    let failed = |e: std::io::Error| {
        problem(StatusCode::SERVICE_UNAVAILABLE, "service_unavailable", format!("the upload cannot be kept: {e}"))
    };
    let mut file = tokio::fs::File::create(&path).await.map_err(failed)?;
    let mut hasher = Sha256::new();
    hasher.update(format!("POST /v1/imports?{query}\n").as_bytes());
    let (mut stream, mut size) = (body.into_data_stream(), 0u64);
    let deadline = tokio::time::Instant::now() + UPLOAD_TIME;
    let outcome: Result<(), ApiError> = async {
        loop {
            let next = tokio::time::timeout(
                idle.min(deadline.saturating_duration_since(tokio::time::Instant::now())),
                stream.next(),
            );
            let chunk = match next.await {
                Err(_) => {
                    return Err(problem(
                        StatusCode::REQUEST_TIMEOUT,
                        "body_timeout",
                        "the upload stalled or took longer than ten minutes",
                    ));
                }
                Ok(None) => return Ok(()),
                Ok(Some(Err(_))) => {
                    return Err(problem(StatusCode::BAD_REQUEST, "malformed_body", "the upload was cut off"));
                }
                Ok(Some(Ok(chunk))) => chunk,
            };
            size += chunk.len() as u64;
            if size > MAX_IMPORT_BYTES {
                return Err(problem(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!("an import file is at most {MAX_IMPORT_BYTES} bytes"),
                ));
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await.map_err(failed)?;
        }
    }
    .await;
    let flushed = file.flush().await;
    if let Err(e) = outcome.and(flushed.map_err(failed)) {
        let _ = tokio::fs::remove_file(&path).await;
        return Err(e);
    }
    let hash: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok((path, size, hash))
}

/// Import a CSV file of orders, products, inventory or customers (`kind`), sent as
/// `text/csv` (at most 100 MB). The import runs in the background: the answer is the job,
/// and `GET /v1/imports/{id}` says how far it is and, once done, which rows did not go in
/// (line, column, reason). Rows stand alone unless `all_or_nothing`; `dry_run` writes nothing.
/// An order number is imported once per channel, so a file sent again skips what it brought.
#[utoipa::path(post, path = "/v1/imports", tag = "imports", params(ImportQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    request_body(content((String = "text/csv"))),
    responses((status = 202, description = "The import started", body = ImportJobView),
        (status = 400, description = "The query names no kind, or another", body = Problem),
        (status = 413, description = "The file is larger than 100 MB", body = Problem),
        (status = 415, description = "The body is not text/csv", body = Problem)))]
pub async fn start_import(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<ImportQuery>,
    req: Request,
) -> ApiResult<Response> {
    let kind = match q.kind.as_deref().map(ImportKind::parse) {
        Some(Some(k)) => k,
        _ => {
            return Err(problem(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                "kind must be orders, products, inventory or customers",
            ));
        }
    };
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    if !ct.starts_with("text/csv") {
        return Err(problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "send the file as text/csv"));
    }
    let key = req.extensions().get::<IdemKey>().cloned();
    let options =
        ImportOptions { kind, dry_run: q.dry_run.unwrap_or(false), all_or_nothing: q.all_or_nothing.unwrap_or(false) };
    let query = format!("kind={kind}&dry_run={}&all_or_nothing={}", options.dry_run, options.all_or_nothing);
    let (path, size, request_hash) = spool(req.into_body(), s.config.body_timeout, &query).await?;
    let r = render::<ImportJob, ImportJobView, 202>;
    let idem = key.map(|k| IdemCtx { key_id: k.key_id, key: k.key, request_hash, render: r });
    Ok(respond(s.app.start_import(&actor, options, path, size, idem).await?, r))
}

/// An import job: `running`, `done` or `failed`, the rows read and done so far, and once done
/// its report.
#[utoipa::path(get, path = "/v1/imports/{id}", tag = "imports", params(("id" = String, Path)),
    responses((status = 200, body = ImportJobView), (status = 404, body = Problem)))]
pub async fn get_import(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ImportJobView>> {
    Ok(Json(ImportJobView::from(&s.app.import_job(&actor, &id).await?)))
}
