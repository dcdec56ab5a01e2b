//! Copyright statements in a file's text or a binary's strings (`Copyright (c) 2015 Huawei
//! Technologies Co., Ltd.`, `(C) 2010 ZTE`, `© Hikvision`, `华为技术有限公司 版权所有`): each
//! holder is evidence `copyright-holder` of the file it is in — or `web-ui-copyright` when the
//! file is a page or script of the product's web root, whose footer speaks for the device.
//! Markers are found in every form products write them (`&copy;`, `&#169;`, `&#xA9;`, `©` in
//! UTF-8 and Latin-1, `(C)`, JSON and JavaScript string literals, `版权所有`, `All Rights
//! Reserved` after the holder). Holders are extracted by [`crate::copyright::holders`], the one
//! implementation SBOM copyright fields use too.

use super::{Analyser, FileView};
use crate::model::Facts;
use aho_corasick::{AhoCorasick, MatchKind};
use std::sync::LazyLock;

/// Statements read per file: a licence file or a changelog can hold thousands, and the first
/// ones name the holders that matter.
const MAX_STATEMENTS: usize = 64;
/// The longest statement line read; strings in binaries can run on.
const MAX_LINE: usize = 400;
/// Markers looked at per file, accepted or not.
const MAX_MARKERS: usize = MAX_STATEMENTS * 16;

pub struct CopyrightText;

/// Where a marker stands in its statement.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Marker {
    /// `Copyright`: a statement only when a year, a sign or a key's value follows.
    Word,
    /// `©`, `&copy;`, `&#169;`, `&#xA9;`, `\u00a9`: the holder follows.
    Sign,
    /// `(C)`: the holder follows, when what follows is a year or a name (`f(c) x` is code).
    Parenthesised,
    /// A lone 0xA9 byte: `©` in Latin-1, when ASCII stands before it and a year or a name after.
    Latin1,
    /// `版权所有`, `All Rights Reserved`: the holder may stand before it on its line.
    Trailing,
}

/// Markers, matched ASCII case-insensitively in one pass (a UTF-8 `©` is found before the
/// Latin-1 byte inside it).
const MARKERS: &[(&[u8], Marker)] = &[
    (b"copyright", Marker::Word),
    ("©".as_bytes(), Marker::Sign),
    (b"&copy;", Marker::Sign),
    (b"&#169;", Marker::Sign),
    (b"&#xa9;", Marker::Sign),
    (b"\\u00a9", Marker::Sign),
    (b"(c)", Marker::Parenthesised),
    (b"\xa9", Marker::Latin1),
    ("版权所有".as_bytes(), Marker::Trailing),
    (b"all rights reserved", Marker::Trailing),
];

static FINDER: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostFirst)
        .build(MARKERS.iter().map(|(m, _)| m))
        .ok()
});

/// A byte that can be part of a statement line: printable ASCII, tab, or any byte of a UTF-8
/// sequence (validated when the line is decoded).
fn line_byte(b: u8) -> bool {
    b == b'\t' || (0x20..0x7f).contains(&b) || b >= 0x80
}

/// What may follow `(C)` or a Latin-1 `©`: a year, a capitalised name, a name in another script.
fn holder_follows(rest: &[u8]) -> bool {
    let rest = rest.strip_prefix(b" ").unwrap_or(rest);
    rest.first()
        .is_some_and(|&b| b.is_ascii_digit() || b.is_ascii_uppercase() || b >= 0x80)
}

/// What may follow a lone Latin-1 `©` byte: a year or a capitalised word in plain ASCII. The
/// byte 0xA9 is common in machine code (AArch64 `stp`/`ldp`), so the text after it must read as
/// text: its next four bytes printable ASCII, the first a digit or a capital.
fn latin1_holder_follows(rest: &[u8]) -> bool {
    let rest = rest.strip_prefix(b" ").unwrap_or(rest);
    rest.len() >= 4
        && (rest[0].is_ascii_digit() || rest[0].is_ascii_uppercase())
        && rest[..4].iter().all(|b| (0x20..0x7f).contains(b))
}

