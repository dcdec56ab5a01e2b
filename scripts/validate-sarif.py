#!/usr/bin/env python3
"""Validates SARIF files against the SARIF 2.1.0 JSON schema that Microsoft's SARIF SDK ships
(npm @microsoft/sarif-multitool-linux, sarif-2.1.0.json), with the jsonschema package, and checks
what GitHub's code-scanning upload accepts: at most 10 MB and 25,000 results per run.
Usage: validate-sarif.py SCHEMA FILE...  (exit 1 on the first problem, printed)."""
import json
import sys

import jsonschema

MAX_BYTES = 10 * 1024 * 1024
MAX_RESULTS = 25_000


def main() -> int:
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    for path in sys.argv[2:]:
        raw = open(path, "rb").read()
        if len(raw) > MAX_BYTES:
            print(f"{path}: {len(raw)} bytes, over GitHub's {MAX_BYTES}")
            return 1
        log = json.loads(raw)
        errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
        if errors:
            for e in errors[:20]:
                print(f"{path}: /{'/'.join(map(str, e.absolute_path))}: {e.message}")
            return 1
        for i, run in enumerate(log.get("runs", [])):
            n = len(run.get("results") or [])
            if n > MAX_RESULTS:
                print(f"{path}: run {i} has {n} results, over GitHub's {MAX_RESULTS}")
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
