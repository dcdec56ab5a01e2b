//! The people's reports (docs/reports.md): several outputs from one run (`-o FMT=FILE`), the
//! Markdown pull-request comment, the self-contained HTML report rendered in headless Chromium,
//! the procurement summary in both, and byte-identical output across runs.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

const FLASH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/firmware/out/router-flash.bin");

fn vendorscan() -> Command {
    Command::cargo_bin("vendorscan").unwrap()
}

/// Audits the router fixture into `dir`, every format at once.
fn audit_router(dir: &Path) -> std::process::Output {
    vendorscan()
        .current_dir(dir)
        .args([
            "audit",
            "-q",
            "-o",
            "json=r.json",
            "-o",
            "markdown=r.md",
            "-o",
            "html=r.html",
        ])
        .args(["-o", "table=r.txt", FLASH])
        .output()
        .unwrap()
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

#[test]
fn one_run_writes_every_format_and_each_says_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let out = audit_router(dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.stdout.is_empty(),
        "FMT=FILE outputs only: nothing on standard output"
    );

    let json: Value = serde_json::from_str(&read(dir.path(), "r.json")).unwrap();
    assert_eq!(json["verdict"], "excluded");
    let flagged = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["verdict"] != "mention")
        .count();
    assert_eq!(flagged, 12);

    let table = read(dir.path(), "r.txt");
    assert!(
        table.contains("verdict: excluded (12 findings under fcc-covered-list, japan-2018, ndaa-889)"),
        "{table}"
    );
    assert!(!table.contains('\x1b'), "no colour in a file");

    let md = read(dir.path(), "r.md");
    let mut lines = md.lines();
    assert_eq!(
        lines.next(),
        Some("## vendorscan: **excluded** — 12 findings under fcc-covered-list, japan-2018, ndaa-889")
    );
    assert_eq!(lines.next(), Some(""));
    assert_eq!(
        lines.next(),
        Some("**Coverage**: complete: every input was read and every container found was opened.  ")
    );
    // counts per policy and per entity
    assert!(md.contains("| ndaa-889 | covered parts found | 8 | 4 | 0 |"), "{md}");
    assert!(md.contains("| japan-2018 | covered parts found | 6 | 0 | 0 |"), "{md}");
    assert!(md.contains("| hisilicon | hisilicon → huawei | 3 | 0 | 0 |"), "{md}");
    // the top findings, direct ones first, with their strongest evidence and place
    assert!(md.contains(
        "| **excluded** | hilink 2.3.0-1 | huawei | fcc-covered-list, japan-2018, ndaa-889 | supplier (declares/strong): \
         Huawei Technologies Co., Ltd. | `/"
    ));
    assert!(md.contains("router-flash.bin!/0x4003:squashfs!/usr/lib/opkg/status (Maintainer, line 13)` |"));
    // the rest folded away
    assert!(md.contains("<details><summary>2 more findings</summary>"), "{md}");
    assert_eq!(
        md.matches("| **excluded** |").count() + md.matches("| **review** |").count(),
        12
    );
    assert!(!md.contains("Cut to stay under"));
}

#[test]
fn the_procurement_summary_states_facts_and_cites_the_rule_pack() {
    let dir = tempfile::tempdir().unwrap();
    audit_router(dir.path());
    let md = read(dir.path(), "r.md");
    let html = read(dir.path(), "r.html");
    for report in [&md, &html] {
        assert!(report.contains("It is not legal advice and not a representation"));
        // the policy's name and its citations come from the rule pack
        assert!(report.contains("NDAA FY2019 §889 (Pub. L. 115-232), as implemented by FAR 52.204-24/25/26"));
        assert!(report.contains(
            "FAR 52.204-24 Representation Regarding Certain Telecommunications and Video Surveillance Services or Equipment"
        ));
        assert!(report.contains("FAR 52.204-26 Covered Telecommunications Equipment or Services-Representation"));
        assert!(report.contains("Japan: 2018-12-10 ministries"));
        assert!(report.contains(
            "Found: 8 parts tied by strong evidence to dahua, hisilicon, huawei, zte, which this policy covers."
        ));
        assert!(report
            .contains("Found: 6 parts tied by strong evidence to hisilicon, huawei, zte, which this policy covers."));
        assert!(report.contains(
            "For review: 4 parts tied to hikvision, hytera by medium evidence or through an uncertain corporate link."
        ));
    }
    assert!(html.contains("<li>Examined: 1 input (/"));
    assert!(html.contains("Coverage: complete: every input was read and every container found was opened.</li>"));
    assert!(md.contains("- Evidence: hilink 2.3.0-1 — huawei: supplier = Huawei Technologies Co., Ltd. (at `/"));
}

/// Chromium, from `VENDORSCAN_CHROMIUM` (.ci/run sets it) or on the PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("VENDORSCAN_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
            .find(|p| p.is_file())
    })
}

fn headless(chromium: &Path, profile: &Path, extra: &[&str], page: &Path) -> std::process::Output {
    std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap()
}

