//! The CI examples in `examples/ci/` and the pre-commit hooks in `.pre-commit-hooks.yaml`, run
//! as their CI would run them, so they cannot rot. Each file is parsed as YAML (serde_norway, the
//! project's YAML crate); the steps that are the user's own (building the image, installing
//! vendorscan) are skipped, the fixture router image is put where the example's `IMAGE` says the
//! build left it, and every other shell step runs in bash with the example's variables, with
//! `vendorscan` on the PATH as a wrapper that records each call's arguments (after the shell's
//! substitution) and exit code. Then: the exit codes are the ones the router image must give,
//! every report a vendorscan call named (`-o FMT=FILE`) exists and is what its format says, and
//! every file the CI uploads exists. With .ci/run's tools (VENDORSCAN_VALIDATOR), the files are
//! also checked against GitHub's and GitLab's schemas (check-jsonschema's vendored copies) and
//! by pre-commit itself.
#![cfg(unix)]

use serde_json::Value as Json;
use serde_norway::Value as Yaml;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// The router flash image: 12 findings, excluded, complete — `audit` exits 1.
const FLASH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/firmware/out/router-flash.bin");

fn yaml(path: &str) -> Yaml {
    let text = std::fs::read_to_string(Path::new(ROOT).join(path)).unwrap();
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn string(value: &Yaml) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value:?}"))
        .to_string()
}

/// A string-to-string YAML mapping (`env:`, `variables:`, `with:`), or empty.
fn strings(value: &Yaml) -> BTreeMap<String, String> {
    value
        .as_mapping()
        .map(|m| m.iter().map(|(k, v)| (string(k), string(v))).collect())
        .unwrap_or_default()
}

/// One vendorscan call the wrapper saw: where, with what, and how it ended.
#[derive(Debug)]
struct Call {
    dir: PathBuf,
    args: Vec<String>,
    status: i32,
}

/// A workspace with `vendorscan` on its PATH as a recording wrapper around the built binary.
struct Sandbox {
    root: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        for dir in ["bin", "calls", "work"] {
            std::fs::create_dir(root.path().join(dir)).unwrap();
        }
        let wrapper = root.path().join("bin/vendorscan");
        std::fs::write(
            &wrapper,
            "#!/bin/sh\n\
             n=$(ls \"$VENDORSCAN_TEST_CALLS\" | grep -c '\\.args$')\n\
             printf '%s\\0' \"$PWD\" \"$@\" > \"$VENDORSCAN_TEST_CALLS/$n.args\"\n\
             \"$VENDORSCAN_TEST_BIN\" \"$@\"\n\
             status=$?\n\
             echo \"$status\" > \"$VENDORSCAN_TEST_CALLS/$n.status\"\n\
             exit $status\n",
        )
        .unwrap();
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        Sandbox { root }
    }

    fn work(&self) -> PathBuf {
        self.root.path().join("work")
    }

    /// A command run in the workspace with the wrapper first on the PATH and no VENDORSCAN_*
    /// setting from the test's own environment.
    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("VENDORSCAN_") {
                cmd.env_remove(name);
            }
        }
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![self.root.path().join("bin")];
        paths.extend(std::env::split_paths(&path));
        cmd.current_dir(self.work())
            .env("PATH", std::env::join_paths(paths).unwrap())
            .env("VENDORSCAN_TEST_CALLS", self.root.path().join("calls"))
            .env("VENDORSCAN_TEST_BIN", env!("CARGO_BIN_EXE_vendorscan"));
        cmd
    }

    /// Puts the router image where the example says its build leaves the image.
    fn image_at(&self, relative: &str) {
        let path = self.work().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::copy(FLASH, path).unwrap();
    }

    fn calls(&self) -> Vec<Call> {
        let dir = self.root.path().join("calls");
        (0..)
            .map_while(|n| {
                let args = std::fs::read(dir.join(format!("{n}.args"))).ok()?;
                let mut args: Vec<String> = args
                    .split(|&b| b == 0)
                    .map(|a| String::from_utf8(a.to_vec()).unwrap())
                    .collect();
                args.pop(); // after the last NUL
                let status = std::fs::read_to_string(dir.join(format!("{n}.status"))).unwrap();
                Some(Call {
                    dir: PathBuf::from(args.remove(0)),
                    args,
                    status: status.trim().parse().unwrap(),
                })
            })
            .collect()
    }
}

