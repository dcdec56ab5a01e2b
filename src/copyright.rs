//! Copyright statements → holder names. Shared by every reader that meets copyright text (SBOM
//! copyright fields, file contents: `analyse/copyright_text.rs`), so holders are extracted one
//! way, in every form products write them (`Copyright &copy; 2024 …`, `"copyright": "© …"`,
//! `… 版权所有`, `… All Rights Reserved`).

/// The holders named in a copyright text, one per statement line, in order, without duplicates.
///
/// Strips the markers (`Copyright`, `(c)`, `©` also as `&copy;`, `&#169;`, `&#xA9;`, `\u00a9`,
/// `版权所有`), year lists and ranges, a JSON or JavaScript key (`"copyright": "…"`), the quotes
/// of a string literal, and a trailing "All rights reserved" — which, like a trailing
/// `版权所有`, marks the text before it as the holder. Texts that are only a marker
/// (`NOASSERTION`, `NONE`) yield nothing.
pub fn holders(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        if let Some(h) = holder_of_line(&decode_marks(line)) {
            if !out.contains(&h) {
                out.push(h);
            }
        }
    }
    out
}

/// The ways web pages and scripts spell `©` (HTML named and numeric references, JavaScript
/// escapes) and a space, as the sign itself; text without them is returned as it is.
pub fn decode_marks(text: &str) -> std::borrow::Cow<'_, str> {
    const SPELLINGS: &[(&str, &str)] = &[
        ("&copy;", "©"),
        ("&#169;", "©"),
        ("&#xa9;", "©"),
        ("&#x00a9;", "©"),
        ("\\u00a9", "©"),
        ("\\xa9", "©"),
        ("&nbsp;", " "),
        ("&#160;", " "),
        ("&amp;", "&"),
    ];
    if !text.contains(['&', '\\']) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'outer: while let Some(i) = rest.find(['&', '\\']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        for (spelling, sign) in SPELLINGS {
            if rest
                .get(..spelling.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(spelling))
            {
                out.push_str(sign);
                rest = &rest[spelling.len()..];
                continue 'outer;
            }
        }
        out.push_str(&rest[..1]);
        rest = &rest[1..];
    }
    out.push_str(rest);
    out.into()
}

/// What surrounds a statement in source, markup and scripts: comment leaders, quotes, the
/// separators of a key and its value.
const LEADING: &[char] = &[' ', '\t', ',', ':', '：', '-', '=', '*', '#', '/', ';', '"', '\'', '`'];
const TRAILING: &[char] = &[
    ' ', '\t', ',', '，', ';', '"', '\'', '`', ')', ']', '}', '+', '*', '/', '>', '-', '!',
];

