#!/usr/bin/env python3
"""Mutation run: thousands of mutants of every fixture, each audited by a vendorscan binary.

Not part of CI (it takes minutes and its mutants are random). Each mutant of a fixture under
fixtures/firmware/out and fixtures/hostile — bit flips, truncations, duplicated byte ranges,
bumped length fields (binary integers and the ASCII octal/hex sizes of tar and cpio headers) —
is written to a temporary directory under the fixture's own name and audited with
`audit --format json -q`, under a timeout. Counted:

  panics        exit 101 or ended by a signal (other than the timeout's kill)
  timeouts      still running after --timeout seconds (killed)
  bad output    an exit status other than 0/1/2, or a report that is not JSON
  suspicious    `clear` with exit 0 on a mutant whose original was not clear with exit 0 (a
                possible silent miss: read the kept mutant — a flip inside a vendor's name is
                a legitimate clear)
  silent loss   coverage complete, but fewer files analysed than in the original (something
                was dropped without a cause)
  max RSS       the largest peak resident memory of one run (ru_maxrss from wait4)

Panics, timeouts, bad output, suspicious and silent-loss mutants are kept under --keep (with the
command to reproduce them). Totals go to standard output and, with --summary, to a JSON file.

    cargo build --release
    scripts/mutate.py --bin target/release/vendorscan --time-box 900
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = [ROOT / "fixtures/firmware/out", ROOT / "fixtures/hostile"]


def fixtures():
    """Every fixture file: firmware/out's files (not its subfolders but flash/), all of hostile's but make.sh."""
    files = [p for p in sorted(CORPORA[0].iterdir()) if p.is_file()]
    files += sorted((CORPORA[0] / "flash-fs").iterdir())  # the other flash filesystem layouts
    files += [p for p in sorted(CORPORA[1].rglob("*")) if p.is_file() and p.name != "make.sh"]
    # the flash filesystems (UBI, UBIFS, JFFS2) and the camera dump of fixtures/firmware/make-flash.sh
    files += [p for p in sorted((CORPORA[0] / "flash").iterdir()) if p.is_file()]
    return [p for p in files if p.stat().st_size > 0]


# --- mutations ----------------------------------------------------------------------------------

def bit_flips(data, rng):
    out = bytearray(data)
    for _ in range(rng.choice([1, 1, 2, 4, 8])):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out), "bitflip"


def truncation(data, rng):
    return data[: rng.randrange(1, len(data))], "truncate"


def duplication(data, rng):
    a = rng.randrange(len(data))
    b = min(len(data), a + rng.choice([1, 4, 16, 512, 4096]))
    at = rng.randrange(len(data) + 1)
    return data[:at] + data[a:b] + data[at:], "duplicate"


ASCII_NUMBER = re.compile(rb"[0-7]{6,12}|[0-9A-Fa-f]{8}")


def length_bump(data, rng):
    """Bumps something that looks like a length: a binary integer no larger than a few times the
    file, or an ASCII octal (tar) / 8-digit hex (cpio) field."""
    out = bytearray(data)
    if rng.random() < 0.3:
        fields = [m for m in ASCII_NUMBER.finditer(data[: 1 << 20])]
        if fields:
            m = rng.choice(fields)
            width = m.end() - m.start()
            digits = "01234567" if len(m.group()) != 8 or rng.random() < 0.5 else "0123456789ABCDEF"
            new = rng.choice([digits[-1] * width, "".join(rng.choice(digits) for _ in range(width))])
            out[m.start() : m.end()] = new.encode()
            return bytes(out), "lenbump-ascii"
    for _ in range(64):
        size, fmt = rng.choice([(2, "<H"), (2, ">H"), (4, "<I"), (4, ">I"), (8, "<Q")])
        i = rng.randrange(0, max(1, len(data) - size)) & ~(size - 1)
        if i + size > len(data):
            continue
        value = struct.unpack_from(fmt, data, i)[0]
        if 0 < value <= 4 * len(data):
            top = (1 << (8 * size)) - 1
            new = rng.choice([value + 1, value * 2, value + 4096, top, top // 2, value - 1])
            struct.pack_into(fmt, out, i, min(max(new, 0), top))
            return bytes(out), "lenbump"
    return bit_flips(data, rng)


MUTATIONS = [bit_flips, bit_flips, truncation, duplication, length_bump, length_bump]


# --- running ------------------------------------------------------------------------------------

def audit(binary, path, timeout):
    """(exit status or None, signal or None, timed out, stdout, max RSS KiB, seconds)."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(
            [binary, "audit", "--format", "json", "-q", path.name],
            cwd=path.parent, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.DEVNULL,
        )
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            if not timed_out and time.monotonic() - start > timeout:
                os.kill(proc.pid, signal.SIGKILL)
                timed_out = True
            time.sleep(0.005)
        proc.returncode = status  # reaped here, not by Popen
        elapsed = time.monotonic() - start
        out.seek(0)
        stdout = out.read()
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    return code, sig, timed_out, stdout, usage.ru_maxrss, elapsed


