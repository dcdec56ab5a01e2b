//! The SQLite file behind the cache: one table of entries (key, level, compressed value, size,
//! last use), in WAL mode with a busy timeout so that several processes (two CI jobs on one
//! runner) read and write one file at once. Writes are batched into one `BEGIN IMMEDIATE`
//! transaction (a deferred one that upgrades to a writer can fail at once with SQLITE_BUSY
//! instead of waiting).
//!
//! A file that is not a database is removed and created afresh; a database of another shape
//! (another schema, another program's) is emptied and re-created in one transaction, so a
//! process that has it open meanwhile sees either shape whole.

use rusqlite::{params, Connection, ErrorCode, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// `PRAGMA application_id`: tells a vendorscan cache from any other SQLite file ("VScC").
const APPLICATION_ID: i32 = 0x5653_4343;
/// `PRAGMA user_version`: the layout of the tables. A change also changes the file's name.
pub const SCHEMA: i32 = 1;
/// How long a process waits for another's write to end before giving up on the cache.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Rough bytes a row takes beyond its value: its key twice (table and index), the other columns
/// and page overhead. Counted so the size bound holds for many small rows too.
pub const ROW_OVERHEAD: u64 = 96;

/// What a cache problem is, as one line; `damaged` when SQLite found the file is no database or
/// a damaged one (so it is better removed than kept).
#[derive(Debug)]
pub struct Problem {
    pub message: String,
    pub damaged: bool,
}

impl Problem {
    pub fn new(message: String) -> Problem {
        Problem {
            message,
            damaged: false,
        }
    }
}

impl From<rusqlite::Error> for Problem {
    fn from(e: rusqlite::Error) -> Self {
        Problem {
            damaged: is_damaged(&e),
            message: e.to_string(),
        }
    }
}

fn is_damaged(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
    )
}

/// Removes the file and its journals.
pub fn remove(path: &Path) -> std::io::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        match std::fs::remove_file(PathBuf::from(p)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// One row to write: key, level, compressed value.
pub type Row = ([u8; 32], u8, Vec<u8>);

/// Entries and bytes, by level.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counts {
    pub entries: u64,
    pub bytes: u64,
}

pub struct Store {
    path: PathBuf,
    /// Open connections not in use (SQLite connections are not shared between threads).
    idle: Mutex<Vec<Connection>>,
}