/// Runs a script as GitHub's and GitLab's bash steps do (`-e`, and GitHub's `-o pipefail`).
fn bash(sandbox: &Sandbox, script: &str, env: &BTreeMap<String, String>) -> i32 {
    let out = sandbox
        .command("bash")
        .args(["--noprofile", "--norc", "-e", "-o", "pipefail", "-c", script])
        .envs(env)
        .output()
        .unwrap();
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    out.status.code().unwrap()
}

/// Each report a vendorscan audit call named, by format: `-o FMT=FILE`, a plain `-o FILE` with
/// `-f`, `--attest FILE`.
fn reports(call: &Call) -> Vec<(String, PathBuf)> {
    assert_eq!(call.args.first().map(String::as_str), Some("audit"), "{call:?}");
    let mut format = "table".to_string();
    let mut named: Vec<(String, PathBuf)> = Vec::new();
    let mut args = call.args.iter().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| -> Option<String> {
            if arg == flag {
                args.next().cloned()
            } else {
                arg.strip_prefix(&format!("{flag}=")).map(str::to_string)
            }
        };
        if let Some(f) = value("-f").or_else(|| value("--format")) {
            format = f;
        } else if let Some(o) = value("-o").or_else(|| value("--output")) {
            match o.split_once('=') {
                Some((f, file)) if f.chars().all(|c| c.is_ascii_alphanumeric()) => {
                    named.push((f.to_string(), file.into()))
                }
                _ => named.push((String::new(), o.into())),
            }
        } else if let Some(file) = value("--attest") {
            named.push(("attestation".to_string(), file.into()));
        }
    }
    for (f, _) in &mut named {
        if f.is_empty() {
            *f = format.clone();
        }
    }
    named
        .into_iter()
        .filter(|(_, file)| file.as_os_str() != "-")
        .map(|(f, file)| (f, call.dir.join(file)))
        .collect()
}

/// The report is what its format says, and says the router's verdict.
fn check_report(format: &str, path: &Path) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let json = || serde_json::from_str::<Json>(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match format {
        "json" => {
            let report = json();
            assert_eq!(report["verdict"], "excluded");
            assert_eq!(report["tool"]["name"], "vendorscan");
        }
        "sarif" => {
            let log = json();
            assert_eq!(log["version"], "2.1.0");
            assert_eq!(log["runs"][0]["tool"]["driver"]["name"], "vendorscan");
            assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 12);
            validate_sarif(path);
        }
        "markdown" => assert!(text.starts_with("## vendorscan: **excluded** — 12 findings"), "{text}"),
        "html" => {
            assert!(text.starts_with("<!DOCTYPE html>"), "{}", &text[..80.min(text.len())]);
            assert!(text.contains("excluded"));
        }
        "table" => assert!(text.contains("verdict: excluded (12 findings"), "{text}"),
        "cyclonedx" => assert_eq!(json()["bomFormat"], "CycloneDX"),
        other => panic!("{}: no check for the format `{other}`", path.display()),
    }
}

