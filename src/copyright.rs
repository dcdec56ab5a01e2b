//! Copyright statements → holder names. Shared by every reader that meets copyright text
//! (SBOM copyright fields now, file contents later), so holders are extracted one way.

/// The holders named in a copyright text, one per statement line, in order, without duplicates.
///
/// Strips the markers (`Copyright`, `(c)`, `©`, `版权所有`), year lists and ranges, and trailing
/// "All rights reserved". Texts that are only a marker (`NOASSERTION`, `NONE`) yield nothing.
pub fn holders(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        if let Some(h) = holder_of_line(line) {
            if !out.contains(&h) {
                out.push(h);
            }
        }
    }
    out
}

fn holder_of_line(line: &str) -> Option<String> {
    let mut s = line.trim();
    if s.is_empty() || s.eq_ignore_ascii_case("NOASSERTION") || s.eq_ignore_ascii_case("NONE") {
        return None;
    }
    // Whatever follows "All rights reserved" (the end of a comment, more text on the line) is
    // not part of the holder.
    if let Some(at) = s.to_ascii_lowercase().find("all rights reserved") {
        s = s[..at + "all rights reserved".len()].trim_end();
    }
    for tail in ["all rights reserved.", "all rights reserved", "版权所有"] {
        if s.len() >= tail.len() {
            let cut = s.len() - tail.len();
            if s.is_char_boundary(cut) && s[cut..].eq_ignore_ascii_case(tail) {
                s = s[..cut].trim_end_matches([' ', ',', ';']).trim();
            }
        }
    }
    let mut saw_marker = false;
    loop {
        let before = s;
        s = s.trim_start_matches([' ', ',', ':', '-', '\t']);
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
    let s = s.trim().trim_start_matches("by ").trim_end_matches([',', ';']).trim();
    (!s.is_empty()).then(|| s.to_string())
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
    fn ignores_non_statements() {
        assert!(holders("NOASSERTION").is_empty());
        assert!(holders("NONE").is_empty());
        assert!(holders("").is_empty());
        assert!(holders("MIT licence text").is_empty());
        assert!(holders("Copyright (c) 2020").is_empty());
    }
}
