//! ELF files: executables, shared libraries, objects and Linux kernel modules. What identifies
//! the file (class, machine, type, soname, needed libraries, interpreter, build-id, compiler
//! strings, kernel release) becomes properties; who wrote a kernel module (`MODULE_AUTHOR`) and
//! which hardware vendors its device table names become graded evidence; Go and Rust build
//! metadata give the modules and crates built in.
//!
//! Firmware ELFs are often damaged or cut short, and a signed kernel module carries its
//! signature after the ELF. So goblin reads each table on its own (`layout`), each reader
//! below takes what it can from bounded slices, and nothing on the input can make it fail or
//! allocate without a cap.

mod auditable;
mod banner;
mod comment;
mod dynamic;
mod golang;
mod layout;
mod modinfo;
mod notes;
mod text;

#[cfg(test)]
mod tests;

use goblin::elf::header::{self, ET_CORE, ET_DYN, ET_EXEC, ET_REL};

use self::layout::Layout;
use super::{Analyser, FileView};
use crate::firmware::detect::Kind;
use crate::model::Facts;

/// The ELF analyser. Acts on files detected as [`Kind::Elf`] only.
pub struct Elf;

impl Analyser for Elf {
    fn analyse(&self, file: &FileView<'_>, facts: &mut Facts) {
        if file.kind != Kind::Elf {
            return;
        }
        if let Some(layout) = Layout::parse(file.bytes) {
            structure(&layout, facts);
        }
        // A byte search, independent of the structure: a kernel image whose tables are broken
        // still names its release.
        if let Some(release) = banner::linux_version(file.bytes) {
            facts.property("linux-version", release);
        }
    }
}

/// Everything read through the ELF's tables, in a fixed order.
fn structure(layout: &Layout<'_>, facts: &mut Facts) {
    let header = layout.header();
    facts.property("elf-class", if layout.elf.is_64 { "ELF64" } else { "ELF32" });
    facts.property("elf-machine", machine(header.e_machine));
    let dynamic = dynamic::table(layout);
    if let Some(kind) = file_type(header.e_type, dynamic::is_pie(dynamic.as_ref())) {
        facts.property("elf-type", kind);
    }
    if let Some(interpreter) = dynamic::interpreter(layout) {
        facts.property("interpreter", interpreter);
    }
    if let Some(dynamic) = &dynamic {
        dynamic::record(layout, dynamic, facts);
    }
    if let Some(id) = notes::build_id(layout) {
        facts.property("build-id", id);
    }
    comment::record(layout, facts);
    if header.e_type == ET_REL {
        if let Some(section) = layout.section(b".modinfo") {
            modinfo::record(layout.data(section), section.sh_offset, facts);
        }
    }
    golang::record(layout, facts);
    if let Some(section) = layout.section(b".dep-v0") {
        auditable::record(layout.data(section), facts);
    }
}

/// `e_type` as a word; a position-independent executable is an `ET_DYN` but a program.
fn file_type(e_type: u16, pie: bool) -> Option<&'static str> {
    match e_type {
        ET_EXEC => Some("executable"),
        ET_DYN if pie => Some("executable"),
        ET_DYN => Some("shared-object"),
        ET_REL => Some("relocatable"),
        ET_CORE => Some("core"),
        _ => None,
    }
}

/// `e_machine` by the name Linux distributions give the architecture (`uname -m` style), for
/// the architectures firmware is built for; others by goblin's name, lowercased.
fn machine(e_machine: u16) -> String {
    let name = match e_machine {
        header::EM_386 => "i386",
        header::EM_X86_64 => "x86_64",
        header::EM_ARM => "arm",
        header::EM_AARCH64 => "aarch64",
        header::EM_MIPS | header::EM_MIPS_RS3_LE => "mips",
        header::EM_PPC => "powerpc",
        header::EM_PPC64 => "powerpc64",
        header::EM_RISCV => "riscv",
        header::EM_SPARC | header::EM_SPARC32PLUS => "sparc",
        header::EM_SPARCV9 => "sparc64",
        header::EM_S390 => "s390",
        header::EM_SH => "sh",
        header::EM_68K => "m68k",
        header::EM_PARISC => "parisc",
        header::EM_IA_64 => "ia64",
        header::EM_XTENSA => "xtensa",
        header::EM_ARC_COMPACT | header::EM_ARC_COMPACT2 => "arc",
        header::EM_MICROBLAZE => "microblaze",
        header::EM_OPENRISC => "openrisc",
        header::EM_NDS32 => "nds32",
        header::EM_CSKY => "csky",
        header::EM_LOONGARCH => "loongarch",
        header::EM_BPF => "bpf",
        header::EM_AVR => "avr",
        other => {
            let name = header::machine_to_str(other);
            return if name == "EM_UNKNOWN" {
                format!("em-{other}")
            } else {
                name.to_ascii_lowercase()
            };
        }
    };
    name.to_owned()
}