impl Store {
    /// The file at `path`, created when missing. `Ok((store, Some(note)))` when what was there
    /// could not be used and was started afresh.
    pub fn open(path: &Path) -> Result<(Store, Option<String>), Problem> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Problem::new(format!("cannot create {}: {e}", dir.display())))?;
        }
        let at = |e: rusqlite::Error| Problem::new(format!("{}: {e}", path.display()));
        let (conn, note) = match prepare(path) {
            Ok(found) => found,
            Err(e) if is_damaged(&e) => {
                // garbage in place of the file: removed with its journals, and created afresh
                remove(path).map_err(|e| Problem::new(format!("{}: cannot remove: {e}", path.display())))?;
                let (conn, _) = prepare(path).map_err(at)?;
                (conn, Some(format!("{}: {e}; started afresh", path.display())))
            }
            Err(e) => return Err(at(e)),
        };
        Ok((
            Store {
                path: path.to_path_buf(),
                idle: Mutex::new(vec![conn]),
            },
            note,
        ))
    }

    /// Runs `f` on an idle connection (a new one when all are in use).
    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T, Problem>) -> Result<T, Problem> {
        let taken = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let mut conn = match taken {
            Some(c) => c,
            None => connect(&self.path)?,
        };
        let result = f(&mut conn);
        self.idle.lock().unwrap_or_else(PoisonError::into_inner).push(conn);
        result
    }

    /// Closes every idle connection (all of them, once the run is done).
    pub fn close(&self) {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }

    /// The value stored under `key`.
    pub fn get(&self, key: &[u8; 32]) -> Result<Option<Vec<u8>>, Problem> {
        self.with(|conn| {
            let mut stmt = conn.prepare_cached("SELECT value FROM entries WHERE key = ?1")?;
            let mut rows = stmt.query(params![&key[..]])?;
            Ok(match rows.next()? {
                Some(row) => Some(row.get(0)?),
                None => None,
            })
        })
    }

    /// Writes `rows` and marks `used` as used now, in one transaction.
    pub fn write(&self, rows: &[Row], used: &[[u8; 32]]) -> Result<(), Problem> {
        if rows.is_empty() && used.is_empty() {
            return Ok(());
        }
        let now = now_millis();
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            {
                let mut put = tx.prepare_cached(
                    "INSERT OR REPLACE INTO entries (key, level, value, bytes, used) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                for (key, level, value) in rows {
                    let bytes = i64::try_from(value.len() as u64 + ROW_OVERHEAD).unwrap_or(i64::MAX);
                    put.execute(params![&key[..], level, value, bytes, now])?;
                }
                let mut touch = tx.prepare_cached("UPDATE entries SET used = ?2 WHERE key = ?1")?;
                for key in used {
                    touch.execute(params![&key[..], now])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// Entries and bytes by level (1, 2, …).
    pub fn counts(&self) -> Result<Vec<(u8, Counts)>, Problem> {
        self.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT level, COUNT(*), COALESCE(SUM(bytes), 0) FROM entries GROUP BY level ORDER BY level",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, u8>(0)?,
                    Counts {
                        entries: r.get::<_, i64>(1)?.unsigned_abs(),
                        bytes: r.get::<_, i64>(2)?.unsigned_abs(),
                    },
                ))
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Removes the least recently used entries until what is stored takes at most `target`
    /// bytes, and returns the freed pages to the file system. The number of entries removed.
    pub fn evict(&self, max: u64, target: u64) -> Result<u64, Problem> {
        self.with(|conn| {
            let total: i64 = conn.query_row("SELECT COALESCE(SUM(bytes), 0) FROM entries", [], |r| r.get(0))?;
            let (max, target) = (
                i64::try_from(max).unwrap_or(i64::MAX),
                i64::try_from(target).unwrap_or(i64::MAX),
            );
            if total <= max {
                return Ok(0);
            }
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut removed = 0;
            {
                let mut oldest = tx.prepare("SELECT key, bytes FROM entries ORDER BY used, key")?;
                let mut rows = oldest.query([])?;
                let mut delete = tx.prepare("DELETE FROM entries WHERE key = ?1")?;
                let mut left = total;
                while left > target {
                    let Some(row) = rows.next()? else { break };
                    let key: Vec<u8> = row.get(0)?;
                    let bytes: i64 = row.get(1)?;
                    delete.execute(params![key])?;
                    left = left.saturating_sub(bytes);
                    removed += 1;
                }
            }
            tx.commit()?;
            conn.execute_batch("PRAGMA incremental_vacuum; PRAGMA wal_checkpoint(TRUNCATE);")?;
            Ok(removed)
        })
    }
}

/// The time of a use, in milliseconds since 1970.
fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// One connection, configured: WAL, a busy timeout, and writes synced at checkpoints only (a
/// crash may lose the last results, never corrupt the file).
fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// Opens the file and makes sure it holds this schema: created when new, emptied and re-created
/// when it holds another.
fn prepare(path: &Path) -> rusqlite::Result<(Connection, Option<String>)> {
    let mut conn = connect(path)?;
    let shape = |conn: &Connection| -> rusqlite::Result<(i32, i32)> {
        Ok((
            conn.query_row("PRAGMA application_id", [], |r| r.get(0))?,
            conn.query_row("PRAGMA user_version", [], |r| r.get(0))?,
        ))
    };
    if shape(&conn)? == (APPLICATION_ID, SCHEMA) {
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
        return Ok((conn, None));
    }
    // new, or of another shape: (re)created in one transaction, unless another process did it first
    conn.execute_batch("PRAGMA auto_vacuum = INCREMENTAL; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let (app, version) = shape(&tx)?;
    let mut note = None;
    if (app, version) != (APPLICATION_ID, SCHEMA) {
        let tables: Vec<String> = tx
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())?;
        if !tables.is_empty() || version != 0 {
            note = Some(format!(
                "{}: not this version's cache (application id {app:#x}, schema {version}); started afresh",
                path.display()
            ));
        }
        for t in &tables {
            tx.execute_batch(&format!("DROP TABLE \"{}\"", t.replace('"', "\"\"")))?;
        }
        tx.execute_batch(&format!(
            "CREATE TABLE entries (
                 key BLOB PRIMARY KEY NOT NULL,
                 level INTEGER NOT NULL,
                 value BLOB NOT NULL,
                 bytes INTEGER NOT NULL,
                 used INTEGER NOT NULL
             );
             CREATE INDEX entries_used ON entries (used);
             PRAGMA application_id = {APPLICATION_ID};
             PRAGMA user_version = {SCHEMA};"
        ))?;
    }
    tx.commit()?;
    Ok((conn, note))
}
