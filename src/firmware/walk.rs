//! The walker: a target (directory or file) in, every file found out — recursively through
//! archives and compressed streams, each file's bytes read once and hashed, and the output sorted
//! so it does not depend on scheduling.
//!
//! Work is spread over rayon's threads twice over: the files of a directory are walked in
//! parallel, and a container reader hands each member to another thread while it goes on
//! decoding the next one ([`Walker::members`]), so a SquashFS or `cpio.gz` decodes on one core
//! while what it contains is hashed and opened on the others.
//!
//! Memory stays bounded by the members in hand, not by the image: a large tar, cpio or
//! compressed file on disk is read as a stream (a `tar.gz` is parsed as it decompresses), a large
//! SquashFS or ext image through positioned reads of its file, and a compressed stream inside
//! another container is likewise parsed as it decodes when it holds a tar or cpio. Only other
//! large files are memory-mapped.

mod digest;
mod focus;
mod in_flight;
mod layer;
#[cfg(test)]
mod live_tests;
mod memo;
mod meter;

use super::analyser::{Analyser, FactsCache, FileView};
use super::carve;
use super::containers::{self, compress, Corrupt, Member, Visit};
use super::detect::{detect, Kind};
use super::limits::Limits;
use super::scope::{self, Scope};
use super::vpath::VPath;
use crate::model::{ContainerEntry, Facts, FileEntry, SkipReason, Skipped, Warning, WarningCode};
use digest::{hash_file, sha1_hex, sha256_hex};
pub use focus::Focus;
use in_flight::{lock, InFlight, IN_FLIGHT_BYTES};
use meter::Meter;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{self, Read};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

pub use digest::sha256_of;
pub use layer::{Layer, LayerWalker};

/// Top-level bytes walked between two requests to the allocator to return freed memory.
const TRIM_EVERY: u64 = 64 << 20;

/// Sizes that decide how a blob is read; fixed in use, smaller in tests so that the small
/// fixtures take the paths large images take.
#[derive(Debug, Clone, Copy)]
struct Tuning {
    /// Bytes read from the start of a stream or large file to tell its type. Any value of at
    /// least 1,082 bytes (the ext superblock magic's end) gives the same answer as the whole
    /// blob for every type read as a stream: those magic numbers, and all tested before them,
    /// lie within it.
    head: usize,
    /// Files up to this size are read whole, with one read; larger ones are streamed, read
    /// through positioned reads, or mapped.
    small_file: u64,
}

const TUNING: Tuning = Tuning {
    head: 64 << 10,
    small_file: 1 << 20,
};

/// What one target yielded.
#[derive(Debug, Default)]
pub struct Walked {
    pub files: Vec<FileEntry>,
    pub containers: Vec<ContainerEntry>,
    /// Paths not entered on purpose (`--exclude`, pseudo filesystems).
    pub skipped: Vec<Skipped>,
    pub warnings: Vec<Warning>,
}

impl Walked {
    fn merge(&mut self, other: Walked) {
        self.files.extend(other.files);
        self.containers.extend(other.containers);
        self.skipped.extend(other.skipped);
        self.warnings.extend(other.warnings);
    }

    fn warn(&mut self, code: WarningCode, path: &VPath, message: impl Into<String>) {
        self.warnings.push(Warning {
            code,
            file: path.to_string(),
            at: None,
            message: message.into(),
        });
    }

    fn sort(&mut self) {
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
        self.containers.sort_by(|a, b| a.path.cmp(&b.path));
        self.warnings
            .sort_by(|a, b| (&a.file, &a.message).cmp(&(&b.file, &b.message)));
    }
}

/// The target itself could not be read (a member or a file below a directory that cannot be
/// read is a warning instead).
#[derive(Debug, thiserror::Error)]
#[error("{path}: cannot read: {source}")]
pub struct WalkError {
    pub path: String,
    #[source]
    pub source: std::io::Error,
}

/// Told about every file and member as the walk reaches it, so a front end can show progress.
/// Called from several threads at once.
pub trait Progress: Sync {
    fn blob(&self, bytes: u64);
}

/// No progress shown.
impl Progress for () {
    fn blob(&self, _bytes: u64) {}
}

/// Shared state of one target's walk: its limits and what has been spent of them.
struct Walker<'l> {
    limits: &'l Limits,
    scope: &'l Scope,
    progress: &'l dyn Progress,
    analyser: &'l dyn Analyser,
    /// Facts found before, by content (the results cache), asked before the analyser runs.
    cache: Option<&'l dyn FactsCache>,
    /// Facts found earlier in this walk, asked first (see `memo.rs`: the second copy of a file).
    memo: memo::Memo,
    tuning: Tuning,
    /// Where a focused walk goes (`extract`, `ls`); `None` everywhere.
    focus: Option<&'l Focus>,
    bytes: AtomicU64,
    entries: AtomicU64,
    /// Set once a target-wide limit is reached, so it is reported once and the walk winds down.
    exhausted: AtomicBool,
    /// Bytes of top-level files and members taken up so far (see [`Walker::taken`]).
    taken: AtomicU64,
}

/// Walks one target. `analyser` is called once for every file found (not for links, special
/// files or containers), with the bytes the walk already holds.
pub fn walk(
    target: &Path,
    limits: &Limits,
    progress: &dyn Progress,
    analyser: &dyn Analyser,
) -> Result<Walked, WalkError> {
    walk_scoped(target, limits, &Scope::default(), progress, analyser)
}

/// Walks one target as [`walk`] does, leaving out what `scope` excludes: each path left out is
/// in [`Walked::skipped`], once, at the top of what was not entered.
///
/// Walking a live system is safe: mounts of pseudo filesystems below the target (`/proc`,
/// `/sys`, cgroup, debugfs, …, told by their type) are not entered but listed as skipped; the
/// target itself is walked whatever it is (`/proc/self`, when asked for). Special files (FIFOs,
/// devices, sockets) are never opened, and no file is held beyond the member limit whatever
/// size it says it has.
pub fn walk_scoped(
    target: &Path,
    limits: &Limits,
    scope: &Scope,
    progress: &dyn Progress,
    analyser: &dyn Analyser,
) -> Result<Walked, WalkError> {
    walk_with(target, limits, scope, progress, analyser, TUNING, Hooks::default())
}

