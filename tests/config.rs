//! `vendorscan.toml` (docs/configuration.md) and the command line around it: flags over
//! `VENDORSCAN_*` variables over the file over the defaults, paths relative to the file, mistakes
//! at file:line:column (exit 2), `vendorscan init`, completions, the man page, `--help`'s
//! examples and byte sizes with units.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

const ROUTER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/audit/router.cdx.json");
const WAIVERS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/audit/waivers.toml");

/// vendorscan in `dir`, with no VENDORSCAN_* variable from the environment the tests run in.
fn vendorscan(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("vendorscan").unwrap();
    cmd.current_dir(dir);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("VENDORSCAN_") {
            cmd.env_remove(name);
        }
    }
    cmd
}

/// Runs and returns the exit code, standard output and standard error.
fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn flags_win_over_variables_which_win_over_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let code = |env: &[(&str, &str)], flags: &[&str]| {
        let mut cmd = vendorscan(dir.path());
        cmd.args(["audit", "-q", "-f", "json"]).args(flags).arg(ROUTER);
        for (k, v) in env {
            cmd.env(k, v);
        }
        run(&mut cmd).0
    };
    // The router SBOM has excluded parts: exit 1 by default.
    assert_eq!(code(&[], &[]), 1);
    write(dir.path(), "vendorscan.toml", "fail-on = \"never\"\n");
    assert_eq!(code(&[], &[]), 0, "the file in the working directory");
    assert_eq!(
        code(&[("VENDORSCAN_FAIL_ON", "excluded")], &[]),
        1,
        "the variable over the file"
    );
    assert_eq!(
        code(&[("VENDORSCAN_FAIL_ON", "excluded")], &["--fail-on", "never"]),
        0,
        "the flag over the variable"
    );
    assert_eq!(
        code(&[], &["--fail-on", "excluded"]),
        1,
        "a flag given at its default still wins"
    );
    assert_eq!(code(&[], &["--no-config"]), 1, "--no-config reads no file");
    assert_eq!(
        code(&[("VENDORSCAN_CONFIG", "/no/such/vendorscan.toml")], &["--no-config"]),
        1
    );
    // A boolean variable: allow-incomplete lets an incomplete run exit as its findings say.
    write(dir.path(), "vendorscan.toml", "[limits]\nmax-bytes = \"1K\"\n");
    assert_eq!(code(&[], &[]), 2, "the SBOM is over the file's 1 KiB: incomplete");
    assert_eq!(code(&[("VENDORSCAN_ALLOW_INCOMPLETE", "true")], &[]), 0);
    assert_eq!(code(&[("VENDORSCAN_MAX_BYTES", "1M")], &[]), 1, "the variable's limit");
    assert_eq!(
        code(&[("VENDORSCAN_MAX_BYTES", "1M")], &["--max-bytes", "2K"]),
        2,
        "the flag's"
    );
}

#[test]
fn the_file_sets_policies_limits_and_outputs() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "vendorscan.toml",
        "policies = [\"japan-2018\"]\noutputs = [\"json=reports/r.json\"]\n[limits]\nmax-bytes = \"64KiB\"\n",
    );
    std::fs::create_dir(dir.path().join("reports")).unwrap();
    let (code, stdout, stderr) = run(vendorscan(dir.path()).args(["audit", "-q", ROUTER]));
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout, "", "only the file's output: nothing on standard output");
    let report: Value = serde_json::from_slice(&std::fs::read(dir.path().join("reports/r.json")).unwrap()).unwrap();
    assert_eq!(report["policies"], serde_json::json!(["japan-2018"]));
    assert_eq!(report["verdict"], "excluded");

    // --policy and -o on the command line replace the file's lists
    let (code, stdout, _) =
        run(vendorscan(dir.path()).args(["audit", "-q", "--policy", "ndaa-889", "-f", "json", ROUTER]));
    assert_eq!(code, 1);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["policies"], serde_json::json!(["ndaa-889"]));
    let (_, stdout, _) = run(vendorscan(dir.path())
        .env("VENDORSCAN_POLICY", "ndaa-889,fcc-covered-list")
        .args(["audit", "-q", "-o", "json=-", ROUTER]));
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["policies"], serde_json::json!(["fcc-covered-list", "ndaa-889"]));

    // the same limit reaches `inventory`
    write(dir.path(), "vendorscan.toml", "[limits]\nmax-bytes = 100\n");
    let (code, _, stderr) = run(vendorscan(dir.path()).args(["inventory", "-q", ROUTER]));
    assert_eq!(code, 2);
    assert!(stderr.contains("over the limit of 100 bytes (--max-bytes)"), "{stderr}");
}

