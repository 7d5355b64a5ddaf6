//! Import jobs: a file uploaded to `POST /v1/imports` is kept on disk and imported in the
//! background by the node that took it; `GET /v1/imports/{id}` answers how far it is (rows
//! read and done) and, once done, its report. The job's state is stored, so any node answers
//! for it; a job whose node stopped before it finished stays `running` (its file is gone, so
//! upload it again: orders it brought are not imported twice).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use ordo_store::ImportJobRecord;
use serde::{Deserialize, Serialize};

use crate::intake::csv::{ImportOptions, ImportReport, Progress};
use crate::kernel::guard::require;
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::{Actor, App, AppError, AppResult, random_u128};

/// An import job and how far it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportJob {
    pub id: String,
    pub options: ImportOptions,
    /// `running`, `done` or `failed` (the store failed; the report says how far it got).
    pub status: String,
    /// The key that uploaded it.
    pub key_id: String,
    pub bytes: u64,
    pub rows_read: u64,
    pub rows_done: u64,
    pub report: Option<ImportReport>,
    pub error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
}

fn record(job: &ImportJob) -> AppResult<ImportJobRecord> {
    Ok(ImportJobRecord {
        id: job.id.clone(),
        body: serde_json::to_string(job).map_err(|e| AppError::Internal(e.to_string()))?,
        created_at: job.created_at,
        updated_at: job.updated_at,
    })
}

impl App {
    /// Starts importing the file at `file` (which the job removes when it is done).
    pub async fn start_import(
        &self,
        actor: &Actor,
        options: ImportOptions,
        file: PathBuf,
        bytes: u64,
        idem: Option<IdemCtx<ImportJob>>,
    ) -> AppResult<Outcome<ImportJob>> {
        let gone = |file: &PathBuf| {
            let _ = std::fs::remove_file(file);
        };
        if let Err(e) = require(actor, options.kind.action()) {
            gone(&file);
            return Err(e);
        }
        match self.replay_of(idem.as_ref()).await {
            Ok(None) => {}
            Ok(Some(replayed)) => {
                gone(&file);
                return Ok(replayed);
            }
            Err(e) => {
                gone(&file);
                return Err(e);
            }
        }
        let now = self.now();
        let job = ImportJob {
            id: format!("imj_{}", ordo_domain::id::encode(now as u64, random_u128())),
            options,
            status: "running".into(),
            key_id: actor.key_id.clone(),
            bytes,
            rows_read: 0,
            rows_done: 0,
            report: None,
            error: None,
            created_at: now,
            updated_at: now,
            finished_at: None,
        };
        let row = record(&job)?;
        let first = job.clone();
        let outcome = self
            .write_idem(idem, move |tx, _| {
                tx.put_import_job(&row)?;
                Ok(first.clone())
            })
            .await;
        match &outcome {
            Ok(Outcome::Fresh(_)) => {
                let (app, who) = (self.clone(), actor.clone());
                tokio::spawn(async move { app.run_import_job(who, job, file).await });
            }
            _ => gone(&file),
        }
        outcome
    }

    async fn run_import_job(self, actor: Actor, mut job: ImportJob, file: PathBuf) {
        let progress = Arc::new(Progress::default());
        let opened = std::fs::File::open(&file).map(std::io::BufReader::new);
        let ticking = {
            let (app, mut job, progress) = (self.clone(), job.clone(), progress.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    job.rows_read = progress.rows_read.load(Ordering::Relaxed);
                    job.rows_done = progress.rows_done.load(Ordering::Relaxed);
                    job.updated_at = app.now();
                    if let Ok(row) = record(&job) {
                        let _ = app.store.write(move |tx| Ok::<_, AppError>(tx.put_import_job(&row)?)).await;
                    }
                }
            })
        };
        let result = match opened {
            Ok(reader) => self.import_csv(&actor, job.options, reader, progress.clone()).await,
            Err(e) => Err(AppError::Internal(format!("the uploaded file cannot be read: {e}"))),
        };
        ticking.abort();
        let _ = std::fs::remove_file(&file);
        let now = self.now();
        job.rows_read = progress.rows_read.load(Ordering::Relaxed);
        job.rows_done = progress.rows_done.load(Ordering::Relaxed);
        (job.updated_at, job.finished_at) = (now, Some(now));
        match result {
            Ok(report) => (job.status, job.report) = ("done".into(), Some(report)),
            Err(e) => {
                tracing::warn!(job = %job.id, error = %e, "an import job failed");
                (job.status, job.error) = ("failed".into(), Some(e.to_string()));
            }
        }
        // The last word is the job's: written after the ticker stopped.
        for _ in 0..5 {
            let Ok(row) = record(&job) else { break };
            if self.store.write(move |tx| Ok::<_, AppError>(tx.put_import_job(&row)?)).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// An import job, for a key that may import its kind.
    pub async fn import_job(&self, actor: &Actor, id: &str) -> AppResult<ImportJob> {
        let id = id.to_owned();
        let row = self.store.read(move |tx| Ok::<_, AppError>(tx.import_job(&id)?)).await?;
        let job: ImportJob = match row {
            Some(r) => {
                serde_json::from_str(&r.body).map_err(|e| AppError::Internal(format!("stored import job: {e}")))?
            }
            None => return Err(AppError::NotFound("import")),
        };
        require(actor, job.options.kind.action()).map_err(|_| AppError::NotFound("import"))?;
        Ok(job)
    }
}