/// Walks one target as [`walk`] does, but only along the paths `focus` asks for: every other
/// member is left out (and not listed), and an asked member is handed to `focus` instead of
/// being opened or analysed. Everything on the way is read by the same readers, within the
/// same limits, and its damage reported the same way.
pub fn walk_focused(target: &Path, limits: &Limits, focus: &Focus) -> Result<Walked, WalkError> {
    let hooks = Hooks {
        cache: None,
        focus: Some(focus),
    };
    walk_with(target, limits, &Scope::default(), &(), &(), TUNING, hooks)
}

/// Walks one target as [`walk_scoped`] does, asking `cache` for each file's facts before running
/// the analyser on it and telling it what the analyser found.
pub fn walk_cached(
    target: &Path,
    limits: &Limits,
    scope: &Scope,
    progress: &dyn Progress,
    analyser: &dyn Analyser,
    cache: Option<&dyn FactsCache>,
) -> Result<Walked, WalkError> {
    walk_with(
        target,
        limits,
        scope,
        progress,
        analyser,
        TUNING,
        Hooks { cache, focus: None },
    )
}

#[cfg(test)]
fn walk_tuned(
    target: &Path,
    limits: &Limits,
    progress: &dyn Progress,
    analyser: &dyn Analyser,
    tuning: Tuning,
) -> Result<Walked, WalkError> {
    walk_with(
        target,
        limits,
        &Scope::default(),
        progress,
        analyser,
        tuning,
        Hooks::default(),
    )
}

/// What a walk may be given besides its target and limits: the results cache (`walk_cached`)
/// and the paths a focused walk follows (`walk_focused`).
#[derive(Default, Clone, Copy)]
struct Hooks<'a> {
    cache: Option<&'a dyn FactsCache>,
    focus: Option<&'a Focus>,
}

fn walk_with(
    target: &Path,
    limits: &Limits,
    scope: &Scope,
    progress: &dyn Progress,
    analyser: &dyn Analyser,
    tuning: Tuning,
    hooks: Hooks<'_>,
) -> Result<Walked, WalkError> {
    let Hooks { cache, focus } = hooks;
    let display = target.display().to_string();
    let fail = |source| WalkError {
        path: display.clone(),
        source,
    };
    let walker = Walker {
        limits,
        scope,
        progress,
        analyser,
        cache,
        tuning,
        bytes: AtomicU64::new(0),
        entries: AtomicU64::new(0),
        exhausted: AtomicBool::new(false),
        taken: AtomicU64::new(0),
        focus,
        memo: memo::Memo::default(),
    };
    let root = VPath::root(&display);
    let meta = std::fs::metadata(target).map_err(fail)?;
    // on a pseudo filesystem (the user asked for /proc/self): walked, but no size is believed
    let live = scope::pseudo_filesystem(target).is_some();
    let mut out = Walked::default();
    if meta.is_dir() {
        out = walker.directory(target, &root, scope::device(&meta), live);
    } else if walker.count(&root, &mut out) {
        if meta.is_file() {
            walker.file(target, root, live, &mut out).map_err(fail)?;
        } else {
            // opening a FIFO would wait for a writer, and a device is not a file's content
            out.warn(
                WarningCode::Unreadable,
                &root,
                format!(
                    "{}, not a regular file: not opened (copy a device's content to a file to walk it)",
                    special_kind(&meta.file_type())
                ),
            );
            out.files.push(special_entry(root));
        }
    }
    out.sort();
    out.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// What a special file is, for a message.
fn special_kind(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        } else if ft.is_block_device() {
            return "a block device";
        } else if ft.is_char_device() {
            return "a character device";
        } else if ft.is_socket() {
            return "a socket";
        }
    }
    let _ = ft;
    "a special file"
}

/// Opens a file listed as regular. Without blocking: a FIFO put in its place since it was listed
/// fails here instead of waiting for a writer, and a pseudo file that would wait for data (a
/// kernel log, a trace pipe) fails its read instead.
fn open_regular(on_disk: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        #[allow(clippy::cast_possible_wrap)]
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = options.open(on_disk)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::other("no longer a regular file"));
    }
    Ok(file)
}

/// Reads a file whole through `limit`: its bytes when it holds at most `limit`, `None` when more
/// arrives. The size a file says is only a hint — a `/proc` or `/sys` file says 0 or 4096
/// whatever it holds, and `/proc/self/pagemap` streams hundreds of gigabytes — so once more than
/// `hold` bytes arrive the rest is only counted, and the file is read again into memory only when
/// the count ends within the limit: what would be dropped is never held.
fn read_whole(mut file: File, on_disk: &Path, hint: u64, limit: u64, hold: u64) -> io::Result<Option<Vec<u8>>> {
    Ok(match read_pass(&mut file, hint, limit.min(hold), limit)? {
        Pass::Held(bytes) => Some(bytes),
        Pass::Over => None,
        Pass::Counted(total) => {
            drop(file);
            // it may have changed since: what this read brings is walked, still within the limit
            match read_pass(&mut open_regular(on_disk)?, total, limit, limit)? {
                Pass::Held(bytes) => Some(bytes),
                Pass::Over | Pass::Counted(_) => None,
            }
        }
    })
}

/// What one read of a file to its end brought.
enum Pass {
    /// All of it, at most the bytes asked to hold.
    Held(Vec<u8>),
    /// More than could be held but no more than the limit: this many bytes, not kept.
    Counted(u64),
    /// More than the limit (reading stopped there).
    Over,
}

