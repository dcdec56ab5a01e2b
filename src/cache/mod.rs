//! The results cache: what walking and analysing found, kept by content in one SQLite file in the
//! user's cache directory, so re-auditing an image or a tree whose parts were seen before costs
//! little more than hashing them.
//!
//! Two levels, one table:
//! - **file facts**: what the analysers found in one file, keyed by its SHA-256 and the inner path
//!   the analysers saw (the only parts of a file they may depend on, see
//!   [`Analyser`](crate::analyse::Analyser)), so an unchanged file is never analysed twice;
//! - **walks**: everything walking one blob yielded (files, containers, skipped paths, warnings,
//!   facts), keyed by the blob's SHA-256 and stored with the blob's own name taken off every
//!   virtual path, so a firmware image file, or an image layer by its digest
//!   ([`Cache::get_walked`]), is hashed and not walked again, under whatever name it comes.
//!
//! Every key also holds what makes a result valid: the vendorscan version and a digest of the
//! sources it was built from (so no change of the code is ever trusted), the analysers' identity
//! (which includes a digest of the rules' names the indicator scan looks for), and for walks the
//! limits and the scope. A result is never reused across a change of any of them.
//!
//! Values are serde_json compressed with zstd: the model's serde attributes (fields skipped when
//! empty, a flattened tagged enum, an untagged location) need a self-describing format, which
//! rules out bincode and postcard; zstd is already a dependency, and shrinks the JSON about
//! tenfold.
//!
//! The cache can only make a run faster. A file that cannot be opened, is not a database, holds
//! another schema, or a row that does not read back, is one warning ([`Cache::problem`]) and the
//! run goes on as if there were no cache (a damaged file is started afresh); no cache error is
//! ever an error of the run, and the warning never reaches the inventory, so results do not
//! change. Writes are batched and written at the end ([`Cache::finish`]), which also evicts the
//! least recently used entries beyond the size bound.

mod layer;
mod store;
mod walk;

pub use layer::LayerKey;
pub use store::Counts;
pub use walk::walk;

use crate::analyse::Analyser;
use crate::firmware::{self, FactsCache, Walked};
use crate::model::{ContainerEntry, Facts, FileEntry, Skipped, Warning, WarningCode};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use store::{Row, Store};

/// The cache's size bound when none is given: 2 GiB.
pub const DEFAULT_MAX_SIZE: u64 = 2 << 30;

/// Files smaller than this are analysed again rather than looked up: the analysers read a few
/// kilobytes in less time than a lookup takes, and most files of a system are that small.
pub const MIN_CACHED_BYTES: u64 = 4096;

/// Buffered writes are written once they hold this many bytes.
const FLUSH_BYTES: u64 = 16 << 20;

/// The most bytes one stored value may take, decompressed, when read back.
const MAX_VALUE_BYTES: u64 = 1 << 30;

/// Level of an entry: a file's facts, or a whole walk.
const FACTS: u8 = 1;
const WALK: u8 = 2;

/// The cache file's name in the cache directory; a new schema is a new file.
fn file_name() -> String {
    format!("results-v{}.sqlite3", store::SCHEMA)
}

/// Where the cache lives when `--cache-dir` is not given: `$VENDORSCAN_CACHE_DIR`, else
/// `vendorscan` in the user's cache directory (`$XDG_CACHE_HOME` or `~/.cache` on Linux,
/// `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows).
pub fn default_dir() -> Option<PathBuf> {
    match std::env::var_os("VENDORSCAN_CACHE_DIR") {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => dirs::cache_dir().map(|d| d.join("vendorscan")),
    }
}

/// What `vendorscan cache info` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    /// The cache file.
    pub path: PathBuf,
    /// Bytes the file and its journal take on disk.
    pub file_bytes: u64,
    pub facts: Counts,
    pub walks: Counts,
}

