//! The table list (`src/schema.rs`) against what each engine's migrations really create, read
//! from the database's own catalogue: every table listed once, with exactly its columns, kinds,
//! primary key and numbering. A migration added without its list entry fails here.

use std::collections::BTreeMap;

use ordo_store::schema::{BOOKKEEPING, ENGINE_ONLY, Kind, TABLES, TableSpec};
use ordo_store::testing::{TestEngine, temp_dir};

use crate::common::engines;

/// One column as the database describes it.
#[derive(Debug, Clone)]
struct Column {
    name: String,
    /// The declared type, lower case: `integer`, `text` (SQLite); `bigint`, `boolean` (PostgreSQL).
    declared: String,
    /// Position in the primary key, from 1.
    key_position: Option<usize>,
    /// The database hands out its values to new rows (a sequence, or SQLite's row id).
    numbered: bool,
}

/// Every table of one database, by name, with its columns in table order.
struct Catalogue {
    engine: &'static str,
    /// Whether a copy must move the database's numbering past copied rows (sequences do not
    /// follow inserted keys; SQLite's row ids do).
    numbering_needs_advancing: bool,
    tables: BTreeMap<String, Vec<Column>>,
}

fn sqlite_catalogue(path: &str) -> Catalogue {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut tables = BTreeMap::new();
    let names: Vec<(String, String)> = conn
        .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (name, sql) in names {
        let mut columns: Vec<Column> = conn
            .prepare("SELECT name, type, pk FROM pragma_table_info(?1) ORDER BY cid")
            .unwrap()
            .query_map([&name], |r| {
                let pk: usize = r.get(2)?;
                Ok(Column {
                    name: r.get(0)?,
                    declared: r.get::<_, String>(1)?.to_lowercase(),
                    key_position: (pk > 0).then_some(pk),
                    numbered: false,
                })
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        // A lone INTEGER PRIMARY KEY of a rowid table is the row id, which SQLite hands out.
        let keys: Vec<usize> = (0..columns.len()).filter(|&i| columns[i].key_position.is_some()).collect();
        if let [only] = keys[..]
            && columns[only].declared == "integer"
            && !sql.to_uppercase().contains("WITHOUT ROWID")
        {
            columns[only].numbered = true;
        }
        tables.insert(name, columns);
    }
    Catalogue { engine: "sqlite", numbering_needs_advancing: false, tables }
}

fn postgres_catalogue(url: &str) -> Catalogue {
    let url = url.to_owned();
    // The driver blocks on a runtime of its own, so it runs on a plain thread.
    let tables = std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let keys: BTreeMap<(String, String), i32> = c
            .query(
                "SELECT k.table_name::TEXT, k.column_name::TEXT, k.ordinal_position::INT
                 FROM information_schema.table_constraints t
                 JOIN information_schema.key_column_usage k
                   ON k.constraint_schema = t.constraint_schema AND k.constraint_name = t.constraint_name
                 WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_schema = current_schema()",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| ((r.get(0), r.get(1)), r.get(2)))
            .collect();
        let mut tables: BTreeMap<String, Vec<Column>> = c
            .query(
                "SELECT table_name::TEXT FROM information_schema.tables
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| (r.get(0), Vec::new()))
            .collect();
        let columns = c
            .query(
                "SELECT table_name::TEXT, column_name::TEXT, data_type::TEXT, COALESCE(column_default, '')::TEXT
                 FROM information_schema.columns WHERE table_schema = current_schema()
                 ORDER BY table_name, ordinal_position",
                &[],
            )
            .unwrap();
        for r in columns {
            let (table, name): (String, String) = (r.get(0), r.get(1));
            let default: String = r.get(3);
            let key_position = keys.get(&(table.clone(), name.clone())).map(|&p| p as usize);
            let column = Column { name, declared: r.get(2), key_position, numbered: default.starts_with("nextval(") };
            tables.entry(table).or_default().push(column);
        }
        tables
    })
    .join()
    .unwrap();
    Catalogue { engine: "postgres", numbering_needs_advancing: true, tables }
}

/// Whether a column declared this way on `engine` holds values of this kind exactly as each
/// engine's copy code reads them (64-bit integers, doubles).
fn holds(engine: &str, declared: &str, kind: Kind) -> bool {
    match (engine, kind) {
        ("postgres", Kind::Int) => declared == "bigint",
        ("postgres", Kind::Bool) => declared == "boolean",
        ("postgres", Kind::Real) => declared == "double precision",
        ("postgres", Kind::Bytes) => declared == "bytea",
        // SQLite's integers are 64-bit and it has no boolean type: 0 and 1 in an INTEGER.
        (_, Kind::Int | Kind::Bool) => declared == "integer",
        (_, Kind::Real) => declared == "real",
        (_, Kind::Bytes) => declared == "blob",
        (_, Kind::Text) => declared == "text",
    }
}

/// Every way `tables` fails to describe the database, one sentence each.
fn problems(catalogue: &Catalogue, tables: &[TableSpec]) -> Vec<String> {
    let engine = catalogue.engine;
    let mut out = Vec::new();
    for name in catalogue.tables.keys().filter(|t| !BOOKKEEPING.contains(&t.as_str())) {
        match tables.iter().filter(|t| t.name == name).count() {
            0 => out.push(format!(
                "On {engine}, the migrations create table `{name}`, which schema::TABLES does not list: add it \
                 with its columns to src/schema.rs, so that copies and table counts include it."
            )),
            1 => {}
            n => out.push(format!("schema::TABLES lists table `{name}` {n} times; list each table once.")),
        }
    }
    for spec in tables {
        let Some(columns) = catalogue.tables.get(spec.name) else {
            out.push(format!(
                "On {engine}, schema::TABLES lists table `{}`, which the migrations do not create.",
                spec.name
            ));
            continue;
        };
        let table = spec.name;
        let local: Vec<&str> =
            ENGINE_ONLY.iter().filter(|(e, t, _)| *e == engine && *t == table).map(|(_, _, c)| *c).collect();
        for c in columns.iter().filter(|c| !local.contains(&c.name.as_str())) {
            match spec.columns.iter().find(|(n, _)| *n == c.name) {
                None => out.push(format!(
                    "On {engine}, column `{table}.{}` exists in the database but not in schema::TABLES: add it to \
                     `{table}`'s columns in src/schema.rs (last, as the migration added it).",
                    c.name
                )),
                Some((_, kind)) if !holds(engine, &c.declared, *kind) => out.push(format!(
                    "On {engine}, column `{table}.{}` is declared `{}`, which cannot hold the {kind:?} that \
                     schema::TABLES gives it.",
                    c.name, c.declared
                )),
                Some(_) => {}
            }
        }
        for (name, _) in spec.columns.iter().filter(|(n, _)| !columns.iter().any(|c| c.name == *n)) {
            out.push(format!(
                "On {engine}, schema::TABLES lists column `{table}.{name}`, which the database does not have."
            ));
        }
        for name in local.iter().filter(|n| !columns.iter().any(|c| c.name == **n)) {
            out.push(format!(
                "schema::ENGINE_ONLY names column `{table}.{name}` on {engine}, which the database does not have."
            ));
        }
        let mut key: Vec<&Column> = columns.iter().filter(|c| c.key_position.is_some()).collect();
        key.sort_by_key(|c| c.key_position);
        let key: Vec<&str> = key.iter().map(|c| c.name.as_str()).collect();
        let listed: Vec<&str> = spec.columns.iter().take(spec.key_len).map(|(n, _)| *n).collect();
        if key != listed {
            out.push(format!(
                "On {engine}, the primary key of `{table}` is ({}), but schema::TABLES pages it by ({}): list the \
                 key's columns first and set key_len to their number.",
                key.join(", "),
                listed.join(", ")
            ));
        }
        let first = columns.iter().find(|c| Some(c.name.as_str()) == listed.first().copied());
        if spec.numbered && !first.is_some_and(|c| c.numbered && key.len() == 1) {
            out.push(format!(
                "On {engine}, schema::TABLES marks `{table}` as numbered, but the database does not number its key."
            ));
        }
        if catalogue.numbering_needs_advancing {
            for c in columns.iter().filter(|c| c.numbered && !(spec.numbered && listed == [c.name.as_str()])) {
                out.push(format!(
                    "On {engine}, the database numbers `{table}.{}` from a sequence, but schema::TABLES does not \
                     mark `{table}` as numbered, so a copy would leave the sequence behind the copied rows.",
                    c.name
                ));
            }
        }
    }
    out
}

fn catalogue(engine: &TestEngine) -> Catalogue {
    let url = engine.fresh_url(&temp_dir("schema"));
    // Opening the store applies the migrations.
    drop(ordo_store::open(&url, &Default::default()).unwrap());
    match engine {
        TestEngine::Sqlite => sqlite_catalogue(&url),
        TestEngine::Postgres(_) => postgres_catalogue(&url),
    }
}

#[test]
fn the_table_list_names_every_table_and_column_the_migrations_create() {
    for engine in engines() {
        let found = problems(&catalogue(&engine), TABLES);
        assert!(found.is_empty(), "The table list in src/schema.rs is out of step:\n{}", found.join("\n"));
    }
}

#[test]
fn the_table_check_names_a_table_or_column_the_list_lacks() {
    let mut c = catalogue(&TestEngine::Sqlite);
    let before = problems(&c, TABLES).len();
    let column = |name: &str, declared: &str| Column {
        name: name.into(),
        declared: declared.into(),
        key_position: None,
        numbered: false,
    };
    c.tables.insert("gift_wraps".into(), vec![Column { key_position: Some(1), ..column("id", "text") }]);
    c.tables.get_mut("orders").unwrap().push(column("gift_wrap_id", "text"));
    c.tables.get_mut("products").unwrap().retain(|c| c.name != "barcode");
    let found = problems(&c, TABLES);
    assert_eq!(found.len(), before + 3, "{found:#?}");
    assert!(found.iter().any(|p| p.contains("table `gift_wraps`, which schema::TABLES does not list")), "{found:#?}");
    assert!(found.iter().any(|p| p.contains("column `orders.gift_wrap_id` exists in the database")), "{found:#?}");
    assert!(found.iter().any(|p| p.contains("column `products.barcode`, which the database does not")), "{found:#?}");
}