/// Reads `file` to its end, keeping what arrives while it is at most `hold` bytes and counting
/// the rest, and stopping once more than `limit` bytes have arrived. Reads are asked for in whole
/// 16 KiB pieces: some pseudo files refuse a read of any other size (a pagemap's entries are 8
/// bytes).
fn read_pass(file: &mut File, hint: u64, hold: u64, limit: u64) -> io::Result<Pass> {
    let mut bytes = Vec::with_capacity(usize::try_from(hint.min(hold)).unwrap_or(0));
    let mut piece = [0u8; 16 << 10];
    let mut total = 0u64;
    let mut counting: Option<Vec<u8>> = None;
    loop {
        let buf = counting.as_deref_mut().unwrap_or(&mut piece);
        let n = match file.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        total += n as u64;
        if total > limit {
            return Ok(Pass::Over);
        }
        if total <= hold {
            bytes.extend_from_slice(&piece[..n]);
        } else if counting.is_none() {
            // no longer held: counted in larger reads
            bytes = Vec::new();
            counting = Some(vec![0; 256 << 10]);
        }
    }
    Ok(if total <= hold {
        Pass::Held(bytes)
    } else {
        Pass::Counted(total)
    })
}

/// A whole file, memory-mapped: read once, paged in by the kernel.
fn map(file: &File) -> io::Result<memmap2::Mmap> {
    // SAFETY: the map is read-only and private to this process. If another process truncates the
    // file while it is mapped, reading past the new end raises SIGBUS; the walker reads input it
    // was pointed at and does not defend against concurrent writers.
    unsafe { memmap2::Mmap::map(file) }
}

/// Asks the allocator to return the memory freed so far to the system. glibc keeps what its
/// per-thread arenas free, and the walk frees member buffers of every size on every thread in
/// between long-lived results, so without this a 4 GiB image's walk kept ~110 MiB of freed
/// memory resident (473 MiB peak instead of 363 MiB).
fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: malloc_trim takes no pointers and is safe to call from any thread at any time.
        unsafe {
            malloc_trim(0);
        }
    }
}

