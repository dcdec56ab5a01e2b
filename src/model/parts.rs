//! One string for an identifier and the parts parsed from it (a purl's type, namespace, name and
//! version; a CPE's part, vendor, product and version).
//!
//! Why: at 100,000 components, a purl and a CPE kept as five strings each were a fifth of the
//! inventory's memory, and most parts are written verbatim inside the identifier. So the text
//! is the identifier as written, followed by only those parts whose parsed form differs from what
//! is written (percent-decoded, unescaped, case-folded); each part is a span of that text.

use compact_str::CompactString;

/// Where one part lies in [`Parts::text`]. Offsets are 16-bit: real identifiers are short, and
/// [`Parts::new`] refuses one whose text would not fit (64 KiB), so it is reported as invalid.
/// An absent part is [`Span::ABSENT`] rather than an `Option`, which would take a third more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: u16,
    end: u16,
}

impl Span {
    /// No part: the one span that ends before it starts.
    const ABSENT: Span = Span { start: 1, end: 0 };
}

/// An identifier as written and `N` parts parsed from it, each present or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Parts<const N: usize> {
    text: CompactString,
    /// Length of the identifier as written, at the start of `text`.
    written: u16,
    spans: [Span; N],
}

impl<const N: usize> Parts<N> {
    /// `None` when the identifier and its appended parts would not fit 16-bit offsets.
    pub(super) fn new(written: &str, parts: [Option<&str>; N]) -> Option<Self> {
        let mut text = CompactString::from(written);
        let mut spans = [Span::ABSENT; N];
        for (span, part) in spans.iter_mut().zip(parts) {
            let Some(part) = part else { continue };
            // Any occurrence will do: the span only has to read back the same characters.
            let start = match text.find(part) {
                Some(at) => at,
                None => {
                    text.push_str(part);
                    text.len() - part.len()
                }
            };
            *span = Span {
                start: u16::try_from(start).ok()?,
                end: u16::try_from(start + part.len()).ok()?,
            };
        }
        Some(Parts {
            written: u16::try_from(written.len()).ok()?,
            text,
            spans,
        })
    }

    /// The identifier exactly as written.
    pub(super) fn written(&self) -> &str {
        &self.text[..usize::from(self.written)]
    }

    pub(super) fn get(&self, index: usize) -> Option<&str> {
        let Span { start, end } = self.spans[index];
        (start <= end).then(|| &self.text[usize::from(start)..usize::from(end)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_written_verbatim_take_no_space() {
        let p = Parts::new(
            "pkg:npm/%40scope/name@1.0",
            [Some("npm"), Some("@scope"), Some("name"), None],
        )
        .unwrap();
        assert_eq!(p.written(), "pkg:npm/%40scope/name@1.0");
        assert_eq!(p.text, "pkg:npm/%40scope/name@1.0@scope");
        assert_eq!(
            (0..4).map(|i| p.get(i)).collect::<Vec<_>>(),
            [Some("npm"), Some("@scope"), Some("name"), None]
        );
        let empty = Parts::new("cpe:/a::x", [Some(""), None]).unwrap();
        assert_eq!((empty.get(0), empty.get(1)), (Some(""), None));
        assert_eq!(std::mem::size_of::<Parts<4>>(), 48);
    }

    #[test]
    fn overlong_text_is_refused() {
        let max = usize::from(u16::MAX);
        assert!(Parts::new(&"x".repeat(max + 1), [None]).is_none());
        let half = "y".repeat(max / 2 + 1);
        assert!(Parts::new(&half, [Some(&*"z".repeat(max / 2 + 1))]).is_none());
        assert!(Parts::new(&half, [Some(&*"z".repeat(max / 2))]).is_some());
    }
}
