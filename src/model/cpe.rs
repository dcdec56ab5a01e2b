//! CPE names, 2.2 URI binding (`cpe:/a:vendor:product:version`) and 2.3 formatted string
//! (`cpe:2.3:a:vendor:product:version:...`). The rule engine matches on the vendor field.
//!
//! Hand-written: the one crates.io CPE crate is unmaintained and only the first few
//! attributes are needed; the grammar is NISTIR 7695 §6.1 (URI) and §6.2 (formatted string).

use super::parts::Parts;
use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;
use std::fmt;

/// A CPE as written and split into the fields the rules need; serialised as `{cpe, part,
/// vendor, product, version?}`. The fields share one string with the written form (see
/// [`Parts`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Cpe(Parts<4>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpeError(pub &'static str);

impl fmt::Display for CpeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for CpeError {}

impl Cpe {
    pub fn parse(input: &str) -> Result<Cpe, CpeError> {
        let s = input.trim();
        let fields = if let Some(rest) = strip_prefix_ci(s, "cpe:2.3:") {
            split_formatted(rest)
        } else if let Some(rest) = strip_prefix_ci(s, "cpe:/") {
            rest.split(':').map(decode_uri_component).collect()
        } else {
            return Err(CpeError("not a CPE: expected `cpe:2.3:` or `cpe:/`"));
        };
        let get = |i: usize| fields.get(i).map(String::as_str).unwrap_or("");
        // `a` (application), `o` (operating system), `h` (hardware), or `*` / `-` / empty.
        let part = get(0).to_ascii_lowercase();
        if !matches!(part.as_str(), "a" | "o" | "h" | "*" | "-" | "") {
            return Err(CpeError("CPE part must be a, o or h"));
        }
        if get(1).is_empty() && get(2).is_empty() {
            return Err(CpeError("CPE names neither vendor nor product"));
        }
        let version = match get(3) {
            "" | "*" | "-" => None,
            v => Some(v),
        };
        let parts = [Some(part.as_str()), Some(get(1)), Some(get(2)), version];
        Parts::new(input, parts).map(Cpe).ok_or(CpeError("longer than 64 KiB"))
    }

    /// The CPE exactly as written.
    pub fn as_str(&self) -> &str {
        self.0.written()
    }

    pub fn part(&self) -> &str {
        self.0.get(0).unwrap_or_default()
    }

    pub fn vendor(&self) -> &str {
        self.0.get(1).unwrap_or_default()
    }

    pub fn product(&self) -> &str {
        self.0.get(2).unwrap_or_default()
    }

    pub fn version(&self) -> Option<&str> {
        self.0.get(3)
    }
}

impl fmt::Debug for Cpe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cpe")
            .field("cpe", &self.as_str())
            .field("part", &self.part())
            .field("vendor", &self.vendor())
            .field("product", &self.product())
            .field("version", &self.version())
            .finish()
    }
}

impl Serialize for Cpe {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Cpe", 5)?;
        s.serialize_field("cpe", self.as_str())?;
        s.serialize_field("part", self.part())?;
        s.serialize_field("vendor", self.vendor())?;
        s.serialize_field("product", self.product())?;
        match self.version() {
            Some(version) => s.serialize_field("version", version)?,
            None => s.skip_field("version")?,
        }
        s.end()
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    if s.len() >= prefix.len() && s.is_char_boundary(prefix.len()) && s[..prefix.len()].eq_ignore_ascii_case(prefix) {
        Some(&s[prefix.len()..])
    } else {
        None
    }
}

/// Splits a 2.3 formatted string on unescaped `:` and removes the quoting backslashes.
fn split_formatted(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            ':' => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Decodes the `%xx` escapes of the 2.2 URI binding; malformed escapes are kept as written.
fn decode_uri_component(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cpe23_with_escapes() {
        let c = Cpe::parse(r"cpe:2.3:h:huawei:ar\:2200:v200r009:*:*:*:*:*:*:*").unwrap();
        assert_eq!(c.as_str(), r"cpe:2.3:h:huawei:ar\:2200:v200r009:*:*:*:*:*:*:*");
        assert_eq!(c.part(), "h");
        assert_eq!(c.vendor(), "huawei");
        assert_eq!(c.product(), "ar:2200");
        assert_eq!(c.version(), Some("v200r009"));
    }

    #[test]
    fn parses_cpe22_uri() {
        let c = Cpe::parse("cpe:/o:zte:zxhn_h108n_firmware:2.5.5%7e").unwrap();
        assert_eq!(c.part(), "o");
        assert_eq!(c.vendor(), "zte");
        assert_eq!(c.product(), "zxhn_h108n_firmware");
        assert_eq!(c.version(), Some("2.5.5~"));
    }

    #[test]
    fn wildcard_version_is_none() {
        let c = Cpe::parse("cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*").unwrap();
        assert_eq!(c.version(), None);
    }

    #[test]
    fn rejects_non_cpe() {
        assert!(Cpe::parse("pkg:npm/foo").is_err());
        assert!(Cpe::parse("cpe:2.3:x:a:b").is_err());
        assert!(Cpe::parse("cpe:/").is_err());
        // a truncated escape must not panic
        assert!(Cpe::parse("cpe:/a:ven%4").is_ok());
    }
}
