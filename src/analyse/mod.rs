//! Binary analysers: each walked file's bytes in, [`Facts`] out — who built, signed, supplied or
//! wrote it, and which packages a database in it lists. The walker calls one [`Analyser`] per
//! file, in the same pass that hashes it (the interface lives with the walker, in
//! [`crate::firmware::analyser`], so the walker depends on nothing above it); analysers know nothing of rules (the indicator scan is
//! handed its patterns as plain strings) and nothing of output.

pub mod assemble;
pub mod cert_files;
pub mod checksum;
pub mod copyright_text;
pub mod cpe_names;
pub mod dtb;
pub mod elf;
pub mod embedded_sbom;
pub mod indicators;
pub mod licence;
pub mod macho;
pub mod modsig;
pub mod os_release;
pub mod packages;
pub mod party_kind;
pub mod pe;
pub mod select;
pub mod signatures;
pub mod vendor_format;

pub use crate::firmware::analyser::{Analyser, FileView};
use crate::model::Facts;

/// The analysers that need no rules: everything but the indicator scan, which
/// `vendorscan audit` adds (it is built from the rules' names).
pub fn standard() -> Analysers {
    let mut set = Analysers::default();
    set.push(elf::Elf);
    set.push(modsig::ModuleSignature);
    set.push(pe::Pe);
    set.push(macho::MachO);
    set.push(cert_files::Certificates);
    set.push(dtb::DeviceTree);
    set.push(packages::Packages);
    set.push(copyright_text::CopyrightText);
    set.push(embedded_sbom::EmbeddedSbom);
    set.push(os_release::OsReleaseFile);
    set.push(checksum::Sha1Digest);
    set
}

/// Several analysers run one after another over the same bytes.
#[derive(Default)]
pub struct Analysers(Vec<Box<dyn Analyser>>);

impl Analysers {
    pub fn push(&mut self, a: impl Analyser + 'static) {
        self.0.push(Box::new(a));
    }
}

impl Analyser for Analysers {
    fn analyse(&self, file: &FileView<'_>, facts: &mut Facts) {
        for a in &self.0 {
            a.analyse(file, facts);
        }
    }
    fn identity(&self, out: &mut String) {
        for a in &self.0 {
            a.identity(out);
        }
    }
}

/// Running an analyser, and views of its facts, as the analysers' tests compare them.
#[cfg(test)]
pub(crate) mod test_support {
    use super::{Analyser, FileView};
    use crate::firmware::detect::Kind;
    use crate::model::Facts;

    /// What `analyser` finds in `bytes`, as a file at `path` of the given kind.
    pub fn run(analyser: &dyn Analyser, path: &str, bytes: &[u8], kind: Kind) -> Facts {
        let mut facts = Facts::default();
        analyser.analyse(&FileView::new(path, bytes, kind), &mut facts);
        facts
    }

    /// (field, value, offset, place) of each graded fact.
    pub fn evidence(facts: &Facts) -> Vec<(&str, &str, Option<u64>, &str)> {
        facts
            .evidence
            .iter()
            .map(|f| (f.field, f.value.as_str(), f.offset, f.place.as_str()))
            .collect()
    }

    /// (name, value) of each property.
    pub fn properties(facts: &Facts) -> Vec<(&str, &str)> {
        facts.properties.iter().map(|p| (p.name, p.value.as_str())).collect()
    }
}
