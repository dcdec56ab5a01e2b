//! The analyser on the fixtures of `fixtures/analyse/packages/` (made by its `make.sh`), each
//! handed over as the walker would: as an image member or as a file below a directory target.

use proptest::prelude::*;

use super::{Format, Packages};
use crate::firmware::detect::Kind;
use crate::model::{Facts, Ownership, PackageParty, PackageRecord, Role};

macro_rules! fixture {
    ($path:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/analyse/packages/",
            $path
        ))
        .as_slice()
    };
}

fn analyse(path: &str, bytes: &[u8]) -> Facts {
    crate::analyse::test_support::run(&Packages, path, bytes, Kind::Text)
}

fn party(role: Role, field: &'static str, value: &str, line: Option<u32>) -> PackageParty {
    PackageParty {
        role,
        field,
        value: value.into(),
        line,
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn formats_by_path() {
    let cases = [
        ("/var/lib/dpkg/status", Some(Format::DpkgStatus)),
        ("rootfs/var/lib/dpkg/status", Some(Format::DpkgStatus)),
        ("/var/lib/dpkg/status-old", None),
        ("/srv/myvar/lib/dpkg/status", None),
        ("/var/lib/dpkg/status.d/libssl3", Some(Format::DpkgStatusD)),
        ("/var/lib/dpkg/status.d/libssl3.md5sums", None),
        ("/var/lib/dpkg/info/libbz2-1.0:amd64.list", Some(Format::DpkgList)),
        ("/var/lib/dpkg/info/libbz2-1.0:amd64.md5sums", None),
        ("/usr/lib/opkg/status", Some(Format::OpkgStatus)),
        ("/var/lib/opkg/status", Some(Format::OpkgStatus)),
        ("/usr/lib/opkg/info/busybox.control", Some(Format::OpkgControl)),
        ("/usr/lib/opkg/info/busybox.list", Some(Format::OpkgList)),
        ("/usr/lib/opkg/info/busybox.conffiles", None),
        ("/usr/lib/opkg/lists/openwrt_core", None),
        ("/lib/apk/db/installed", Some(Format::ApkInstalled)),
        ("/usr/lib/apk/db/installed", Some(Format::ApkInstalled)),
        (
            "/x/site-packages/six-1.16.0.dist-info/METADATA",
            Some(Format::PythonMetadata),
        ),
        (
            "/x/site-packages/six-1.16.0.dist-info/RECORD",
            Some(Format::PythonRecord),
        ),
        ("/x/site-packages/six.egg-info/PKG-INFO", Some(Format::PythonMetadata)),
        ("/x/dist-packages/crcmod-1.7.egg-info", Some(Format::PythonEggInfoFile)),
        ("/x/METADATA", None),
        ("/x/.dist-info/METADATA", None),
        ("/app/node_modules/p-map/package.json", Some(Format::NpmPackage)),
        ("/app/node_modules/@npmcli/fs/package.json", Some(Format::NpmPackage)),
        ("/app/node_modules/p-map/lib/package.json", None),
        ("/app/node_modules/@npmcli/package.json", None),
        ("/app/package.json", None),
        ("/META-INF/MANIFEST.MF", Some(Format::JavaManifest)),
        (
            "app.war!/WEB-INF/lib/x.jar!/META-INF/MANIFEST.MF",
            Some(Format::JavaManifest),
        ),
        (
            "/META-INF/maven/javax.servlet/javax.servlet-api/pom.properties",
            Some(Format::PomProperties),
        ),
        ("/META-INF/maven/pom.properties", None),
    ];
    for (path, want) in cases {
        // the analyser sees the inner path; `Format::of` is given it directly
        let inner = path.rsplit_once('!').map_or(path, |(_, p)| p);
        assert_eq!(Format::of(inner), want, "{path}");
    }
}

#[test]
fn dpkg_status_keeps_installed_packages() {
    let facts = analyse("fw.img!/var/lib/dpkg/status", fixture!("rootfs/var/lib/dpkg/status"));
    assert!(facts.owns.is_empty());
    assert_eq!(
        facts.packages,
        vec![
            PackageRecord {
                ecosystem: "deb",
                name: "base-files".into(),
                version: Some("12.4+deb12u11".into()),
                purl: Some("pkg:deb/debian/base-files@12.4%2Bdeb12u11?arch=amd64".into()),
                parties: vec![party(
                    Role::Supplier,
                    "Maintainer",
                    "Santiago Vila <sanvila@debian.org>",
                    Some(7)
                )],
                description: Some("Debian base system miscellaneous files".into()),
                line: Some(1),
                depends: vec![vec!["awk".into()]],
                provides: strings(&["base"]),
                ..PackageRecord::default()
            },
            PackageRecord {
                ecosystem: "deb",
                name: "libbz2-1.0".into(),
                version: Some("1.0.8-5+b1".into()),
                purl: Some("pkg:deb/debian/libbz2-1.0@1.0.8-5%2Bb1?arch=amd64".into()),
                parties: vec![party(
                    Role::Supplier,
                    "Maintainer",
                    "Anibal Monsalve Salazar <anibal@debian.org>",
                    Some(49)
                )],
                description: Some("high-quality block-sorting file compressor library - runtime".into()),
                urls: strings(&["https://sourceware.org/bzip2/"]),
                source: Some("bzip2 (1.0.8-5)".into()),
                line: Some(44),
                depends: vec![vec!["libc6".into()]],
                ..PackageRecord::default()
            },
        ]
    );
}

#[test]
fn dpkg_status_d_paragraph_without_status_is_installed() {
    let facts = analyse(
        "rootfs/var/lib/dpkg/status.d/libssl3",
        fixture!("rootfs/var/lib/dpkg/status.d/libssl3"),
    );
    assert_eq!(
        facts.packages,
        vec![PackageRecord {
            ecosystem: "deb",
            name: "libssl3".into(),
            version: Some("3.0.19-1~deb12u2".into()),
            purl: Some("pkg:deb/debian/libssl3@3.0.19-1~deb12u2?arch=amd64".into()),
            parties: vec![party(
                Role::Supplier,
                "Maintainer",
                "Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>",
                Some(5)
            )],
            description: Some("Secure Sockets Layer toolkit - shared libraries".into()),
            urls: strings(&["https://www.openssl.org/"]),
            source: Some("openssl".into()),
            line: Some(1),
            depends: vec![vec!["libc6".into()]],
            ..PackageRecord::default()
        }]
    );
    let md5sums = analyse(
        "rootfs/var/lib/dpkg/status.d/libssl3.md5sums",
        fixture!("rootfs/var/lib/dpkg/status.d/libssl3.md5sums"),
    );
    assert!(md5sums.is_empty());
}

#[test]
fn dpkg_lists_are_ownership() {
    let facts = analyse(
        "fw.img!/var/lib/dpkg/info/libbz2-1.0:amd64.list",
        fixture!("rootfs/var/lib/dpkg/info/libbz2-1.0:amd64.list"),
    );
    assert!(facts.packages.is_empty());
    assert_eq!(
        facts.owns,
        vec![Ownership {
            package: "libbz2-1.0".into(),
            files: strings(&[
                "/lib",
                "/lib/x86_64-linux-gnu",
                "/lib/x86_64-linux-gnu/libbz2.so.1.0.4",
                "/usr",
                "/usr/share",
                "/usr/share/doc",
                "/usr/share/doc/libbz2-1.0",
                "/usr/share/doc/libbz2-1.0/changelog.Debian.amd64.gz",
                "/usr/share/doc/libbz2-1.0/changelog.Debian.gz",
                "/usr/share/doc/libbz2-1.0/changelog.gz",
                "/usr/share/doc/libbz2-1.0/copyright",
                "/lib/x86_64-linux-gnu/libbz2.so.1",
                "/lib/x86_64-linux-gnu/libbz2.so.1.0",
            ]),
        }]
    );
    let base = analyse(
        "rootfs/var/lib/dpkg/info/base-files.list",
        fixture!("rootfs/var/lib/dpkg/info/base-files.list"),
    );
    assert_eq!(base.owns[0].package, "base-files");
    assert_eq!(base.owns[0].files.len(), 11);
    assert_eq!(base.owns[0].files[0], "/bin");
}

#[test]
fn opkg_status_skips_unfinished_installs() {
    let facts = analyse(
        "fw.bin!/0x4003:squashfs!/usr/lib/opkg/status",
        fixture!("rootfs/usr/lib/opkg/status"),
    );
    let got: Vec<_> = facts
        .packages
        .iter()
        .map(|r| (r.name.as_str(), r.version.as_deref(), r.purl.as_deref(), r.line))
        .collect();
    assert_eq!(
        got,
        [
            (
                "libc",
                Some("1.2.4-4"),
                Some("pkg:opkg/libc@1.2.4-4?arch=mipsel_24kc"),
                Some(1)
            ),
            (
                "busybox",
                Some("1.36.1-1"),
                Some("pkg:opkg/busybox@1.36.1-1?arch=mipsel_24kc"),
                Some(8)
            ),
            (
                "hilink-agent",
                Some("2.3.1-1"),
                Some("pkg:opkg/hilink-agent@2.3.1-1?arch=mipsel_24kc"),
                Some(17)
            ),
        ]
    );
    let vendor = &facts.packages[2];
    assert_eq!(
        vendor.parties,
        vec![party(
            Role::Supplier,
            "Maintainer",
            "Huawei Technologies Co., Ltd. <support@huawei.com>",
            Some(22)
        )]
    );
    assert_eq!(vendor.source.as_deref(), Some("hilink-agent"));
    let depends: Vec<&str> = vendor.depends.iter().flatten().map(String::as_str).collect();
    assert_eq!(depends, ["libc", "libubox20230523", "libubus20230605", "libopenssl3"]);
    assert_eq!(vendor.licenses, ["Proprietary"]);
    assert!(facts.packages[0].parties.is_empty());
}

#[test]
fn opkg_control_and_list() {
    let facts = analyse(
        "rootfs/usr/lib/opkg/info/busybox.control",
        fixture!("rootfs/usr/lib/opkg/info/busybox.control"),
    );
    assert_eq!(
        facts.packages,
        vec![PackageRecord {
            ecosystem: "opkg",
            name: "busybox".into(),
            version: Some("1.36.1-1".into()),
            purl: Some("pkg:opkg/busybox@1.36.1-1?arch=mipsel_24kc".into()),
            parties: vec![party(
                Role::Supplier,
                "Maintainer",
                "Felix Fietkau <nbd@nbd.name>",
                Some(9)
            )],
            licenses: strings(&["GPL-2.0"]),
            description: Some("The Swiss Army Knife of embedded Linux.".into()),
            line: Some(1),
            depends: vec![vec!["libc".into()]],
            ..PackageRecord::default()
        }]
    );
    let list = analyse(
        "rootfs/usr/lib/opkg/info/hilink-agent.list",
        fixture!("rootfs/usr/lib/opkg/info/hilink-agent.list"),
    );
    assert_eq!(
        list.owns,
        vec![Ownership {
            package: "hilink-agent".into(),
            files: strings(&["/usr/sbin/hilinkd", "/etc/init.d/hilink", "/etc/config/hilink"]),
        }]
    );
}

#[test]
fn apk_installed_records_and_files() {
    let facts = analyse(
        "alpine.tar!/lib/apk/db/installed",
        fixture!("rootfs/lib/apk/db/installed"),
    );
    assert_eq!(
        facts.packages,
        vec![
            PackageRecord {
                ecosystem: "apk",
                name: "musl".into(),
                version: Some("1.2.4_git20230717-r4".into()),
                purl: Some("pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64".into()),
                parties: vec![party(
                    Role::Supplier,
                    "maintainer",
                    "Timo Teräs <timo.teras@iki.fi>",
                    Some(11)
                )],
                licenses: strings(&["MIT"]),
                description: Some("the musl c library (libc) implementation".into()),
                urls: strings(&["https://musl.libc.org/"]),
                source: Some("musl".into()),
                line: Some(1),
                files: strings(&["/lib/ld-musl-x86_64.so.1", "/lib/libc.musl-x86_64.so.1"]),
                provides: strings(&["so:libc.musl-x86_64.so.1"]),
                depends: Vec::new(),
            },
            PackageRecord {
                ecosystem: "apk",
                name: "busybox".into(),
                version: Some("1.36.1-r15".into()),
                purl: Some("pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64".into()),
                parties: vec![party(
                    Role::Supplier,
                    "maintainer",
                    "Sören Tempel <soeren+alpine@soeren-tempel.net>",
                    Some(33)
                )],
                licenses: strings(&["GPL-2.0-only"]),
                description: Some("Size optimized toolbox of many common UNIX utilities".into()),
                urls: strings(&["https://busybox.net/"]),
                source: Some("busybox".into()),
                line: Some(23),
                files: strings(&[
                    "/bin/busybox",
                    "/etc/securetty",
                    "/etc/udhcpd.conf",
                    "/etc/logrotate.d/acpid",
                    "/usr/share/udhcpc/default.script",
                ]),
                depends: vec![vec!["so:libc.musl-x86_64.so.1".into()]],
                provides: strings(&["cmd:busybox"]),
            },
        ]
    );
}

#[test]
fn python_dist_info_metadata_crlf_and_quoted_author() {
    let facts = analyse(
        "img!/usr/lib/python3.11/site-packages/sniffio-1.3.1.dist-info/METADATA",
        fixture!("rootfs/usr/lib/python3.11/site-packages/sniffio-1.3.1.dist-info/METADATA"),
    );
    assert_eq!(
        facts.packages,
        vec![PackageRecord {
            ecosystem: "pypi",
            name: "sniffio".into(),
            version: Some("1.3.1".into()),
            purl: Some("pkg:pypi/sniffio@1.3.1".into()),
            // the description's "Author: ..." line is not a header
            parties: vec![party(
                Role::Author,
                "Author-email",
                "Nathaniel J. Smith <njs@pobox.com>",
                Some(5)
            )],
            licenses: strings(&["MIT OR Apache-2.0"]),
            description: Some("Sniff out which async library your code is running under".into()),
            urls: strings(&[
                "https://github.com/python-trio/sniffio",
                "https://sniffio.readthedocs.io/",
                "https://sniffio.readthedocs.io/en/latest/history.html",
            ]),
            line: Some(1),
            ..PackageRecord::default()
        }]
    );
}

#[test]
fn python_maintainer_email_lists_are_suppliers() {
    let facts = analyse(
        "rootfs/usr/lib/python3.11/site-packages/urllib3-2.7.0.dist-info/METADATA",
        fixture!("rootfs/usr/lib/python3.11/site-packages/urllib3-2.7.0.dist-info/METADATA"),
    );
    let r = &facts.packages[0];
    assert_eq!(r.purl.as_deref(), Some("pkg:pypi/urllib3@2.7.0"));
    assert_eq!(r.licenses, ["MIT"]);
    assert_eq!(
        r.parties,
        vec![
            party(
                Role::Author,
                "Author-email",
                "Andrey Petrov <andrey.petrov@shazow.net>",
                Some(9)
            ),
            party(
                Role::Supplier,
                "Maintainer-email",
                "Seth Michael Larson <sethmichaellarson@gmail.com>",
                Some(10)
            ),
            party(
                Role::Supplier,
                "Maintainer-email",
                "Quentin Pradet <quentin@pradet.me>",
                Some(10)
            ),
            party(
                Role::Supplier,
                "Maintainer-email",
                "Illia Volochii <illia.volochii@gmail.com>",
                Some(10)
            ),
        ]
    );
}

#[test]
fn python_egg_info_pkg_info() {
    let facts = analyse(
        "rootfs/usr/lib/python3/dist-packages/PyGObject-3.42.2.egg-info/PKG-INFO",
        fixture!("rootfs/usr/lib/python3/dist-packages/PyGObject-3.42.2.egg-info/PKG-INFO"),
    );
    assert_eq!(
        facts.packages,
        vec![PackageRecord {
            ecosystem: "pypi",
            name: "PyGObject".into(),
            version: Some("3.42.2".into()),
            purl: Some("pkg:pypi/pygobject@3.42.2".into()),
            parties: vec![
                party(Role::Author, "Author", "James Henstridge", Some(6)),
                party(Role::Author, "Author-email", "james@daa.com.au", Some(7)),
                party(Role::Supplier, "Maintainer", "Simon Feltman", Some(8)),
                party(Role::Supplier, "Maintainer-email", "sfeltman@src.gnome.org", Some(9)),
            ],
            licenses: strings(&["GNU LGPL"]),
            description: Some("Python bindings for GObject Introspection".into()),
            urls: strings(&["https://pygobject.readthedocs.io"]),
            line: Some(1),
            ..PackageRecord::default()
        }]
    );
    // the same content as a distutils `.egg-info` file; something else under that name is not read
    let file = analyse(
        "/usr/lib/python3/dist-packages/PyGObject-3.42.2.egg-info",
        fixture!("rootfs/usr/lib/python3/dist-packages/PyGObject-3.42.2.egg-info/PKG-INFO"),
    );
    assert_eq!(file.packages, facts.packages);
    assert!(analyse("/x/y.egg-info", b"Name: x\nVersion: 1\n").is_empty());
}

#[test]
fn python_record_owns_files_joined_to_site_packages() {
    let facts = analyse(
        "img!/usr/lib/python3.11/site-packages/sniffio-1.3.1.dist-info/RECORD",
        fixture!("rootfs/usr/lib/python3.11/site-packages/sniffio-1.3.1.dist-info/RECORD"),
    );
    let site = "/usr/lib/python3.11/site-packages";
    assert_eq!(
        facts.owns,
        vec![Ownership {
            package: "sniffio".into(),
            files: vec![
                format!("{site}/sniffio-1.3.1.dist-info/INSTALLER"),
                format!("{site}/sniffio-1.3.1.dist-info/LICENSE"),
                format!("{site}/sniffio-1.3.1.dist-info/METADATA"),
                format!("{site}/sniffio-1.3.1.dist-info/RECORD"),
                format!("{site}/sniffio/__init__.py"),
                format!("{site}/sniffio/__pycache__/__init__.cpython-311.pyc"),
                format!("{site}/sniffio/_impl.py"),
                format!("{site}/sniffio/_version.py"),
                format!("{site}/sniffio/py.typed"),
                "/usr/bin/sniffio-demo".to_string(),
            ],
        }]
    );
    // below a directory target the files keep the target's prefix
    let dir = analyse(
        "rootfs/usr/lib/python3.11/site-packages/sniffio-1.3.1.dist-info/RECORD",
        fixture!("rootfs/usr/lib/python3.11/site-packages/sniffio-1.3.1.dist-info/RECORD"),
    );
    assert_eq!(
        dir.owns[0].files[4],
        "rootfs/usr/lib/python3.11/site-packages/sniffio/__init__.py"
    );
}

#[test]
fn npm_object_author_and_shorthand_repository() {
    let facts = analyse(
        "img!/usr/lib/node_modules/npm/node_modules/p-map/package.json",
        fixture!("rootfs/usr/lib/node_modules/npm/node_modules/p-map/package.json"),
    );
    assert_eq!(
        facts.packages,
        vec![PackageRecord {
            ecosystem: "npm",
            name: "p-map".into(),
            version: Some("7.0.4".into()),
            purl: Some("pkg:npm/p-map@7.0.4".into()),
            parties: vec![party(
                Role::Author,
                "author",
                "Sindre Sorhus <sindresorhus@gmail.com> (https://sindresorhus.com)",
                None
            )],
            licenses: strings(&["MIT"]),
            description: Some("Map over promises concurrently".into()),
            urls: strings(&["https://github.com/sindresorhus/p-map"]),
            ..PackageRecord::default()
        }]
    );
    let nested = analyse(
        "img!/usr/lib/node_modules/npm/node_modules/p-map/lib/package.json",
        fixture!("rootfs/usr/lib/node_modules/npm/node_modules/p-map/lib/package.json"),
    );
    assert!(nested.is_empty());
}

#[test]
fn npm_scoped_package() {
    let facts = analyse(
        "rootfs/usr/lib/node_modules/npm/node_modules/@npmcli/fs/package.json",
        fixture!("rootfs/usr/lib/node_modules/npm/node_modules/@npmcli/fs/package.json"),
    );
    assert_eq!(
        facts.packages,
        vec![PackageRecord {
            ecosystem: "npm",
            name: "@npmcli/fs".into(),
            version: Some("5.0.0".into()),
            purl: Some("pkg:npm/%40npmcli/fs@5.0.0".into()),
            parties: vec![party(Role::Author, "author", "GitHub Inc.", None)],
            licenses: strings(&["ISC"]),
            description: Some("filesystem utilities for the npm cli".into()),
            urls: strings(&["git+https://github.com/npm/fs.git"]),
            depends: vec![vec!["semver".into()]],
            ..PackageRecord::default()
        }]
    );
}

#[test]
fn npm_oversized_manifest_is_skipped() {
    let mut big = br#"{"name":"big","version":"1.0.0","description":""#.to_vec();
    big.resize(super::npm::MAX_BYTES, b'x');
    big.extend_from_slice(b"\"}");
    assert!(analyse("/node_modules/big/package.json", &big).is_empty());
}

#[test]
fn java_manifest_vendors_and_continuations() {
    let facts = analyse(
        "app.war!/WEB-INF/lib/servlet-api.jar!/META-INF/MANIFEST.MF",
        fixture!("jar/META-INF/MANIFEST.MF"),
    );
    assert_eq!(
        facts.packages,
        vec![PackageRecord {
            ecosystem: "maven",
            name: "javax.servlet-api".into(),
            version: Some("3.1.0".into()),
            purl: None,
            parties: vec![
                party(Role::Supplier, "Implementation-Vendor", "GlassFish Community", Some(12)),
                party(Role::Supplier, "Bundle-Vendor", "GlassFish Community", Some(11)),
            ],
            // the continuation rejoins "CDDL+GPL.h" and "tml"
            licenses: strings(&["https://glassfish.dev.java.net/nonav/public/CDDL+GPL.html"]),
            description: Some("Java Servlet API".into()),
            urls: strings(&["https://glassfish.dev.java.net"]),
            line: Some(1),
            ..PackageRecord::default()
        }]
    );
}

#[test]
fn java_pom_properties_purl() {
    let facts = analyse(
        "x.jar!/META-INF/maven/javax.servlet/javax.servlet-api/pom.properties",
        fixture!("jar/META-INF/maven/javax.servlet/javax.servlet-api/pom.properties"),
    );
    assert_eq!(
        facts.packages,
        vec![PackageRecord {
            ecosystem: "maven",
            name: "javax.servlet-api".into(),
            version: Some("3.1.0".into()),
            purl: Some("pkg:maven/javax.servlet/javax.servlet-api@3.1.0".into()),
            line: Some(2),
            ..PackageRecord::default()
        }]
    );
}

#[test]
fn other_files_are_not_read() {
    assert!(analyse("/etc/passwd", b"Package: x\nVersion: 1\n").is_empty());
    assert!(analyse("/var/lib/dpkg/status", b"").is_empty());
}

/// Every path the analyser dispatches on, so random content reaches every parser.
const PATHS: [&str; 13] = [
    "/var/lib/dpkg/status",
    "/var/lib/dpkg/status.d/x",
    "/var/lib/dpkg/info/x:amd64.list",
    "/usr/lib/opkg/status",
    "/usr/lib/opkg/info/x.control",
    "/usr/lib/opkg/info/x.list",
    "/lib/apk/db/installed",
    "/s/x-1.dist-info/METADATA",
    "/s/x-1.dist-info/RECORD",
    "/s/x-1.egg-info",
    "/node_modules/x/package.json",
    "/META-INF/MANIFEST.MF",
    "/META-INF/maven/g/a/pom.properties",
];

/// Bytes drawn mostly from the characters the formats give meaning to, so random input gets
/// past the first checks.
fn structured_bytes() -> impl Strategy<Value = Vec<u8>> {
    let alphabet: &[u8] = b"PVAFRmoULT:= \t\r\n\n\n,;\"<>()@/.-_#!{}[]\\aZ9\xC3\xA9\xFF";
    prop::collection::vec(prop::sample::select(alphabet.to_vec()), 0..2048)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        for path in PATHS {
            analyse(path, &bytes);
        }
    }

    #[test]
    fn random_structured_text_never_panics(bytes in structured_bytes(), prefix in prop::sample::select(vec![
        &b""[..], b"Package: x\n", b"Metadata-Version: 2.1\nName: x\n", b"P:x\n", b"{\"name\":\"x\",", b"Bundle-SymbolicName: x\n",
    ])) {
        let mut input = prefix.to_vec();
        input.extend_from_slice(&bytes);
        for path in PATHS {
            analyse(path, &input);
        }
    }
}
