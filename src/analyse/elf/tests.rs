//! The analyser on the fixtures of `fixtures/analyse/elf/make.sh`, on the real kernel modules of
//! the shared corpus (when present), and on damaged input.

use super::Elf;
use crate::analyse::test_support::{evidence, properties};
use crate::analyse::{Analyser, FileView};
use crate::firmware::detect::Kind;
use crate::model::Facts;

const GCC: &str = "GCC: (Debian 12.2.0-14+deb12u1) 12.2.0";

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/analyse/elf/", $name)).as_slice()
    };
}

fn analyse(bytes: &[u8]) -> Facts {
    crate::analyse::test_support::run(&Elf, "test.elf", bytes, Kind::Elf)
}

/// A corpus file, from `VENDORSCAN_CORPUS/bin` or `../shared/corpus/bin`; `None` when absent.
fn corpus(name: &str) -> Option<Vec<u8>> {
    let dir = std::env::var_os("VENDORSCAN_CORPUS").map_or_else(
        || std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus")),
        std::path::PathBuf::from,
    );
    let path = dir.join("bin").join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            eprintln!("skipped: {} ({e})", path.display());
            None
        }
    }
}

#[test]
fn shared_object() {
    let facts = analyse(fixture!("libdemo.so"));
    assert_eq!(
        properties(&facts),
        vec![
            ("elf-class", "ELF64"),
            ("elf-machine", "x86_64"),
            ("elf-type", "shared-object"),
            ("soname", "libdemo.so.1"),
            ("needed", "libm.so.6"),
            ("needed", "libc.so.6"),
            ("build-id", "0123456789abcdef0123456789abcdef01234567"),
            ("comment", GCC),
            ("comment", "vendorscan test toolchain 1.0"),
        ]
    );
    assert!(facts.evidence.is_empty());
}

#[test]
fn executable_with_rust_crates_and_a_banner() {
    let facts = analyse(fixture!("hello"));
    assert_eq!(
        properties(&facts),
        vec![
            ("elf-class", "ELF64"),
            ("elf-machine", "x86_64"),
            ("elf-type", "executable"),
            ("interpreter", "/lib64/ld-linux-x86-64.so.2"),
            ("needed", "libc.so.6"),
            ("build-id", "feedfacecafebeef00112233"),
            ("comment", GCC),
            ("rust-package", "hello@0.1.0"),
            ("rust-dependency", "serde@1.0.200"),
            ("rust-dependency", "serde_derive@1.0.200"),
            ("linux-version", "5.10.0-test+"),
        ]
    );
}

#[test]
fn kernel_module() {
    let facts = analyse(fixture!("fake.ko"));
    assert_eq!(
        evidence(&facts),
        vec![
            (
                "module-author",
                "Huawei Technologies Co., Ltd.",
                Some(103),
                ".modinfo author"
            ),
            ("hardware-id", "usb:12d1", Some(151), ".modinfo alias"),
            ("hardware-id", "pci:19e5", Some(197), ".modinfo alias"),
        ]
    );
    assert_eq!(
        properties(&facts),
        vec![
            ("elf-class", "ELF64"),
            ("elf-machine", "x86_64"),
            ("elf-type", "relocatable"),
            ("comment", GCC),
            ("module-license", "GPL"),
            ("module-description", "Test driver"),
            ("module-firmware", "fake/fw.bin"),
            ("module-name", "fake"),
            ("vermagic", "6.1.0-test SMP mod_unload"),
            ("alias-count", "5"),
        ]
    );
    // The offsets point at the values in the file.
    let bytes = fixture!("fake.ko");
    assert!(bytes[103..].starts_with(b"Huawei Technologies"));
    assert!(bytes[151..].starts_with(b"usb:v12D1p1506"));
    assert!(bytes[197..].starts_with(b"pci:v000019E5"));
}

