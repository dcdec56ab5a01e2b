//! The walker: a target (directory or file) in, every file found out — recursively through
//! archives and compressed streams, each file's bytes read once and hashed, files of a directory
//! processed in parallel, and the output sorted so it does not depend on scheduling.

use super::carve;
use super::containers::{self, compress, Member};
use super::detect::{detect, Kind};
use super::limits::Limits;
use super::vpath::VPath;
use crate::analyse::{Analyser, FileView};
use crate::model::{ContainerEntry, Facts, FileEntry, Warning, WarningCode};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// What one target yielded.
#[derive(Debug, Default)]
pub struct Walked {
    pub files: Vec<FileEntry>,
    pub containers: Vec<ContainerEntry>,
    pub warnings: Vec<Warning>,
}

impl Walked {
    fn merge(&mut self, other: Walked) {
        self.files.extend(other.files);
        self.containers.extend(other.containers);
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
    progress: &'l dyn Progress,
    analyser: &'l dyn Analyser,
    bytes: AtomicU64,
    entries: AtomicU64,
    /// Set once a target-wide limit is reached, so it is reported once and the walk winds down.
    exhausted: AtomicBool,
}

/// Walks one target. `analyser` is called once for every file found (not for links, special
/// files or containers), with the bytes the walk already holds.
pub fn walk(
    target: &Path,
    limits: &Limits,
    progress: &dyn Progress,
    analyser: &dyn Analyser,
) -> Result<Walked, WalkError> {
    let display = target.display().to_string();
    let fail = |source| WalkError {
        path: display.clone(),
        source,
    };
    let walker = Walker {
        limits,
        progress,
        analyser,
        bytes: AtomicU64::new(0),
        entries: AtomicU64::new(0),
        exhausted: AtomicBool::new(false),
    };
    let root = VPath::root(&display);
    let meta = std::fs::metadata(target).map_err(fail)?;
    let mut out = if meta.is_dir() {
        walker.directory(target, &root)
    } else {
        let bytes = read_file(target).map_err(fail)?;
        let mut out = Walked::default();
        walker.blob(&bytes, root, 0, &mut out);
        out
    };
    out.sort();
    Ok(out)
}

/// A file's bytes: memory-mapped when large (read once, paged in by the kernel), read into
/// memory when small.
enum FileBytes {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Mapped(m) => m,
            FileBytes::Read(v) => v,
        }
    }
}

