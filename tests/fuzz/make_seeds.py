#!/usr/bin/env python3
"""Seed corpora for the fuzzers, cut from the real cores of a generated corpus.

  make_seeds.py --corpus DIR --out DIR --make-seeds PATH [--scenario NAME] [--heap-interpreters N]

OUT/core_file: the first 64 KiB of each core (ELF header, program headers, notes);
OUT/core_input: the first 2 KiB of one core, zstd-, lz4- and xz-compressed;
OUT/linetable, OUT/repr, OUT/heap: written by the make_seeds tool (make_seeds.cpp) from the
cores of one scenario for every interpreter. Nothing here is committed: cores differ per
machine, so seeds are made at test time.
"""
import argparse
import json
import lzma
import os
import shutil
import subprocess
import sys


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def compress(tool, data):
    if shutil.which(tool) is None:
        return None
    return subprocess.run([tool, "-q", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--make-seeds", required=True)
    ap.add_argument("--scenario", default="exc_chain")
    ap.add_argument("--heap-interpreters", type=int, default=3,
                    help="heap seeds from this many interpreters (each is megabytes)")
    args = ap.parse_args()

    with open(os.path.join(args.corpus, "manifest.json")) as f:
        manifest = json.load(f)
    entries = [e for e in manifest["entries"]
               if e.get("status") == "ok" and e.get("core") and os.path.exists(e["core"])
               and not e["interpreter"].startswith("pyenv-2.")]
    chosen = [e for e in entries if e["scenario"] == args.scenario]
    if not chosen:
        print("make_seeds: no core of scenario %s in %s: skipped" % (args.scenario, args.corpus))
        return 77
    shutil.rmtree(args.out, ignore_errors=True)

    for e in chosen:
        tag = "%s-%s" % (e["interpreter"], e["scenario"])
        with open(e["core"], "rb") as f:
            write(os.path.join(args.out, "core_file", tag), f.read(64 << 10))
    with open(chosen[0]["core"], "rb") as f:
        head = f.read(2 << 10)
    write(os.path.join(args.out, "core_input", "plain"), head)
    write(os.path.join(args.out, "core_input", "xz"), lzma.compress(head))
    for tool in ("zstd", "lz4"):
        data = compress(tool, head)
        if data is not None:
            write(os.path.join(args.out, "core_input", tool), data)

    cores = [e["core"] for e in chosen]
    rc = subprocess.run([args.make_seeds, args.out] + cores).returncode
    if rc != 0:
        return rc
    # Heap seeds are large and slow to run: keep a spread of versions.
    heap = os.path.join(args.out, "heap")
    names = sorted(os.listdir(heap)) if os.path.isdir(heap) else []
    if len(names) > args.heap_interpreters > 0:
        step = len(names) / args.heap_interpreters
        keep = {names[int(i * step)] for i in range(args.heap_interpreters)}
        for n in names:
            if n not in keep:
                os.remove(os.path.join(heap, n))
    for kind in sorted(os.listdir(args.out)):
        files = os.listdir(os.path.join(args.out, kind))
        size = sum(os.path.getsize(os.path.join(args.out, kind, n)) for n in files)
        print("make_seeds: %-10s %3d seeds, %8.1f KiB" % (kind, len(files), size / 1024))
    return 0


if __name__ == "__main__":
    sys.exit(main())