#[test]
fn paths_in_the_file_are_relative_to_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("ci/out")).unwrap();
    std::fs::copy(WAIVERS, dir.path().join("ci/waivers.toml")).unwrap();
    write(
        dir.path(),
        "ci/vendorscan.toml",
        "waivers = \"waivers.toml\"\noutputs = [\"markdown=out/pr.md\", \"json=out/r.json\"]\n",
    );
    let (code, _, stderr) = run(vendorscan(dir.path()).args(["audit", "-q", "--config", "ci/vendorscan.toml", ROUTER]));
    assert_eq!(code, 1, "{stderr}");
    let md = std::fs::read_to_string(dir.path().join("ci/out/pr.md")).unwrap();
    assert!(md.contains("- waivers: ci/waivers.toml\n"), "{md}");
    let report: Value = serde_json::from_slice(&std::fs::read(dir.path().join("ci/out/r.json")).unwrap()).unwrap();
    let sdk = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["component"]["name"] == "huaweicloud-sdk-core")
        .unwrap();
    assert_eq!(sdk["waived"]["approver"], "J. Smith, contracting officer");
    // the same file through VENDORSCAN_CONFIG
    std::fs::remove_dir_all(dir.path().join("ci/out")).unwrap();
    std::fs::create_dir(dir.path().join("ci/out")).unwrap();
    let (code, _, _) = run(vendorscan(dir.path())
        .env("VENDORSCAN_CONFIG", "ci/vendorscan.toml")
        .args(["audit", "-q", ROUTER]));
    assert_eq!(code, 1);
    assert!(dir.path().join("ci/out/pr.md").is_file());
}

#[test]
fn mistakes_in_the_file_are_placed_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "fail-on = \"review\"\nfail_on = \"never\"\n",
            "error: vendorscan.toml:2:1: unknown field `fail_on`, expected one of `policies`, `fail-on`, \
             `allow-incomplete`, `min-supplier-coverage`, `waivers`, `rules`, `exclude`, `format`, `outputs`, \
             `color`, `limits`\n",
        ),
        (
            "[limits]\nmax-bytes = \"a lot\"\n",
            "error: vendorscan.toml:2:13: `a lot` is not a byte size (not a number with a unit); write bytes \
             or a number with K, M, G or T (powers of 1024): 512M, 1G, 64KiB\n",
        ),
        (
            "color = \"sometimes\"\n",
            "error: vendorscan.toml:1:9: unknown variant `sometimes`, expected one of `auto`, `always`, `never`\n",
        ),
        (
            "outputs = [\"json=r.json\",\n  \"pdf=r.pdf\"]\n",
            "error: vendorscan.toml:2:3: --output pdf=r.pdf: unknown format `pdf`; known: table, json, markdown, \
             html, sarif, cyclonedx\n",
        ),
    ];
    for (text, want) in cases {
        write(dir.path(), "vendorscan.toml", text);
        let (code, stdout, stderr) = run(vendorscan(dir.path()).args(["audit", ROUTER]));
        assert_eq!((code, stdout.as_str(), stderr.as_str()), (2, "", want), "{text}");
    }
    // --no-config ignores the broken file; init and completions never read it
    assert_eq!(
        run(vendorscan(dir.path()).args(["audit", "-q", "--no-config", ROUTER])).0,
        1
    );
    assert_eq!(run(vendorscan(dir.path()).args(["completions", "fish"])).0, 0);
    // a --config that does not exist is an error, not an empty configuration
    let (code, _, stderr) = run(vendorscan(dir.path()).args(["audit", "--config", "nope.toml", ROUTER]));
    assert_eq!(code, 2);
    assert!(stderr.starts_with("error: nope.toml: cannot open: "), "{stderr}");
}

