#!/usr/bin/env python3
"""robustness.damage: the real CLI on damaged copies of real corpus cores.

Usage: damage.py CORPUS_DIR ANALYZER [--runs N] [--flips-per-run K] [--jobs J]
                 [--budget SECONDS] [--seed S] [--keep DIR]

For every interpreter of the corpus manifest, on copies of one of its cores (segv_deep, or
py2_segv for Python 2), it runs `ANALYZER --json` and requires that each run ends within
its time budget with a documented exit code (never a signal, never 70, never a sanitizer
report), a JSON report whenever one is documented, and an explanation: a
`pycore-analyze:` line on stderr for every exit code but 0 and 1, plus the matching
warning in the report. Damage:

  truncated   the core cut inside the ELF header (exit 4), inside the program headers,
              inside the notes, in the middle of the memory segments and one byte short
              (exit 6, partial report with a "truncated" warning; 5 wins for Python 2)
  nt_file     every path of the NT_FILE note rewritten to a missing one, with and without
              the executable on the command line: a warning per missing file
  sysroot     --sysroot DIR where every file of the core is another ELF file: exit 7,
              the build-id mismatch named
  other_exe   another interpreter's executable given for the core: exit 7
  flips       N runs (default 1000, env PYCORE_DAMAGE_RUNS) with K random byte flips each
              (default 1, env PYCORE_DAMAGE_FLIPS_PER_RUN) inside anonymous writable
              PT_LOAD segments (the Python heap: pymalloc arenas, malloc heap; not thread
              stacks, not file-backed data), fixed seed, heap stage on
  clusters    M runs (default 300, env PYCORE_DAMAGE_CLUSTER_RUNS) with 32 flips each inside
              one 4 KiB page of those segments: several neighbouring objects broken at once
  regressions flips that once crashed or hung the analyzer, replayed (REGRESSIONS below)

Copies live in a temporary directory that is deleted afterwards. Prints what it did:
runs, flips and exit codes per kind. Exit status 1 if any run failed, 77 if the corpus
has no usable core.
"""

import argparse
import collections
import concurrent.futures
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import elfcore  # noqa: E402

DOCUMENTED = {0, 1, 2, 3, 4, 5, 6, 7, 8}
REPORT_CODES = {0, 1, 5, 6, 7, 8}  # documented to come with a report
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "ERROR: UndefinedBehaviorSanitizer")

# (interpreter id, scenario, virtual address, xor mask) of flips that once broke the
# analyzer; replayed on every run when that core exists.
REGRESSIONS = []
CLUSTER_FLIPS = 32
PAGE = 4096


class Run(object):
    """One analyzer run and what was wrong with it (empty `problems`: it passed)."""

    def __init__(self, kind, label, code, report, stderr, seconds, problems):
        self.kind, self.label, self.code = kind, label, code
        self.report, self.stderr, self.seconds, self.problems = report, stderr, seconds, problems


class Driver(object):
    def __init__(self, options):
        self.o = options
        self.env = dict(os.environ)
        self.env["XDG_CACHE_HOME"] = os.path.join(options.tmp, "cache")
        self.lock = threading.Lock()
        self.runs = []

    def analyze(self, kind, label, args, expect=None, warning=None):
        """Runs the CLI; `expect`: allowed exit codes, `warning`: text a warning must hold."""
        start = time.monotonic()
        problems = []
        try:
            done = subprocess.run([self.o.analyzer, "--json"] + args, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, timeout=self.o.budget, env=self.env)
            code, out, err = done.returncode, done.stdout, done.stderr.decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            code, out, err = "hang", b"", ""
            problems.append("no result within %.0f s" % self.o.budget)
        seconds = time.monotonic() - start
        report = None
        if code != "hang":
            if code < 0:
                problems.append("killed by signal %d" % -code)
            elif code == 70:
                problems.append("internal error (exit 70)")
            elif code not in DOCUMENTED:
                problems.append("undocumented exit code %d" % code)
            elif expect is not None and code not in expect:
                problems.append("exit %d, expected %s" % (code, "/".join(map(str, sorted(expect)))))
            for mark in SANITIZER_MARKS:
                if mark in err:
                    problems.append("sanitizer: " + err[err.index(mark):][:200])
            if out:
                try:
                    report = json.loads(out)
                except ValueError:
                    problems.append("stdout is not JSON")
            if code in REPORT_CODES and report is None and code not in (5, 8):
                problems.append("exit %d without a report" % code)
            if report is not None and report.get("exit_code") != code:
                problems.append("report says exit %s, process %s" % (report.get("exit_code"), code))
            if code not in (0, 1) and code in DOCUMENTED:
                lines = [l for l in err.splitlines() if l.startswith("pycore-analyze: ")]
                if not lines:
                    problems.append("exit %d with no 'pycore-analyze:' message on stderr" % code)
            if warning and report is not None:
                if not any(warning in w for w in report.get("warnings", [])):
                    problems.append("no warning containing %r" % warning)
        run = Run(kind, label, code, report, err, seconds, problems)
        with self.lock:
            self.runs.append(run)
        if problems:
            print("FAIL %s %s: %s\n     stderr: %s" % (kind, label, "; ".join(problems),
                                                     err.strip()[:300]), flush=True)
        return run