/// A `Copyright` word starts a statement only when a year, a `(c)`/`©`, or (as a JSON or
/// JavaScript key) a value follows it: "see the copyright file" names no holder.
fn looks_like_statement(statement: &str) -> bool {
    let rest = match statement.get(..9) {
        Some(word) if word.eq_ignore_ascii_case("copyright") => &statement[9..],
        _ => return true,
    };
    let rest = rest.trim_start_matches([':', ' ', '"', '\'', '=', '\t']);
    rest.starts_with(|c: char| c.is_ascii_digit())
        || rest.starts_with('©')
        || rest.get(..3).is_some_and(|m| m.eq_ignore_ascii_case("(c)"))
}

/// Web pages and scripts under a product's web root: a copyright there is the product's own
/// UI footer (`/www/index.html`, `/var/www/js/app.js`, `/usr/share/www/lang/en.json`).
fn in_web_root(path: &str) -> bool {
    const ROOTS: &[&str] = &["/www/", "/web/", "/htdocs/", "/webroot/"];
    const EXTENSIONS: &[&str] = &[
        "html", "htm", "shtml", "xhtml", "js", "mjs", "json", "asp", "php", "jsp", "tpl",
    ];
    let inner = path.rsplit('!').next().unwrap_or(path);
    let inner = inner.strip_prefix('/').unwrap_or(inner);
    let under = ROOTS.iter().any(|r| inner.contains(r) || inner.starts_with(&r[1..]));
    let ext = inner.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    under && ext.is_some_and(|e| EXTENSIONS.contains(&e.as_str()))
}

