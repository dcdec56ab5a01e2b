//! Person or organisation, for a party a package database writes as one string (`Maintainer:
//! Matthias Klose <doko@debian.org>`, `Debian Perl Group <pkg-perl-maintainers@lists.alioth.debian.org>`).
//!
//! An organisation: a name with a word that names a group (`Team`, `Maintainers`, `Developers`,
//! `Project`, `Group`, `Foundation`, `Community`, `List`, …) or a corporate suffix
//! (`model::corporate`), or an address at a mailing-list host (`@lists.…`). A person: otherwise,
//! a name of two to five words of letters with an e-mail address. Anything else is left
//! `Unknown`: the writers say `Organization` for it, as the formats' default.

use crate::model::corporate::{SUFFIX_CJK, SUFFIX_WORDS};
use crate::model::PartyKind;

/// Words that name a group of people, not a person.
const GROUP_WORDS: &[&str] = &[
    "team",
    "teams",
    "maintainers",
    "developers",
    "project",
    "group",
    "foundation",
    "community",
    "packagers",
    "packaging",
    "list",
    "lists",
    "committee",
    "consortium",
    "association",
    "society",
    "alliance",
    "organization",
    "organisation",
    "contributors",
    "authors",
    "members",
    "staff",
    "support",
    "security",
    "admin",
    "admins",
];

/// The kind of party `value` (`Name <e-mail>` or a bare name) is.
pub fn of(value: &str) -> PartyKind {
    let value = value.trim();
    let (name, email) = match value.rfind('<') {
        Some(i) if value.ends_with('>') => (value[..i].trim(), Some(&value[i + 1..value.len() - 1])),
        _ => (value, None),
    };
    if SUFFIX_CJK.iter().any(|s| name.contains(s)) {
        return PartyKind::Organization;
    }
    let words: Vec<String> = name
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let groupish = words
        .iter()
        .any(|w| GROUP_WORDS.contains(&w.as_str()) || SUFFIX_WORDS.contains(&w.as_str()));
    let list_host = email.is_some_and(|e| {
        e.split_once('@')
            .is_some_and(|(_, host)| host.to_ascii_lowercase().starts_with("lists."))
    });
    if groupish || list_host {
        return PartyKind::Organization;
    }
    let personal = (2..=5).contains(&words.len())
        && name
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, ' ' | '.' | '-' | '\'' | ','));
    if personal && email.is_some_and(|e| e.contains('@')) {
        PartyKind::Person
    } else {
        PartyKind::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_and_organisations() {
        for person in [
            "Matthias Klose <doko@debian.org>",
            "Felix Fietkau <nbd@nbd.name>",
            "Anibal Monsalve Salazar <anibal@debian.org>",
            "Santiago Vila <sanvila@debian.org>",
            "Guillem Jover <guillem@debian.org>",
        ] {
            assert_eq!(of(person), PartyKind::Person, "{person}");
        }
        for org in [
            "Debian Perl Group <pkg-perl-maintainers@lists.alioth.debian.org>",
            "GNU Libc Maintainers <debian-glibc@lists.debian.org>",
            "Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>",
            "APT Development Team <deity@lists.debian.org>",
            "Huawei Technologies Co., Ltd. <hilink@huawei.com>",
            "Debian Systemd Maintainers <pkg-systemd-maintainers@alioth-lists.debian.net>",
            "华为技术有限公司",
        ] {
            assert_eq!(of(org), PartyKind::Organization, "{org}");
        }
        for unsure in [
            "Matthias Klose",
            "doko <doko@debian.org>",
            "OpenWrt <x@y.org>",
            "acme2000 <a@b.c>",
        ] {
            assert_eq!(of(unsure), PartyKind::Unknown, "{unsure}");
        }
    }
}