#[test]
fn big_endian_module() {
    let facts = analyse(fixture!("fake-be.ko"));
    assert_eq!(
        evidence(&facts),
        vec![
            ("module-author", "Example MIPS Author", Some(59), ".modinfo author"),
            ("hardware-id", "usb:19d2", Some(85), ".modinfo alias"),
        ]
    );
    assert_eq!(
        properties(&facts),
        vec![
            ("elf-class", "ELF32"),
            ("elf-machine", "mips"),
            ("elf-type", "relocatable"),
            ("module-license", "GPL"),
            ("alias-count", "1"),
        ]
    );
}

#[test]
fn modinfo_only_in_relocatable_files() {
    // vmlinux carries the built-in modules' .modinfo too (as `module.key=value`); an executable's
    // .modinfo is not a module's. Flip fake.ko's e_type to ET_EXEC: no module facts.
    let mut bytes = fixture!("fake.ko").to_vec();
    bytes[16] = 2;
    let facts = analyse(&bytes);
    assert!(facts.evidence.is_empty());
    assert_eq!(properties(&facts)[2], ("elf-type", "executable"));
    assert!(!properties(&facts).iter().any(|(n, _)| n.starts_with("module-")));
}

#[test]
fn go_inline_build_info() {
    let facts = analyse(fixture!("go-inline.o"));
    assert_eq!(
        properties(&facts),
        vec![
            ("elf-class", "ELF64"),
            ("elf-machine", "x86_64"),
            ("elf-type", "relocatable"),
            ("comment", GCC),
            ("go-version", "go1.21.5"),
            ("go-module", "example.com/hello@(devel)"),
            ("go-dependency", "golang.org/x/sys@v0.15.0"),
            ("go-dependency", "github.com/new/dep@v1.2.3"),
        ]
    );
}

#[test]
fn go_pointer_build_info() {
    let go = [
        ("go-version", "go1.16.15"),
        ("go-module", "example.com/old@v0.9.1"),
        ("go-dependency", "golang.org/x/text@v0.3.7"),
    ];
    let head = [
        ("elf-class", "ELF32"),
        ("elf-machine", "i386"),
        ("elf-type", "executable"),
    ];
    let facts = analyse(fixture!("go-pointer"));
    let expected: Vec<_> = head.iter().chain(&[("comment", GCC)]).chain(&go).copied().collect();
    assert_eq!(properties(&facts), expected);
    // Without section headers the blob is found by its magic and read through the segments.
    let facts = analyse(fixture!("go-pointer-nosh"));
    let expected: Vec<_> = head.iter().chain(&go).copied().collect();
    assert_eq!(properties(&facts), expected);
}

#[test]
fn other_kinds_are_ignored() {
    let mut facts = Facts::default();
    let file = FileView::new("fake.ko", fixture!("fake.ko"), Kind::Data);
    Elf.analyse(&file, &mut facts);
    assert!(facts.is_empty());
}

#[test]
fn hns3_is_huaweis() {
    let Some(bytes) = corpus("arm64-hns3.ko") else {
        return;
    };
    let facts = analyse(&bytes);
    assert_eq!(
        evidence(&facts),
        vec![
            (
                "module-author",
                "Huawei Tech. Co., Ltd.",
                Some(93707),
                ".modinfo author"
            ),
            ("hardware-id", "pci:19e5", Some(93994), ".modinfo alias"),
        ]
    );
    assert_eq!(
        properties(&facts),
        vec![
            ("elf-class", "ELF64"),
            ("elf-machine", "aarch64"),
            ("elf-type", "relocatable"),
            ("build-id", "af7bc96696e4a583798f89146da259720106eaee"),
            ("comment", GCC),
            ("module-license", "GPL"),
            ("module-description", "HNS3: Hisilicon Ethernet Driver"),
            ("module-depends", "libphy,hnae3"),
            ("module-intree", "Y"),
            ("module-name", "hns3"),
            ("vermagic", "6.1.0-50-arm64 SMP mod_unload modversions aarch64"),
            ("alias-count", "11"),
        ]
    );
}

