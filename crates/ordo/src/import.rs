//! `ordo import KIND FILE`: a CSV file of orders, products, stock or customers imported
//! straight into the database, with a progress bar and a closing summary naming every row
//! that did not go in (its line, column and reason). Exits 1 if any row failed.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ordo_app::intake::csv::{ImportKind, ImportOptions, ImportReport, Progress};
use ordo_app::{Actor, App};

#[derive(Args)]
pub struct ImportArgs {
    /// What the file holds: orders, products, inventory or customers.
    #[arg(value_parser = ["orders", "products", "inventory", "customers"])]
    pub kind: String,
    /// The CSV file; its header names the columns (see the README).
    pub file: PathBuf,
    /// Check every row and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Import every row or, if any is bad, none.
    #[arg(long)]
    pub all_or_nothing: bool,
    #[command(flatten)]
    pub db: crate::DbArgs,
}

/// Imports the file; whether every row went in.
pub async fn run(app: &App, args: &ImportArgs) -> anyhow::Result<bool> {
    let kind = ImportKind::parse(&args.kind).context("the kind is orders, products, inventory or customers")?;
    let file = std::fs::File::open(&args.file).with_context(|| format!("opening {}", args.file.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let options = ImportOptions { kind, dry_run: args.dry_run, all_or_nothing: args.all_or_nothing };
    let progress = Arc::new(Progress::default());
    let bar = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr_with_hz(10));
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} {per_sec} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("reading");
    let watch = {
        let (bar, progress) = (bar.clone(), progress.clone());
        tokio::spawn(async move {
            let mut importing = false;
            // Without a terminal the bar is not drawn: a line a second says the same.
            let (plain, mut said) = (bar.is_hidden(), std::time::Instant::now());
            loop {
                if plain && said.elapsed() >= Duration::from_secs(1) {
                    said = std::time::Instant::now();
                    let (read, done) =
                        (progress.rows_read.load(Ordering::Relaxed), progress.rows_done.load(Ordering::Relaxed));
                    eprintln!("progress: {read} rows read, {done} imported");
                }
                let (read, done) =
                    (progress.rows_read.load(Ordering::Relaxed), progress.rows_done.load(Ordering::Relaxed));
                if !importing && (done > 0 || progress.bytes_read.load(Ordering::Relaxed) >= size) {
                    importing = true;
                    bar.set_message("importing");
                    bar.set_length(read.max(1));
                }
                if importing {
                    bar.set_length(read.max(1));
                    bar.set_position(done);
                } else {
                    bar.set_position(progress.bytes_read.load(Ordering::Relaxed));
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let started = std::time::Instant::now();
    let result = app.import_csv(&Actor::system(), options, std::io::BufReader::new(file), progress.clone()).await;
    watch.abort();
    bar.finish_and_clear();
    let report = result.map_err(|e| anyhow::anyhow!(crate::describe(e)))?;
    print!("{}", summary(kind, &options, &report, started.elapsed()));
    Ok(report.failed_rows == 0)
}

/// The closing summary, one error per line.
pub fn summary(kind: ImportKind, options: &ImportOptions, r: &ImportReport, took: Duration) -> String {
    let what = if options.dry_run { "checked (dry run, nothing written)" } else { "imported" };
    let mut out = format!(
        "{what} {kind}: {} rows in {:.1}s ({:.0} rows/s): {} created, {} updated, {} skipped, {} rows failed\n",
        r.rows,
        took.as_secs_f64(),
        r.rows as f64 / took.as_secs_f64().max(1e-9),
        r.created,
        r.updated,
        r.skipped,
        r.failed_rows
    );
    if options.all_or_nothing && !options.dry_run && !r.applied {
        out.push_str("nothing was imported: --all-or-nothing and a row is bad\n");
    }
    for e in &r.errors {
        match &e.column {
            Some(c) => out.push_str(&format!("line {}, column {c}: {}\n", e.line, e.reason)),
            None => out.push_str(&format!("line {}: {}\n", e.line, e.reason)),
        }
    }
    if r.failed_rows as usize > r.errors.len() {
        out.push_str(&format!("... and {} more rows\n", r.failed_rows as usize - r.errors.len()));
    }
    out
}
