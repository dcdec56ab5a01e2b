//! Coverage: what a run examined, what it could not, and why. Derived from the inventory alone
//! (its documents, walked files and containers, warnings and input errors), so every report
//! shows the same figures and the rule engine can refuse to call a run `clear` when it did not
//! look at everything.

use super::{Inventory, Origin, Role, Skipped, Warning, WarningCode};
use serde::Serialize;
use std::collections::BTreeMap;

/// Places shown for one cause of incompleteness; the rest are counted.
pub const PLACES_SHOWN: usize = 3;

/// One reason a run is incomplete, counted over every place it occurred: 60,000 members over
/// the size limit are one cause with a count and the first few places.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cause {
    /// `unreadable-input`, `no-components`, or the warning code (`corrupt`, `limit-exceeded`,
    /// `not-unpacked`, `unreadable`).
    pub code: &'static str,
    /// The first occurrence's message, as an example of the rest.
    pub reason: String,
    pub count: u64,
    /// The first [`PLACES_SHOWN`] places, in report order.
    pub places: Vec<String>,
}

/// Containers of one format: opened, opened but damaged, recognised and not unpacked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ContainerCounts {
    pub opened: u64,
    pub damaged: u64,
    pub not_unpacked: u64,
}

/// What one run examined.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// True when nothing that could hold components went unexamined.
    pub complete: bool,
    /// Inputs named on the command line (read or not).
    pub targets: u64,
    /// Inputs that could not be read at all.
    pub unreadable_targets: u64,
    /// Bytes of the inputs as named (SBOM files, image files; for directories, their files).
    pub bytes_read: u64,
    /// Files analysed (walked files with content: not links or special files).
    pub files_analysed: u64,
    /// Bytes of the files analysed, after unpacking.
    pub bytes_analysed: u64,
    /// Containers by format.
    pub containers: BTreeMap<String, ContainerCounts>,
    /// Warnings that a walk limit was reached.
    pub limits_hit: u64,
    /// Components in the inventory (products, packages, files).
    pub components: u64,
    /// Packages (SBOM components, packages found in images): the components an SBOM's
    /// minimum elements ask a supplier for.
    pub packages: u64,
    /// Packages that name no supplier, manufacturer, author or originator.
    pub packages_without_supplier: u64,
    /// Paths left out on purpose (`--exclude`, pseudo filesystems); never a cause.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
    /// Why the run is incomplete, one entry per kind of reason.
    pub causes: Vec<Cause>,
}

impl Coverage {
    /// Packages that name a supplier, as a percentage (100 when there are none to name one).
    pub fn supplier_percent(&self) -> f64 {
        if self.packages == 0 {
            return 100.0;
        }
        (self.packages - self.packages_without_supplier) as f64 * 100.0 / self.packages as f64
    }

    /// Measures an inventory read from `targets` inputs.
    pub fn measure(inventory: &Inventory) -> Coverage {
        let mut cov = Coverage {
            targets: (inventory.documents.len() + inventory.errors.len()) as u64,
            unreadable_targets: inventory.errors.len() as u64,
            bytes_read: inventory.documents.iter().map(|d| d.size).sum(),
            components: inventory.components.len() as u64,
            skipped: inventory.skipped.clone(),
            ..Coverage::default()
        };
        for f in &inventory.files {
            if f.sha256.is_some() {
                cov.files_analysed += 1;
                cov.bytes_analysed += f.size;
            }
        }
        for c in &inventory.containers {
            let counts = cov.containers.entry(c.kind.clone()).or_default();
            if !c.unpacked {
                counts.not_unpacked += 1;
            } else if c.damaged {
                counts.damaged += 1;
            } else {
                counts.opened += 1;
            }
        }
        for c in &inventory.components {
            if c.origin != Origin::Component {
                continue;
            }
            cov.packages += 1;
            let named = c.parties.iter().any(|p| {
                matches!(
                    p.role,
                    Role::Supplier | Role::Manufacturer | Role::Author | Role::Originator
                )
            });
            if !named {
                cov.packages_without_supplier += 1;
            }
        }
        cov.limits_hit = inventory
            .warnings
            .iter()
            .filter(|w| w.code == WarningCode::LimitExceeded)
            .count() as u64;

        let mut causes = Causes::default();
        for e in &inventory.errors {
            let reason = e.message.strip_prefix(&format!("{}: ", e.file)).unwrap_or(&e.message);
            causes.add("unreadable-input", reason, &e.file);
        }
        for w in inventory.warnings.iter().filter(|w| leaves_unexamined(w)) {
            causes.add(w.code.as_str(), &w.message, &place(w));
        }
        for d in &inventory.documents {
            if d.format != super::Format::Image && d.component_count == 0 {
                causes.add("no-components", "the SBOM lists no components", &d.path);
            }
        }
        cov.causes = causes.list;
        cov.complete = cov.causes.is_empty();
        cov
    }
}

