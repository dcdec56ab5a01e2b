#!/usr/bin/env python3
"""A ~4 GiB container image for the memory measurement of issue 11 (BENCHMARKS.md, "Memory of a
4 GiB image"): an OCI image layout of four gzip layers, written as it streams (nothing held
whole), deterministic (seeded), then the same image as an OCI archive (`tar` of the layout) and
as a docker-archive (`skopeo copy`, which stores the layers uncompressed).

Usage: make-big-image.py OUT_DIR   (needs python3, tar and skopeo; about 12 GiB of disk)

Layers, bottom first (uncompressed sizes):
  0  20,000 text files of 2-40 KiB and 2,000 binaries of 4-64 KiB of noise   ~0.5 GiB
  1  large files: 100, 200 and 300 MiB of noise, 256 MiB of log-like text     ~0.85 GiB
  2  2,000 files of 256 KiB-2 MiB, two thirds noise, one third text           ~2.2 GiB
  3  whiteouts of a lower directory and file, a replaced file, a hard link
     to a file of layer 1, 10,000 small text files, 300 MiB of noise       ~0.4 GiB
"""

import gzip
import hashlib
import io
import json
import os
import random
import subprocess
import sys
import tarfile

CHUNK = 1 << 20
WORDS = (
    "kernel module driver firmware vendor network packet buffer socket device interface "
    "config service daemon process thread memory cache layer image filesystem mount "
    "error warning notice debug info started stopped request response timeout retry"
).split()


class Hashing(io.RawIOBase):
    """A writer that hashes and counts what passes to `inner`."""

    def __init__(self, inner):
        self.inner, self.hash, self.len = inner, hashlib.sha256(), 0

    def writable(self):
        return True

    def write(self, b):
        self.hash.update(b)
        self.len += len(b)
        return self.inner.write(b)


class Generated(io.RawIOBase):
    """`size` bytes made chunk by chunk: noise, or lines of words."""

    def __init__(self, rng, size, text):
        self.rng, self.left, self.text, self.buf = rng, size, text, b""

    def readable(self):
        return True

    def _more(self):
        if self.text:
            lines = []
            for i in range(2000):
                n = self.rng.randrange(4, 14)
                lines.append(f"{self.rng.randrange(10**9):09d} " + " ".join(self.rng.choices(WORDS, k=n)))
            return ("\n".join(lines) + "\n").encode()
        return self.rng.randbytes(CHUNK)

    def readinto(self, b):
        if self.left == 0:
            return 0
        if not self.buf:
            self.buf = self._more()
        n = min(len(b), len(self.buf), self.left)
        b[:n] = self.buf[:n]
        self.buf = self.buf[n:]
        self.left -= n
        return n


def add(tar, name, rng, size, text):
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o644, 1700000000
    tar.addfile(info, io.BufferedReader(Generated(rng, size, text), CHUNK))


def add_special(tar, name, kind, link=""):
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode, info.mtime = kind, link, 0o644, 1700000000
    tar.addfile(info)


def layer0(tar, rng):
    for i in range(20000):
        add(tar, f"usr/share/doc/pkg{i // 100}/file{i}.txt", rng, rng.randrange(2 << 10, 40 << 10), True)
    for i in range(2000):
        add(tar, f"usr/lib/bin{i // 100}/blob{i}.bin", rng, rng.randrange(4 << 10, 64 << 10), False)


def layer1(tar, rng):
    for i, mib in enumerate([100, 200, 300]):
        add(tar, f"opt/large/noise{i}.bin", rng, mib << 20, False)
    add(tar, "var/log/big.log", rng, 256 << 20, True)


def layer2(tar, rng):
    for i in range(2000):
        add(tar, f"srv/data{i // 100}/part{i}.dat", rng, rng.randrange(256 << 10, 2 << 20), i % 3 == 2)


def layer3(tar, rng):
    add_special(tar, "usr/share/doc/pkg0/.wh..wh..opq", tarfile.REGTYPE)
    add_special(tar, "usr/share/doc/.wh.pkg1", tarfile.REGTYPE)
    add(tar, "var/log/big.log", rng, 1 << 20, True)
    for i in range(10000):
        add(tar, f"etc/conf{i // 500}/item{i}.conf", rng, rng.randrange(1 << 10, 20 << 10), True)
    add(tar, "opt/top/noise.bin", rng, 300 << 20, False)
    add_special(tar, "opt/top/noise-link.bin", tarfile.LNKTYPE, "opt/large/noise0.bin")


def write_layer(blobs, make, seed):
    partial = os.path.join(blobs, "layer.partial")
    with open(partial, "wb") as f:
        compressed = Hashing(f)
        with gzip.GzipFile(fileobj=compressed, mode="wb", compresslevel=1, mtime=0) as gz:
            uncompressed = Hashing(gz)
            with tarfile.open(fileobj=uncompressed, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                make(tar, random.Random(seed))
    digest = compressed.hash.hexdigest()
    os.rename(partial, os.path.join(blobs, digest))
    print(f"layer {seed}: {uncompressed.len / 2**30:.2f} GiB, {compressed.len / 2**30:.2f} GiB gzip", flush=True)
    return {
        "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
        "digest": f"sha256:{digest}",
        "size": compressed.len,
    }, f"sha256:{uncompressed.hash.hexdigest()}"


def put(blobs, doc):
    data = json.dumps(doc).encode()
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, digest), "wb") as f:
        f.write(data)
    return f"sha256:{digest}", len(data)


def main():
    out = sys.argv[1]
    layout = os.path.join(out, "big.oci")
    blobs = os.path.join(layout, "blobs", "sha256")
    os.makedirs(blobs)
    layers, diff_ids = [], []
    for seed, make in enumerate([layer0, layer1, layer2, layer3]):
        desc, diff_id = write_layer(blobs, make, seed)
        layers.append(desc)
        diff_ids.append(diff_id)
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"Labels": {"org.opencontainers.image.title": "vendorscan 4 GiB image"}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created_by": f"scripts/make-big-image.py layer {i}"} for i in range(4)],
    }
    config_digest, config_size = put(blobs, config)
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
        "layers": layers,
    }
    manifest_digest, manifest_size = put(blobs, manifest)
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": manifest_digest,
            "size": manifest_size,
            "platform": {"architecture": "amd64", "os": "linux"},
            "annotations": {"org.opencontainers.image.ref.name": "latest"},
        }],
    }
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump(index, f)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    subprocess.run(["tar", "-C", layout, "-cf", os.path.join(out, "big.oci.tar"), "."], check=True)
    subprocess.run(
        ["skopeo", "copy", "-q", f"oci:{layout}:latest", f"docker-archive:{os.path.join(out, 'big.docker.tar')}:big:latest"],
        check=True,
    )


if __name__ == "__main__":
    main()
