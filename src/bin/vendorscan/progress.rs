//! A progress line on standard error while a long walk runs: shown only when standard error is a
//! terminal, not silenced by `-q`, and the walk has taken more than a second (short runs stay
//! quiet); cleared when the walk ends.

use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use vendorscan::firmware::Progress;

pub struct WalkProgress {
    bar: ProgressBar,
    started: Instant,
    shown: AtomicBool,
    enabled: bool,
    files: AtomicU64,
    bytes: AtomicU64,
}

impl WalkProgress {
    pub fn new(quiet: bool) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        WalkProgress {
            bar,
            started: Instant::now(),
            shown: AtomicBool::new(false),
            enabled: !quiet && std::io::stderr().is_terminal(),
            files: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for WalkProgress {
    fn blob(&self, bytes: u64) {
        if !self.enabled {
            return;
        }
        let files = self.files.fetch_add(1, Ordering::Relaxed) + 1;
        let total = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if !self.shown.load(Ordering::Relaxed) {
            if self.started.elapsed() < Duration::from_secs(1) {
                return;
            }
            if !self.shown.swap(true, Ordering::Relaxed) {
                self.bar.set_draw_target(ProgressDrawTarget::stderr());
                self.bar.enable_steady_tick(Duration::from_millis(120));
            }
        }
        if files.is_multiple_of(64) {
            self.bar
                .set_message(format!("{files} files, {} read", HumanBytes(total)));
        }
    }
}
