//! Alpine's installed database, `lib/apk/db/installed` (apk-tools; `usr/lib/apk/db/installed`
//! on merged-/usr systems): records of `X:value` lines separated by blank lines. The letters
//! read (apk-tools' `database.c` and `package.c`): `P` name, `V` version, `A` architecture, `m`
//! maintainer, `U` URL, `L` licence, `T` description, `o` origin (the source package), and the
//! file list — `F` a directory, relative to the root, then `R` each file in it.
//!
//! The purl namespace is `alpine`: the database does not name its distribution, and Alpine is
//! the one that writes it (OpenWrt's newer apk databases would want `openwrt`, from the
//! os-release the analyser cannot see).

use super::common::{
    add_license, add_party, add_url, cap, line_number, nonempty, purl, record, MAX_JOINED_BYTES, MAX_PATHS,
    MAX_RECORDS, MAX_RELATIONS,
};
use crate::model::{Facts, PackageRecord, Role};

/// The field name parties from `m:` carry: apk-tools calls the field `maintainer`.
const MAINTAINER: &str = "maintainer";

/// One record being read.
struct Pending {
    record: PackageRecord,
    arch: Option<String>,
    /// The directory of the last `F:` line, relative to the root.
    dir: String,
    has_name: bool,
}

impl Pending {
    fn new(line: u32) -> Self {
        Pending {
            record: record("apk", "", None, Some(line)),
            arch: None,
            dir: String::new(),
            has_name: false,
        }
    }

    fn finish(mut self) -> Option<PackageRecord> {
        if !self.has_name {
            return None;
        }
        let r = &mut self.record;
        r.purl = purl(
            "apk",
            Some("alpine"),
            &r.name,
            r.version.as_deref(),
            self.arch.as_deref(),
        );
        Some(self.record)
    }
}

/// Every record of an installed database.
pub(super) fn installed(text: &str, facts: &mut Facts) {
    let mut pending: Option<Pending> = None;
    let mut records = 0usize;
    let mut paths = 0usize;
    let mut joined = 0usize;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            if let Some(r) = pending.take().and_then(Pending::finish) {
                facts.packages.push(r);
                records += 1;
                if records >= MAX_RECORDS {
                    return;
                }
            }
            continue;
        }
        let bytes = line.as_bytes();
        if bytes.len() < 2 || bytes[1] != b':' || !bytes[0].is_ascii_alphanumeric() {
            continue;
        }
        let (key, value) = (bytes[0], &line[2..]);
        let number = line_number(i);
        let p = pending.get_or_insert_with(|| Pending::new(number));
        let r = &mut p.record;
        match key {
            b'P' => {
                if let Some(name) = nonempty(value) {
                    r.name = cap(name);
                    p.has_name = true;
                }
            }
            b'V' => r.version = nonempty(value).map(cap),
            b'A' => p.arch = nonempty(value).map(cap),
            b'm' => add_party(r, Role::Supplier, MAINTAINER, value, Some(number)),
            b'U' => add_url(r, value),
            b'L' => add_license(r, value),
            b'T' => r.description = nonempty(value).map(cap),
            b'o' => r.source = nonempty(value).map(cap),
            // `D:` dependencies and `p:` provides: space-separated names with an optional
            // version constraint; `!name` is a conflict, not a dependency.
            b'D' => r.depends.extend(
                apk_names(value)
                    .filter(|n| !n.starts_with('!'))
                    .take(MAX_RELATIONS)
                    .map(|n| vec![n]),
            ),
            b'p' => r.provides.extend(apk_names(value).take(MAX_RELATIONS)),
            b'F' => p.dir = cap(value.trim_matches('/')),
            b'R' if paths < MAX_PATHS && joined < MAX_JOINED_BYTES && !value.is_empty() => {
                let file = if p.dir.is_empty() {
                    format!("/{value}")
                } else {
                    format!("/{}/{value}", p.dir)
                };
                paths += 1;
                joined += file.len();
                r.files.push(cap(&file));
            }
            _ => {}
        }
    }
    if let Some(r) = pending.and_then(Pending::finish) {
        facts.packages.push(r);
    }
}

/// The names of an apk `D:`/`p:` list: each word up to its version operator (`<`, `>`, `=`,
/// `~`); `so:`, `cmd:` and `pc:` names kept whole, as apk matches them.
fn apk_names(value: &str) -> impl Iterator<Item = String> + '_ {
    value.split_whitespace().filter_map(|w| {
        let name = w.split(['<', '>', '=', '~']).next().unwrap_or("");
        (!name.is_empty() && name != "!").then(|| cap(name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_before_any_directory_are_at_the_root_and_nameless_records_are_dropped() {
        let mut facts = Facts::default();
        installed(
            "V:1\nR:orphan\n\nP:x\nR:top\nF:/usr/bin/\nR:tool\nbad line\n",
            &mut facts,
        );
        assert_eq!(facts.packages.len(), 1);
        let r = &facts.packages[0];
        assert_eq!(r.line, Some(4));
        assert_eq!(r.files, ["/top", "/usr/bin/tool"]);
        assert_eq!(r.purl.as_deref(), Some("pkg:apk/alpine/x"));
    }

    #[test]
    fn dependencies_and_provides() {
        let mut facts = Facts::default();
        installed(
            "P:busybox\nD:so:libc.musl-x86_64.so.1 musl>=1.2 !busybox-static\np:cmd:sh=1.36 /bin/sh\n",
            &mut facts,
        );
        let r = &facts.packages[0];
        assert_eq!(
            r.depends,
            [vec!["so:libc.musl-x86_64.so.1".to_string()], vec!["musl".into()]]
        );
        assert_eq!(r.provides, ["cmd:sh", "/bin/sh"]);
    }

    #[test]
    fn joined_paths_are_bounded() {
        // one 60,000-byte directory and 2,000 one-letter names would join to 120 MB
        let mut db = format!("P:x\nF:{}\n", "d".repeat(60_000));
        db.push_str(&"R:f\n".repeat(2000));
        let mut facts = Facts::default();
        installed(&db, &mut facts);
        let each = 60_003; // "/" + directory + "/" + "f"
        assert_eq!(facts.packages[0].files.len(), MAX_JOINED_BYTES.div_ceil(each));
    }
}
