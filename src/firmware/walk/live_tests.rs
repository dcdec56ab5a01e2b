//! Walking live systems: reads bounded whatever size a file says, special files never opened,
//! pseudo filesystems and excluded paths left out and listed.

use super::*;
use std::io::Write;

fn fifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file
    assert_eq!(
        unsafe { libc::mkfifo(c.as_ptr(), 0o644) },
        0,
        "mkfifo {}",
        path.display()
    );
}

fn written(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::File::create(&path).unwrap().write_all(bytes).unwrap();
    path
}

#[test]
fn a_file_is_read_whole_within_the_limit_and_not_at_all_beyond_it() {
    let dir = tempfile::tempdir().unwrap();
    let content: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let path = written(dir.path(), "f", &content);
    let read = |hint, limit, hold| read_whole(File::open(&path).unwrap(), &path, hint, limit, hold).unwrap();
    assert_eq!(read(100_000, 100_000, 1 << 20).as_deref(), Some(&content[..]));
    assert_eq!(read(100_000, 99_999, 1 << 20), None);
    // said to be empty and more than held arrives: counted, then read again
    assert_eq!(read(0, 100_000, 4096).as_deref(), Some(&content[..]));
    assert_eq!(read(0, 99_999, 4096), None);
    assert_eq!(read(0, 0, 0), None);
}

#[test]
fn a_pseudo_file_that_streams_without_end_stops_at_the_limit() {
    let pagemap = Path::new("/proc/self/pagemap");
    let Ok(file) = File::open(pagemap) else { return };
    // says it is empty; holds 8 bytes for every page of the address space
    assert_eq!(file.metadata().unwrap().len(), 0);
    assert_eq!(read_whole(file, pagemap, 0, 4 << 20, 64 << 10).unwrap(), None);
}

#[test]
fn a_special_file_given_as_the_target_is_listed_and_not_opened() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pipe");
    fifo(&path);
    let walked = walk(&path, &Limits::default(), &(), &()).unwrap();
    let at = path.display().to_string();
    assert_eq!(walked.files.len(), 1);
    assert_eq!(
        (walked.files[0].path.as_str(), walked.files[0].kind.as_str()),
        (at.as_str(), "special")
    );
    assert_eq!(
        walked.warnings,
        [Warning {
            code: WarningCode::Unreadable,
            file: at,
            at: None,
            message: "a FIFO, not a regular file: not opened (copy a device's content to a file to walk it)".into(),
        }]
    );
}

#[test]
fn a_small_file_over_the_member_limit_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    written(dir.path(), "big", &[7; 100]);
    written(dir.path(), "small", &[7; 10]);
    let limits = Limits {
        max_member_bytes: 50,
        ..Limits::default()
    };
    let walked = walk(dir.path(), &limits, &(), &()).unwrap();
    let root = dir.path().display().to_string();
    let files: Vec<&str> = walked.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(files, [format!("{root}/small")]);
    assert_eq!(walked.warnings.len(), 1);
    assert_eq!(walked.warnings[0].code, WarningCode::LimitExceeded);
    assert_eq!(walked.warnings[0].file, format!("{root}/big"));
    assert_eq!(
        walked.warnings[0].message,
        "reads beyond the --max-member-bytes limit (50); not read"
    );
}