impl Analyser for CopyrightText {
    fn analyse(&self, file: &FileView<'_>, facts: &mut Facts) {
        let Some(finder) = FINDER.as_ref() else { return };
        let field = if in_web_root(file.inner_path()) {
            "web-ui-copyright"
        } else {
            "copyright-holder"
        };
        let bytes = file.bytes;
        let mut seen: Vec<String> = Vec::new();
        let mut statements = 0;
        let mut covered = 0;
        for m in finder.find_iter(bytes).take(MAX_MARKERS) {
            let (at, marker) = (m.start(), MARKERS[m.pattern().as_usize()].1);
            if at < covered || statements >= MAX_STATEMENTS {
                continue;
            }
            let before = at.checked_sub(1).map(|i| bytes[i]);
            let ok = match marker {
                Marker::Parenthesised => {
                    !before.is_some_and(|b| b.is_ascii_alphanumeric()) && holder_follows(&bytes[m.end()..])
                }
                Marker::Latin1 => {
                    before.is_none_or(|b| b == b'\n' || (0x20..0x7f).contains(&b))
                        && latin1_holder_follows(&bytes[m.end()..])
                }
                _ => true,
            };
            if !ok {
                continue;
            }
            // The statement runs from the marker (or, for a trailing marker, the start of its
            // line) to the end of the line; in markup it ends where a tag begins, and in a
            // string literal where its quote closes.
            let line_start = {
                let floor = at.saturating_sub(MAX_LINE);
                let mut s = at;
                while s > floor && line_byte(bytes[s - 1]) && !matches!(bytes[s - 1], b'>' | b'"' | b'\'' | b'`') {
                    s -= 1;
                }
                s
            };
            let from = if marker == Marker::Trailing { line_start } else { at };
            let quote = from
                .checked_sub(1)
                .map(|i| bytes[i])
                .filter(|b| matches!(b, b'"' | b'\'' | b'`'));
            let limit = (at + MAX_LINE).min(bytes.len());
            let mut end = at;
            while end < limit && line_byte(bytes[end]) && bytes[end] != b'<' && Some(bytes[end]) != quote {
                end += 1;
            }
            // UTF-8, else Latin-1 (a byte is its code point).
            let line: String = match std::str::from_utf8(&bytes[from..end]) {
                Ok(l) => l.to_string(),
                Err(_) => bytes[from..end].iter().map(|&b| char::from(b)).collect(),
            };
            let statement = crate::copyright::decode_marks(&line);
            if !looks_like_statement(&statement) {
                continue;
            }
            let found = crate::copyright::holders(&statement);
            if found.is_empty() {
                continue;
            }
            covered = end;
            statements += 1;
            for holder in found {
                if holder.len() <= 200 && !seen.contains(&holder) {
                    facts.evidence(field, holder.clone(), Some(from as u64), "copyright statement");
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
        CopyrightText.analyse(&FileView::new("f", bytes, Kind::Text), &mut facts);
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

    /// (field, holder, offset) found in `bytes` as a file at `path`.
    fn facts_at(path: &str, bytes: &[u8]) -> Vec<(&'static str, String, u64)> {
        let mut facts = Facts::default();
        CopyrightText.analyse(&FileView::new(path, bytes, Kind::Text), &mut facts);
        facts
            .evidence
            .into_iter()
            .map(|f| (f.field, f.value, f.offset.unwrap()))
            .collect()
    }

    #[test]
    fn each_form_products_write() {
        let hik = "Hangzhou Hikvision Digital Technology Co., Ltd.";
        let one = |bytes: &[u8]| -> Vec<String> { holders(bytes).into_iter().map(|(h, _)| h).collect() };
        for html in [
            "<p>Copyright &copy; 2024 Hangzhou Hikvision Digital Technology Co., Ltd.</p>",
            "<p>&#169; 2024 Hangzhou Hikvision Digital Technology Co., Ltd.</p>",
            "<p>&#xA9; 2024 Hangzhou Hikvision Digital Technology Co., Ltd.</p>",
            "<p>Copyright&nbsp;&copy;&nbsp;2024 Hangzhou Hikvision Digital Technology Co., Ltd. All Rights Reserved</p>",
            "<span>Hangzhou Hikvision Digital Technology Co., Ltd. All Rights Reserved.</span>",
        ] {
            assert_eq!(one(html.as_bytes()), [hik], "{html}");
        }
        // JSON and JavaScript string literals: the key, then the value up to its quote
        let json =
            br#"{"name": "webui", "copyright": "\u00a9 2023 Hangzhou Hikvision Digital Technology Co., Ltd.", "v": 2}"#;
        assert_eq!(one(json), [hik]);
        let json = "{\"copyright\": \"© 2023 Hangzhou Hikvision Digital Technology Co., Ltd.\", \"v\": 2}";
        assert_eq!(holders(json.as_bytes()), [(hik.to_string(), 15)]);
        let js = b"var c = 'Copyright (C) 2022 ZTE Corporation' + year; document.write(c);";
        assert_eq!(one(js), ["ZTE Corporation"]);
        // Latin-1 and UTF-8 signs; (C) with a name and no year
        assert_eq!(
            one(b"\xa9 2019 Zhejiang Dahua Technology Co., Ltd.\n"),
            ["Zhejiang Dahua Technology Co., Ltd."]
        );
        assert_eq!(
            one("caf\u{e9} \u{a9} 2019 ZTE Corporation".as_bytes()),
            ["ZTE Corporation"]
        );
        assert_eq!(one(b"\0(C) ZTE Corporation\0"), ["ZTE Corporation"]);
        // the holder before the marker
        assert_eq!(
            one("<td>浙江大华技术股份有限公司 版权所有</td>".as_bytes()),
            ["浙江大华技术股份有限公司"]
        );
        // an é is not a Latin-1 sign; code is not a statement
        assert!(one("caf\u{e9} 2019 Ltd".as_bytes()).is_empty());
        assert!(one(b"if (c) return x; f(C) 12").is_empty());
    }

    #[test]
    fn the_product_web_ui_footer_speaks_for_the_device() {
        let footer = b"<div class=\"footer\">Copyright &copy; 2024 Huawei Technologies Co., Ltd.</div>";
        let got = |path| facts_at(path, footer);
        let product = vec![("web-ui-copyright", "Huawei Technologies Co., Ltd.".to_string(), 20)];
        assert_eq!(got("fw.bin!/0x30000:squashfs!/www/index.html"), product);
        assert_eq!(got("rootfs/var/www/js/app.js"), product);
        assert_eq!(got("rootfs/usr/share/www/lang/en.json"), product);
        assert_eq!(got("www/login.asp"), product);
        let file = vec![("copyright-holder", "Huawei Technologies Co., Ltd.".to_string(), 20)];
        assert_eq!(got("rootfs/usr/share/doc/x/README.html"), file);
        assert_eq!(got("fw.bin!/0x30000:squashfs!/www/logo.png"), file);
    }

    #[test]
    fn words_without_a_statement_are_not_holders() {
        assert!(holders(b"see the copyright file; f(c) 10; the COPYRIGHT holders").is_empty());
    }
}
