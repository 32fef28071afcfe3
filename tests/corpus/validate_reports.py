"""Validates `pycore-analyze --json` for every core of the corpus against the schema.

Usage: validate_reports.py CORPUS_DIR ANALYZER SCHEMA
Runs with Debian's python3 (python3-jsonschema). Exits 1 on any invalid report,
and when the corpus holds no core at all.
"""
import json
import subprocess
import sys

import jsonschema


def main():
    corpus_dir, analyzer, schema_path = sys.argv[1:4]
    with open(schema_path) as f:
        schema = json.load(f)
    validator = jsonschema.Draft202012Validator(schema)
    with open(corpus_dir + "/manifest.json") as f:
        manifest = json.load(f)
    executables = {i["id"]: i["executable"] for i in manifest["interpreters"]}
    checked = failed = 0
    for entry in manifest["entries"]:
        if entry["status"] != "ok":
            print("skipped %s/%s: %s" % (entry["interpreter"], entry["scenario"], entry.get("reason")))
            continue
        args = [analyzer, "--json", executables[entry["interpreter"]], entry["core"]]
        run = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        name = "%s/%s" % (entry["interpreter"], entry["scenario"])
        try:
            report = json.loads(run.stdout)
        except ValueError:
            print("FAIL %s: no JSON (exit %d): %s" % (name, run.returncode, run.stderr.decode()[:300]))
            failed += 1
            continue
        errors = sorted(validator.iter_errors(report), key=lambda e: list(e.path))
        for error in errors[:5]:
            print("FAIL %s: %s at %s" % (name, error.message[:200], "/".join(map(str, error.path))))
        failed += bool(errors)
        checked += 1
    print("%d passed, %d failed" % (checked - failed, failed))
    return 1 if failed or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