#[test]
fn excluded_paths_are_listed_once_at_their_top_and_not_entered() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "usr/share/doc/pkg/README",
        "usr/share/doc/pkg/copyright",
        "usr/share/docs/kept",
        "usr/lib/python3/a.pyc",
        "usr/lib/python3/a.py",
        "etc/passwd",
    ] {
        written(dir.path(), name, name.as_bytes());
    }
    let scope = Scope {
        exclude: ["./usr/share/doc/**", "**/*.pyc"]
            .iter()
            .map(|p| p.parse().unwrap())
            .collect(),
    };
    let walked = walk_scoped(dir.path(), &Limits::default(), &scope, &(), &()).unwrap();
    let root = dir.path().display().to_string();
    let files: Vec<&str> = walked.files.iter().map(|f| &f.path[root.len()..]).collect();
    assert_eq!(files, ["/etc/passwd", "/usr/lib/python3/a.py", "/usr/share/docs/kept"]);
    assert_eq!(
        walked.skipped,
        [
            Skipped {
                path: format!("{root}/usr/lib/python3/a.pyc"),
                reason: SkipReason::Excluded {
                    pattern: "**/*.pyc".into()
                },
            },
            Skipped {
                path: format!("{root}/usr/share/doc"),
                reason: SkipReason::Excluded {
                    pattern: "./usr/share/doc/**".into()
                },
            },
        ]
    );
    assert!(walked.warnings.is_empty(), "{:?}", walked.warnings);
}

#[test]
fn an_excluded_directory_that_cannot_be_read_gives_no_warning() {
    let dir = tempfile::tempdir().unwrap();
    written(dir.path(), "locked/x", b"x");
    written(dir.path(), "open/y", b"y");
    let locked = dir.path().join("locked");
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    let scope = Scope {
        exclude: vec!["locked".parse().unwrap()],
    };
    let walked = walk_scoped(dir.path(), &Limits::default(), &scope, &(), &()).unwrap();
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    assert!(walked.warnings.is_empty(), "{:?}", walked.warnings);
    assert_eq!(walked.files.len(), 1);
    assert_eq!(walked.skipped.len(), 1);
}

#[test]
fn proc_self_walked_when_asked_with_every_read_bounded() {
    let root = Path::new("/proc/self");
    if scope::pseudo_filesystem(root) != Some("proc") {
        return;
    }
    let limits = Limits {
        max_member_bytes: 1 << 20,
        ..Limits::default()
    };
    let walked = walk(root, &limits, &(), &()).unwrap();
    // says it is empty, holds a few hundred bytes: read whole
    let status = walked.files.iter().find(|f| f.path == "/proc/self/status").unwrap();
    assert!(status.size > 100, "{status:?}");
    assert!(walked.skipped.is_empty(), "{:?}", walked.skipped);
    if File::open("/proc/self/pagemap").is_ok() {
        let w = walked.warnings.iter().find(|w| w.file == "/proc/self/pagemap").unwrap();
        assert_eq!(w.code, WarningCode::LimitExceeded);
        assert_eq!(
            w.message,
            "reads beyond the --max-member-bytes limit (1048576); not read"
        );
    }
    // files that cannot be read (mem, clear_refs) or vanish mid-walk are warnings, never errors
    for w in &walked.warnings {
        assert!(
            matches!(w.code, WarningCode::Unreadable | WarningCode::LimitExceeded),
            "{w:?}"
        );
    }
}

#[test]
fn a_pseudo_filesystem_mounted_below_the_target_is_skipped_by_type() {
    // /dev/pts is a devpts mount wherever there is a terminal layer; skip the test elsewhere
    let dev = |p: &str| std::fs::metadata(p).ok().and_then(|m| scope::device(&m));
    if dev("/dev/pts").is_none() || dev("/dev/pts") == dev("/dev") {
        return;
    }
    assert_eq!(scope::pseudo_filesystem(Path::new("/dev/pts")), Some("devpts"));
    let walked = walk(Path::new("/dev"), &Limits::default(), &(), &()).unwrap();
    assert!(
        walked.skipped.contains(&Skipped {
            path: "/dev/pts".into(),
            reason: SkipReason::PseudoFilesystem {
                fstype: "devpts".into()
            },
        }),
        "{:?}",
        walked.skipped
    );
    assert!(!walked.files.iter().any(|f| f.path.starts_with("/dev/pts/")));
    // device nodes are listed, never opened
    let null = walked.files.iter().find(|f| f.path == "/dev/null").unwrap();
    assert_eq!(null.kind, "special");
}