impl Walker<'_> {
    /// Every entry of a directory tree: symbolic links recorded with their targets and never
    /// followed (so a link out of the tree, or a loop, goes nowhere); special files listed and
    /// never opened; regular files read and walked in parallel. Paths the scope excludes, and
    /// mounts of pseudo filesystems, are not entered (each is listed as skipped). `device` and
    /// `live` are the root's: its `st_dev`, and whether it is on a pseudo filesystem itself.
    fn directory(&self, dir: &Path, root: &VPath, device: Option<u64>, live: bool) -> Walked {
        let mut out = Walked::default();
        let mut regular = Vec::new();
        // By depth, for the directories from the root to the one being listed: its device, and
        // whether it is on a pseudo filesystem (whose files' sizes are not believed).
        let mut mounts: Vec<(Option<u64>, bool)> = vec![(device, live)];
        let mut entries = walkdir::WalkDir::new(dir)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter();
        while let Some(entry) = entries.next() {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let at = e
                        .path()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| root.to_string());
                    out.warn(WarningCode::Unreadable, &VPath::root(&at), format!("cannot read: {e}"));
                    continue;
                }
            };
            let relative = entry.path().strip_prefix(dir).unwrap_or(entry.path());
            if relative.as_os_str().is_empty() {
                continue;
            }
            let path = root.child(relative.as_os_str().as_encoded_bytes());
            let ft = entry.file_type();
            if let Some(pattern) = self.scope.excluded(relative) {
                out.skipped.push(Skipped {
                    path: path.into_string(),
                    reason: SkipReason::Excluded {
                        pattern: pattern.to_string(),
                    },
                });
                if ft.is_dir() {
                    entries.skip_current_dir();
                }
                continue;
            }
            let depth = entry.depth();
            let (parent_device, parent_live) = mounts.get(depth - 1).copied().unwrap_or((device, live));
            if ft.is_dir() {
                mounts.truncate(depth);
                // a mount point: its device is not its parent's (one lstat per directory, and one
                // statfs per mount)
                let own = entry.metadata().ok().and_then(|m| scope::device(&m)).or(parent_device);
                let mut own_live = parent_live;
                if own != parent_device {
                    if let Some(fstype) = scope::pseudo_filesystem(entry.path()) {
                        out.skipped.push(Skipped {
                            path: path.into_string(),
                            reason: SkipReason::PseudoFilesystem {
                                fstype: fstype.to_string(),
                            },
                        });
                        entries.skip_current_dir();
                        continue;
                    }
                    // a real filesystem mounted inside a pseudo one (a tmpfs at /sys/fs/cgroup)
                    own_live = false;
                }
                mounts.push((own, own_live));
                continue;
            }
            if self.focus.is_some_and(|f| !f.wants(path.as_str())) {
                continue;
            }
            if !self.count(&path, &mut out) {
                break;
            }
            if ft.is_symlink() {
                let target = std::fs::read_link(entry.path())
                    .map(|t| t.into_os_string())
                    .unwrap_or_default();
                out.files.push(link_entry(path, target.as_encoded_bytes(), false));
            } else if ft.is_file() {
                regular.push((entry.into_path(), path, parent_live));
            } else {
                out.files.push(special_entry(path));
            }
        }
        // One task per file: rayon splits a range further only when a thread steals from it, so
        // in the default chunks the 88 packages of a Debian apt cache, side by side in name
        // order, would be decoded one after another on one thread.
        let results: Vec<Walked> = regular
            .par_iter()
            .with_max_len(1)
            .map(|(file, path, live)| {
                let mut out = Walked::default();
                if let Err(e) = self.file(file, path.clone(), *live, &mut out) {
                    out.warn(WarningCode::Unreadable, path, format!("cannot read: {e}"));
                }
                out
            })
            .collect();
        for r in results {
            out.merge(r);
        }
        out
    }

    /// A regular file on disk, already counted. A small file is read whole, through the member
    /// limit whatever size it says (see [`read_whole`]); so is every file of a pseudo filesystem
    /// (`live`), whose sizes mean nothing and which is never mapped. A large tar, cpio or
    /// compressed file is read as a stream and a large SquashFS or ext image through positioned
    /// reads, so neither is ever held or mapped whole (a mapped page once read counts in the
    /// process's resident memory); other large files are mapped. An error is the file's own (it
    /// cannot be opened or read at all); damage found inside it is a warning.
    fn file(&self, on_disk: &Path, path: VPath, live: bool, out: &mut Walked) -> io::Result<()> {
        let mut file = open_regular(on_disk)?;
        let len = file.metadata()?.len();
        if live || len <= self.tuning.small_file {
            let limit = self.limits.max_member_bytes;
            match read_whole(file, on_disk, len, limit, self.tuning.small_file)? {
                Some(bytes) => {
                    self.taken(bytes.len() as u64);
                    self.visit(&bytes, path, 0, out);
                }
                None => out.warn(
                    WarningCode::LimitExceeded,
                    &path,
                    format!("reads beyond the --max-member-bytes limit ({limit}); not read"),
                ),
            }
            return Ok(());
        }
        self.taken(len);
        let mut head = Vec::with_capacity(self.tuning.head);
        (&mut file).take(self.tuning.head as u64).read_to_end(&mut head)?;
        let kind = detect(&head);
        let by_stream = kind.is_compression() || matches!(kind, Kind::Tar | Kind::Cpio | Kind::SquashFs | Kind::Ext);
        if !by_stream
            || head.len() < self.tuning.head
            || self.limits.max_depth == 0
            || path.as_str().len() > self.limits.max_path_len
        {
            // anything else, and the cases `visit` reports on, as before: mapped
            let bytes = map(&file)?;
            self.visit(&bytes, path, 0, out);
            return Ok(());
        }
        self.progress.blob(len);
        if matches!(kind, Kind::SquashFs | Kind::Ext) {
            return self.image_file(kind, file, path, out);
        }
        let rest = io::BufReader::with_capacity(256 << 10, file);
        let mut meter = Meter::new(io::Cursor::new(head).chain(rest), u64::MAX);
        if path.is_file() {
            meter = meter.with_sha1();
        }
        let result = if kind.is_compression() {
            Ok(self.stream(kind, &mut meter, len, &path, 0, out))
        } else {
            self.archive_from(kind, &mut meter, &path, 0, out)
        };
        meter.drain();
        let damaged = if let Some(message) = &meter.failed {
            out.warn(WarningCode::Unreadable, &path, format!("cannot read: {message}"));
            true
        } else {
            settle(result, kind, &path, out)
        };
        let size = meter.len;
        let digests = meter.digests();
        out.containers.push(ContainerEntry {
            path: path.into_string(),
            kind: kind.name().to_string(),
            size,
            sha256: digests.sha256,
            sha1: digests.sha1,
            unpacked: true,
            damaged,
            details: BTreeMap::new(),
        });
        Ok(())
    }

    /// A SquashFS or ext image on disk, read by its reader through positioned reads while the
    /// whole file is hashed on another thread.
    fn image_file(&self, kind: Kind, file: File, path: VPath, out: &mut Walked) -> io::Result<()> {
        let mut reader = file.try_clone()?;
        io::Seek::rewind(&mut reader)?; // past the head read to detect it
        let limit = self.member_limit();
        let (hashed, result) = rayon::join(
            || hash_file(&file, path.is_file()),
            || {
                self.members(&path, 0, limit, out, |visit| match kind {
                    Kind::Ext => containers::ext4::read_file(reader, limit, visit),
                    _ => containers::squashfs::read_from(io::BufReader::new(reader), limit, visit),
                })
            },
        );
        let damaged = settle(result, kind, &path, out);
        let (digests, size) = hashed?;
        out.containers.push(ContainerEntry {
            path: path.into_string(),
            kind: kind.name().to_string(),
            size,
            sha256: digests.sha256,
            sha1: digests.sha1,
            unpacked: true,
            damaged,
            details: BTreeMap::new(),
        });
        Ok(())
    }

    /// Counts `bytes` of a top-level file or member taken up, and every [`TRIM_EVERY`] bytes
    /// returns freed memory (see [`return_freed_memory`]).
    fn taken(&self, bytes: u64) {
        let before = self.taken.fetch_add(bytes, Ordering::Relaxed);
        if (before + bytes) / TRIM_EVERY != before / TRIM_EVERY {
            return_freed_memory();
        }
    }

    /// Counts one entry against the target's limit; false (with one warning) once it is spent.
    fn count(&self, path: &VPath, out: &mut Walked) -> bool {
        let n = self.entries.fetch_add(1, Ordering::Relaxed) + 1;
        if n > self.limits.max_entries {
            if !self.exhausted.swap(true, Ordering::Relaxed) {
                out.warn(
                    WarningCode::LimitExceeded,
                    path,
                    format!(
                        "more than {} files and members; the rest is not read",
                        self.limits.max_entries
                    ),
                );
            }
            return false;
        }
        true
    }

    /// Charges `n` produced bytes to the target; false (with a warning) when they do not fit.
    fn spend(&self, n: u64, path: &VPath, out: &mut Walked) -> bool {
        let before = self.bytes.fetch_add(n, Ordering::Relaxed);
        if before + n > self.limits.max_total_bytes {
            if !self.exhausted.swap(true, Ordering::Relaxed) {
                out.warn(
                    WarningCode::LimitExceeded,
                    path,
                    format!(
                        "unpacking would exceed {} bytes for this target; the rest is not read",
                        self.limits.max_total_bytes
                    ),
                );
            }
            return false;
        }
        true
    }

    /// Which limit a decompression of `compressed` bytes stopped at, `limit` bytes, for the
    /// warning: every limit message names its limit.
    fn which_limit(&self, limit: u64, compressed: u64) -> String {
        let ratio = self.limits.max_ratio;
        if limit == compressed.saturating_mul(ratio) {
            format!("the --max-ratio limit ({ratio} times its {compressed} compressed bytes)")
        } else if limit == self.limits.max_member_bytes {
            format!("the --max-member-bytes limit ({limit})")
        } else {
            format!(
                "what is left of the target's --max-total-bytes budget ({})",
                self.limits.max_total_bytes
            )
        }
    }

    /// Bytes one member or stream may still produce.
    fn member_limit(&self) -> u64 {
        let spent = self.bytes.load(Ordering::Relaxed);
        self.limits
            .max_member_bytes
            .min(self.limits.max_total_bytes.saturating_sub(spent))
    }

    /// A blob reached from its parent: counted, then visited.
    fn blob(&self, bytes: &[u8], path: VPath, depth: usize, out: &mut Walked) {
        if self.count(&path, out) {
            self.visit(bytes, path, depth, out);
        }
    }

    /// A blob already counted as an entry: hashed, typed, and opened when it is a container.
    fn visit(&self, bytes: &[u8], path: VPath, depth: usize, out: &mut Walked) {
        if let Some(focus) = self.focus {
            if focus.take(path.as_str(), bytes) || !focus.wants(path.as_str()) {
                return;
            }
        }
        self.progress.blob(bytes.len() as u64);
        if path.as_str().len() > self.limits.max_path_len {
            out.warn(
                WarningCode::LimitExceeded,
                &path,
                format!("virtual path longer than {} bytes; not read", self.limits.max_path_len),
            );
            return;
        }
        let kind = detect(bytes);
        let opens = kind.is_compression() || kind.is_archive();
        if opens && depth >= self.limits.max_depth {
            out.warn(
                WarningCode::LimitExceeded,
                &path,
                format!(
                    "{} nested more than {} deep; not opened",
                    kind.name(),
                    self.limits.max_depth
                ),
            );
        } else if opens {
            let mut entry = container(&path, kind, bytes, true);
            entry.details = details(kind, bytes);
            entry.damaged = if kind.is_compression() {
                self.decompress(kind, bytes, &path, depth, out)
            } else {
                self.archive(kind, bytes, &path, depth, out)
            };
            out.containers.push(entry);
            return;
        } else if kind.is_unread_container() {
            out.containers.push(container(&path, kind, bytes, false));
            out.warn(
                WarningCode::NotUnpacked,
                &path,
                format!("recognised {}, not unpacked", kind.description()),
            );
        }
        if kind == Kind::Data && depth < self.limits.max_depth {
            self.carve(bytes, &path, depth, out);
        }
        let sha256 = sha256_hex(bytes);
        let facts = self.facts(&path, bytes, kind, &sha256);
        out.files.push(FileEntry {
            path: path.into_string(),
            size: bytes.len() as u64,
            sha256: Some(sha256),
            kind: kind.name().to_string(),
            link: None,
            facts: (!facts.is_empty()).then(|| Box::new(facts)),
            layer: None,
        });
    }

    /// What the analyser finds in a file, or found before in the same content at the same inner
    /// path (the cache).
    fn facts(&self, path: &VPath, bytes: &[u8], kind: Kind, sha256: &str) -> Facts {
        let view = FileView::at(path.as_str(), path.inner(), bytes, kind);
        let size = bytes.len() as u64;
        let inner = view.inner_path();
        if let Some(facts) = self.memo.get(sha256, size, inner) {
            return facts;
        }
        if let Some(facts) = self.cache.and_then(|c| c.get(sha256, size, inner)) {
            self.memo.put(sha256, size, inner, &facts);
            return facts;
        }
        let mut facts = Facts::default();
        self.analyser.analyse(&view, &mut facts);
        self.memo.put(sha256, size, inner, &facts);
        if let Some(cache) = self.cache {
            cache.put(sha256, size, inner, &facts);
        }
        facts
    }

    /// Walks every container embedded in a blob of no known type, at its offset.
    fn carve(&self, bytes: &[u8], path: &VPath, depth: usize, out: &mut Walked) {
        for region in carve::carve(bytes) {
            let end = region.len.map_or(bytes.len(), |len| region.offset + len);
            let slice = &bytes[region.offset..end];
            // A signature found by scanning is a guess until the region decodes: one that does not
            // is dropped quietly rather than reported as a corrupt container.
            let decodes = match region.kind {
                k if k.is_compression() => !matches!(
                    compress::decompress(k, slice, 4096),
                    compress::Outcome::Corrupt { ref partial, .. } if partial.is_empty()
                ),
                Kind::Zip => containers::zip::opens(slice),
                _ => true,
            };
            if decodes {
                let at = path.region(region.offset, region.kind.name());
                self.blob(slice, at, depth + 1, out);
            }
        }
    }

    /// A compressed stream held in memory; true when it is damaged.
    fn decompress(&self, kind: Kind, bytes: &[u8], path: &VPath, depth: usize, out: &mut Walked) -> bool {
        self.stream(kind, bytes, bytes.len() as u64, path, depth, out)
    }

    /// The content of a compressed stream of `compressed` bytes read from `source`. A tar or cpio
    /// inside is walked as it decodes; anything else is decoded into memory through a cap (the
    /// member limit and `--max-ratio` times the compressed size) and visited. True when the
    /// stream is damaged (what decoded before the damage is still walked).
    fn stream(
        &self,
        kind: Kind,
        source: impl Read,
        compressed: u64,
        path: &VPath,
        depth: usize,
        out: &mut Walked,
    ) -> bool {
        let inner = path.stream(kind.name());
        let ratio_limit = compressed.saturating_mul(self.limits.max_ratio);
        let limit = self.member_limit().min(ratio_limit);
        let outcome = match compress::reader(kind, source) {
            Err(e) => compress::Outcome::Corrupt {
                partial: Vec::new(),
                message: e.to_string(),
            },
            Ok(mut decoder) => {
                let mut head = Vec::new();
                match (&mut decoder).take(self.tuning.head as u64).read_to_end(&mut head) {
                    Err(e) => compress::Outcome::Corrupt {
                        partial: head,
                        message: e.to_string(),
                    },
                    Ok(_) => {
                        let archive = detect(&head);
                        if matches!(archive, Kind::Tar | Kind::Cpio)
                            && head.len() == self.tuning.head
                            // an asked-for stream is decoded into memory, to be handed out
                            && !self.focus.is_some_and(|f| f.is(inner.as_str()))
                            && depth + 1 < self.limits.max_depth
                            && inner.as_str().len() <= self.limits.max_path_len
                        {
                            // held is only the member in hand, so the member limit does not
                            // bound the stream; the ratio and the target's budget do
                            let budget = self
                                .limits
                                .max_total_bytes
                                .saturating_sub(self.bytes.load(Ordering::Relaxed));
                            let meter = Meter::new(io::Cursor::new(head).chain(decoder), ratio_limit.min(budget));
                            return self.stream_archive((kind, compressed), archive, meter, path, depth + 1, out);
                        }
                        compress::finish(decoder, head, limit)
                    }
                }
            }
        };
        let data = match outcome {
            compress::Outcome::Done(data) => data,
            compress::Outcome::TooBig => {
                out.warn(
                    WarningCode::LimitExceeded,
                    path,
                    format!(
                        "{} stream expands beyond {limit} bytes, {}; not read",
                        kind.name(),
                        self.which_limit(limit, compressed)
                    ),
                );
                return false;
            }
            compress::Outcome::Corrupt { partial, message } => {
                out.warn(
                    WarningCode::Corrupt,
                    path,
                    format!("{} stream is corrupt: {message}", kind.name()),
                );
                if !partial.is_empty() && self.spend(partial.len() as u64, &inner, out) {
                    self.blob(&partial, inner, depth + 1, out);
                }
                return true;
            }
        };
        if self.spend(data.len() as u64, &inner, out) {
            self.blob(&data, inner, depth + 1, out);
        }
        false
    }

    /// A tar or cpio (`kind`) read as its `codec` stream of `compressed` bytes decodes: counted as the stream's entry,
    /// hashed and measured on the way by `meter` (which bounds it too), never held whole. True
    /// when the compressed stream is damaged.
    fn stream_archive<R: Read>(
        &self,
        (codec, compressed): (Kind, u64),
        kind: Kind,
        mut meter: Meter<R>,
        path: &VPath,
        depth: usize,
        out: &mut Walked,
    ) -> bool {
        let inner = path.stream(codec.name());
        if !self.count(&inner, out) {
            return false;
        }
        let limit = meter.limit;
        let result = self.archive_from(kind, &mut meter, &inner, depth, out);
        meter.drain();
        self.progress.blob(meter.len);
        let (mut stream_damaged, mut damaged) = (false, false);
        if meter.over {
            out.warn(
                WarningCode::LimitExceeded,
                path,
                format!(
                    "{} stream expands beyond {limit} bytes, {}; the rest is not read",
                    codec.name(),
                    self.which_limit(limit, compressed)
                ),
            );
        } else if let Some(message) = &meter.failed {
            out.warn(
                WarningCode::Corrupt,
                path,
                format!("{} stream is corrupt: {message}", codec.name()),
            );
            stream_damaged = true;
        } else {
            damaged = settle(result, kind, &inner, out);
        }
        self.spend(meter.len, &inner, out);
        out.containers.push(ContainerEntry {
            path: inner.into_string(),
            kind: kind.name().to_string(),
            size: meter.len,
            sha256: meter.sha256(),
            sha1: None,
            unpacked: true,
            damaged,
            details: BTreeMap::new(),
        });
        stream_damaged
    }

    /// A tar or cpio read from a stream.
    fn archive_from(
        &self,
        kind: Kind,
        reader: impl Read,
        path: &VPath,
        depth: usize,
        out: &mut Walked,
    ) -> Result<bool, Corrupt> {
        let limit = self.member_limit();
        self.members(path, depth, limit, out, |visit| match kind {
            Kind::Cpio => containers::cpio::read_stream(reader, limit, visit),
            _ => containers::tar::read(reader, limit, visit),
        })
    }

    /// A container held in memory; true when it is damaged.
    fn archive(&self, kind: Kind, bytes: &[u8], path: &VPath, depth: usize, out: &mut Walked) -> bool {
        let limit = self.member_limit();
        let result = self.members(path, depth, limit, out, |visit| {
            self.read_archive(kind, bytes, limit, visit)
        });
        settle(result, kind, path, out)
    }

    /// A container held in memory, read by its format's reader.
    fn read_archive<'a>(
        &self,
        kind: Kind,
        bytes: &'a [u8],
        limit: u64,
        mut visit: &mut Visit<'_, 'a>,
    ) -> Result<(), Corrupt> {
        match kind {
            Kind::Tar => containers::tar::read(bytes, limit, &mut visit),
            Kind::Zip => containers::zip::read(bytes, limit, self.limits.max_ratio, &mut visit),
            Kind::Cpio => containers::cpio::read(bytes, limit, &mut visit),
            Kind::Ar => containers::ar::read(bytes, limit, &mut visit),
            Kind::SquashFs => containers::squashfs::read(bytes, limit, &mut visit),
            Kind::Ext => containers::ext4::read(bytes, limit, &mut visit),
            Kind::UImage => containers::uimage::read(bytes, limit, &mut visit),
            Kind::Fit => containers::fit::read(bytes, limit, &mut visit),
            Kind::Fat => containers::fat::read(bytes, limit, &mut visit),
            Kind::Gpt => containers::disk::read(bytes, true, limit, &mut visit),
            Kind::Mbr => containers::disk::read(bytes, false, limit, &mut visit),
            Kind::Iso9660 => containers::iso9660::read(bytes, limit, &mut visit),
            Kind::AndroidBoot => containers::android_boot::read(bytes, limit, &mut visit),
            Kind::AndroidSparse => containers::android_sparse::read(bytes, limit, &mut visit),
            Kind::Ubi => containers::ubi::read(bytes, limit, &mut visit),
            Kind::Ubifs => containers::ubifs::read(bytes, limit, &mut visit),
            Kind::Jffs2 => containers::jffs2::read(bytes, limit, &mut visit),
            Kind::CramFs => containers::cramfs::read(bytes, limit, &mut visit),
            Kind::RomFs => containers::romfs::read(bytes, limit, &mut visit),
            Kind::Erofs => containers::erofs::read(bytes, limit, &mut visit),
            Kind::Yaffs2 => containers::yaffs2::read(bytes, limit, &mut visit),
            Kind::SevenZip => containers::sevenz::read(bytes, limit, self.limits.max_ratio, &mut visit),
            _ => Ok(()),
        }
    }

    /// Walks the members a container's reader (`read`) hands over. Each is counted and charged
    /// here, in the reader's order, then walked — on another thread when one is free, while the
    /// reader goes on to the next (a member larger than [`IN_FLIGHT_BYTES`] is walked here, so no
    /// more than one such is in memory per reader). What the members yield is merged when the
    /// reader is done, and a hard link to an earlier member is then listed as the file it names
    /// (as a directory listing shows it), not as an empty entry. `Ok(true)` when a member was
    /// damaged (each is a warning of its own).
    fn members<'a>(
        &self,
        path: &VPath,
        depth: usize,
        limit: u64,
        out: &mut Walked,
        read: impl FnOnce(&mut Visit<'_, 'a>) -> Result<(), Corrupt>,
    ) -> Result<bool, Corrupt> {
        // What each member handed over yielded, by its number.
        let results: Mutex<Vec<(usize, Walked)>> = Mutex::new(Vec::new());
        let in_flight = InFlight::default();
        // Files handed over, by name: their number, and the path they are listed at.
        let mut seen: HashMap<Vec<u8>, (usize, String)> = HashMap::new();
        // Hard links to one of them: the link's path, the file's number and path, the target.
        let mut links: Vec<(VPath, usize, String, Vec<u8>)> = Vec::new();
        let mut handed = 0usize;
        let mut damaged = false;
        // Excluded paths already recorded as skipped (one record per excluded directory).
        let mut excluded: HashSet<Vec<u8>> = HashSet::new();
        let result = rayon::in_place_scope(|scope| {
            let (results, in_flight) = (&results, &in_flight);
            let mut visit = |member: Member<'a>| -> ControlFlow<()> {
                if self
                    .focus
                    .is_some_and(|f| !f.wants(path.member(member.name()).as_str()))
                {
                    return ControlFlow::Continue(());
                }
                if let Some((part, pattern)) = self.scope.excluded_member(member.name()) {
                    if excluded.insert(part.to_vec()) {
                        out.skipped.push(Skipped {
                            path: path.member(part).into_string(),
                            reason: SkipReason::Excluded {
                                pattern: pattern.to_string(),
                            },
                        });
                    }
                    return ControlFlow::Continue(());
                }
                match member {
                    Member::File { name, data } => {
                        let at = path.member(&name);
                        let size = data.len() as u64;
                        if !self.spend(size, &at, out) {
                            return ControlFlow::Break(());
                        }
                        if self.count(&at, out) {
                            let number = handed;
                            handed += 1;
                            seen.insert(strip_dot(&name).to_vec(), (number, at.to_string()));
                            if depth == 0 {
                                self.taken(size);
                            }
                            if size > IN_FLIGHT_BYTES {
                                let mut own = Walked::default();
                                self.visit(&data, at, depth + 1, &mut own);
                                lock(results).push((number, own));
                            } else {
                                in_flight.reserve(size);
                                scope.spawn(move |_| {
                                    let _release = in_flight.start(size);
                                    let mut own = Walked::default();
                                    self.visit(&data, at, depth + 1, &mut own);
                                    drop(data);
                                    lock(results).push((number, own));
                                });
                            }
                        }
                    }
                    Member::Link {
                        name,
                        target,
                        hard: true,
                    } if seen.contains_key(strip_dot(&target)) => {
                        let at = path.member(&name);
                        if self.count(&at, out) {
                            if let Some((number, listed)) = seen.get(strip_dot(&target)) {
                                links.push((at, *number, listed.clone(), target));
                            }
                        }
                    }
                    Member::TooBig { name, size } => {
                        let at = path.member(&name);
                        let message = if limit < self.limits.max_member_bytes {
                            format!(
                                "member of {size} bytes is over what is left ({limit} bytes) of the \
                                 target's --max-total-bytes budget ({}); not read",
                                self.limits.max_total_bytes
                            )
                        } else {
                            format!("member of {size} bytes is over the --max-member-bytes limit ({limit}); not read")
                        };
                        out.warn(WarningCode::LimitExceeded, &at, message);
                    }
                    Member::OverRatio { name, size, compressed } => {
                        let at = path.member(&name);
                        out.warn(
                            WarningCode::LimitExceeded,
                            &at,
                            format!(
                                "member of {size} bytes from {compressed} compressed is over the \
                                 --max-ratio limit ({}); not read",
                                self.limits.max_ratio
                            ),
                        );
                    }
                    Member::Damaged { name, message } => {
                        let at = path.member(&name);
                        damaged = true;
                        out.warn(WarningCode::Corrupt, &at, format!("damaged member: {message}"));
                    }
                    Member::Link { name, target, hard } => {
                        let at = path.member(&name);
                        if self.count(&at, out) {
                            out.files.push(link_entry(at, &target, hard));
                        }
                    }
                    Member::Special { name } => {
                        let at = path.member(&name);
                        if self.count(&at, out) {
                            out.files.push(special_entry(at));
                        }
                    }
                    Member::Unread { name, reason } => {
                        let at = path.member(&name);
                        out.warn(WarningCode::NotUnpacked, &at, format!("not unpacked: {reason}"));
                    }
                }
                if self.exhausted.load(Ordering::Relaxed) {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            };
            let result = read(&mut visit);
            // before the scope ends: its own wait would take up unrelated work meanwhile
            in_flight.drain();
            result
        });
        let mut results = results.into_inner().unwrap_or_else(PoisonError::into_inner);
        results.sort_unstable_by_key(|r| r.0);
        for (at, number, listed, target) in links {
            let file = results
                .get(number)
                .and_then(|(_, walked)| walked.files.iter().rev().find(|f| f.path == listed));
            out.files.push(match file {
                Some(file) => FileEntry {
                    path: at.into_string(),
                    ..file.clone()
                },
                None => link_entry(at, &target, true),
            });
        }
        for (_, walked) in results {
            out.merge(walked);
        }
        result.map(|()| damaged)
    }
}

