//! Name normalisation: the one way every organisation name, alias and piece of text is turned
//! into tokens before matching, so "HUAWEI TECHNOLOGIES CO.,LTD", "Huawei Tech. Co., Ltd." and
//! "华为技术有限公司" meet as the same words, and "Dahuang" or "ZTEX" never meet "Dahua" or "ZTE".
//!
//! Steps: Unicode NFKC (full-width letters become ASCII), lower-case, then split into tokens:
//! runs of letters and digits form a word (dots and apostrophes inside a word are dropped, so
//! "S.A.U." is "sau"); each Han, kana or Hangul character is a token of its own, because those
//! scripts do not separate words; everything else separates. Corporate suffixes (Co., Ltd.,
//! Inc., Corporation, Technologies, 有限公司, 股份有限公司 …) are marked so matching can skip them.

use unicode_normalization::UnicodeNormalization;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    /// Part of a corporate suffix: skipped when matching names, kept when matching look-alikes.
    pub suffix: bool,
}

use crate::model::corporate::{SUFFIX_CJK, SUFFIX_WORDS};

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30ff      // Hiragana, Katakana
        | 0x3400..=0x4dbf    // CJK Extension A
        | 0x4e00..=0x9fff    // CJK Unified Ideographs
        | 0xac00..=0xd7af    // Hangul syllables
        | 0xf900..=0xfaff    // CJK Compatibility Ideographs
        | 0x20000..=0x2fa1f) // CJK Extensions B–F, Compatibility Supplement
}

/// Splits text into normalised tokens, suffixes marked.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::new();
    let mut word = String::new();
    // Most names are ASCII: NFKC leaves ASCII unchanged, so it is only run on the rest.
    if text.is_ascii() {
        split(text.chars().map(|c| c.to_ascii_lowercase()), &mut word, &mut out);
    } else {
        split(text.nfkc().flat_map(char::to_lowercase), &mut word, &mut out);
        mark_cjk_suffixes(&mut out);
    }
    out
}

fn split(chars: impl Iterator<Item = char>, word: &mut String, out: &mut Vec<Token>) {
    let flush = |word: &mut String, out: &mut Vec<Token>| {
        if !word.is_empty() {
            let suffix = SUFFIX_WORDS.contains(&word.as_str());
            out.push(Token {
                text: std::mem::take(word),
                suffix,
            });
        }
    };
    for c in chars {
        if is_cjk(c) {
            flush(word, out);
            out.push(Token {
                text: c.to_string(),
                suffix: false,
            });
        } else if c.is_alphanumeric() {
            word.push(c);
        } else if matches!(c, '.' | '\'' | '’') && !word.is_empty() {
            // inside a word: "S.A.U." → "sau", "Co." → "co"; a leading dot separates
        } else {
            flush(word, out);
        }
    }
    flush(word, out);
}

fn mark_cjk_suffixes(tokens: &mut [Token]) {
    let mut i = 0;
    while i < tokens.len() {
        let hit = SUFFIX_CJK.iter().find_map(|s| {
            let mut n = 0;
            for c in s.chars() {
                match tokens.get(i + n) {
                    Some(t) if t.text.chars().eq(std::iter::once(c)) => n += 1,
                    _ => return None,
                }
            }
            Some(n)
        });
        match hit {
            Some(n) => {
                tokens[i..i + n].iter_mut().for_each(|t| t.suffix = true);
                i += n;
            }
            None => i += 1,
        }
    }
}

/// The tokens that identify: suffixes dropped.
pub fn core(text: &str) -> Vec<String> {
    tokens(text).into_iter().filter(|t| !t.suffix).map(|t| t.text).collect()
}

/// Every token, suffixes kept (for look-alike phrases such as "Teltronic AG").
pub fn full(text: &str) -> Vec<String> {
    tokens(text).into_iter().map(|t| t.text).collect()
}

/// True when `needle` occurs in `hay` as a contiguous run of whole tokens.
pub fn contains_run(hay: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corporate_forms_meet() {
        assert_eq!(core("HUAWEI TECHNOLOGIES CO.,LTD"), ["huawei"]);
        assert_eq!(core("Huawei Tech. Co., Ltd."), ["huawei"]);
        assert_eq!(core("Ｈｕａｗｅｉ　Technologies"), ["huawei"]);
        assert_eq!(core("华为技术有限公司"), ["华", "为"]);
        assert_eq!(
            core("杭州海康威视数字技术股份有限公司"),
            ["杭", "州", "海", "康", "威", "视", "数", "字"]
        );
        assert_eq!(core("Hisilicon, Inc."), ["hisilicon"]);
        assert_eq!(core("Teltronic S.A.U."), ["teltronic"]);
    }

    #[test]
    fn look_alikes_stay_apart() {
        assert_eq!(core("Dahuang"), ["dahuang"]);
        assert_eq!(core("ZTEX GmbH"), ["ztex"]);
        assert_eq!(core("AZTEC"), ["aztec"]);
        assert_eq!(core("Teltronics, Inc."), ["teltronics"]);
        assert_eq!(full("Teltronic AG"), ["teltronic", "ag"]);
        assert_eq!(core("Huawei-3Com"), ["huawei", "3com"]);
    }

    #[test]
    fn runs_are_whole_tokens() {
        let hay = core("Shanghai Dahua Scale Factory");
        assert!(contains_run(&hay, &core("Dahua")));
        assert!(!contains_run(&core("Dahuang Electric"), &core("Dahua")));
        assert!(!contains_run(&hay, &[]));
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            /// Tokens are never empty, whatever the input.
            #[test]
            fn tokens_are_never_empty(text in "\\PC{0,40}") {
                prop_assert!(tokens(&text).iter().all(|t| !t.text.is_empty()));
            }

            /// A corporate suffix never changes which tokens identify a name.
            #[test]
            fn suffixes_do_not_identify(name in "[A-Za-z][a-z0-9]{1,12}( [A-Za-z][a-z0-9]{1,12}){0,2}",
                                        suffix in prop::sample::select(vec![
                                            " Co., Ltd.", " Inc.", ", Ltd", " Corporation", " Technologies Co.,Ltd",
                                            " GmbH", " S.A.U.", " 有限公司", " 股份有限公司",
                                        ])) {
                let bare = core(&name);
                prop_assume!(!bare.is_empty());
                prop_assert_eq!(core(&format!("{name}{suffix}")), bare);
            }

            /// Matching is by whole tokens: letters glued to a name make another word.
            #[test]
            fn glued_letters_make_another_word(prefix in "[a-z]{0,3}", suffix in "[a-z]{1,3}") {
                let hay = core(&format!("{prefix}dahua{suffix} Electric"));
                prop_assert!(!contains_run(&hay, &core("Dahua")));
            }

            /// Case and Unicode width do not matter.
            #[test]
            fn case_and_width_fold(name in "[A-Za-z]{2,10}") {
                let wide: String = name.chars().map(|c| char::from_u32(c as u32 - 0x21 + 0xff01).unwrap_or(c)).collect();
                prop_assert_eq!(core(&wide), core(&name.to_uppercase()));
            }
        }
    }
}