#[test]
fn hnae_is_hisilicons() {
    let Some(bytes) = corpus("arm64-hnae.ko") else {
        return;
    };
    let facts = analyse(&bytes);
    assert_eq!(
        evidence(&facts),
        vec![("module-author", "Hisilicon, Inc.", Some(6176), ".modinfo author")]
    );
    // `depends=` is empty and there are no aliases: neither becomes a property.
    assert_eq!(
        properties(&facts),
        vec![
            ("elf-class", "ELF64"),
            ("elf-machine", "aarch64"),
            ("elf-type", "relocatable"),
            ("build-id", "be7ba1d4cd1c15613b9ad9cbb2c50cdb6390c5df"),
            ("comment", GCC),
            ("module-description", "Hisilicon Network Acceleration Engine Framework"),
            ("module-license", "GPL"),
            ("module-intree", "Y"),
            ("module-name", "hnae"),
            ("vermagic", "6.1.0-50-arm64 SMP mod_unload modversions aarch64"),
        ]
    );
}

#[test]
fn option_supports_huawei_and_zte_hardware_without_being_theirs() {
    let Some(bytes) = corpus("amd64-option.ko") else {
        return;
    };
    let facts = analyse(&bytes);
    let all = evidence(&facts);
    let authors: Vec<_> = all.iter().filter(|f| f.0 == "module-author").collect();
    assert_eq!(
        authors,
        [&(
            "module-author",
            "Matthias Urlichs <smurf@smurf.noris.de>",
            Some(51772),
            ".modinfo author"
        )]
    );
    // Each vendor once, at its first alias, though the table lists 361 Huawei and 517 ZTE ids.
    let ids: Vec<_> = all.iter().filter(|f| f.0 == "hardware-id").collect();
    assert_eq!(ids.len(), 64);
    assert!(ids.contains(&&("hardware-id", "usb:12d1", Some(108405), ".modinfo alias")));
    assert!(ids.contains(&&("hardware-id", "usb:19d2", Some(66722), ".modinfo alias")));
    let mut unique: Vec<_> = ids.iter().map(|f| f.1).collect();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());
    assert_eq!(
        properties(&facts),
        vec![
            ("elf-class", "ELF64"),
            ("elf-machine", "x86_64"),
            ("elf-type", "relocatable"),
            ("build-id", "d43e9ba41d2030b6d9a2a858d572b70776d15c86"),
            ("comment", GCC),
            ("module-license", "GPL v2"),
            ("module-description", "USB Driver for GSM modems"),
            ("module-depends", "usbserial,usbcore,usb_wwan"),
            ("module-intree", "Y"),
            ("module-name", "option"),
            ("vermagic", "6.1.0-50-amd64 SMP preempt mod_unload modversions"),
            ("alias-count", "1571"),
        ]
    );
}

/// A tiny deterministic generator for the mutation test (no dependency needed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn truncated_and_mutated_input_never_panics() {
    let fixtures: [&[u8]; 6] = [
        fixture!("fake.ko"),
        fixture!("fake-be.ko"),
        fixture!("go-inline.o"),
        fixture!("go-pointer"),
        fixture!("libdemo.so"),
        fixture!("hello"),
    ];
    for bytes in fixtures {
        let step = (bytes.len() / 1500).max(1);
        for len in (0..bytes.len()).step_by(step) {
            analyse(&bytes[..len]);
        }
    }
    // The first 100 bytes of a module: a header whose tables are all past the end.
    let facts = analyse(&fixture!("fake.ko")[..100]);
    assert_eq!(
        properties(&facts),
        vec![
            ("elf-class", "ELF64"),
            ("elf-machine", "x86_64"),
            ("elf-type", "relocatable")
        ]
    );
    let mut rng = Lcg(7);
    for bytes in fixtures {
        for _ in 0..300 {
            let mut copy = bytes.to_vec();
            for _ in 0..1 + rng.next() % 8 {
                let at = rng.next() as usize % copy.len();
                copy[at] = rng.next() as u8;
            }
            analyse(&copy);
        }
    }
}