/// SARIF against the 2.1.0 schema and GitHub's limits, as tests/sarif.rs does, when .ci/run's
/// tools are set.
fn validate_sarif(file: &Path) {
    let (Ok(python), Ok(schema)) = (
        std::env::var("VENDORSCAN_VALIDATOR"),
        std::env::var("VENDORSCAN_SARIF_SCHEMA"),
    ) else {
        eprintln!("skipped: VENDORSCAN_VALIDATOR or VENDORSCAN_SARIF_SCHEMA is not set (.ci/run sets them)");
        return;
    };
    let out = Command::new(python)
        .arg(Path::new(ROOT).join("scripts/validate-sarif.py"))
        .arg(schema)
        .arg(file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}

/// A CI file against the schema check-jsonschema ships for it (`vendor.github-workflows`,
/// `vendor.gitlab-ci`), when .ci/run's venv is set.
fn validate_with_builtin_schema(schema: &str, file: &str) {
    let Ok(python) = std::env::var("VENDORSCAN_VALIDATOR") else {
        eprintln!("skipped: VENDORSCAN_VALIDATOR is not set (.ci/run sets it)");
        return;
    };
    let out = Command::new(python)
        .args(["-m", "check_jsonschema", "--builtin-schema", schema])
        .arg(Path::new(ROOT).join(file))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{file}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `${{ … }}` in a GitHub step: the step outputs and variables the example uses; anything else
/// is an expression this test does not know, and fails it.
fn github_expressions(script: &str, outputs: &BTreeMap<String, String>, env: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = script;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("an unclosed ${{") + start;
        let expr = rest[start + 3..end].trim();
        let value = if let Some(key) = expr.strip_prefix("steps.") {
            let (step, name) = key
                .split_once(".outputs.")
                .unwrap_or_else(|| panic!("${{{{ {expr} }}}}"));
            outputs.get(&format!("{step}.{name}")).cloned()
        } else if let Some(name) = expr.strip_prefix("env.") {
            env.get(name).cloned()
        } else {
            None
        };
        out.push_str(&value.unwrap_or_else(|| panic!("the test cannot evaluate ${{{{ {expr} }}}}")));
        rest = &rest[end + 2..];
    }
    out + rest
}

/// A step's `if:` as the example writes them: `always()` and `hashFiles('F') != ''` joined by
/// `&&`.
fn github_condition(condition: &str, work: &Path) -> bool {
    condition.split("&&").map(str::trim).all(|term| {
        if term == "always()" {
            true
        } else if let Some(file) = term
            .strip_prefix("hashFiles('")
            .and_then(|t| t.strip_suffix("') != ''"))
        {
            work.join(file).is_file()
        } else {
            panic!("the test cannot evaluate `{term}`")
        }
    })
}

#[test]
fn the_github_actions_workflow_runs_on_the_router_image() {
    validate_with_builtin_schema("vendor.github-workflows", "examples/ci/github-actions.yml");
    let workflow = yaml("examples/ci/github-actions.yml");
    assert_eq!(
        workflow["permissions"]["security-events"], "write",
        "upload-sarif needs it"
    );
    let jobs = workflow["jobs"].as_mapping().unwrap();
    assert_eq!(jobs.len(), 1);
    let job = jobs.values().next().unwrap();
    let job_env = strings(&job["env"]);

    let sandbox = Sandbox::new();
    sandbox.image_at(&job_env["IMAGE"]);
    let summary = sandbox.root.path().join("step-summary.md");
    let mut outputs: BTreeMap<String, String> = BTreeMap::new();
    let mut ran = Vec::new();
    let mut uploaded_sarif = None;
    let mut kept = Vec::new();
    for step in job["steps"].as_sequence().unwrap() {
        let name = step["name"].as_str().unwrap_or_default();
        if let Some(condition) = step["if"].as_str() {
            assert!(
                github_condition(condition, &sandbox.work()),
                "step `{name}` would not run"
            );
        }
        if let Some(action) = step["uses"].as_str() {
            let with = strings(&step["with"]);
            match action.split('@').next().unwrap() {
                "actions/checkout" => {}
                "github/codeql-action/upload-sarif" => {
                    assert_eq!(with["category"], "vendorscan");
                    uploaded_sarif = Some(sandbox.work().join(&with["sarif_file"]));
                }
                "actions/upload-artifact" => kept.extend(with["path"].lines().map(|p| sandbox.work().join(p.trim()))),
                other => panic!("step `{name}` uses {other}, which the test does not know"),
            }
            continue;
        }
        // The user's own steps: the sandbox has the image and vendorscan already.
        if matches!(name, "Build the image" | "Install vendorscan") {
            continue;
        }
        let mut env = job_env.clone();
        env.extend(strings(&step["env"]));
        let output = sandbox.root.path().join(format!("output-{}", ran.len()));
        env.insert("GITHUB_OUTPUT".into(), output.display().to_string());
        env.insert("GITHUB_STEP_SUMMARY".into(), summary.display().to_string());
        let script = github_expressions(&string(&step["run"]), &outputs, &env);
        let status = bash(&sandbox, &script, &env);
        if let (Some(id), Ok(written)) = (step["id"].as_str(), std::fs::read_to_string(&output)) {
            for line in written.lines() {
                let (k, v) = line.split_once('=').unwrap();
                outputs.insert(format!("{id}.{k}"), v.to_string());
            }
        }
        ran.push((name.to_string(), status));
    }
    // Every step passes but the gate, which fails as the audit did: an excluded part.
    assert_eq!(
        ran,
        [("Audit the image", 0), ("Job summary", 0), ("Gate", 1)].map(|(n, s)| (n.to_string(), s))
    );
    assert_eq!(outputs.get("audit.status").map(String::as_str), Some("1"));
    let calls = sandbox.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].status, 1);
    assert_eq!(calls[0].args[1], job_env["IMAGE"], "the image, from the job's variable");
    let named = reports(&calls[0]);
    assert_eq!(
        named.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(),
        ["sarif", "markdown", "json"]
    );
    for (format, path) in &named {
        check_report(format, path);
    }
    // What the later steps read is what the audit wrote.
    let summary = std::fs::read_to_string(summary).unwrap();
    assert!(
        summary.starts_with("## vendorscan: **excluded** — 12 findings"),
        "{summary}"
    );
    let uploaded_sarif = uploaded_sarif.expect("the SARIF is uploaded to code scanning");
    assert!(named.iter().any(|(f, p)| f == "sarif" && *p == uploaded_sarif));
    assert_eq!(kept.len(), 3);
    for file in kept {
        assert!(
            named.iter().any(|(_, p)| *p == file),
            "{} is kept but not written",
            file.display()
        );
    }
}

