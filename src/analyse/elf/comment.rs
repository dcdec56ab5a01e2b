//! The `.comment` section: the identification strings of the compilers and tools that built the
//! object (`GCC: (Debian 12.2.0-14) 12.2.0`), one per translation unit, so mostly repeats.

use hashbrown::HashSet;

use super::layout::Layout;
use super::text::{nul_separated, text};
use crate::model::Facts;

/// At most this many distinct strings are recorded.
const MAX_COMMENTS: usize = 64;

/// Records each distinct string of `.comment` as a `comment` property, in order of appearance.
pub(super) fn record(layout: &Layout<'_>, facts: &mut Facts) {
    let Some(section) = layout.section(b".comment") else {
        return;
    };
    let mut seen = HashSet::new();
    for (_, raw) in nul_separated(layout.data(section)) {
        if seen.len() == MAX_COMMENTS {
            break;
        }
        if let Some(comment) = text(raw) {
            if seen.insert(comment.clone()) {
                facts.property("comment", comment);
            }
        }
    }
}