def summary_of(stdout):
    try:
        report = json.loads(stdout)
        cov = report["coverage"]
        return report["verdict"], cov["complete"], cov["files_analysed"]
    except (ValueError, KeyError, TypeError):
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(ROOT / "target/release/vendorscan"), help="the vendorscan binary (a release build)")
    ap.add_argument("--time-box", type=float, default=900, help="stop starting mutants after this many seconds")
    ap.add_argument("--count", type=int, default=100000, help="at most this many mutants")
    ap.add_argument("--timeout", type=float, default=30, help="seconds one audit may take before it is killed")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", default="mutants", help="folder for interesting mutants")
    ap.add_argument("--summary", help="write the totals as JSON here")
    args = ap.parse_args()

    binary = str(Path(args.bin).resolve())
    files = fixtures()
    work = Path(tempfile.mkdtemp(prefix="vendorscan-mutate-"))
    keep = Path(args.keep)
    lock = threading.Lock()
    totals = Counter()
    by_kind = Counter()
    exits = Counter()
    verdicts = Counter()
    interesting = []
    max_rss = (0, "")
    slowest = (0.0, "")

    # the originals, once
    originals = {}
    for f in files:
        code, sig, timed_out, stdout, rss, secs = audit(binary, f, args.timeout)
        originals[f] = (code, summary_of(stdout))
        print(f"original {f.relative_to(ROOT)}: exit {code} {originals[f][1]}", file=sys.stderr)

    def one(n):
        nonlocal max_rss, slowest
        rng = random.Random(args.seed * 1_000_003 + n)
        original = files[n % len(files)]
        data = original.read_bytes()
        mutant, kind = rng.choice(MUTATIONS)(data, rng)
        slot = work / str(n)
        slot.mkdir()
        path = slot / original.name
        path.write_bytes(mutant)
        code, sig, timed_out, stdout, rss, secs = audit(binary, path, args.timeout)
        summary = summary_of(stdout)
        o_code, o_summary = originals[original]
        label = f"{original.relative_to(ROOT)} #{n} ({kind})"
        flags = []
        if timed_out:
            flags.append("timeout")
        elif sig is not None or code == 101:
            flags.append("panic")
        elif code not in (0, 1, 2) or summary is None:
            flags.append("bad-output")
        else:
            verdict, complete, files_analysed = summary
            original_clear = o_code == 0 and o_summary is not None and o_summary[0] == "clear"
            if verdict == "clear" and code == 0 and not original_clear:
                flags.append("suspicious")
            if complete and o_summary is not None and files_analysed < o_summary[2] and verdict == "clear":
                flags.append("silent-loss")
        with lock:
            totals["mutants"] += 1
            by_kind[kind] += 1
            exits[str(code) if code is not None else f"signal {sig}"] += 1
            if summary is not None:
                verdicts[summary[0]] += 1
            for flag in flags:
                totals[flag] += 1
            if rss > max_rss[0]:
                max_rss = (rss, label)
            if secs > slowest[0]:
                slowest = (secs, label)
            if flags:
                dest = keep / "-".join(flags) / f"{n}-{original.name}"
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, dest)
                interesting.append(f"{'/'.join(flags)}: {label} -> {dest}")
                print(f"{'/'.join(flags)}: {label} exit {code} signal {sig} {summary}", file=sys.stderr)
        shutil.rmtree(slot)

    start = time.monotonic()
    n = 0
    with ThreadPoolExecutor(args.jobs) as pool:
        pending = set()
        while n < args.count and time.monotonic() - start < args.time_box:
            while len(pending) < args.jobs * 2 and n < args.count:
                pending.add(pool.submit(one, n))
                n += 1
            done = {f for f in pending if f.done()}
            for f in done:
                f.result()
            pending -= done
            time.sleep(0.01)
        for f in pending:
            f.result()
    shutil.rmtree(work, ignore_errors=True)

    result = {
        "binary": binary,
        "fixtures": len(files),
        "mutants": totals["mutants"],
        "seconds": round(time.monotonic() - start),
        "by_mutation": dict(by_kind),
        "panics": totals["panic"],
        "timeouts": totals["timeout"],
        "bad_output": totals["bad-output"],
        "suspicious_clear": totals["suspicious"],
        "silent_loss": totals["silent-loss"],
        "exit_codes": dict(exits),
        "verdicts": dict(verdicts),
        "max_rss_mib": round(max_rss[0] / 1024, 1),
        "max_rss_mutant": max_rss[1],
        "slowest_seconds": round(slowest[0], 2),
        "slowest_mutant": slowest[1],
        "kept": interesting,
    }
    print(json.dumps(result, indent=1))
    if args.summary:
        Path(args.summary).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
