//! Corporate suffixes (Co., Ltd., Inc., GmbH, 有限公司 …): words that say a name is a company's.
//! Shared by the rule engine's name normalisation (`rules::normalise`, which skips them when
//! matching) and the assembly, which types a package maintainer as an organisation when its
//! name carries one; kept here so neither depends on the other.

/// Latin-script corporate words. They say what kind of company it is, not which.
pub const SUFFIX_WORDS: &[&str] = &[
    "co",
    "company",
    "corp",
    "corporation",
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "llc",
    "lp",
    "llp",
    "plc",
    "gmbh",
    "ag",
    "sa",
    "sau",
    "sas",
    "sarl",
    "srl",
    "spa",
    "bv",
    "nv",
    "ab",
    "oy",
    "kk",
    "pte",
    "pty",
    "technologies",
    "technology",
    "tech",
    "group",
    "holding",
    "holdings",
];

/// CJK corporate suffixes, longest first (each character is one token).
pub const SUFFIX_CJK: &[&str] = &[
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "株式会社",
    "集团",
    "公司",
    "技术",
    "科技",
];
