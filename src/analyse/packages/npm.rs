//! An installed npm package's manifest, `node_modules/<name>/package.json` or
//! `node_modules/@scope/<name>/package.json` (a `package.json` elsewhere is a project's, not an
//! installed package's). Parties: `author` (a string `Name <mail> (url)` or an object
//! `{name, email, url}`) is the author; `maintainers[]` — the registry accounts that may
//! publish it, written into manifests by older npm clients — are the supplier; `publisher` and
//! `_npmUser` (the account that published this version) are the publisher. `contributors[]`
//! are people who helped, not who supplies it, and are not read.

use serde_json::Value;

use super::common::{add_license, add_party, add_url, cap, nonempty, purl, record};
use crate::model::{Facts, PackageRecord, Role};

/// Manifests larger than this are not read: real ones are a few kilobytes.
pub(super) const MAX_BYTES: usize = 4 * 1024 * 1024;

/// A person as npm writes one: a string as it is, an object as `name <email> (url)`, npm's own
/// string form.
fn person(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => nonempty(s).map(cap),
        Value::Object(o) => {
            let part = |k: &str| o.get(k).and_then(Value::as_str).and_then(nonempty);
            let mut out = String::new();
            if let Some(n) = part("name") {
                out.push_str(n);
            }
            if let Some(e) = part("email").or_else(|| part("mail")) {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push('<');
                out.push_str(e);
                out.push('>');
            }
            if let Some(u) = part("url").or_else(|| part("web")) {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push('(');
                out.push_str(u);
                out.push(')');
            }
            nonempty(&out).map(cap)
        }
        _ => None,
    }
}

/// A repository as a URL: `{url}` or a string; npm's shorthands (`user/repo`,
/// `github:user/repo`, `gitlab:`, `bitbucket:`, `gist:`) expanded to the hosts they name.
fn repository(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.as_str(),
        Value::Object(o) => o.get("url").and_then(Value::as_str)?,
        _ => return None,
    };
    let s = nonempty(s)?;
    for (prefix, host) in [
        ("github:", "https://github.com/"),
        ("gitlab:", "https://gitlab.com/"),
        ("bitbucket:", "https://bitbucket.org/"),
        ("gist:", "https://gist.github.com/"),
    ] {
        if let Some(rest) = s.strip_prefix(prefix) {
            return Some(format!("{host}{rest}"));
        }
    }
    let shorthand = !s.contains(':') && s.split('/').count() == 2 && !s.starts_with(['.', '/', '@']);
    Some(if shorthand {
        format!("https://github.com/{s}")
    } else {
        s.to_owned()
    })
}

/// `license` (a string, or the deprecated `{type}`) and the deprecated `licenses[]`.
fn licenses(m: &serde_json::Map<String, Value>, r: &mut PackageRecord) {
    let name = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("type").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    };
    if let Some(l) = m.get("license").and_then(name) {
        add_license(r, &l);
    }
    if let Some(Value::Array(ls)) = m.get("licenses") {
        for l in ls.iter().filter_map(name) {
            add_license(r, &l);
        }
    }
}

/// The record of a manifest; nothing when it is too large, not JSON, or has no `name`.
pub(super) fn package_json(bytes: &[u8], facts: &mut Facts) {
    if bytes.len() > MAX_BYTES {
        return;
    }
    let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(bytes) else {
        return;
    };
    let Some(full) = m.get("name").and_then(Value::as_str).and_then(nonempty) else {
        return;
    };
    let version = m.get("version").and_then(Value::as_str).and_then(nonempty);
    let mut r = record("npm", full, version, None);
    let (scope, name) = match full.split_once('/') {
        Some((scope, name)) if scope.starts_with('@') => (Some(scope), name),
        _ => (None, full),
    };
    r.purl = purl("npm", scope, name, version, None);
    if let Some(a) = m.get("author").and_then(person) {
        add_party(&mut r, Role::Author, "author", &a, None);
    }
    if let Some(Value::Array(ms)) = m.get("maintainers") {
        for p in ms.iter().filter_map(person) {
            add_party(&mut r, Role::Supplier, "maintainers", &p, None);
        }
    }
    for field in ["publisher", "_npmUser"] {
        if let Some(p) = m.get(field).and_then(person) {
            add_party(&mut r, Role::Publisher, field, &p, None);
        }
    }
    if let Some(url) = m.get("homepage").and_then(Value::as_str) {
        add_url(&mut r, url);
    }
    if let Some(url) = m.get("repository").and_then(repository) {
        add_url(&mut r, &url);
    }
    licenses(&m, &mut r);
    r.description = m.get("description").and_then(Value::as_str).and_then(nonempty).map(cap);
    if let Some(Value::Object(deps)) = m.get("dependencies") {
        r.depends = deps
            .keys()
            .filter_map(|k| nonempty(k))
            .take(super::common::MAX_RELATIONS)
            .map(|k| vec![cap(k)])
            .collect();
    }
    facts.packages.push(r);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn people() {
        assert_eq!(
            person(&json!({"name": "A", "email": "a@x", "url": "https://x"})).as_deref(),
            Some("A <a@x> (https://x)")
        );
        assert_eq!(person(&json!({"email": "a@x"})).as_deref(), Some("<a@x>"));
        assert_eq!(person(&json!({})), None);
        assert_eq!(person(&json!(3)), None);
    }

    #[test]
    fn repositories() {
        assert_eq!(
            repository(&json!("sindresorhus/p-map")).as_deref(),
            Some("https://github.com/sindresorhus/p-map")
        );
        assert_eq!(
            repository(&json!("gitlab:a/b")).as_deref(),
            Some("https://gitlab.com/a/b")
        );
        assert_eq!(
            repository(&json!({"type": "git", "url": "git+https://x/y.git"})).as_deref(),
            Some("git+https://x/y.git")
        );
        assert_eq!(repository(&json!({"type": "git"})), None);
    }

    #[test]
    fn legacy_licences_publisher_and_maintainers() {
        let mut facts = Facts::default();
        let json = br#"{"name":"Old","version":"0.1.0","license":{"type":"MIT"},"licenses":[{"type":"MIT"},{"type":"Apache-2.0"}],
            "maintainers":[{"name":"m1","email":"m1@x"},"m2 <m2@y>"],"_npmUser":{"name":"pub","email":"p@z"},"contributors":["c"]}"#;
        package_json(json, &mut facts);
        let r = &facts.packages[0];
        assert_eq!(r.purl.as_deref(), Some("pkg:npm/old@0.1.0"));
        assert_eq!(r.licenses, ["MIT", "Apache-2.0"]);
        let parties: Vec<_> = r.parties.iter().map(|p| (p.role, p.field, p.value.as_str())).collect();
        assert_eq!(
            parties,
            [
                (Role::Supplier, "maintainers", "m1 <m1@x>"),
                (Role::Supplier, "maintainers", "m2 <m2@y>"),
                (Role::Publisher, "_npmUser", "pub <p@z>"),
            ]
        );
    }
}
