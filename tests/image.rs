//! Container images (fixtures/image/make.sh: built with umoci, converted with skopeo): the same
//! image read as an OCI layout, an OCI archive and a docker-archive gives the same findings,
//! named by image and layer; layers are applied (whiteouts, opaque directories, replacements,
//! a hard link to a lower layer's file); a file a later layer deleted is reported as shipped but
//! deleted, never as present; the image's own labels are evidence; `--platform` picks from a
//! multi-platform index; a damaged image is incomplete, with the place.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;

const OUT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/image/out");

fn run(args: &[&str]) -> (i32, Value, String) {
    let out = Command::cargo_bin("vendorscan").unwrap().args(args).output().unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap(),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn audit(target: &str, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["audit", "-q", "--format", "json"];
    args.extend_from_slice(extra);
    args.push(target);
    run(&args)
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// A layout's JSON document, read here independently of vendorscan.
fn json(path: &str) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The app image's manifest digest and its layers' blob digests, from the layout itself.
fn app_layout() -> (String, Vec<String>) {
    let index = json(&format!("{OUT}/app.oci/index.json"));
    let manifest = s(&index["manifests"][0]["digest"]);
    let m = json(&format!("{OUT}/app.oci/blobs/sha256/{}", &manifest[7..]));
    let layers = m["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| s(&l["digest"]))
        .collect();
    (manifest, layers)
}

/// Findings with direct evidence, as (path inside the image, entity, verdict, notes); the
/// image's own name is checked and cut off, so that the schemes can be compared.
fn findings(report: &Value, image: &str) -> BTreeSet<(String, String, String, Vec<String>)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["evidence"].as_array().is_some_and(|e| !e.is_empty()))
        .map(|f| {
            let at = s(&f["component"]["location"]["path"]);
            let inside = at
                .strip_prefix(image)
                .unwrap_or_else(|| panic!("{at} is not in {image}"));
            let notes = f["notes"].as_array().map_or(Vec::new(), |n| n.iter().map(s).collect());
            (inside.to_string(), s(&f["entity"]), s(&f["verdict"]), notes)
        })
        .collect()
}

/// A file of the image's inventory as (path inside the image, layer index, diff_id, removed:
/// index and how).
type FileRow = (String, u64, String, Option<(u64, String)>);

fn files(report: &Value, image: &str) -> Vec<FileRow> {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let l = &f["layer"];
            let removed = l.get("removed").map(|r| (r["index"].as_u64().unwrap(), s(&r["how"])));
            (
                s(&f["path"]).strip_prefix(image).unwrap().to_string(),
                l["index"].as_u64().unwrap(),
                s(&l["diff_id"]),
                removed,
            )
        })
        .collect()
}