#[test]
fn init_writes_a_starter_file_that_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(vendorscan(dir.path()).arg("init"));
    assert_eq!(code, 0, "{stderr}");
    let starter = std::fs::read_to_string(dir.path().join("vendorscan.toml")).unwrap();
    assert!(starter.contains("\n# fail-on = \"excluded\"\n"), "{starter}");
    assert!(starter.contains("\n# max-bytes = \"1GiB\"\n"), "{starter}");
    assert!(starter.contains("\n# max-total-bytes = \"64GiB\"\n"), "{starter}");
    assert!(starter.contains("\n# max-entries = 2000000\n"), "{starter}");

    // the file as written, and with every default uncommented, audits as no file does
    let json = |dir: &Path| {
        let (code, stdout, stderr) = run(vendorscan(dir).args(["audit", "-q", "-f", "json", ROUTER]));
        assert_eq!(code, 1, "{stderr}");
        stdout
    };
    let bare = tempfile::tempdir().unwrap();
    let without = json(bare.path());
    assert_eq!(json(dir.path()), without);
    let uncommented: String = starter
        .lines()
        .filter(|l| !l.starts_with("# outputs = [\"") && !l.starts_with("# waivers"))
        .map(|l| {
            l.strip_prefix("# ")
                .filter(|l| l.contains(" = "))
                .unwrap_or(l)
                .to_string()
                + "\n"
        })
        .collect();
    write(dir.path(), "vendorscan.toml", &uncommented);
    assert_eq!(json(dir.path()), without, "{uncommented}");

    // an existing file is kept unless --force
    let (code, _, stderr) = run(vendorscan(dir.path()).arg("init"));
    assert_eq!(
        (code, stderr.as_str()),
        (2, "error: vendorscan.toml: already exists; --force overwrites it\n")
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("vendorscan.toml")).unwrap(),
        uncommented
    );
    assert_eq!(run(vendorscan(dir.path()).args(["init", "--force"])).0, 0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("vendorscan.toml")).unwrap(),
        starter
    );
    // elsewhere
    assert_eq!(run(vendorscan(dir.path()).args(["init", "sub.toml"])).0, 0);
    assert_eq!(std::fs::read_to_string(dir.path().join("sub.toml")).unwrap(), starter);
}

