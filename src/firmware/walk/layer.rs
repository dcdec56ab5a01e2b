//! Container image layers: tar streams walked one after another as parts of one target, within
//! one budget of entries and bytes (`crate::image` applies them into one filesystem).

use super::meter::Meter;
use super::{settle, Analyser, FactsCache, Kind, Limits, Progress, Scope, VPath, Walked, Walker, TUNING};
use crate::firmware::containers::compress;
use crate::model::{ContainerEntry, WarningCode};
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Walks the layers of one image, sharing the limits' budgets between them.
pub struct LayerWalker<'l> {
    walker: Walker<'l>,
}

/// What one layer yielded: its files and containers (members named `ROOT!/name`), and the
/// layer's uncompressed tar measured on the way (its SHA-256 is the layer's `diff_id`).
pub struct Layer {
    pub walked: Walked,
    /// `sha256:…` of the uncompressed tar.
    pub diff_id: String,
    /// Bytes of the uncompressed tar.
    pub size: u64,
    /// `gzip`, `zstd`, or `tar` when the layer is stored uncompressed.
    pub codec: &'static str,
    /// True when the layer could not be read to its end (the reason is a warning at `ROOT`).
    pub damaged: bool,
    /// `sha256:…` of the blob as stored (compressed), read to its end: what the manifest's
    /// layer digest must be.
    pub blob_digest: String,
    /// Entries this layer counted against the image's `--max-entries`, and bytes it charged to
    /// its `--max-total-bytes` (the layer's own decoded tar and what was decoded inside it): what
    /// a replay of the layer from the results cache charges again ([`LayerWalker::replay`]).
    pub entries: u64,
    pub bytes: u64,
    /// True once one of the image's budgets is spent, by this layer or one below: from then on
    /// a layer's walk may be cut short without a warning of its own (the limit is reported
    /// once), so it is not a walk of the whole layer.
    pub exhausted: bool,
}

impl<'l> LayerWalker<'l> {
    /// A walker of one image's layers; `cache`, when given, is asked for each file's facts
    /// before the analyser runs (as [`walk_cached`](super::walk_cached) does).
    pub fn new(
        limits: &'l Limits,
        scope: &'l Scope,
        progress: &'l dyn Progress,
        analyser: &'l dyn Analyser,
        cache: Option<&'l dyn FactsCache>,
    ) -> Self {
        LayerWalker {
            walker: Walker {
                limits,
                scope,
                progress,
                analyser,
                tuning: TUNING,
                bytes: AtomicU64::new(0),
                entries: AtomicU64::new(0),
                exhausted: AtomicBool::new(false),
                taken: AtomicU64::new(0),
                focus: None,
                cache,
                memo: Default::default(),
            },
        }
    }