/// True for a warning that says part of an input was not examined: a damaged or truncated
/// container, a limit reached, a format recognised but not unpacked, a file that could not be
/// read. Other warnings (a value of the wrong type, an unknown field) concern what was read.
pub fn leaves_unexamined(w: &Warning) -> bool {
    matches!(
        w.code,
        WarningCode::Corrupt | WarningCode::LimitExceeded | WarningCode::NotUnpacked | WarningCode::Unreadable
    )
}

fn place(w: &Warning) -> String {
    match &w.at {
        Some(at) => format!("{}: {at}", w.file),
        None => w.file.clone(),
    }
}

/// Causes grouped by code and the message's shape (digits aside), in first-seen order.
#[derive(Default)]
struct Causes {
    list: Vec<Cause>,
    index: std::collections::HashMap<(&'static str, String), usize>,
}

impl Causes {
    fn add(&mut self, code: &'static str, message: &str, place: &str) {
        let key = (code, shape(message));
        let i = *self.index.entry(key).or_insert_with(|| {
            self.list.push(Cause {
                code,
                reason: message.to_string(),
                count: 0,
                places: Vec::new(),
            });
            self.list.len() - 1
        });
        let cause = &mut self.list[i];
        cause.count += 1;
        if cause.places.len() < PLACES_SHOWN {
            cause.places.push(place.to_string());
        }
    }
}

/// A message with its numbers and quoted names blanked, so "member of 5000 bytes" and "member
/// of 7000 bytes" are one kind of cause.
fn shape(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut in_number = false;
    for ch in message.chars() {
        if ch.is_ascii_digit() || (in_number && matches!(ch, 'x' | 'a'..='f' | 'A'..='F')) {
            if !in_number {
                out.push('#');
            }
            in_number = true;
        } else {
            in_number = false;
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::InputError;

    fn warning(code: WarningCode, file: &str, message: &str) -> Warning {
        Warning {
            code,
            file: file.to_string(),
            at: None,
            message: message.to_string(),
        }
    }

    #[test]
    fn identical_causes_are_counted_once_with_the_first_places() {
        let mut inv = Inventory::default();
        for i in 0..60_000 {
            inv.warnings.push(warning(
                WarningCode::LimitExceeded,
                &format!("a.tar!/m{i}"),
                &format!(
                    "member of {} bytes is over the --max-member-bytes limit (1024); not read",
                    2000 + i
                ),
            ));
        }
        inv.warnings.push(warning(
            WarningCode::Corrupt,
            "b.zip",
            "zip is corrupt: bad CRC at 0x1f",
        ));
        inv.warnings
            .push(warning(WarningCode::UnknownField, "c.spdx", "unknown tag `Foo`"));
        inv.errors.push(InputError {
            file: "/nonexistent".to_string(),
            message: "/nonexistent: cannot read: No such file".to_string(),
        });
        let cov = Coverage::measure(&inv);
        assert!(!cov.complete);
        assert_eq!(cov.limits_hit, 60_000);
        let got: Vec<(&str, u64)> = cov.causes.iter().map(|c| (c.code, c.count)).collect();
        assert_eq!(
            got,
            [("unreadable-input", 1), ("limit-exceeded", 60_000), ("corrupt", 1)]
        );
        assert_eq!(cov.causes[1].places, ["a.tar!/m0", "a.tar!/m1", "a.tar!/m2"]);
        assert_eq!(
            cov.causes[1].reason,
            "member of 2000 bytes is over the --max-member-bytes limit (1024); not read"
        );
        assert_eq!((cov.targets, cov.unreadable_targets), (1, 1));
    }

    #[test]
    fn an_inventory_without_causes_is_complete() {
        let mut inv = Inventory::default();
        inv.warnings
            .push(warning(WarningCode::UnexpectedType, "a.json", "expected a string"));
        let cov = Coverage::measure(&inv);
        assert!(cov.complete);
        assert_eq!(cov.supplier_percent(), 100.0);
    }
}