/// The results cache of one run. Nothing touches the disk until a target is walked: a run that
/// reads only SBOMs never creates it.
pub struct Cache {
    path: PathBuf,
    max_size: u64,
    store: OnceLock<Option<Store>>,
    /// The first problem met (the one warning of the run).
    problem: Mutex<Option<String>>,
    /// Set after an error of the store itself: the cache is not used for the rest of the run.
    off: AtomicBool,
    /// Set when SQLite found the file damaged: it is removed at [`Cache::finish`].
    damaged: AtomicBool,
    pending: Mutex<Vec<Row>>,
    pending_bytes: AtomicU64,
    /// Keys read this run, marked as used at the end (least recently used goes first).
    used: Mutex<Vec<[u8; 32]>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Cache {
    /// The cache in `dir` (see [`default_dir`]), bounded to `max_size` bytes. Opened on first
    /// use.
    pub fn new(dir: &Path, max_size: u64) -> Cache {
        Cache {
            path: dir.join(file_name()),
            max_size,
            store: OnceLock::new(),
            problem: Mutex::new(None),
            off: AtomicBool::new(false),
            damaged: AtomicBool::new(false),
            pending: Mutex::new(Vec::new()),
            pending_bytes: AtomicU64::new(0),
            used: Mutex::new(Vec::new()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The cache file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The one problem the cache met this run, if any, as a line to show as a warning (the
    /// run's results are as without a cache).
    pub fn problem(&self) -> Option<String> {
        lock(&self.problem).clone()
    }

    /// Lookups that found a result, and that did not, this run.
    pub fn hits_and_misses(&self) -> (u64, u64) {
        (self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed))
    }

    /// Records a problem: the first one is kept.
    fn report(&self, message: impl Into<String>) {
        let mut problem = lock(&self.problem);
        if problem.is_none() {
            *problem = Some(format!("cache: {}", message.into()));
        }
    }

    /// An error of the store: reported, and the cache is off for the rest of the run.
    fn failed(&self, p: store::Problem) {
        if p.damaged {
            self.damaged.store(true, Ordering::Relaxed);
        }
        self.off.store(true, Ordering::Relaxed);
        self.report(format!(
            "{}: {}; running without the cache",
            self.path.display(),
            p.message
        ));
    }

    fn store(&self) -> Option<&Store> {
        if self.off.load(Ordering::Relaxed) {
            return None;
        }
        self.store
            .get_or_init(|| match Store::open(&self.path) {
                Ok((store, note)) => {
                    if let Some(note) = note {
                        self.report(note);
                    }
                    Some(store)
                }
                Err(p) => {
                    self.failed(p);
                    None
                }
            })
            .as_ref()
    }

    /// Whether the cache can be used (opening it on first call).
    pub fn usable(&self) -> bool {
        self.store().is_some() && !self.off.load(Ordering::Relaxed)
    }

    /// The value under `key`, decoded; a row that does not decode is reported and missed.
    fn get<T: for<'de> Deserialize<'de>>(&self, key: &[u8; 32]) -> Option<T> {
        let store = self.store()?;
        let found = match store.get(key) {
            Ok(found) => found,
            Err(p) => {
                self.failed(p);
                return None;
            }
        };
        let Some(value) = found else {
            self.misses.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        match decode(&value) {
            Ok(v) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                lock(&self.used).push(*key);
                Some(v)
            }
            Err(e) => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                self.report(format!(
                    "{}: an entry does not read back ({e}); it is computed again",
                    self.path.display()
                ));
                None
            }
        }
    }

    /// Queues `value` under `key`, written at the next flush.
    fn put<T: Serialize>(&self, key: [u8; 32], level: u8, value: &T) {
        if self.store().is_none() {
            return;
        }
        let Some(encoded) = encode(value) else { return };
        // one value may take at most half the bound, so eviction can keep it
        if encoded.len() as u64 > self.max_size / 2 {
            return;
        }
        let size = encoded.len() as u64;
        lock(&self.pending).push((key, level, encoded));
        if self.pending_bytes.fetch_add(size, Ordering::Relaxed) + size > FLUSH_BYTES {
            self.flush();
        }
    }

    /// Writes what is queued.
    fn flush(&self) {
        let rows = std::mem::take(&mut *lock(&self.pending));
        self.pending_bytes.store(0, Ordering::Relaxed);
        let used = std::mem::take(&mut *lock(&self.used));
        if let Some(store) = self.store() {
            if let Err(p) = store.write(&rows, &used) {
                self.failed(p);
            }
        }
    }

    /// Ends the run: writes what is queued and marks what was read as used, then evicts the least
    /// recently used entries while the cache is over its bound (down to 90% of it). A file found
    /// damaged is removed, so the next run starts afresh.
    pub fn finish(&self) {
        if self.store.get().is_some_and(Option::is_some) {
            self.flush();
            if let Some(store) = self.store() {
                if let Err(p) = store.evict(self.max_size, self.max_size / 10 * 9) {
                    self.failed(p);
                }
            }
        }
        if self.damaged.load(Ordering::Relaxed) {
            // closes every connection first
            if let Some(Some(store)) = self.store.get() {
                store.close();
            }
            let _ = store::remove(&self.path);
        }
    }

    /// The file facts of the analyser `analyser`, as the walker asks for them.
    pub fn facts_for(&self, analyser: &dyn Analyser) -> FactsFor<'_> {
        let mut context = Context::new("facts", analyser);
        context.finish();
        FactsFor {
            cache: self,
            context: context.digest,
        }
    }

    /// The key of a whole walk of the blob of SHA-256 `sha256` (lower-case hex), named `root`
    /// in virtual paths, through `analyser` within `limits` and `scope`.
    pub fn walk_key(
        &self,
        sha256: &str,
        root: &str,
        analyser: &dyn Analyser,
        limits: &firmware::Limits,
        scope: &firmware::Scope,
    ) -> WalkKey {
        self.keyed("walk", &[sha256], root, analyser, limits, scope)
    }

    /// The key of a walk of the content `parts` name, at `level` ("walk", "layer").
    fn keyed(
        &self,
        level: &str,
        parts: &[&str],
        root: &str,
        analyser: &dyn Analyser,
        limits: &firmware::Limits,
        scope: &firmware::Scope,
    ) -> WalkKey {
        let mut context = Context::new(level, analyser);
        context.add(format!("{limits:?}").as_bytes());
        for e in &scope.exclude {
            context.add(e.pattern().as_bytes());
        }
        for part in parts {
            context.add(part.as_bytes());
        }
        context.finish();
        WalkKey {
            key: context.digest,
            root: root.to_string(),
            max_path_len: limits.max_path_len,
        }
    }

    /// A lookup that found a row its caller could not use: a miss, not a hit.
    fn not_a_hit(&self) {
        self.hits.fetch_sub(1, Ordering::Relaxed);
        self.misses.fetch_add(1, Ordering::Relaxed);
    }

    /// What walking the blob of `key` yielded before, with virtual paths under the key's root.
    pub fn get_walked(&self, key: &WalkKey) -> Option<Walked> {
        let stored: StoredWalk = self.get(&key.key)?;
        let rerooted = stored.reroot(key);
        if rerooted.is_none() {
            // kept, but not valid under this name
            self.not_a_hit();
        }
        rerooted
    }

    /// Keeps what walking the blob of `key` yielded. Not kept when it cannot be replayed exactly:
    /// when a limit cut the walk short or a file could not be read (both may differ next time),
    /// or a path does not start with the key's root.
    pub fn put_walked(&self, key: &WalkKey, walked: &Walked) {
        if let Some(stored) = StoredWalk::new(key, walked) {
            self.put(key.key, WALK, &stored);
        }
    }

    /// Size and entries of the cache in `dir`, without changing it.
    pub fn info(dir: &Path) -> Result<Info, String> {
        let path = dir.join(file_name());
        if !path.exists() {
            return Ok(Info {
                file_bytes: 0,
                path,
                facts: Counts::default(),
                walks: Counts::default(),
            });
        }
        let (store, _) = Store::open(&path).map_err(|p| p.message)?;
        let counts = store.counts().map_err(|p| p.message)?;
        store.close();
        let of = |level| {
            counts
                .iter()
                .find(|(l, _)| *l == level)
                .map(|(_, c)| c.clone())
                .unwrap_or_default()
        };
        let file_bytes = ["", "-wal", "-shm"]
            .iter()
            .filter_map(|s| {
                let mut p = path.as_os_str().to_owned();
                p.push(s);
                std::fs::metadata(PathBuf::from(p)).ok()
            })
            .map(|m| m.len())
            .sum();
        Ok(Info {
            file_bytes,
            facts: of(FACTS),
            walks: of(WALK),
            path,
        })
    }

    /// Removes every cache file in `dir` (this schema's and older ones'); the paths removed.
    pub fn clear(dir: &Path) -> Result<Vec<PathBuf>, String> {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(format!("{}: {e}", dir.display())),
        };
        let mut removed = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with("results-v") && name.ends_with(".sqlite3") {
                store::remove(&entry.path()).map_err(|e| format!("{}: {e}", entry.path().display()))?;
                removed.push(entry.path());
            }
        }
        removed.sort();
        Ok(removed)
    }
}

