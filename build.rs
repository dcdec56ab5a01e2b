//! Compiles the top-level `rules/` folder into the binary, so `vendorscan` works from any folder
//! and every report can name the exact pack it used. Writes `$OUT_DIR/bundled_rules.rs`: a sorted
//! list of (path relative to rules/, contents) for every `.toml` file under rules/.

use std::fmt::Write;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("rules");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut code = String::from("/// (path under rules/, contents) of every bundled rule file, sorted by path.\npub static BUNDLED: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        writeln!(code, "    ({rel:?}, include_str!({:?})),", f.display().to_string()).unwrap();
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("bundled_rules.rs");
    std::fs::write(out, code).unwrap();
    source_digest();
}

/// `VENDORSCAN_SOURCE_DIGEST`: a digest of the source files, the lock file and the compiler, so
/// the results cache (src/cache/) never reuses a result across any change to the code that
/// produced it, even one that leaves the version number as it was.
fn source_digest() {
    use std::hash::{Hash, Hasher};
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let mut files = Vec::new();
    collect_sources(&manifest.join("src"), &mut files);
    files.sort();
    files.push(manifest.join("Cargo.lock"));
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for f in &files {
        f.strip_prefix(&manifest).unwrap_or(f).hash(&mut hasher);
        std::fs::read(f).unwrap_or_default().hash(&mut hasher);
    }
    std::env::var("RUSTC").unwrap_or_default().hash(&mut hasher);
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    if let Ok(v) = std::process::Command::new(rustc).arg("-vV").output() {
        v.stdout.hash(&mut hasher);
    }
    println!("cargo:rerun-if-changed={}", manifest.join("src").display());
    println!("cargo:rerun-if-changed={}", manifest.join("Cargo.lock").display());
    println!("cargo:rustc-env=VENDORSCAN_SOURCE_DIGEST={:016x}", hasher.finish());
}

fn collect_sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}