    /// Walks one layer blob as stored — gzip, zstd or a plain tar, told by its first bytes —
    /// as it streams: decoded and parsed as it is read, never held whole, the decoded bytes
    /// charged to the image's `--max-total-bytes`. Damage is a warning at `root` (what was read
    /// before it is kept). The blob is read to its end and hashed on the way, so the caller can
    /// hold it against the manifest's digest.
    pub fn layer(&self, root: &str, blob: &mut dyn Read) -> Layer {
        let w = &self.walker;
        let (entries_before, bytes_before) = (w.entries.load(Ordering::Relaxed), w.bytes.load(Ordering::Relaxed));
        let root = VPath::root(root);
        let mut out = Walked::default();
        // the blob as stored, hashed as the decoder reads it: nothing limits it but its end
        let mut raw = Meter::new(blob, u64::MAX);
        let mut head = Vec::with_capacity(4);
        if let Err(e) = (&mut raw).take(4).read_to_end(&mut head) {
            out.warn(WarningCode::Unreadable, &root, format!("cannot read: {e}"));
        }
        let (kind, codec) = match head.as_slice() {
            [0x1f, 0x8b, ..] => (Some(Kind::Gzip), "gzip"),
            [0x28, 0xb5, 0x2f, 0xfd] => (Some(Kind::Zstd), "zstd"),
            _ => (None, "tar"),
        };
        let source = io::Cursor::new(head).chain(&mut raw);
        let decoded: Box<dyn Read + '_> = match kind {
            Some(k) => match compress::reader(k, source) {
                Ok(decoder) => decoder,
                Err(e) => Box::new(FailedRead(Some(e))),
            },
            None => Box::new(source),
        };
        let budget = w.limits.max_total_bytes.saturating_sub(w.bytes.load(Ordering::Relaxed));
        let mut meter = Meter::new(decoded, budget);
        let result = if w.count(&root, &mut out) {
            w.archive_from(Kind::Tar, &mut meter, &root, 0, &mut out)
        } else {
            Ok(false)
        };
        meter.drain();
        w.progress.blob(meter.len);
        let mut damaged = true;
        if meter.over {
            out.warn(
                WarningCode::LimitExceeded,
                &root,
                format!(
                    "layer expands beyond {budget} bytes, what is left of the image's --max-total-bytes budget ({}); the rest is not read",
                    w.limits.max_total_bytes
                ),
            );
        } else if let Some(message) = &meter.failed {
            out.warn(
                WarningCode::Corrupt,
                &root,
                format!("{codec} layer stream is corrupt: {message}"),
            );
        } else {
            damaged = settle(result, Kind::Tar, &root, &mut out);
        }
        w.spend(meter.len, &root, &mut out);
        let size = meter.len;
        let diff_id = format!("sha256:{}", meter.sha256());
        // what follows the compressed stream's end (nothing, in a sound blob) is part of the blob
        // and of its digest; a source that checks the digest itself (a registry) fails here when
        // the blob was not the one asked for
        if !damaged {
            raw.drain();
            if let Some(message) = &raw.failed {
                out.warn(
                    WarningCode::Corrupt,
                    &root,
                    format!("layer blob cannot be read to its end: {message}"),
                );
                damaged = true;
            }
        }
        let blob_digest = format!("sha256:{}", raw.sha256());
        out.containers.push(ContainerEntry {
            path: root.into_string(),
            kind: Kind::Tar.name().to_string(),
            size,
            sha256: diff_id["sha256:".len()..].to_string(),
            sha1: None,
            unpacked: true,
            damaged,
            details: BTreeMap::new(),
        });
        out.sort();
        Layer {
            walked: out,
            diff_id,
            size,
            codec,
            damaged,
            blob_digest,
            entries: w.entries.load(Ordering::Relaxed).saturating_sub(entries_before),
            bytes: w.bytes.load(Ordering::Relaxed).saturating_sub(bytes_before),
            exhausted: w.exhausted.load(Ordering::Relaxed),
        }
    }

    /// Whether a layer whose walk took `entries` and `bytes` of the budgets ([`Layer::entries`],
    /// [`Layer::bytes`]) fits whole in what is left of them. A walk that fits stops at no limit,
    /// so a stored walk of the layer is what walking it now would give; one that does not fit
    /// would stop part way, and is walked instead.
    pub fn fits(&self, entries: u64, bytes: u64) -> bool {
        let w = &self.walker;
        let fits = |spent: &AtomicU64, more: u64, max: u64| {
            spent
                .load(Ordering::Relaxed)
                .checked_add(more)
                .is_some_and(|total| total <= max)
        };
        fits(&w.entries, entries, w.limits.max_entries) && fits(&w.bytes, bytes, w.limits.max_total_bytes)
    }

    /// Charges a layer replayed from the results cache (one that [`fits`](Self::fits)) to the
    /// image's budgets as walking it did, so that the layers above it meet the limits exactly
    /// where they would after walking it; `size`, its decoded tar, is shown as progress.
    pub fn replay(&self, entries: u64, bytes: u64, size: u64) {
        let w = &self.walker;
        w.entries.fetch_add(entries, Ordering::Relaxed);
        w.bytes.fetch_add(bytes, Ordering::Relaxed);
        w.progress.blob(size);
    }
}

/// A decoder that could not be set up: its error on the first read.
struct FailedRead(Option<io::Error>);

impl Read for FailedRead {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(self.0.take().unwrap_or_else(|| io::Error::other("unreadable")))
    }
}
