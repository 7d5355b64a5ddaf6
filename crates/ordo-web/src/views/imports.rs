//! How import jobs look in the API.

use serde::Serialize;
use utoipa::ToSchema;

use ordo_app::kernel::time_fmt::format_ms;

/// A row of an import file that did not go in.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportRowErrorView {
    /// The row's line in the file (the header is line 1).
    pub line: u64,
    /// The column, when the reason is about one.
    pub column: Option<String>,
    pub reason: String,
}

/// What an import did, or (a dry run) would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReportView {
    /// Data rows in the file.
    pub rows: u64,
    /// Orders, products or customers created, stock changes made.
    pub created: u64,
    /// Products or customers changed.
    pub updated: u64,
    /// Orders imported before (by order number and channel), and products or customers the
    /// file leaves as they are.
    pub skipped: u64,
    pub failed_rows: u64,
    /// The first 1000 rows that did not go in, by line.
    pub errors: Vec<ImportRowErrorView>,
    /// Whether anything was written.
    pub applied: bool,
}

/// An import job.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportJobView {
    pub id: String,
    /// `orders`, `products`, `inventory` or `customers`.
    pub kind: String,
    pub dry_run: bool,
    pub all_or_nothing: bool,
    /// `running`, `done` or `failed` (the database failed midway; `error` says why).
    pub status: String,
    pub bytes: u64,
    pub rows_read: u64,
    pub rows_done: u64,
    /// Once done.
    pub report: Option<ImportReportView>,
    pub error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub finished_at: Option<String>,
}

impl From<&ordo_app::intake::csv::jobs::ImportJob> for ImportJobView {
    fn from(j: &ordo_app::intake::csv::jobs::ImportJob) -> Self {
        ImportJobView {
            id: j.id.clone(),
            kind: j.options.kind.to_string(),
            dry_run: j.options.dry_run,
            all_or_nothing: j.options.all_or_nothing,
            status: j.status.clone(),
            bytes: j.bytes,
            rows_read: j.rows_read,
            rows_done: j.rows_done,
            report: j.report.as_ref().map(|r| ImportReportView {
                rows: r.rows,
                created: r.created,
                updated: r.updated,
                skipped: r.skipped,
                failed_rows: r.failed_rows,
                errors: r
                    .errors
                    .iter()
                    .map(|e| ImportRowErrorView { line: e.line, column: e.column.clone(), reason: e.reason.clone() })
                    .collect(),
                applied: r.applied,
            }),
            error: j.error.clone(),
            created_at: format_ms(j.created_at),
            updated_at: format_ms(j.updated_at),
            finished_at: j.finished_at.map(format_ms),
        }
    }
}