fn read_file(path: &Path) -> std::io::Result<FileBytes> {
    let file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    if len >= 1 << 20 {
        // SAFETY: the map is read-only and private to this process. If another process
        // truncates the file while it is mapped, reading past the new end raises SIGBUS; the
        // walker reads input it was pointed at and does not defend against concurrent writers.
        Ok(FileBytes::Mapped(unsafe { memmap2::Mmap::map(&file)? }))
    } else {
        let mut bytes = Vec::with_capacity(len as usize);
        std::io::Read::read_to_end(&mut std::io::BufReader::new(file), &mut bytes)?;
        Ok(FileBytes::Read(bytes))
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

impl Walker<'_> {
    /// Every entry of a directory tree: symbolic links recorded with their targets and never
    /// followed (so a link out of the tree, or a loop, goes nowhere); regular files read and
    /// walked in parallel.
    fn directory(&self, dir: &Path, root: &VPath) -> Walked {
        let mut out = Walked::default();
        let mut regular = Vec::new();
        for entry in walkdir::WalkDir::new(dir).follow_links(false).sort_by_file_name() {
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
            if ft.is_dir() {
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
                regular.push((entry.into_path(), path));
            } else {
                out.files.push(special_entry(path));
            }
        }
        let results: Vec<Walked> = regular
            .par_iter()
            .map(|(file, path)| {
                let mut out = Walked::default();
                match read_file(file) {
                    Ok(bytes) => self.visit(&bytes, path.clone(), 0, &mut out),
                    Err(e) => out.warn(WarningCode::Unreadable, path, format!("cannot read: {e}")),
                }
                out
            })
            .collect();
        for r in results {
            out.merge(r);
        }
        out
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
            out.containers.push(entry);
            if kind.is_compression() {
                self.decompress(kind, bytes, &path, depth, out);
            } else {
                self.archive(kind, bytes, &path, depth, out);
            }
            return;
        } else if kind.is_unread_container() {
            out.containers.push(container(&path, kind, bytes, false));
            out.warn(
                WarningCode::NotUnpacked,
                &path,
                format!("recognised {}, not unpacked", kind.name()),
            );
        }
        if kind == Kind::Data && depth < self.limits.max_depth {
            self.carve(bytes, &path, depth, out);
        }
        let mut facts = Facts::default();
        self.analyser.analyse(
            &FileView {
                path: path.as_str(),
                bytes,
                kind,
            },
            &mut facts,
        );
        out.files.push(FileEntry {
            path: path.into_string(),
            size: bytes.len() as u64,
            sha256: Some(sha256_hex(bytes)),
            kind: kind.name().to_string(),
            link: None,
            facts: (!facts.is_empty()).then(|| Box::new(facts)),
        });
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

    fn decompress(&self, kind: Kind, bytes: &[u8], path: &VPath, depth: usize, out: &mut Walked) {
        let limit = self
            .member_limit()
            .min((bytes.len() as u64).saturating_mul(self.limits.max_ratio));
        let inner = path.stream(kind.name());
        let data = match compress::decompress(kind, bytes, limit) {
            compress::Outcome::Done(data) => data,
            compress::Outcome::TooBig => {
                out.warn(
                    WarningCode::LimitExceeded,
                    path,
                    format!("{} stream expands beyond {limit} bytes; not read", kind.name()),
                );
                return;
            }
            compress::Outcome::Corrupt { partial, message } => {
                out.warn(
                    WarningCode::Corrupt,
                    path,
                    format!("{} stream is corrupt: {message}", kind.name()),
                );
                if partial.is_empty() {
                    return;
                }
                partial
            }
        };
        if self.spend(data.len() as u64, &inner, out) {
            self.blob(&data, inner, depth + 1, out);
        }
    }

    fn archive(&self, kind: Kind, bytes: &[u8], path: &VPath, depth: usize, out: &mut Walked) {
        let limit = self.member_limit();
        // Files seen in this archive by name, so a hard link to one is listed as the file it is
        // (as a directory listing shows it), not as an empty entry.
        let mut seen: HashMap<Vec<u8>, FileEntry> = HashMap::new();
        let mut visit = |member: Member<'_>| -> ControlFlow<()> {
            match member {
                Member::File { name, data } => {
                    let at = path.member(&name);
                    if !self.spend(data.len() as u64, &at, out) {
                        return ControlFlow::Break(());
                    }
                    let listed = at.to_string();
                    self.blob(&data, at, depth + 1, out);
                    if let Some(file) = out.files.last().filter(|f| f.path == listed) {
                        seen.insert(strip_dot(&name).to_vec(), file.clone());
                    }
                }
                Member::Link {
                    name,
                    target,
                    hard: true,
                } if seen.contains_key(strip_dot(&target)) => {
                    let at = path.member(&name);
                    if self.count(&at, out) {
                        if let Some(file) = seen.get(strip_dot(&target)) {
                            out.files.push(FileEntry {
                                path: at.into_string(),
                                ..file.clone()
                            });
                        }
                    }
                }
                Member::TooBig { name, size } => {
                    let at = path.member(&name);
                    out.warn(
                        WarningCode::LimitExceeded,
                        &at,
                        format!("member of {size} bytes is over the {limit}-byte limit; not read"),
                    );
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
            }
            if self.exhausted.load(Ordering::Relaxed) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let result = match kind {
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
            _ => Ok(()),
        };
        if let Err(containers::Corrupt(message)) = result {
            out.warn(
                WarningCode::Corrupt,
                path,
                format!("{} is corrupt: {message}", kind.name()),
            );
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
        unpacked,
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
    }
}