/// The file-facts level as the walker sees it ([`FactsCache`]), for one analyser.
pub struct FactsFor<'c> {
    cache: &'c Cache,
    context: [u8; 32],
}

impl FactsFor<'_> {
    fn key(&self, sha256: &str, inner_path: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.context);
        h.update(sha256.as_bytes());
        h.update([0]);
        h.update(inner_path.as_bytes());
        h.finalize().into()
    }
}

impl FactsCache for FactsFor<'_> {
    fn get(&self, sha256: &str, size: u64, inner_path: &str) -> Option<Facts> {
        if size < MIN_CACHED_BYTES {
            return None;
        }
        self.cache.get(&self.key(sha256, inner_path))
    }

    fn put(&self, sha256: &str, size: u64, inner_path: &str, facts: &Facts) {
        if size >= MIN_CACHED_BYTES {
            self.cache.put(self.key(sha256, inner_path), FACTS, facts);
        }
    }
}

/// The key of a whole walk ([`Cache::walk_key`]).
#[derive(Debug, Clone)]
pub struct WalkKey {
    key: [u8; 32],
    /// The name of the blob in virtual paths this run.
    root: String,
    max_path_len: usize,
}

/// What makes a result valid, digested: the code, the analysers, and what the caller adds.
struct Context {
    hasher: Sha256,
    digest: [u8; 32],
}

