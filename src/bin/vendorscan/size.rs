//! Byte sizes with units, for the limits on the command line and in `vendorscan.toml`:
//! `--max-bytes 1G`, `512M`, `64KiB`, `1.5GiB`, or plain bytes. Parsing is parse-size's
//! (fractions, case-insensitive units, optional `B`), set to powers of 1024 for every unit, so
//! `1G`, `1GB` and `1GiB` all mean 2^30 bytes, as limits on memory and files are usually meant.

use serde::de::{self, Deserializer, Visitor};
use std::fmt;
use std::str::FromStr;

/// A number of bytes, written and read with a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub u64);

const PARSER: parse_size::Config = parse_size::Config::new().with_binary();

impl FromStr for ByteSize {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        PARSER.parse_size(s.trim()).map(ByteSize).map_err(|e| {
            let why = match e {
                parse_size::Error::PosOverflow => "too large",
                parse_size::Error::Empty => "no number",
                _ => "not a number with a unit",
            };
            format!("`{s}` is not a byte size ({why}); write bytes or a number with K, M, G or T (powers of 1024): 512M, 1G, 64KiB")
        })
    }
}

/// The largest binary unit that divides the size exactly: `1GiB`, `1536MiB`, `1000`.
impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(&str, u32); 5] = [("PiB", 50), ("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)];
        for (unit, shift) in UNITS {
            let size = 1u64 << shift;
            if self.0 >= size && self.0.is_multiple_of(size) {
                return write!(f, "{}{unit}", self.0 >> shift);
            }
        }
        write!(f, "{}", self.0)
    }
}

/// In `vendorscan.toml`, a size is an integer (bytes) or a string with a unit.
impl<'de> serde::Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Size;
        impl Visitor<'_> for Size {
            type Value = ByteSize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a byte size: an integer, or a string such as \"512M\" or \"1GiB\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ByteSize, E> {
                u64::try_from(v)
                    .map(ByteSize)
                    .map_err(|_| E::custom(format!("{v} is not a byte size (negative)")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ByteSize, E> {
                Ok(ByteSize(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ByteSize, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_any(Size)
    }
}

impl serde::Serialize for ByteSize {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::ByteSize;

    fn parse(s: &str) -> Result<u64, String> {
        s.parse::<ByteSize>().map(|b| b.0)
    }

    #[test]
    fn sizes_take_units_in_powers_of_1024() {
        assert_eq!(parse("1G"), Ok(1 << 30));
        assert_eq!(parse("1GB"), Ok(1 << 30));
        assert_eq!(parse("1GiB"), Ok(1 << 30));
        assert_eq!(parse("1g"), Ok(1 << 30));
        assert_eq!(parse("512M"), Ok(512 << 20));
        assert_eq!(parse("64KiB"), Ok(64 << 10));
        assert_eq!(parse("64 KiB"), Ok(64 << 10));
        assert_eq!(parse("1.5G"), Ok(3 << 29));
        assert_eq!(parse("2T"), Ok(2 << 40));
        assert_eq!(parse("1073741824"), Ok(1 << 30));
        assert_eq!(parse("0"), Ok(0));
        assert_eq!(parse(" 12 "), Ok(12));
    }

    #[test]
    fn bad_sizes_say_what_is_wrong() {
        let err = parse("lots").unwrap_err();
        assert!(err.starts_with("`lots` is not a byte size ("), "{err}");
        assert!(err.contains("512M, 1G, 64KiB"), "{err}");
        assert!(parse("1Q").is_err());
        assert!(parse("").is_err());
        assert!(parse("-1").is_err());
        assert_eq!(parse("99999E"), Err(
            "`99999E` is not a byte size (too large); write bytes or a number with K, M, G or T (powers of 1024): 512M, 1G, 64KiB".to_string()
        ));
    }

    #[test]
    fn sizes_print_in_the_largest_exact_unit_and_read_back() {
        for (n, s) in [
            (1u64 << 30, "1GiB"),
            (64 << 30, "64GiB"),
            (1536 << 20, "1536MiB"),
            (1000, "1000"),
            (0, "0"),
            (4096, "4KiB"),
        ] {
            assert_eq!(ByteSize(n).to_string(), s);
            assert_eq!(parse(s), Ok(n));
        }
    }

    #[test]
    fn sizes_in_toml_are_integers_or_strings() {
        #[derive(Debug, serde::Deserialize)]
        struct T {
            a: ByteSize,
            b: ByteSize,
        }
        let t: T = toml::from_str("a = 4096\nb = \"2M\"\n").unwrap();
        assert_eq!((t.a, t.b), (ByteSize(4096), ByteSize(2 << 20)));
        let err = toml::from_str::<T>("a = -1\nb = 1\n").unwrap_err();
        assert!(err.message().contains("negative"), "{err}");
        let err = toml::from_str::<T>("a = 1\nb = \"huge\"\n").unwrap_err();
        assert!(err.message().contains("`huge` is not a byte size"), "{err}");
        assert_eq!(err.span(), Some(10..16));
    }
}