#[test]
fn completions_for_each_shell() {
    let dir = tempfile::tempdir().unwrap();
    let script = |shell: &str| {
        let (code, stdout, stderr) = run(vendorscan(dir.path()).args(["completions", shell]));
        assert_eq!(code, 0, "{stderr}");
        stdout
    };
    let bash = script("bash");
    assert!(bash.contains("_vendorscan()"));
    assert!(bash.contains("complete -F _vendorscan"));
    // every subcommand and audit's flags, the config flag included
    for word in [
        "audit",
        "inventory",
        "sbom",
        "rules",
        "init",
        "completions",
        "man",
        "--fail-on",
        "--config",
    ] {
        assert!(bash.contains(word), "bash completion lacks {word}");
    }
    assert!(script("zsh").starts_with("#compdef vendorscan"));
    assert!(script("fish").contains("complete -c vendorscan -n \"__fish_vendorscan_needs_command\" -f -a \"audit\""));
    assert!(script("powershell").contains("Register-ArgumentCompleter -Native -CommandName 'vendorscan'"));
    // the bash script is valid bash
    let path = dir.path().join("vendorscan.bash");
    std::fs::write(&path, &bash).unwrap();
    if let Ok(out) = std::process::Command::new("bash").arg("-n").arg(&path).output() {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let (code, _, stderr) = run(vendorscan(dir.path()).args(["completions", "tcsh"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("invalid value 'tcsh'"), "{stderr}");
}

#[test]
fn the_man_page_and_help_carry_the_examples() {
    let dir = tempfile::tempdir().unwrap();
    let (code, man, _) = run(vendorscan(dir.path()).arg("man"));
    assert_eq!(code, 0);
    assert!(man.contains(".TH vendorscan 1  \"vendorscan "), "{man}");
    assert!(man.contains("vendorscan\\-audit(1)"), "the subcommands are listed");
    let (code, audit, _) = run(vendorscan(dir.path()).args(["man", "audit"]));
    assert_eq!(code, 0);
    assert!(audit.contains(".TH vendorscan-audit 1"), "{audit}");
    assert!(audit.contains("\\-\\-fail\\-on"));
    assert!(audit.contains("VENDORSCAN_FAIL_ON"), "the variables are in the page");
    assert!(
        audit.contains("\\-\\-attest audit.intoto.json \\-\\-sign\\-key vendor.pem"),
        "{audit}"
    );
    let (code, _, stderr) = run(vendorscan(dir.path()).args(["man", "frobnicate"]));
    assert_eq!(code, 2);
    assert!(stderr.starts_with("error: no command `frobnicate`; known: audit, inventory, sbom, rules, init"));

    let (code, help, _) = run(vendorscan(dir.path()).args(["audit", "--help"]));
    assert_eq!(code, 0);
    for example in [
        "vendorscan audit firmware.bin product.cdx.json -o json=audit.json -o html=audit.html",
        "vendorscan audit -v --fail-on review flash-dump.bin vendor-sbom.spdx.json -o html=lab-report.html",
        "vendorscan audit build/image.bin -f table -o sarif=vendorscan.sarif -o markdown=vendorscan.md",
        "[env: VENDORSCAN_MAX_BYTES=]",
        "[default: 1GiB]",
        "[default: 64GiB]",
    ] {
        assert!(help.contains(example), "--help lacks {example}:\n{help}");
    }
    let (_, short, _) = run(vendorscan(dir.path()).args(["audit", "-h"]));
    assert!(
        short.ends_with("`--help` shows examples for vendors, labs and CI.\n"),
        "{short}"
    );
}

#[test]
fn byte_sizes_take_units_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(vendorscan(dir.path()).args(["inventory", "--max-bytes", "2K", ROUTER]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("over the limit of 2048 bytes (--max-bytes)"),
        "{stderr}"
    );
    assert_eq!(
        run(vendorscan(dir.path()).args(["inventory", "--max-bytes", "1.5MiB", ROUTER])).0,
        0
    );
    let (code, _, stderr) = run(vendorscan(dir.path()).args(["inventory", "--max-member-bytes", "1X", ROUTER]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("invalid value '1X' for '--max-member-bytes <BYTES>': `1X` is not a byte size"),
        "{stderr}"
    );
}

#[test]
fn the_files_rule_folders_reach_rules_list_and_show() {
    let dir = tempfile::tempdir().unwrap();
    let custom = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/rules/custom");
    let (code, _, stderr) = run(vendorscan(dir.path()).args(["rules", "show", "acme-telecom"]));
    assert_eq!(code, 2, "not in the bundled pack: {stderr}");
    write(dir.path(), "vendorscan.toml", &format!("rules = [{custom:?}]\n"));
    let (code, stdout, stderr) = run(vendorscan(dir.path()).args(["rules", "show", "acme-telecom"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Acme Telecom Equipment Co., Ltd."), "{stdout}");
    let (_, list, _) = run(vendorscan(dir.path()).args(["rules", "list"]));
    assert!(list.contains("pack acme-lab 1 sha256:"), "{list}");
    // `rules check` reads no configuration: a broken file does not stop it
    write(dir.path(), "vendorscan.toml", "rules = 3\n");
    assert_eq!(run(vendorscan(dir.path()).args(["rules", "check", custom])).0, 0);
    assert_eq!(run(vendorscan(dir.path()).args(["rules", "list"])).0, 2);
}
