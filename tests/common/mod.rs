//! What the flash and compression-format tests share: running the CLI for JSON, and the files
//! and warnings of an inventory, put side by side with the source tree's.

use assert_cmd::Command;
use serde_json::Value;

pub const FW: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/firmware");

pub fn run(args: &[&str]) -> (i32, Value) {
    let out = Command::cargo_bin("vendorscan").unwrap().args(args).output().unwrap();
    let code = out.status.code().expect("killed by a signal");
    assert_ne!(code, 101, "{args:?} panicked: {}", String::from_utf8_lossy(&out.stderr));
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    (code, json)
}

pub fn inventory(path: &str) -> Value {
    run(&["inventory", "--format", "json", path]).1
}

/// (path below `prefix`, type, sha256, link target) of every file listed below `prefix`.
pub fn listing(json: &Value, prefix: &str) -> Vec<(String, String, String, String)> {
    let mut out: Vec<_> = json
        .get("files")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|f| {
            let path = f["path"].as_str()?.strip_prefix(prefix)?;
            Some((
                path.to_string(),
                f["type"].as_str().unwrap_or("").to_string(),
                f["sha256"].as_str().unwrap_or("").to_string(),
                f["link"].as_str().unwrap_or("").to_string(),
            ))
        })
        .collect();
    out.sort();
    out
}

/// `code file: message` of every warning, with `strip` taken out of the file names.
pub fn warnings(json: &Value, strip: &str) -> Vec<String> {
    let mut out: Vec<String> = json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            format!(
                "{} {}: {}",
                w["code"].as_str().unwrap(),
                w["file"].as_str().unwrap().replace(strip, ""),
                w["message"].as_str().unwrap()
            )
        })
        .collect();
    out.sort();
    out
}