/// Reports a reader's failure as a `corrupt` warning on the container; true when the container
/// is damaged (the reader failed, or one of its members was).
fn settle(result: Result<bool, Corrupt>, kind: Kind, path: &VPath, out: &mut Walked) -> bool {
    match result {
        Ok(damaged) => damaged,
        Err(Corrupt(message)) => {
            out.warn(
                WarningCode::Corrupt,
                path,
                format!("{} is corrupt: {message}", kind.name()),
            );
            true
        }
    }
}

/// What a container's header says, for its inventory entry (boot image headers).
fn details(kind: Kind, bytes: &[u8]) -> BTreeMap<String, String> {
    match kind {
        Kind::UImage => containers::uimage::header(bytes).map_or_else(
            |_| BTreeMap::new(),
            |h| {
                BTreeMap::from([
                    ("name".to_string(), h.name),
                    ("load_address".to_string(), format!("0x{:08x}", h.load_address)),
                    ("entry_point".to_string(), format!("0x{:08x}", h.entry_point)),
                    ("os".to_string(), h.os.to_string()),
                    ("type".to_string(), h.image_type.to_string()),
                    ("compression".to_string(), h.compression.to_string()),
                ])
            },
        ),
        Kind::AndroidBoot => containers::android_boot::header(bytes).map_or_else(|_| BTreeMap::new(), |h| h.details()),
        Kind::Fit => containers::fit::details(bytes),
        _ => BTreeMap::new(),
    }
}

