//! Container image layers: tar streams walked one after another as parts of one target, within
//! one budget of entries and bytes (`crate::image` applies them into one filesystem).

use super::meter::Meter;
use super::{settle, Analyser, Kind, Limits, Progress, Scope, VPath, Walked, Walker, TUNING};
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
}

impl<'l> LayerWalker<'l> {
    pub fn new(limits: &'l Limits, scope: &'l Scope, progress: &'l dyn Progress, analyser: &'l dyn Analyser) -> Self {
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
                cache: None,
                memo: Default::default(),
            },
        }
    }

    /// Walks one layer blob as stored — gzip, zstd or a plain tar, told by its first bytes —
    /// as it streams: decoded and parsed as it is read, never held whole, the decoded bytes
    /// charged to the image's `--max-total-bytes`. Damage is a warning at `root` (what was read
    /// before it is kept).
    pub fn layer(&self, root: &str, blob: &mut dyn Read) -> Layer {
        let w = &self.walker;
        let root = VPath::root(root);
        let mut out = Walked::default();
        let mut head = Vec::with_capacity(4);
        if let Err(e) = blob.take(4).read_to_end(&mut head) {
            out.warn(WarningCode::Unreadable, &root, format!("cannot read: {e}"));
        }
        let (kind, codec) = match head.as_slice() {
            [0x1f, 0x8b, ..] => (Some(Kind::Gzip), "gzip"),
            [0x28, 0xb5, 0x2f, 0xfd] => (Some(Kind::Zstd), "zstd"),
            _ => (None, "tar"),
        };
        let source = io::Cursor::new(head).chain(blob);
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
        }
    }
}

/// A decoder that could not be set up: its error on the first read.
struct FailedRead(Option<io::Error>);

impl Read for FailedRead {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(self.0.take().unwrap_or_else(|| io::Error::other("unreadable")))
    }
}
