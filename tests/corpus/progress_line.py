"""corpus.progress_line: the heap progress line appears on a terminal only, and is erased.

Usage: progress_line.py CORPUS_DIR ANALYZER
On one heap_leak_5000 core per interpreter, runs `ANALYZER --json` with stderr on a
pseudo-terminal or on a pipe. Corpus cores take far less than the line's one-second delay,
so the test shortens it with the test-only PYCORE_TEST_PROGRESS_DELAY_MS; one run keeps the
real delay and must show nothing. Exits 1 on any failure, and when no core was checked.
"""
import json
import os
import pty
import subprocess
import sys

ERASE = b"\r\x1b[K"


def run(analyzer, args, tty, delay_ms):
    env = dict(os.environ)
    env.pop("PYCORE_TEST_PROGRESS_DELAY_MS", None)
    if delay_ms is not None:
        env["PYCORE_TEST_PROGRESS_DELAY_MS"] = str(delay_ms)
    if not tty:
        p = subprocess.run([analyzer] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env, timeout=120)
        return p.returncode, p.stdout, p.stderr
    master, slave = pty.openpty()
    p = subprocess.Popen([analyzer] + args, stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    err = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        err += chunk
    os.close(master)
    out, _ = p.communicate(timeout=120)
    return p.returncode, out, err


def main():
    corpus_dir, analyzer = sys.argv[1:3]
    with open(os.path.join(corpus_dir, "manifest.json")) as f:
        manifest = json.load(f)
    executables = {i["id"]: i["executable"] for i in manifest["interpreters"]}
    checked = failures = 0

    def expect(cond, what):
        nonlocal failures
        if not cond:
            failures += 1
            print("FAILED: " + what)

    for entry in manifest["entries"]:
        if entry["scenario"] != "heap_leak_5000" or entry["status"] != "ok":
            continue
        name = entry["interpreter"]
        args = ["--json", executables[name], entry["core"]]
        code, out, err = run(analyzer, args, tty=True, delay_ms=0)
        expect(b"heap: " in err, "%s: no progress line on a terminal: %r" % (name, err[:200]))
        expect(err.endswith(ERASE), "%s: progress line not erased: %r" % (name, err[-40:]))
        expect(b"heap: " not in out, "%s: progress text on stdout" % name)
        try:
            json.loads(out)
        except ValueError:
            expect(False, "%s: stdout is not one JSON document" % name)
        code_pipe, _, err_pipe = run(analyzer, args, tty=False, delay_ms=0)
        expect(b"heap: " not in err_pipe, "%s: progress line without a terminal" % name)
        expect(code_pipe == code, "%s: exit code differs with a terminal" % name)
        _, _, err_slow = run(analyzer, args, tty=True, delay_ms=None)
        expect(b"heap: " not in err_slow, "%s: progress line before its delay" % name)
        checked += 1
    print("progress line checked on %d cores, %d failures" % (checked, failures))
    if checked == 0:
        print("FAILED: no heap_leak_5000 core in the corpus")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