/// An archive member name without a leading `./`, as hard-link targets and names are compared.
fn strip_dot(name: &[u8]) -> &[u8] {
    name.strip_prefix(b"./").unwrap_or(name)
}

fn container(path: &VPath, kind: Kind, bytes: &[u8], unpacked: bool) -> ContainerEntry {
    ContainerEntry {
        path: path.to_string(),
        kind: kind.name().to_string(),
        size: bytes.len() as u64,
        sha256: sha256_hex(bytes),
        sha1: path.is_file().then(|| sha1_hex(bytes)),
        unpacked,
        damaged: false,
        details: BTreeMap::new(),
    }
}

fn link_entry(path: VPath, target: &[u8], hard: bool) -> FileEntry {
    FileEntry {
        path: path.into_string(),
        size: 0,
        sha256: None,
        kind: if hard { "hardlink" } else { "symlink" }.to_string(),
        link: Some(String::from_utf8_lossy(target).into_owned()),
        facts: None,
        layer: None,
    }
}

fn special_entry(path: VPath) -> FileEntry {
    FileEntry {
        path: path.into_string(),
        size: 0,
        sha256: None,
        kind: "special".to_string(),
        link: None,
        facts: None,
        layer: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/firmware/out");

    /// Every file and member read the way only large images are in use: no file is small, and
    /// a stream's type is told from its first 2 KiB.
    const EVERYTHING_STREAMED: Tuning = Tuning {
        head: 2048,
        small_file: 0,
    };

    fn walked(path: &Path, limits: &Limits, tuning: Tuning) -> (Vec<FileEntry>, Vec<ContainerEntry>, Vec<Warning>) {
        let w = walk_tuned(path, limits, &(), &(), tuning).unwrap();
        (w.files, w.containers, w.warnings)
    }

    #[test]
    fn streamed_and_in_memory_walks_agree_on_every_fixture() {
        let limits = Limits::default();
        let mut fixtures: Vec<_> = std::fs::read_dir(FIXTURES)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        fixtures.sort();
        assert!(fixtures.len() > 15);
        for fixture in &fixtures {
            let memory = walked(fixture, &limits, TUNING);
            let streamed = walked(fixture, &limits, EVERYTHING_STREAMED);
            assert_eq!(streamed, memory, "{}", fixture.display());
        }
    }

    #[test]
    fn a_streamed_tar_gz_lists_its_stream_as_a_container() {
        let path = Path::new(FIXTURES).join("rootfs.tar.gz");
        let (files, containers, warnings) = walked(&path, &Limits::default(), EVERYTHING_STREAMED);
        assert!(warnings.is_empty(), "{warnings:?}");
        let display = path.display().to_string();
        let kinds: Vec<(&str, &str)> = containers.iter().map(|c| (c.path.as_str(), c.kind.as_str())).collect();
        assert_eq!(
            kinds,
            [(display.as_str(), "gzip"), (format!("{display}!gzip").as_str(), "tar")]
        );
        // the decoded stream's hash and size are those of the whole tar
        let mut tar = Vec::new();
        flate2::read::GzDecoder::new(&std::fs::read(&path).unwrap()[..])
            .read_to_end(&mut tar)
            .unwrap();
        assert_eq!(containers[1].size, tar.len() as u64);
        assert_eq!(containers[1].sha256, sha256_hex(&tar));
        assert_eq!(containers[0].sha256, sha256_hex(&std::fs::read(&path).unwrap()));
        assert!(files.iter().any(|f| f.path == format!("{display}!gzip!/etc/passwd")));
    }

    #[test]
    fn a_streamed_bomb_stops_at_the_ratio() {
        let path = Path::new(FIXTURES).join("bomb.gz");
        let (_, _, warnings) = walked(&path, &Limits::default(), EVERYTHING_STREAMED);
        assert_eq!(warnings.len(), 1);
        assert_eq!(
            warnings[0].message,
            "gzip stream expands beyond 65250000 bytes, the --max-ratio limit (1000 times its 65250 compressed bytes); not read"
        );
    }

    #[test]
    fn a_tar_stream_over_its_limit_keeps_what_came_before_and_warns() {
        // rootfs.tar.gz is ~5 KB; a ratio of 2 lets ~10 KB of its tar through
        let path = Path::new(FIXTURES).join("rootfs.tar.gz");
        let limits = Limits {
            max_ratio: 2,
            ..Limits::default()
        };
        let (files, _, warnings) = walked(&path, &limits, EVERYTHING_STREAMED);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(warnings[0].code, WarningCode::LimitExceeded);
        assert!(
            warnings[0].message.starts_with(
                "gzip stream expands beyond 9828 bytes, the --max-ratio limit (2 times its 4914 compressed bytes); \
                     the rest is not read"
            ),
            "{}",
            warnings[0].message
        );
        assert!(!files.is_empty());
    }
}