impl Context {
    fn new(level: &str, analyser: &dyn Analyser) -> Context {
        let mut identity = String::new();
        analyser.identity(&mut identity);
        let mut c = Context {
            hasher: Sha256::new(),
            digest: [0; 32],
        };
        c.add(b"vendorscan results cache");
        c.add(level.as_bytes());
        c.add(env!("CARGO_PKG_VERSION").as_bytes());
        c.add(env!("VENDORSCAN_SOURCE_DIGEST").as_bytes());
        c.add(identity.as_bytes());
        c
    }

    /// Adds one part, with its length (so parts cannot run into each other).
    fn add(&mut self, part: &[u8]) {
        self.hasher.update((part.len() as u64).to_le_bytes());
        self.hasher.update(part);
    }

    fn finish(&mut self) {
        self.digest = std::mem::take(&mut self.hasher).finalize().into();
    }
}

/// A walk as stored: every virtual path without the blob's name (`!gzip!/etc/passwd`).
#[derive(Serialize, Deserialize)]
struct StoredWalk {
    /// The name the walk is valid under only, when the blob itself was analysed as a file (its
    /// inner path is its name, which analysers may look at).
    bound_to: Option<String>,
    /// The longest virtual path, without the name: under a longer name a path may pass the
    /// path-length limit, and then the walk would differ.
    longest: usize,
    files: Vec<FileEntry>,
    containers: Vec<ContainerEntry>,
    skipped: Vec<Skipped>,
    warnings: Vec<Warning>,
}

impl StoredWalk {
    fn new(key: &WalkKey, walked: &Walked) -> Option<StoredWalk> {
        let root = key.root.as_str();
        let mut longest = 0;
        let mut strip = |path: &str| -> Option<String> {
            let rest = path.strip_prefix(root)?;
            longest = longest.max(rest.len());
            Some(rest.to_string())
        };
        let replayable = walked
            .warnings
            .iter()
            .all(|w| w.at.is_none() && !matches!(w.code, WarningCode::LimitExceeded | WarningCode::Unreadable));
        if !replayable {
            return None;
        }
        let mut stored = StoredWalk {
            bound_to: walked.files.iter().any(|f| f.path == root).then(|| root.to_string()),
            longest: 0,
            files: Vec::with_capacity(walked.files.len()),
            containers: Vec::with_capacity(walked.containers.len()),
            skipped: Vec::with_capacity(walked.skipped.len()),
            warnings: Vec::with_capacity(walked.warnings.len()),
        };
        for f in &walked.files {
            stored.files.push(FileEntry {
                path: strip(&f.path)?,
                ..f.clone()
            });
        }
        for c in &walked.containers {
            stored.containers.push(ContainerEntry {
                path: strip(&c.path)?,
                ..c.clone()
            });
        }
        for s in &walked.skipped {
            stored.skipped.push(Skipped {
                path: strip(&s.path)?,
                ..s.clone()
            });
        }
        for w in &walked.warnings {
            stored.warnings.push(Warning {
                file: strip(&w.file)?,
                ..w.clone()
            });
        }
        stored.longest = longest;
        Some(stored)
    }