#[test]
fn the_same_image_gives_the_same_findings_from_every_scheme() {
    let (manifest, layers) = app_layout();
    let dir = format!("{OUT}/app.oci");
    let (code, report, stderr) = audit(&format!("oci-dir:{dir}"), &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(report["verdict"], "excluded");
    let image = format!("{dir}@{manifest}");
    let got = findings(&report, &image);
    let layer0 = "in image layer 0 (".to_string() + &layers[0] + "), created by ADD base.tar /";
    let layer1 = "in image layer 1 (".to_string() + &layers[1] + "), created by RUN rm /opt/old/zte_old.ko && …";
    let deleted = format!(
        "present in layer 0 ({}), deleted in layer 1 ({}): shipped in the image, not in its final filesystem",
        layers[0], layers[1]
    );
    let want: BTreeSet<_> = [
        (
            "!/lib/modules/5.10.0/hi_wifi.ko",
            "hisilicon",
            "excluded",
            vec![layer0.clone()],
        ),
        // a hard link in layer 1 to layer 0's module: the module's content, layer 1's place
        ("!/usr/lib/wifi.ko", "hisilicon", "excluded", vec![layer1.clone()]),
        // whited out, and hidden by an opaque directory: shipped, so reported, at most review
        (
            "!/opt/old/zte_old.ko",
            "zte",
            "review",
            vec![layer0.clone(), deleted.clone()],
        ),
        (
            "!/opt/cache/dh_cache.ko",
            "dahua",
            "review",
            vec![layer0.clone(), deleted.clone()],
        ),
    ]
    .into_iter()
    .map(|(p, e, v, n)| (p.to_string(), e.to_string(), v.to_string(), n))
    .collect();
    assert_eq!(got, want);

    // the same layout as an OCI archive (skopeo), named or auto-detected: the same findings
    for target in [
        format!("oci-archive:{OUT}/app.oci.tar"),
        format!("{OUT}/app.oci.tar"),
        dir.clone(),
    ] {
        let (code, report, stderr) = audit(&target, &[]);
        assert_eq!(code, 1, "{target}: {stderr}");
        let path = target.split_once(':').map_or(target.as_str(), |(_, p)| p);
        assert_eq!(findings(&report, &format!("{path}@{manifest}")), want, "{target}");
    }

    // docker-archive (skopeo): no manifest is saved, so the image is named by its configuration's
    // digest and its uncompressed layers by their diff_ids; the findings are the same files,
    // entities, verdicts, layers and history
    let config = s(&json(&format!("{dir}/blobs/sha256/{}", &manifest[7..]))["config"]["digest"]);
    let diff_ids: Vec<String> = json(&format!("{dir}/blobs/sha256/{}", &config[7..]))["rootfs"]["diff_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(s)
        .collect();
    let docker = format!("{OUT}/app.docker.tar");
    let legacy = format!("{OUT}/app-legacy.docker.tar");
    for target in [format!("docker-archive:{docker}"), docker.clone(), legacy.clone()] {
        let (code, report, stderr) = audit(&target, &[]);
        assert_eq!(code, 1, "{target}: {stderr}");
        let renamed: BTreeSet<_> = want
            .iter()
            .map(|(p, e, v, notes)| {
                let notes = notes
                    .iter()
                    .map(|n| n.replace(&layers[0], &diff_ids[0]).replace(&layers[1], &diff_ids[1]))
                    .collect();
                (p.clone(), e.clone(), v.clone(), notes)
            })
            .collect();
        let path = target.strip_prefix("docker-archive:").unwrap_or(&target);
        assert_eq!(findings(&report, &format!("{path}@{config}")), renamed, "{target}");
    }

    // every file with its layer and diff_id, the same from each scheme
    let inventory = |target: &str| run(&["inventory", "-q", "--format", "json", target]).1;
    let want_files: Vec<FileRow> = [
        ("!/etc/os-release", 0, Some((1, "replaced"))),
        ("!/etc/os-release", 1, None),
        ("!/lib/modules/5.10.0/hi_wifi.ko", 0, None),
        ("!/opt/cache/dh_cache.ko", 0, Some((1, "deleted"))),
        ("!/opt/cache/keep.txt", 0, Some((1, "deleted"))),
        ("!/opt/cache/new.txt", 1, None),
        ("!/opt/old/zte_old.ko", 0, Some((1, "deleted"))),
        ("!/usr/lib/wifi.ko", 1, None),
    ]
    .into_iter()
    .map(|(p, l, r)| {
        (
            p.to_string(),
            l,
            diff_ids[l as usize].clone(),
            r.map(|(i, h)| (i, h.to_string())),
        )
    })
    .collect();
    assert_eq!(files(&inventory(&dir), &image), want_files);
    assert_eq!(
        files(
            &inventory(&format!("{OUT}/app.oci.tar")),
            &format!("{OUT}/app.oci.tar@{manifest}")
        ),
        want_files
    );
    assert_eq!(files(&inventory(&docker), &format!("{docker}@{config}")), want_files);
    assert_eq!(files(&inventory(&legacy), &format!("{legacy}@{config}")), want_files);
    // the whiteout markers are not files of the image
    let all = inventory(&dir);
    assert!(!all["files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| s(&f["path"]).contains(".wh.")));
    // the hard link took its target's content
    let sha = |p: &str| {
        all["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| s(&f["path"]) == format!("{image}{p}"))
            .map(|f| s(&f["sha256"]))
    };
    assert_eq!(sha("!/usr/lib/wifi.ko"), sha("!/lib/modules/5.10.0/hi_wifi.ko"));
    assert!(sha("!/usr/lib/wifi.ko").is_some());
}

#[test]
fn an_image_whose_only_link_is_its_vendor_label_is_flagged() {
    let dir = format!("{OUT}/labelled.oci");
    let (code, report, stderr) = audit(&dir, &[]);
    assert_eq!(code, 1, "{stderr}");
    let f = report["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["entity"], "hikvision");
    assert_eq!(f[0]["verdict"], "excluded");
    assert_eq!(f[0]["component"]["name"], dir.as_str());
    let e = &f[0]["evidence"][0];
    assert_eq!(e["field"], "image-vendor");
    assert_eq!(e["kind"], "declares");
    assert_eq!(e["value"], "Hikvision");
    assert_eq!(
        e["location"]["place"],
        "config Labels \"org.opencontainers.image.vendor\""
    );
}

#[test]
fn platform_picks_from_a_multi_platform_index_and_a_missing_one_is_named() {
    let dir = format!("{OUT}/multi.oci");
    let arch_file = |platform: &str| {
        let (code, report, stderr) = run(&["inventory", "-q", "--format", "json", "--platform", platform, &dir]);
        assert_eq!(code, 0, "{stderr}");
        let files = report["files"].as_array().unwrap();
        assert_eq!(files.len(), 1);
        assert!(s(&files[0]["path"]).ends_with("!/etc/arch"));
        s(&files[0]["sha256"])
    };
    let sha256 = |text: &str| {
        use sha2::Digest;
        sha2::Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    assert_eq!(arch_file("linux/amd64"), sha256("amd64\n"));
    assert_eq!(arch_file("linux/arm64"), sha256("arm64\n"));
    assert_eq!(arch_file("linux/arm64/v8"), sha256("arm64\n"));

    let (code, _, stderr) = run(&["inventory", "-q", "--platform", "linux/s390x", &dir]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(
            "no image for platform linux/s390x; the index holds: linux/amd64, linux/arm64/v8 (pick one with --platform)"
        ),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["inventory", "-q", "--platform", "linux", &dir]);
    assert_eq!(code, 2);
    assert!(stderr.contains("expected os/arch[/variant]"), "{stderr}");
}

#[test]
fn a_damaged_image_is_incomplete_with_the_place_and_keeps_what_was_read() {
    let (manifest, layers) = app_layout();
    for (name, code, reason) in [
        (
            "truncated",
            "corrupt",
            format!("layer 1 ({}): gzip layer stream is corrupt: ", layers[1]),
        ),
        (
            "missing",
            "unreadable",
            format!(
                "layer 1 ({}): not read: {OUT}/{name}.oci: blob blobs/sha256/{} is missing",
                layers[1],
                &layers[1][7..],
                name = "missing"
            ),
        ),
    ] {
        let dir = format!("{OUT}/{name}.oci");
        let (exit, report, stderr) = audit(&dir, &[]);
        assert_eq!(exit, 2, "{name}: {stderr}");
        // what was read is still excluded; the run is incomplete and says where
        assert_eq!(report["verdict"], "excluded", "{name}");
        assert_eq!(report["coverage"]["complete"], false, "{name}");
        let causes = report["coverage"]["causes"].as_array().unwrap();
        assert_eq!(causes.len(), 1, "{name}: {causes:#?}");
        assert_eq!(causes[0]["code"], code, "{name}");
        assert!(
            s(&causes[0]["reason"]).starts_with(&reason),
            "{name}: {}",
            causes[0]["reason"]
        );
        assert_eq!(causes[0]["places"][0], format!("{dir}@{manifest}"), "{name}");
        // the lower layer was read: its module is still found
        let image = format!("{dir}@{manifest}");
        assert!(
            findings(&report, &image)
                .iter()
                .any(|(p, e, v, _)| p == "!/lib/modules/5.10.0/hi_wifi.ko" && e == "hisilicon" && v == "excluded"),
            "{name}"
        );
    }
}
