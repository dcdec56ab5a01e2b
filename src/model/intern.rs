//! `&'static str` fields read back (the results cache, `crate::cache`): the model names fields,
//! properties and ecosystems with static strings, so a name read from stored data is interned —
//! leaked once per distinct name for the life of the process. The set is small (the analysers'
//! own names), and bounded here so that stored data that names thousands of them is refused as
//! corrupt rather than leaked.

use serde::{Deserialize, Deserializer};
use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

/// Distinct names interned at most, and the longest one: far above what the analysers use.
const MAX_NAMES: usize = 4096;
const MAX_NAME_LEN: usize = 256;

/// `&'static str`, as the fields read back through [`static_str`] spell it: serde's derive takes
/// a field spelled `&'static str` as borrowed from the input whatever reads it, and would then
/// only read from `'static` input.
pub(crate) type StaticStr = &'static str;

static NAMES: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);

/// The one static copy of `name`, or `None` when the interner is full or `name` too long.
fn intern(name: &str) -> Option<&'static str> {
    let mut names = NAMES.lock().unwrap_or_else(PoisonError::into_inner);
    let names = names.get_or_insert_with(HashSet::new);
    if let Some(&known) = names.get(name) {
        return Some(known);
    }
    if names.len() >= MAX_NAMES || name.len() > MAX_NAME_LEN {
        return None;
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.insert(leaked);
    Some(leaked)
}

/// `#[serde(deserialize_with)]` for a `&'static str` field.
pub(crate) fn static_str<'de, D: Deserializer<'de>>(deserializer: D) -> Result<&'static str, D::Error> {
    let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
    intern(&name).ok_or_else(|| serde::de::Error::custom("too many distinct or too long names"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_interned_once_and_an_overlong_one_refused() {
        let a = intern("module-author").unwrap();
        let b = intern(&String::from("module-author")).unwrap();
        assert!(std::ptr::eq(a, b));
        assert_eq!(intern(&"x".repeat(MAX_NAME_LEN + 1)), None);
    }
}
