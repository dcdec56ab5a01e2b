//! Vendor firmware formats as evidence (issue 14, item 3): synthetic update files built by
//! fixtures/vendor-formats/make.sh from the documented layouts. None names its vendor; the
//! format's magic, from rule data (`identifiers.firmware_formats`), flags it. Look-alikes (magic
//! too short, at the wrong offset, without the second magic) are not flagged, and `rules check`
//! refuses malformed format entries at their line.

use assert_cmd::Command;
use serde_json::Value;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/vendor-formats");

fn audit(file: &str) -> (i32, Value) {
    let out = Command::cargo_bin("vendorscan")
        .unwrap()
        .args(["audit", "-q", "--format", "json", &format!("{DIR}/out/{file}")])
        .output()
        .unwrap();
    (out.status.code().unwrap(), serde_json::from_slice(&out.stdout).unwrap())
}

/// (entity, verdict, component, [(field, kind, strength, value, offset, place)]) per finding.
type Row = (
    String,
    String,
    String,
    Vec<(String, String, String, String, u64, String)>,
);

fn findings(report: &Value) -> Vec<Row> {
    let s = |v: &Value| v.as_str().unwrap().to_string();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let evidence = f["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        s(&e["field"]),
                        s(&e["kind"]),
                        s(&e["strength"]),
                        s(&e["value"]),
                        e["location"]["offset"].as_u64().unwrap(),
                        s(&e["location"]["place"]),
                    )
                })
                .collect();
            (s(&f["entity"]), s(&f["verdict"]), s(&f["component"]["name"]), evidence)
        })
        .collect()
}

fn flagged(file: &str, entity: &str, format: &str) {
    let (code, report) = audit(file);
    assert_eq!(code, 1, "{file}: {report}");
    assert_eq!(report["verdict"], "excluded", "{file}");
    assert_eq!(report["coverage"]["complete"], true, "{file}");
    assert_eq!(
        findings(&report),
        [(
            entity.to_string(),
            "excluded".to_string(),
            file.to_string(),
            vec![(
                "firmware-format".to_string(),
                "built-or-signed-by".to_string(),
                "strong".to_string(),
                format.to_string(),
                0,
                "format magic".to_string(),
            )],
        )],
        "{file}"
    );
}

#[test]
fn huawei_hwnp_package_is_huawei() {
    flagged("hwnp.bin", "huawei", "huawei-hwnp");
}

#[test]
fn hikvision_digicap_is_hikvision() {
    flagged("digicap.dav", "hikvision", "hikvision-digicap");
}

#[test]
fn dahua_dh_zip_is_dahua() {
    flagged("dh-zip.bin", "dahua", "dahua-zip");
}

#[test]
fn autel_ecc0101_is_autel_robotics() {
    flagged("ecc0101.bin", "autel", "autel-ecc");
}

#[test]
fn look_alikes_are_not_flagged() {
    for file in [
        "lookalike-hwnp-short.bin",
        "lookalike-digicap-offset.bin",
        "lookalike-ecc0101-other-copyright.bin",
    ] {
        let (code, report) = audit(file);
        assert_eq!(
            (code, &report["verdict"]),
            (0, &Value::from("clear")),
            "{file}: {report}"
        );
        assert_eq!(report["findings"], Value::Array(vec![]), "{file}");
    }
}

fn check(folder: &str) -> (i32, Vec<String>) {
    let out = Command::cargo_bin("vendorscan")
        .unwrap()
        .args(["rules", "check", &format!("{DIR}/{folder}")])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    (out.status.code().unwrap(), stderr.lines().map(str::to_string).collect())
}

#[test]
fn rules_check_refuses_bad_hex_at_its_line_and_column() {
    assert_eq!(
        check("broken-hex"),
        (
            2,
            vec![format!(
                "error: {DIR}/broken-hex/entities/x.toml:9:30: `4143G0` is not bytes as an even number of hex digits"
            )]
        )
    );
}

#[test]
fn rules_check_refuses_malformed_formats_at_their_lines() {
    let f = format!("{DIR}/broken-format/entities/x.toml");
    assert_eq!(
        check("broken-format"),
        (
            2,
            vec![
                format!("error: {f}:7: entity `acme`: firmware format name `Acme FW` is not a lowercase slug ([a-z0-9-])"),
                format!("error: {f}:7: entity `acme`: firmware format `Acme FW` has no magic (offset and hex bytes)"),
                format!("error: {f}:7: entity `acme`: firmware format `Acme FW` cites no source for its layout"),
                format!(
                    "error: {f}:14: entity `acme`: firmware format `acme-fw`: min_size is less than the end of its magic (6)"
                ),
            ]
        )
    );
}

#[test]
fn bundled_rules_hand_the_scan_the_four_formats() {
    let rules = vendorscan::rules::load(&[]).unwrap();
    /// (name, [(offset, hex)], min size)
    type Format = (String, Vec<(u64, String)>, u64);
    let mut got: Vec<Format> = vendorscan::rules::format_magics(&rules)
        .into_iter()
        .map(|f| {
            let magic = f
                .magic
                .iter()
                .map(|(o, b)| (*o, b.iter().map(|b| format!("{b:02x}")).collect()))
                .collect();
            (f.name, magic, f.min_size)
        })
        .collect();
    got.sort();
    let m = |o: u64, h: &str| (o, h.to_string());
    assert_eq!(
        got,
        [
            (
                "autel-ecc".to_string(),
                vec![
                    m(0, "4543433031303100"),
                    m(12, "20000000"),
                    m(16, "436f7079726967687420417574656c")
                ],
                32
            ),
            ("dahua-zip".to_string(), vec![m(0, "44480304")], 30),
            ("hikvision-digicap".to_string(), vec![m(0, "e99af7b6")], 108),
            ("huawei-hwnp".to_string(), vec![m(0, "48574e50")], 36),
        ]
    );
}
