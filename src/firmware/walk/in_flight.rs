//! Members a container reader has handed to other threads: bounded, and waited for without
//! taking up unrelated work.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Member bytes one container reader may have handed to other threads and not yet seen walked:
/// a reader faster than the work it hands out waits (or helps) rather than filling memory.
pub const IN_FLIGHT_BYTES: u64 = 32 << 20;
/// Members one reader may have handed out and not yet seen walked.
const IN_FLIGHT_MEMBERS: usize = 256;

pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Members one reader has handed to other threads and not yet seen walked.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Handed {
    bytes: u64,
    members: usize,
    /// Of those, members no thread has started on yet.
    queued: usize,
}

/// What a reader has handed out, and the waits on it. A reader waits for its own members only:
/// while some are still queued it walks them itself (they are the newest work on its thread's
/// queue), and once all are running elsewhere it sleeps until one ends. It never picks up
/// unrelated work while waiting (as rayon's own waits do), so it does not pile another reader,
/// with its buffers and decoder, on top of itself.
#[derive(Default)]
pub struct InFlight {
    state: Mutex<Handed>,
    done: Condvar,
}

impl InFlight {
    fn fits(state: &Handed, bytes: u64) -> bool {
        state.members == 0 || (state.bytes + bytes <= IN_FLIGHT_BYTES && state.members < IN_FLIGHT_MEMBERS)
    }

    /// Takes room for a member of `bytes`, once it fits.
    pub fn reserve(&self, bytes: u64) {
        let mut state = self.wait_until(|s| Self::fits(s, bytes));
        state.bytes += bytes;
        state.members += 1;
        state.queued += 1;
    }

    /// A thread starts on a member: the returned guard gives its room back when dropped (also
    /// when the walk of the member panics, so the reader is never left waiting).
    pub fn start(&self, bytes: u64) -> Release<'_> {
        lock(&self.state).queued -= 1;
        Release { in_flight: self, bytes }
    }

    /// Waits until every member handed out is walked.
    pub fn drain(&self) {
        drop(self.wait_until(|s| s.members == 0));
    }

    fn wait_until(&self, ready: impl Fn(&Handed) -> bool) -> MutexGuard<'_, Handed> {
        loop {
            let state = lock(&self.state);
            if ready(&state) {
                return state;
            }
            if state.queued > 0 {
                drop(state);
                if rayon::yield_local() == Some(rayon::Yield::Executed) {
                    continue;
                }
                // off the pool (they wait in its global queue) or just taken by another thread
                let state = lock(&self.state);
                if !ready(&state) {
                    drop(self.done.wait_timeout(state, Duration::from_millis(1)));
                }
            } else {
                // timed only as a safeguard: every member's end notifies
                drop(self.done.wait_timeout(state, Duration::from_millis(50)));
            }
        }
    }
}

/// Gives a member's room back.
pub struct Release<'f> {
    in_flight: &'f InFlight,
    bytes: u64,
}

impl Drop for Release<'_> {
    fn drop(&mut self) {
        let mut state = lock(&self.in_flight.state);
        state.bytes -= self.bytes;
        state.members -= 1;
        drop(state);
        self.in_flight.done.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_flight_room_is_taken_and_given_back() {
        let f = InFlight::default();
        f.reserve(IN_FLIGHT_BYTES); // alone, any size fits
        assert!(!InFlight::fits(&lock(&f.state), 1));
        let running = f.start(IN_FLIGHT_BYTES);
        assert_eq!(
            *lock(&f.state),
            Handed {
                bytes: IN_FLIGHT_BYTES,
                members: 1,
                queued: 0
            }
        );
        drop(running);
        assert!(InFlight::fits(&lock(&f.state), IN_FLIGHT_BYTES));
        assert_eq!(*lock(&f.state), Handed::default());
        f.drain(); // nothing handed out: returns at once
    }
}