#[test]
fn the_html_report_renders_in_chromium_with_the_verdict_and_every_finding() {
    let Some(chromium) = chromium() else {
        eprintln!("chromium not found (set VENDORSCAN_CHROMIUM or put it on the PATH); HTML rendering test skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    audit_router(dir.path());
    let page = dir.path().join("r.html");
    let profile = dir.path().join("profile");

    let shot = dir.path().join("shot.png");
    let out = headless(
        &chromium,
        &profile,
        &[&format!("--screenshot={}", shot.display()), "--window-size=1200,2000"],
        &page,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000,
        "a real screenshot"
    );

    let out = headless(&chromium, &profile, &["--dump-dom"], &page);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let dom = String::from_utf8(out.stdout).unwrap();
    assert!(
        dom.contains("<header id=\"verdict\" class=\"excluded\" data-verdict=\"excluded\" data-findings=\"12\">"),
        "{dom}"
    );
    assert!(dom.contains("<h1>Verdict: excluded</h1>"));
    assert_eq!(dom.matches("<article class=\"finding ").count(), 12);
    assert_eq!(dom.matches("<article class=\"finding excluded\"").count(), 8);
    // the evidence chain, the path, the inputs' SHA-256 and the rule pack
    assert!(
        dom.contains("<td>module-author</td><td>HiSilicon Technologies Co., Ltd.</td>"),
        "{dom}"
    );
    assert!(dom.contains("<tr><th>dependency path</th><td>router-flash.bin → hilink 2.3.0-1</td></tr>"));
    let json: Value = serde_json::from_str(&read(dir.path(), "r.json")).unwrap();
    let sha = json["targets"][0]["sha256"].as_str().unwrap();
    assert_eq!(sha.len(), 64);
    assert!(dom.contains(&format!("<td><code>{sha}</code></td>")));
    let pack = &json["rules"]["packs"][0];
    assert!(dom.contains(&format!("sha256:{} (bundled)", pack["sha256"].as_str().unwrap())));
    // the inventory, collapsed, with its filter: 22 components, and the two containers that are
    // files of their own (the uImage's gzip kernel, the update bundle)
    assert!(dom.contains("<details id=\"inventory\"><summary>24 components</summary>"));
    assert!(dom.contains("<input id=\"filter\" type=\"search\""));
}

/// Every format byte-identical across two runs in different working directories, the target
/// named by a relative path; with `--timestamp`, SOURCE_DATE_EPOCH fixes the time.
#[test]
fn every_format_is_byte_identical_across_runs() {
    let formats = ["json", "table", "markdown", "html"];
    let run = |extra: &[&str], env: Option<&str>| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(FLASH, dir.path().join("router-flash.bin")).unwrap();
        let mut cmd = vendorscan();
        cmd.current_dir(dir.path()).args(["audit", "-q"]).args(extra);
        for f in formats {
            cmd.args(["-o", &format!("{f}=out.{f}")]);
        }
        match env {
            Some(v) => cmd.env("SOURCE_DATE_EPOCH", v),
            None => cmd.env_remove("SOURCE_DATE_EPOCH"),
        };
        let out = cmd.arg("router-flash.bin").output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        formats.map(|f| std::fs::read(dir.path().join(format!("out.{f}"))).unwrap())
    };
    let (a, b) = (run(&[], None), run(&[], None));
    for (i, f) in formats.iter().enumerate() {
        assert!(!a[i].is_empty(), "{f}");
        assert!(a[i] == b[i], "{f} differs between runs");
        assert!(
            !String::from_utf8_lossy(&a[i]).contains("/tmp"),
            "{f} names the working directory"
        );
    }
    let (a, b) = (
        run(&["--timestamp"], Some("1795833296")),
        run(&["--timestamp"], Some("1795833296")),
    );
    assert!(a == b, "--timestamp with SOURCE_DATE_EPOCH differs between runs");
    for (i, f) in formats.iter().enumerate().filter(|(_, f)| **f != "table") {
        assert!(
            String::from_utf8_lossy(&a[i]).contains("2026-11-28T02:34:56Z"),
            "{f} carries the SOURCE_DATE_EPOCH time"
        );
    }
}

#[test]
fn an_unwritable_output_fails_before_the_walk() {
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let out = vendorscan()
        .current_dir(dir.path())
        .args(["audit", "-o", "json=r.json", "-o", "html=no/such/dir/r.html", FLASH])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: no/such/dir/r.html: cannot create"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    assert!(started.elapsed().as_secs() < 30);

    let out = vendorscan()
        .args(["audit", "-o", "pdf=vs.pdf", FLASH])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: --output pdf=vs.pdf: unknown format `pdf`; known: table, json, markdown, html, sarif, cyclonedx\n"
    );
}