#[test]
fn the_gitlab_job_runs_on_the_router_image_and_keeps_its_artifacts() {
    validate_with_builtin_schema("vendor.gitlab-ci", "examples/ci/gitlab-ci.yml");
    let pipeline = yaml("examples/ci/gitlab-ci.yml");
    let job = &pipeline["vendorscan"];
    let variables = strings(&job["variables"]);
    // before_script installs vendorscan: the sandbox has it.
    let before: Vec<String> = job["before_script"].as_sequence().unwrap().iter().map(string).collect();
    assert!(before.iter().all(|l| l.starts_with("cargo install ")), "{before:?}");

    let sandbox = Sandbox::new();
    sandbox.image_at(&variables["IMAGE"]);
    let script: Vec<String> = job["script"].as_sequence().unwrap().iter().map(string).collect();
    let status = bash(&sandbox, &script.join("\n"), &variables);
    assert_eq!(status, 1, "the job fails on the router's excluded parts");
    let calls = sandbox.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].args[1], variables["IMAGE"]);
    let named = reports(&calls[0]);
    assert_eq!(
        named.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(),
        ["html", "json", "sarif"]
    );
    for (format, path) in &named {
        check_report(format, path);
    }
    // the artifacts are kept even though the job failed, and each was written
    assert_eq!(job["artifacts"]["when"], "always");
    let paths = job["artifacts"]["paths"].as_sequence().unwrap();
    assert_eq!(paths.len(), 3);
    for p in paths {
        let file = sandbox.work().join(string(p));
        assert!(
            named.iter().any(|(_, n)| *n == file),
            "{} is kept but not written",
            file.display()
        );
    }
}

