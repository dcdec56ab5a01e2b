//! A generated CycloneDX 1.6 JSON of realistic shape for benchmarks: every component has a
//! supplier with URL and contact, a purl, a CPE, a SHA-256, a licence; every component depends on
//! two others. One supplier in fifty is a vendor the bundled rules will care about.

use std::fmt::Write;

pub fn cyclonedx_json(components: usize) -> Vec<u8> {
    let mut s = String::with_capacity(components * 800);
    s.push_str(
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","serialNumber":"urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79","version":1,"metadata":{"timestamp":"2026-11-28T00:00:00Z","tools":{"components":[{"type":"application","name":"bench-gen","version":"1"}]},"component":{"type":"firmware","bom-ref":"product","name":"router-fw","version":"2.0","supplier":{"name":"Example Devices Inc."}}},"components":["#,
    );
    for i in 0..components {
        if i > 0 {
            s.push(',');
        }
        let supplier = if i % 50 == 0 {
            "Huawei Technologies Co., Ltd.".to_string()
        } else {
            format!("Supplier {} Ltd.", i % 997)
        };
        let (scope, minor) = (i % 89, i % 10);
        write!(
            s,
            r#"{{"type":"library","bom-ref":"c{i}","name":"pkg-{i}","version":"1.{minor}.0","supplier":{{"name":"{supplier}","url":["https://supplier{d}.example.com"],"contact":[{{"name":"Dev {d}","email":"dev@supplier{d}.example.com"}}]}},"purl":"pkg:npm/%40scope{scope}/pkg-{i}@1.{minor}.0","cpe":"cpe:2.3:a:vendor{d}:pkg-{i}:1.{minor}.0:*:*:*:*:*:*:*","hashes":[{{"alg":"SHA-256","content":"{i:064x}"}}],"licenses":[{{"license":{{"id":"MIT"}}}}]}}"#,
            d = i % 997,
        )
        .unwrap();
    }
    s.push_str(r#"],"dependencies":[{"ref":"product","dependsOn":["c0"]}"#);
    for i in 0..components {
        write!(
            s,
            r#",{{"ref":"c{i}","dependsOn":["c{}","c{}"]}}"#,
            (i + 1) % components,
            (i * 7 + 3) % components
        )
        .unwrap();
    }
    s.push_str("]}\n");
    s.into_bytes()
}
