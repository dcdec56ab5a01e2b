#!/usr/bin/env python3
"""Validate SBOMs written by vendorscan against the official schemas and tools.

    validate-cyclonedx.py FILE...

Each file is recognised by its content:

- CycloneDX 1.6 JSON: the JSON schema shipped in cyclonedx-python-lib, strictly (no unknown
  members), with formats checked (date-time, iri-reference, idn-email);
- CycloneDX 1.6 XML: the XSD shipped in cyclonedx-python-lib;
- SPDX 2.3 JSON: parsed and validated by spdx-tools, the SPDX project's own Python tools (they
  check actors, checksums, licence expressions against the SPDX licence list, URLs, CPE and
  purl locators, SPDXIDs and relationships).

Prints one line per file; exits 1 if any file is invalid, 2 on a usage error. Needs a Python with
  pip install 'cyclonedx-python-lib[validation]' spdx-tools
"""

import json
import sys


def validate_cyclonedx(text: str, xml: bool) -> list[str]:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    from cyclonedx.validation.xml import XmlValidator

    validator = XmlValidator(SchemaVersion.V1_6) if xml else JsonStrictValidator(SchemaVersion.V1_6)
    errors = validator.validate_str(text, all_errors=True)
    return [describe(e) for e in errors] if errors else []


def describe(error) -> str:
    """One line per schema error: where and what (jsonschema's own text repeats the schema)."""
    detail = getattr(error, "data", None)
    if hasattr(detail, "json_path") and hasattr(detail, "message"):
        return f"{detail.json_path}: {detail.message}"
    return str(error)


def validate_spdx(path: str) -> list[str]:
    from spdx_tools.spdx.parser.error import SPDXParsingError
    from spdx_tools.spdx.parser.parse_anything import parse_file
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    try:
        document = parse_file(path)
    except SPDXParsingError as e:
        return [f"does not parse: {m}" for m in e.get_messages()]
    return [m.validation_message for m in validate_full_spdx_document(document, "SPDX-2.3")]


def kind_of(text: str) -> str:
    head = text.lstrip()
    if head.startswith("<"):
        return "cyclonedx-xml"
    document = json.loads(text)
    if document.get("bomFormat") == "CycloneDX":
        if document.get("specVersion") != "1.6":
            raise ValueError(f"CycloneDX {document.get('specVersion')}, expected 1.6")
        return "cyclonedx-json"
    if str(document.get("spdxVersion", "")).startswith("SPDX-2"):
        if document["spdxVersion"] != "SPDX-2.3":
            raise ValueError(f"{document['spdxVersion']}, expected SPDX-2.3")
        return "spdx-json"
    raise ValueError("neither CycloneDX nor SPDX 2 JSON")


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    failed = 0
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            kind = kind_of(text)
            if kind == "spdx-json":
                errors = validate_spdx(path)
            else:
                errors = validate_cyclonedx(text, xml=kind == "cyclonedx-xml")
        except (OSError, ValueError) as e:
            kind, errors = "unreadable", [str(e)]
        if errors:
            failed += 1
            print(f"INVALID {path} ({kind}):")
            for e in errors:
                print(f"  {e}")
        else:
            print(f"ok {path} ({kind})")
    print(f"{len(paths) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
