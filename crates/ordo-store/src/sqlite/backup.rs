//! Backups of a SQLite database (`ordo backup`, `ordo restore`): a consistent copy taken
//! while the server runs, with `VACUUM INTO` (one read transaction: writers go on, and the
//! copy holds exactly what was committed when it began), and a restore that checks a copy
//! before it puts it in place.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::MIGRATIONS;
use crate::schema::TABLES;

/// What a copy holds, as checked: SQLite's integrity check passed, its schema is one this
/// build knows, and these are its rows and stock.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyCheck {
    pub schema_version: i64,
    pub tables: Vec<(String, i64)>,
    pub on_hand: i64,
    pub reserved: i64,
}

impl CopyCheck {
    pub fn rows(&self, table: &str) -> i64 {
        self.tables.iter().find(|(t, _)| t == table).map_or(0, |(_, n)| *n)
    }
}

fn read_only(path: &Path) -> Result<Connection, String> {
    if !path.is_file() {
        return Err(format!("{} is not a file", path.display()));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(|e| e.to_string())?;
    Ok(conn)
}

/// Copies the live database at `source` into `dest`, which must not exist yet, then checks
/// the copy.
pub fn backup(source: &Path, dest: &Path) -> Result<CopyCheck, String> {
    if dest.exists() {
        return Err(format!("{} exists already: a backup never overwrites a file", dest.display()));
    }
    let conn = read_only(source)?;
    let target = dest.to_str().ok_or_else(|| format!("{} is not valid UTF-8", dest.display()))?;
    conn.execute("VACUUM INTO ?1", [target]).map_err(|e| format!("copying {}: {e}", source.display()))?;
    check(dest)
}

/// Checks a copy: SQLite's integrity check, a schema this build knows (not newer than its
/// migrations), every table there, and the stock it holds.
pub fn check(path: &Path) -> Result<CopyCheck, String> {
    let conn = read_only(path)?;
    let verdict: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| format!("{} is not a SQLite database: {e}", path.display()))?;
    if verdict != "ok" {
        return Err(format!("{} fails SQLite's integrity check: {verdict}", path.display()));
    }
    let schema_version: i64 = conn
        .query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| r.get(0))
        .map_err(|e| format!("{} is not an Ordo database: {e}", path.display()))?;
    let known = MIGRATIONS.iter().map(|(v, _)| *v).max().unwrap_or(0);
    if schema_version > known {
        return Err(format!(
            "{} has schema version {schema_version}, newer than this build's {known}: restore it with a newer Ordo",
            path.display()
        ));
    }
    let mut tables = Vec::new();
    for table in TABLES {
        let count = conn.query_row(&format!("SELECT COUNT(*) FROM {}", table.name), [], |r| r.get::<_, i64>(0));
        match count {
            Ok(n) => tables.push((table.name.to_owned(), n)),
            // A table a later migration adds is missing from an older copy; anything else
            // missing means the copy is not whole.
            Err(_) if schema_version < known => {}
            Err(e) => return Err(format!("{} lacks table {}: {e}", path.display(), table.name)),
        }
    }
    let (on_hand, reserved) = conn
        .query_row("SELECT COALESCE(SUM(on_hand), 0), COALESCE(SUM(reserved), 0) FROM inventory_levels", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .map_err(|e| format!("reading stock in {}: {e}", path.display()))?;
    Ok(CopyCheck { schema_version, tables, on_hand, reserved })
}

/// Puts a checked copy in place at `dest`. An existing database there is replaced only when
/// `replace` is set (the server using it must be stopped first); its write-ahead log goes
/// with it, so nothing of it mixes with the copy. The copy lands whole or not at all: it is
/// written beside `dest` and renamed over it.
pub fn restore(copy: &Path, dest: &Path, replace: bool) -> Result<CopyCheck, String> {
    let checked = check(copy)?;
    if dest.exists() && !replace {
        return Err(format!(
            "{} exists: stop the server that uses it and pass --replace to put the backup in its place",
            dest.display()
        ));
    }
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let staged = sibling(dest, ".restoring");
    std::fs::copy(copy, &staged).map_err(|e| format!("copying {} to {}: {e}", copy.display(), staged.display()))?;
    std::fs::File::open(&staged)
        .and_then(|f| f.sync_all())
        .map_err(|e| format!("syncing {}: {e}", staged.display()))?;
    for stale in [sibling(dest, "-wal"), sibling(dest, "-shm")] {
        match std::fs::remove_file(&stale) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("removing {}: {e}", stale.display())),
        }
    }
    std::fs::rename(&staged, dest).map_err(|e| format!("moving {} to {}: {e}", staged.display(), dest.display()))?;
    Ok(checked)
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}