#[test]
fn the_old_output_forms_still_work() {
    let dir = tempfile::tempdir().unwrap();
    // -o FILE takes the --format report; -f is --format
    let out = vendorscan()
        .current_dir(dir.path())
        .args(["audit", "-q", "-f", "json", "-o", "r.json", FLASH])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let json: Value = serde_json::from_str(&read(dir.path(), "r.json")).unwrap();
    assert_eq!(json["verdict"], "excluded");
    // --format with an FMT=FILE: the --format report on standard output as well
    let out = vendorscan()
        .current_dir(dir.path())
        .args(["audit", "-q", "--format", "markdown", "-o", "html=r.html", FLASH])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("## vendorscan: **excluded**"));
    assert!(read(dir.path(), "r.html").starts_with("<!DOCTYPE html>"));
}

/// An SBOM written by the party audited: thousands of components with hostile names. The
/// comment stays under GitHub's limit and says it was cut; nothing in either report formats,
/// links, mentions or runs.
#[test]
fn hostile_and_huge_input_stays_escaped_and_under_the_comment_limit() {
    let dir = tempfile::tempdir().unwrap();
    let evil = "x|<script>alert(1)</script>`@octocat [l](javascript:alert(1)) **b** ";
    let components: Vec<Value> = (0..3000)
        .map(|i| {
            serde_json::json!({
                "type": "library",
                "bom-ref": format!("c{i}"),
                "name": format!("{evil}{i}{}", "y".repeat(200)),
                "version": "1.0",
                "supplier": { "name": "Huawei Technologies Co., Ltd." },
            })
        })
        .collect();
    let sbom = serde_json::json!({
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "metadata": { "component": { "type": "device", "name": "evil<b>product", "bom-ref": "root" } },
        "components": components,
    });
    std::fs::write(dir.path().join("evil.cdx.json"), serde_json::to_vec(&sbom).unwrap()).unwrap();
    let out = vendorscan()
        .current_dir(dir.path())
        .args([
            "audit",
            "-q",
            "-o",
            "markdown=r.md",
            "-o",
            "html=r.html",
            "evil.cdx.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));

    let md = read(dir.path(), "r.md");
    assert!(md.len() < 65_000, "{} bytes", md.len());
    assert!(md.starts_with("## vendorscan: **excluded** — 3001 findings under"));
    assert!(
        md.contains("_Cut to stay under GitHub's comment limit: "),
        "the cut is noted"
    );
    assert!(md.contains(
        "x\\|&lt;script&gt;alert(1)&lt;/script&gt;\\`@\u{2060}octocat \\[l\\](javascript:alert(1)) \\*\\*b\\*\\*"
    ));
    assert!(!md.contains("<script>") && !md.contains("@octocat") && !md.contains("[l]"));
    // every table row keeps its six columns
    for line in md.lines().filter(|l| l.starts_with("| **")) {
        let cells = line.replace("\\|", "").matches('|').count();
        assert_eq!(cells, 7, "{line}");
    }
    assert!(md.contains("</details>"));

    let html = read(dir.path(), "r.html");
    assert_eq!(html.matches("<script>").count(), 1, "only the report's own script");
    assert!(html.contains("x|&lt;script&gt;alert(1)&lt;/script&gt;`@octocat"));
    assert!(html.contains("evil&lt;b&gt;product"));
    assert_eq!(html.matches("<article class=\"finding ").count(), 3001);
}

/// A waived finding stays listed, marked, with its approver and justification; the waivers file
/// and each waiver applied are in the inputs section.
#[test]
fn waivers_are_shown_with_their_justification() {
    let audit = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/audit");
    let dir = tempfile::tempdir().unwrap();
    let (md, html) = (dir.path().join("w.md"), dir.path().join("w.html"));
    let out = vendorscan()
        .current_dir(audit)
        .args(["audit", "-q", "--today", "2026-01-01", "--waivers", "waivers.toml"])
        .arg("-o")
        .arg(format!("markdown={}", md.display()))
        .arg("-o")
        .arg(format!("html={}", html.display()))
        .arg("router.cdx.json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let (md, html) = (
        std::fs::read_to_string(md).unwrap(),
        std::fs::read_to_string(html).unwrap(),
    );
    let justification = "Cloud SDK compiled in but disabled in this build; legal review LR-2026-114";
    assert!(md.contains(
        "| excluded (waived) | huaweicloud-sdk-core 3.1.0 | huawei | fcc-covered-list, japan-2018, ndaa-889 | \
         purl (declares/strong): pkg:maven/com.huaweicloud.sdk/huaweicloud-sdk-core@3.1.0 | `router.cdx.json: /components/3/purl` |"
    ), "{md}");
    assert!(md.contains(&format!(
        "- waived (2 findings) by J. Smith, contracting officer until 2099-12-31: {justification}"
    )));
    assert!(md.contains("- waivers: waivers.toml"));
    assert!(md.contains("- Waived: 2 findings (each with its approver and justification below)."));
    assert!(html.contains("<article class=\"finding excluded waived\""));
    assert!(html.contains(&format!(
        "<p class=\"note\">Waived by J. Smith, contracting officer until 2099-12-31: {justification}</p>"
    )));
    assert!(html.contains(&format!(
        "<tr><td>J. Smith, contracting officer</td><td>2099-12-31</td><td>{justification}</td><td class=\"n\">2</td></tr>"
    )));
}
