#!/usr/bin/env python3
"""Verifies a vendorscan attestation with an implementation that is not vendorscan's.

    verify-attestation.py PUBLIC.pem ATTESTATION.json

PUBLIC.pem is the signer's public key (SubjectPublicKeyInfo PEM, as
`openssl pkey -in KEY.pem -pubout` writes it), Ed25519 or ECDSA P-256. The DSSE
envelope's signature is checked by securesystemslib (PyPI), which computes the
pre-authentication encoding itself; the key id is recomputed here as vendorscan
documents it (SHA-256 of the public key's DER), and securesystemslib considers
only signatures carrying that key id. On success the verified in-toto statement
is printed to standard output as JSON and the exit status is 0; otherwise a
reason goes to standard error and the exit status is 1.

Used by tests/attest.rs (through VENDORSCAN_VALIDATOR, the venv .ci/run makes).
"""

import hashlib
import json
import sys

from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey

PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    with open(sys.argv[1], "rb") as f:
        public_key = load_pem_public_key(f.read())
    der = public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    key = SSlibKey.from_crypto(public_key, keyid=hashlib.sha256(der).hexdigest())
    with open(sys.argv[2], encoding="utf-8") as f:
        envelope = Envelope.from_dict(json.load(f))
    if envelope.payload_type != PAYLOAD_TYPE:
        print(f"payloadType is {envelope.payload_type!r}, not {PAYLOAD_TYPE!r}", file=sys.stderr)
        return 1
    try:
        envelope.verify([key], 1)
    except Exception as e:  # securesystemslib's VerificationError, or a malformed signature
        print(f"signature does not verify: {e}", file=sys.stderr)
        return 1
    statement = json.loads(envelope.payload)
    if statement.get("_type") != STATEMENT_TYPE:
        print(f"_type is {statement.get('_type')!r}, not {STATEMENT_TYPE!r}", file=sys.stderr)
        return 1
    json.dump(statement, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
