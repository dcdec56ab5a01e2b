//! Copyright statements in a file's text or a binary's strings (`Copyright (c) 2015 Huawei
//! Technologies Co., Ltd.`, `(C) 2010 ZTE`, `© Hikvision`, `华为技术有限公司 版权所有`): each
//! holder is evidence `copyright-holder` of the file it is in. Holders are extracted by
//! [`crate::copyright::holders`], the one implementation SBOM copyright fields use too.

use super::{Analyser, FileView};
use crate::model::Facts;
use memchr::memmem;

/// Statements read per file: a licence file or a changelog can hold thousands, and the first
/// ones name the holders that matter.
const MAX_STATEMENTS: usize = 64;
/// The longest statement line read; strings in binaries can run on.
const MAX_LINE: usize = 400;

pub struct CopyrightText;

/// Markers that start a statement, and whether the holder follows (true) or precedes it.
const MARKERS: &[(&[u8], bool)] = &[
    (b"Copyright", true),
    (b"COPYRIGHT", true),
    (b"copyright", true),
    ("©".as_bytes(), true),
    (b"(C) 1", true),
    (b"(C) 2", true),
    (b"(c) 1", true),
    (b"(c) 2", true),
    ("版权所有".as_bytes(), false),
];

/// A byte that can be part of a statement line: printable ASCII, tab, or any byte of a UTF-8
/// sequence (validated when the line is decoded).
fn line_byte(b: u8) -> bool {
    b == b'\t' || (0x20..0x7f).contains(&b) || b >= 0x80
}

/// A `Copyright` word starts a statement only when a year or a `(c)`/`©` follows it: "see the
/// copyright file" names no holder.
fn looks_like_statement(statement: &str) -> bool {
    let rest = match statement.get(..9) {
        Some(word) if word.eq_ignore_ascii_case("copyright") => statement[9..].trim_start(),
        _ => return true,
    };
    let rest = rest.trim_start_matches([':', ' ']);
    rest.starts_with(|c: char| c.is_ascii_digit())
        || rest.starts_with('©')
        || rest.get(..3).is_some_and(|m| m.eq_ignore_ascii_case("(c)"))
}

impl Analyser for CopyrightText {
    fn analyse(&self, file: &FileView<'_>, facts: &mut Facts) {
        let bytes = file.bytes;
        let mut starts: Vec<(usize, bool)> = Vec::new();
        for &(marker, after) in MARKERS {
            for at in memmem::find_iter(bytes, marker).take(MAX_STATEMENTS * 4) {
                starts.push((at, after));
            }
        }
        starts.sort_unstable();
        let mut seen: Vec<String> = Vec::new();
        let mut statements = 0;
        let mut covered = 0;
        for (at, after) in starts {
            if at < covered || statements >= MAX_STATEMENTS {
                continue;
            }
            // The statement runs from the marker (or, for a trailing marker, the start of its
            // line) to the end of the line.
            let line_start = {
                let floor = at.saturating_sub(MAX_LINE);
                let mut s = at;
                while s > floor && line_byte(bytes[s - 1]) {
                    s -= 1;
                }
                s
            };
            let from = if after { at } else { line_start };
            let limit = (at + MAX_LINE).min(bytes.len());
            let mut end = at;
            // A statement in markup ends where the next tag begins.
            while end < limit && line_byte(bytes[end]) && bytes[end] != b'<' {
                end += 1;
            }
            covered = end;
            let Ok(line) = std::str::from_utf8(&bytes[from..end]) else {
                continue;
            };
            let statement = if after {
                line.to_string()
            } else {
                // `华为技术有限公司 版权所有` → `版权所有 华为技术有限公司`
                let holder = line.split("版权所有").next().unwrap_or_default();
                format!("版权所有 {}", holder.trim_end_matches([' ', ',', '，']))
            };
            if after && !looks_like_statement(&statement) {
                continue;
            }
            statements += 1;
            for holder in crate::copyright::holders(&statement) {
                if holder.chars().any(char::is_alphabetic) && holder.len() <= 200 && !seen.contains(&holder) {
                    facts.evidence(
                        "copyright-holder",
                        holder.clone(),
                        Some(from as u64),
                        "copyright statement",
                    );
                    seen.push(holder);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firmware::detect::Kind;

    fn holders(bytes: &[u8]) -> Vec<(String, u64)> {
        let mut facts = Facts::default();
        CopyrightText.analyse(
            &FileView {
                path: "f",
                bytes,
                kind: Kind::Text,
            },
            &mut facts,
        );
        facts
            .evidence
            .into_iter()
            .map(|f| (f.value, f.offset.unwrap()))
            .collect()
    }

    #[test]
    fn statements_in_text_and_strings() {
        let text = "/*\n * Copyright (c) 2015 Huawei Technologies Co., Ltd.\n * All rights reserved.\n */\n";
        assert_eq!(
            holders(text.as_bytes()),
            [("Huawei Technologies Co., Ltd.".to_string(), 6)]
        );
        let bin = b"\x00\x01(C) 2010-2019, ZTE Corporation. All rights reserved.\x00\x7f\xff";
        assert_eq!(holders(bin), [("ZTE Corporation.".to_string(), 2)]);
        let web = "<footer>© 2020 Hangzhou Hikvision Digital Technology Co., Ltd.</footer>";
        assert_eq!(
            holders(web.as_bytes()),
            [("Hangzhou Hikvision Digital Technology Co., Ltd.".to_string(), 8)]
        );
        let cn = "\n华为技术有限公司 版权所有\n";
        assert_eq!(holders(cn.as_bytes()), [("华为技术有限公司".to_string(), 1)]);
    }

    #[test]
    fn words_without_a_statement_are_not_holders() {
        assert!(holders(b"see the copyright file; f(c) 10; the COPYRIGHT holders").is_empty());
    }
}