#[test]
fn the_pre_commit_hooks_audit_the_changed_sboms() {
    if let Ok(python) = std::env::var("VENDORSCAN_VALIDATOR") {
        for (what, file) in [
            ("validate-manifest", ".pre-commit-hooks.yaml"),
            ("validate-config", "examples/ci/pre-commit-config.yaml"),
        ] {
            let out = Command::new(&python)
                .args(["-m", "pre_commit", what])
                .arg(Path::new(ROOT).join(file))
                .output()
                .unwrap();
            assert!(out.status.success(), "{file}: {}", String::from_utf8_lossy(&out.stdout));
        }
    } else {
        eprintln!("skipped: VENDORSCAN_VALIDATOR is not set (.ci/run sets it)");
    }
    let hooks: BTreeMap<String, Yaml> = yaml(".pre-commit-hooks.yaml")
        .as_sequence()
        .unwrap()
        .iter()
        .map(|h| (string(&h["id"]), h.clone()))
        .collect();
    assert_eq!(
        hooks.keys().collect::<Vec<_>>(),
        ["vendorscan-audit", "vendorscan-audit-system"]
    );
    let config = yaml("examples/ci/pre-commit-config.yaml");
    let used = &config["repos"][0]["hooks"][0];
    let id = string(&used["id"]);

    // A repository's changed files; the hook takes the SBOMs its `files` pattern matches.
    let changed = [
        ("sbom/router.cdx.json", "fixtures/audit/router.cdx.json"),
        ("sbom/router.cdx.xml", "fixtures/sbom/cyclonedx/router-1.6.cdx.xml"),
        ("sbom/camera.spdx.json", "fixtures/sbom/spdx/camera-2.2.spdx.json"),
        ("sbom/clear.cdx.json", "fixtures/audit/negatives.cdx.json"),
        ("README.md", "README.md"),
    ];
    for (hook_id, hook) in &hooks {
        let files = regex::Regex::new(&string(&hook["files"])).unwrap();
        let entry: Vec<String> = string(&hook["entry"]).split_whitespace().map(str::to_string).collect();
        let mut args: Vec<String> = used["args"].as_sequence().unwrap().iter().map(string).collect();
        if *hook_id != id {
            args.clear();
        }
        let run = |paths: &[&str]| {
            let sandbox = Sandbox::new();
            for (to, from) in changed {
                let to = sandbox.work().join(to);
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::copy(Path::new(ROOT).join(from), to).unwrap();
            }
            let matched: Vec<&str> = paths.iter().copied().filter(|p| files.is_match(p)).collect();
            let status = sandbox
                .command(&entry[0])
                .args(&entry[1..])
                .args(&args)
                .args(&matched)
                .output()
                .unwrap()
                .status;
            (status.code().unwrap(), sandbox.calls())
        };
        let all: Vec<&str> = changed.iter().map(|(p, _)| *p).collect();
        let (status, calls) = run(&all);
        assert_eq!(status, 1, "{hook_id}: the router SBOM's excluded parts stop the commit");
        assert_eq!(calls.len(), 1);
        let mut want = vec!["audit", "--quiet"];
        want.extend(args.iter().map(String::as_str));
        want.extend(["sbom/router.cdx.json", "sbom/camera.spdx.json", "sbom/clear.cdx.json"]);
        assert_eq!(calls[0].args, want, "{hook_id}");
        // a commit that changes only a clean SBOM passes, even under --fail-on review
        let (status, calls) = run(&["sbom/clear.cdx.json", "README.md"]);
        assert_eq!((status, calls.len()), (0, 1), "{hook_id}");
    }
}