def usable_cores(corpus):
    with open(os.path.join(corpus, "manifest.json")) as handle:
        manifest = json.load(handle)
    executables = dict((i["id"], i["executable"]) for i in manifest["interpreters"])
    ok = dict(((e["interpreter"], e["scenario"]), e) for e in manifest["entries"]
              if e["status"] == "ok" and e.get("core"))
    picked = []
    for interp in manifest["interpreters"]:
        for scenario in ("segv_deep", "py2_segv"):
            entry = ok.get((interp["id"], scenario))
            if entry and os.path.exists(entry["core"]):
                picked.append((interp["id"], scenario, executables[interp["id"]], entry["core"],
                               interp["version"].startswith("2.")))
                break
        else:
            print("skipped %s: no segv_deep/py2_segv core" % interp["id"])
    return picked


def truncations(core):
    """(name, size, allowed exit codes) of each cut."""
    notes = core.note_segment()
    first = min(s.offset for s in core.loads if s.filesz)
    return [
        ("elf-header", 40, {4}),
        ("program-headers", (core.e_phoff + core.phdr_end) // 2, {6}),
        ("notes", notes.offset + notes.filesz // 2, {6}),
        ("memory", (first + core.size) // 2, {6}),
        ("one-byte-short", core.size - 1, {6}),
    ]


def damage_truncated(d, interp, exe, path, py2, work):
    core = elfcore.Core(path)
    copy = os.path.join(work, "cut")
    elfcore.sparse_copy(path, copy)
    for name, size, allowed in sorted(truncations(core), key=lambda c: -c[1]):
        os.truncate(copy, size)  # largest cut first: each one only shortens the copy
        if py2 and allowed == {6}:
            allowed = {5, 6}  # 5 outranks 6 (docs/usage.md)
        d.analyze("truncated", "%s %s (%d bytes)" % (interp, name, size), [exe, copy],
                  expect=allowed, warning="truncated" if 6 in allowed else None)
    os.unlink(copy)


def damage_nt_file(d, interp, exe, path, py2, work):
    core = elfcore.Core(path)
    copy = os.path.join(work, "ntfile")
    elfcore.sparse_copy(path, copy)
    for mapping in core.files:
        size = len(mapping.path.encode("utf-8"))
        missing = ("/pycore-missing/" + "m" * size)[:size] if size > 16 else "/" + "m" * (size - 1)
        elfcore.write_at(copy, mapping.path_offset, missing.encode())
    allowed = {0, 1, 5} if py2 else {0, 1, 8}
    # The link map in the core's memory still names the real files: they are used, and
    # the warning says so instead of claiming there are no symbols.
    d.analyze("nt_file", "%s, executable given" % interp, [exe, copy], expect=allowed,
              warning="not found; using ")
    d.analyze("nt_file", "%s, executable from the core" % interp, [copy],
              expect=allowed | {3}, warning=None)
    os.unlink(copy)


def damage_sysroot(d, interp, exe, path, py2, work, others):
    core = elfcore.Core(path)
    root = os.path.join(work, "sysroot")
    for mapping in core.files:
        target = root + mapping.path
        if os.path.lexists(target):
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        # Another ELF file of the same kind: an executable for executables, a library else.
        replacement = "/usr/bin/true" if mapping.path == core.files[0].path else others["lib"]
        os.symlink(replacement, target)
    d.analyze("sysroot", "%s, every file replaced" % interp, ["--sysroot", root, path],
              expect={5, 7} if py2 else {7}, warning="build-id")
    shutil.rmtree(root)
    if others["exe"]:
        d.analyze("other_exe", "%s core, %s executable" % (interp, others["exe"][0]),
                  [others["exe"][1], path], expect={5, 7} if py2 else {7}, warning="build-id")


def damage_flips(d, interp, exe, path, runs, per_run, rng, work, flips_done, kind="flips",
                 window=None):
    core = elfcore.Core(path)
    segments = core.anonymous_heap_segments()
    total = sum(s.filesz for s in segments)
    if not segments:
        print("FAIL flips %s: no anonymous writable segment in %s" % (interp, path))
        d.runs.append(Run("flips", interp, "none", None, "", 0, ["no heap segment"]))
        return
    def locate(at):
        for seg in segments:
            if at < seg.filesz:
                return seg.vaddr + at, seg.offset + at
            at -= seg.filesz

    plans = []
    for _ in range(runs):
        flips = []
        base = rng.randrange(total)
        for _ in range(per_run):
            # A window keeps every flip of the run inside one page (segments are page-sized).
            at = base - base % window + rng.randrange(window) if window else rng.randrange(total)
            flips.append(locate(at) + (rng.randrange(1, 256),))
        # One flip per byte: restoring in reverse order then gives the original back.
        plans.append(list(dict(((f[1], f) for f in flips)).values()))
    copies = []
    for i in range(d.o.jobs):
        copies.append(os.path.join(work, "flip%d" % i))
        elfcore.sparse_copy(path, copies[-1])
    free = list(copies)
    free_lock = threading.Lock()

    def one(flips):
        with free_lock:
            copy = free.pop()
        originals = [elfcore.read_at(copy, off, 1) for _, off, _ in flips]
        for (_, off, mask), old in zip(flips, originals):
            elfcore.write_at(copy, off, bytes([old[0] ^ mask]))
        label = "%s %s" % (interp, ", ".join("%#x^%#04x" % (va, m) for va, _, m in flips[:4]))
        if len(flips) > 4:
            label += " and %d more (seed %d)" % (len(flips) - 4, d.o.seed)
        d.analyze(kind, label, [exe, copy], expect=REPORT_CODES)
        for (_, off, _), old in reversed(list(zip(flips, originals))):
            elfcore.write_at(copy, off, old)
        with free_lock:
            free.append(copy)

    with concurrent.futures.ThreadPoolExecutor(d.o.jobs) as pool:
        list(pool.map(one, plans))
    flips_done[0] += sum(len(p) for p in plans)
    for copy in copies:
        os.unlink(copy)
    return len(segments), total


def share(total, parts, rank):
    """Part `rank` of `total` split as evenly as possible into `parts`."""
    return total // parts + (1 if rank < total % parts else 0)


def replay_regressions(d, cores, work):
    by_key = dict(((c[0], c[1]), c) for c in cores)
    for interp, scenario, address, mask in REGRESSIONS:
        found = by_key.get((interp, scenario))
        if not found:
            print("skipped regression %s/%s %#x: no such core" % (interp, scenario, address))
            continue
        _, _, exe, path, _ = found
        copy = os.path.join(work, "regression")
        elfcore.sparse_copy(path, copy)
        offset = elfcore.Core(copy).file_offset(address)
        old = elfcore.read_at(copy, offset, 1)
        elfcore.write_at(copy, offset, bytes([old[0] ^ mask]))
        d.analyze("regressions", "%s %#x^%#04x" % (interp, address, mask), [exe, copy],
                  expect=REPORT_CODES)
        os.unlink(copy)


def summary(d, flips_done, started, options):
    by_kind = collections.OrderedDict()
    for run in d.runs:
        by_kind.setdefault(run.kind, []).append(run)
    print("\nrobustness.damage: %d runs in %.0f s (jobs %d, budget %.0f s per run, seed %d)"
          % (len(d.runs), time.monotonic() - started, options.jobs, options.budget, options.seed))
    for kind, runs in by_kind.items():
        codes = collections.Counter(str(r.code) for r in runs)
        failed = sum(1 for r in runs if r.problems)
        slowest = max(runs, key=lambda r: r.seconds)
        print("  %-12s %5d runs, %d failed; exit codes %s; slowest %.2f s (%s)" % (
            kind, len(runs), failed, " ".join("%s:%d" % kv for kv in sorted(codes.items())),
            slowest.seconds, slowest.label[:60]))
    print("  byte flips: %d spread (%d runs x %d per run) + %d clustered (%d runs x %d in one "
          "page), over %d interpreters%s" % (
              flips_done[0], options.runs, options.flips_per_run, flips_done[1],
              options.cluster_runs, CLUSTER_FLIPS, options.flip_interpreters,
              "" if options.runs >= 1000 else
              "  [reduced from the default 1000 runs by --runs/PYCORE_DAMAGE_RUNS]"))
    failed = [r for r in d.runs if r.problems]
    print("%d passed, %d failed" % (len(d.runs) - len(failed), len(failed)))
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus")
    parser.add_argument("analyzer")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("PYCORE_DAMAGE_RUNS", 1000)),
                        help="byte-flip runs in total (env PYCORE_DAMAGE_RUNS, default 1000)")
    parser.add_argument("--flips-per-run", type=int,
                        default=int(os.environ.get("PYCORE_DAMAGE_FLIPS_PER_RUN", 1)))
    parser.add_argument("--cluster-runs", type=int,
                        default=int(os.environ.get("PYCORE_DAMAGE_CLUSTER_RUNS", 300)),
                        help="runs with %d flips in one page (env PYCORE_DAMAGE_CLUSTER_RUNS)"
                        % CLUSTER_FLIPS)
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("PYCORE_DAMAGE_JOBS", 2)))
    parser.add_argument("--budget", type=float,
                        default=float(os.environ.get("PYCORE_DAMAGE_BUDGET", 10)),
                        help="seconds per run (env PYCORE_DAMAGE_BUDGET, default 10)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", default=None, help="only this interpreter id")
    options = parser.parse_args()
    started = time.monotonic()

    cores = usable_cores(options.corpus)
    if options.only:
        cores = [c for c in cores if c[0] == options.only]
    if not cores:
        print("no usable core in %s" % options.corpus)
        return 77
    libs = ["/usr/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libm.so.6"]
    lib = next((l for l in libs if os.path.exists(l)), "/usr/bin/true")

    with tempfile.TemporaryDirectory(prefix="pycore-damage-") as tmp:
        options.tmp = tmp
        d = Driver(options)
        rng = random.Random(options.seed)
        flip_cores = [c for c in cores if not c[4]]
        options.flip_interpreters = len(flip_cores)
        flips_done = [0, 0]
        for index, (interp, scenario, exe, path, py2) in enumerate(cores):
            work = os.path.join(tmp, interp)
            os.makedirs(work)
            # Baseline: the undamaged core, which also fills the layout cache.
            d.analyze("clean", interp, [exe, path], expect={5} if py2 else {0, 1})
            damage_truncated(d, interp, exe, path, py2, work)
            damage_nt_file(d, interp, exe, path, py2, work)
            other = cores[(index + 1) % len(cores)] if len(cores) > 1 else None
            others = {"lib": lib, "exe": (other[0], other[2]) if other else None}
            damage_sysroot(d, interp, exe, path, py2, work, others)
            if not py2:
                rank = flip_cores.index((interp, scenario, exe, path, py2))
                damage_flips(d, interp, exe, path, share(options.runs, len(flip_cores), rank),
                             options.flips_per_run, rng, work, flips_done)
                clustered = [0]
                damage_flips(d, interp, exe, path,
                             share(options.cluster_runs, len(flip_cores), rank), CLUSTER_FLIPS,
                             rng, work, clustered, kind="clusters", window=PAGE)
                flips_done[1] += clustered[0]
            shutil.rmtree(work)
        replay_regressions(d, cores, tmp)
        return summary(d, flips_done, started, options)


if __name__ == "__main__":
    sys.exit(main())