    /// The walk under the key's root; `None` when it is not valid under that name.
    fn reroot(self, key: &WalkKey) -> Option<Walked> {
        let root = key.root.as_str();
        if self.bound_to.as_deref().is_some_and(|b| b != root) || root.len() + self.longest > key.max_path_len {
            return None;
        }
        let at = |rest: String| format!("{root}{rest}");
        Some(Walked {
            files: self
                .files
                .into_iter()
                .map(|f| FileEntry { path: at(f.path), ..f })
                .collect(),
            containers: self
                .containers
                .into_iter()
                .map(|c| ContainerEntry { path: at(c.path), ..c })
                .collect(),
            skipped: self
                .skipped
                .into_iter()
                .map(|s| Skipped { path: at(s.path), ..s })
                .collect(),
            warnings: self
                .warnings
                .into_iter()
                .map(|w| Warning { file: at(w.file), ..w })
                .collect(),
        })
    }
}

/// serde_json, compressed with zstd; `None` when it does not encode.
fn encode<T: Serialize>(value: &T) -> Option<Vec<u8>> {
    let json = serde_json::to_vec(value).ok()?;
    zstd::bulk::compress(&json, 3).ok()
}

/// The value of a stored row, decompressed through a cap.
fn decode<T: for<'de> Deserialize<'de>>(value: &[u8]) -> Result<T, String> {
    let mut json = Vec::new();
    zstd::stream::read::Decoder::new(value)
        .map_err(|e| e.to_string())?
        .take(MAX_VALUE_BYTES + 1)
        .read_to_end(&mut json)
        .map_err(|e| e.to_string())?;
    if json.len() as u64 > MAX_VALUE_BYTES {
        return Err(format!("over {MAX_VALUE_BYTES} bytes"));
    }
    serde_json::from_slice(&json).map_err(|e| e.to_string())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk_key(root: &str, max_path_len: usize) -> WalkKey {
        WalkKey {
            key: [7; 32],
            root: root.to_string(),
            max_path_len,
        }
    }

    fn file(path: &str) -> FileEntry {
        FileEntry {
            path: path.to_string(),
            size: 3,
            sha256: Some("ab".into()),
            kind: "text".into(),
            link: None,
            facts: None,
            layer: None,
        }
    }

    #[test]
    fn a_walk_is_stored_without_its_name_and_replayed_under_another() {
        let walked = Walked {
            files: vec![file("fw.bin!gzip!/etc/passwd")],
            warnings: vec![Warning {
                code: WarningCode::Corrupt,
                file: "fw.bin!gzip!/x.zip".into(),
                at: None,
                message: "damaged member: bad".into(),
            }],
            ..Walked::default()
        };
        let stored = StoredWalk::new(&walk_key("fw.bin", 4096), &walked).unwrap();
        assert_eq!(stored.files[0].path, "!gzip!/etc/passwd");
        assert_eq!(stored.bound_to, None);
        let again = stored.reroot(&walk_key("/tmp/other name.bin", 4096)).unwrap();
        assert_eq!(again.files[0].path, "/tmp/other name.bin!gzip!/etc/passwd");
        assert_eq!(again.warnings[0].file, "/tmp/other name.bin!gzip!/x.zip");
    }

    #[test]
    fn a_walk_is_not_replayed_where_it_would_differ() {
        // the blob analysed as a file: its facts may depend on its name
        let plain = Walked {
            files: vec![file("www/index.html")],
            ..Walked::default()
        };
        let stored = StoredWalk::new(&walk_key("www/index.html", 4096), &plain).unwrap();
        assert!(StoredWalk::new(&walk_key("www/index.html", 4096), &plain)
            .unwrap()
            .reroot(&walk_key("www/index.html", 4096))
            .is_some());
        assert!(stored.reroot(&walk_key("index.html", 4096)).is_none());
        // a longer name would pass the path-length limit
        let deep = Walked {
            files: vec![file("fw!/aaaaaaaaaa")],
            ..Walked::default()
        };
        let stored = StoredWalk::new(&walk_key("fw", 20), &deep).unwrap();
        assert!(stored.reroot(&walk_key("firmware-long-name", 20)).is_none());
        // a walk a limit cut short is not kept
        let cut = Walked {
            warnings: vec![Warning {
                code: WarningCode::LimitExceeded,
                file: "fw".into(),
                at: None,
                message: "more than 1 files and members; the rest is not read".into(),
            }],
            ..Walked::default()
        };
        assert!(StoredWalk::new(&walk_key("fw", 4096), &cut).is_none());
    }
}