#[test]
fn absurd_tables_are_refused_or_clamped() {
    let original = fixture!("fake.ko");
    let patch = |at: usize, value: &[u8]| {
        let mut bytes = original.to_vec();
        bytes[at..at + value.len()].copy_from_slice(value);
        bytes
    };
    // ELF64 little-endian offsets: e_phoff 0x20, e_shoff 0x28, e_phnum 0x38, e_shnum 0x3c,
    // e_shstrndx 0x3e.
    let cases = [
        patch(0x3c, &0xffffu16.to_le_bytes()),
        patch(0x38, &0xffffu16.to_le_bytes()),
        patch(0x20, &u64::MAX.to_le_bytes()),
        patch(0x28, &u64::MAX.to_le_bytes()),
        patch(0x28, &(original.len() as u64 - 8).to_le_bytes()),
        patch(0x3e, &0xffffu16.to_le_bytes()),
        patch(0x3c, &0u16.to_le_bytes()),
    ];
    for bytes in &cases {
        analyse(bytes);
    }
    // An absurd e_phnum with a zero e_phoff reads no program headers and changes nothing else.
    assert_eq!(analyse(&cases[1]), analyse(original));
    // Every section's size and offset made huge, one at a time.
    let shoff = u64::from_le_bytes(original[0x28..0x30].try_into().unwrap_or_default()) as usize;
    let shnum = u16::from_le_bytes([original[0x3c], original[0x3d]]) as usize;
    for i in 0..shnum {
        for field in [0x18, 0x20] {
            let at = shoff + i * 64 + field;
            analyse(&patch(at, &u64::MAX.to_le_bytes()));
            analyse(&patch(at, &(u64::MAX / 2).to_le_bytes()));
        }
    }
    // A header alone, and headers of unknown class or byte order.
    analyse(b"\x7fELF");
    analyse(b"\x7fELF\x03\x01\x01");
    analyse(&[&b"\x7fELF\x02\x09\x01"[..], &[0; 60]].concat());
}

#[test]
fn trailing_signature_is_ignored() {
    let with = analyse(fixture!("fake.ko"));
    let bytes = fixture!("fake.ko");
    let end = memchr::memmem::find(bytes, b"PKCS7-stand-in").expect("fixture has a trailer");
    assert_eq!(analyse(&bytes[..end]), with);
}

#[test]
fn many_sections_naming_one_unterminated_table_stay_cheap() {
    // 60,000 section headers, all SHT_NOTE over a 1 MiB name table without a single NUL, each
    // named at its start: every lookup by name and every note section must stay bounded.
    const COUNT: usize = 60_000;
    let names = vec![b'a'; 1 << 20];
    let shoff = 64 + names.len();
    let mut bytes = vec![0u8; 64];
    bytes[..7].copy_from_slice(b"\x7fELF\x02\x01\x01");
    bytes[16..18].copy_from_slice(&2u16.to_le_bytes());
    bytes[18..20].copy_from_slice(&62u16.to_le_bytes());
    bytes[40..48].copy_from_slice(&(shoff as u64).to_le_bytes());
    bytes[58..60].copy_from_slice(&64u16.to_le_bytes());
    bytes[60..62].copy_from_slice(&(COUNT as u16).to_le_bytes());
    bytes[62..64].copy_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&names);
    for _ in 0..COUNT {
        let mut header = [0u8; 64];
        header[4..8].copy_from_slice(&7u32.to_le_bytes());
        header[24..32].copy_from_slice(&64u64.to_le_bytes());
        header[32..40].copy_from_slice(&(names.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&header);
    }
    let started = std::time::Instant::now();
    let facts = analyse(&bytes);
    assert_eq!(
        properties(&facts),
        vec![
            ("elf-class", "ELF64"),
            ("elf-machine", "x86_64"),
            ("elf-type", "executable")
        ]
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