fn holder_of_line(line: &str) -> Option<String> {
    let mut s = line.trim();
    if s.is_empty() || s.eq_ignore_ascii_case("NOASSERTION") || s.eq_ignore_ascii_case("NONE") {
        return None;
    }
    // Whatever follows "All rights reserved" (the end of a comment, more text on the line) is
    // not part of the holder.
    if let Some(at) = s.to_ascii_lowercase().find("all rights reserved") {
        s = &s[..at + "all rights reserved".len()];
    }
    let mut saw_marker = false;
    // Trailing markers: `Huawei Technologies Co., Ltd. All rights reserved.`, `华为 版权所有`.
    loop {
        let before = s;
        s = s.trim_end_matches(TRAILING);
        for tail in ["all rights reserved.", "all rights reserved", "版权所有"] {
            if s.len() >= tail.len() {
                let cut = s.len() - tail.len();
                if s.is_char_boundary(cut) && s[cut..].eq_ignore_ascii_case(tail) {
                    s = &s[..cut];
                    saw_marker = true;
                }
            }
        }
        if s == before {
            break;
        }
    }
    loop {
        let before = s;
        s = s.trim_start_matches(LEADING);
        for marker in ["copyright", "(c)", "©", "版权所有", "版权"] {
            if s.len() >= marker.len()
                && s.is_char_boundary(marker.len())
                && s[..marker.len()].eq_ignore_ascii_case(marker)
            {
                s = &s[marker.len()..];
                saw_marker = true;
            }
        }
        // Years: 2015, 2015-2020, 2015, 2016
        let digits = s
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_digit() || matches!(c, '-' | '–' | ',' | ' '))
            .collect::<String>();
        if digits.chars().any(|c| c.is_ascii_digit()) {
            s = s.trim_start()[digits.len()..].trim_start();
        }
        if s == before {
            break;
        }
    }
    if !saw_marker {
        return None;
    }
    let s = s.trim().trim_start_matches("by ").trim_end_matches(TRAILING).trim();
    (s.chars().any(char::is_alphabetic)).then(|| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::holders;

    #[test]
    fn extracts_holders() {
        assert_eq!(
            holders("Copyright (c) 2015 Huawei Technologies Co., Ltd."),
            ["Huawei Technologies Co., Ltd."]
        );
        assert_eq!(
            holders("(C) 2010-2019, ZTE Corporation. All rights reserved."),
            ["ZTE Corporation."]
        );
        assert_eq!(
            holders("(C) 2021 ZTE Corporation. All rights reserved. -->"),
            ["ZTE Corporation."]
        );
        assert_eq!(
            holders("© 2021 Hangzhou Hikvision Digital Technology Co., Ltd."),
            ["Hangzhou Hikvision Digital Technology Co., Ltd."]
        );
        assert_eq!(holders("版权所有 © 2019 华为技术有限公司"), ["华为技术有限公司"]);
        assert_eq!(
            holders("Copyright (c) 2017 Huawei Corporation\n"),
            ["Huawei Corporation"]
        );
        assert_eq!(
            holders("Copyright 2001, 2002 Alice\nCopyright (c) 2003 Bob\nCopyright 2001 Alice"),
            ["Alice", "Bob"]
        );
    }

    #[test]
    fn forms_products_write() {
        let hik = ["Hangzhou Hikvision Digital Technology Co., Ltd."];
        // HTML references for the sign
        assert_eq!(
            holders("Copyright &copy; 2024 Hangzhou Hikvision Digital Technology Co., Ltd."),
            hik
        );
        assert_eq!(
            holders("&#169; 2024 Hangzhou Hikvision Digital Technology Co., Ltd."),
            hik
        );
        assert_eq!(
            holders("&#xA9;2024 Hangzhou Hikvision Digital Technology Co., Ltd."),
            hik
        );
        assert_eq!(
            holders("Copyright&nbsp;&COPY;&nbsp;2024&nbsp;Hangzhou Hikvision Digital Technology Co., Ltd."),
            hik
        );
        // a JavaScript escape inside a string literal
        assert_eq!(
            holders(r#""\u00a9 2024 Hangzhou Hikvision Digital Technology Co., Ltd.","#),
            hik
        );
        // JSON and JavaScript keys and string literals
        assert_eq!(
            holders(r#""copyright": "© 2023 Hangzhou Hikvision Digital Technology Co., Ltd.","#),
            hik
        );
        assert_eq!(
            holders("copyright: 'Copyright © 2022 Huawei Technologies Co., Ltd. All rights reserved.',"),
            ["Huawei Technologies Co., Ltd."]
        );
        // (C) without a year
        assert_eq!(holders("(C) ZTE Corporation"), ["ZTE Corporation"]);
        // the holder before the marker
        assert_eq!(holders("华为技术有限公司 版权所有"), ["华为技术有限公司"]);
        assert_eq!(
            holders("版权所有：浙江大华技术股份有限公司"),
            ["浙江大华技术股份有限公司"]
        );
        assert_eq!(
            holders("Zhejiang Dahua Technology Co., Ltd. All Rights Reserved."),
            ["Zhejiang Dahua Technology Co., Ltd."]
        );
        assert_eq!(holders("ZTE CORPORATION. ALL RIGHTS RESERVED"), ["ZTE CORPORATION."]);
    }

    #[test]
    fn ignores_non_statements() {
        assert!(holders("NOASSERTION").is_empty());
        assert!(holders("NONE").is_empty());
        assert!(holders("").is_empty());
        assert!(holders("MIT licence text").is_empty());
        assert!(holders("Copyright (c) 2020").is_empty());
        assert!(holders(" * All rights reserved.").is_empty());
        assert!(holders("All Rights Reserved").is_empty());
    }
}
