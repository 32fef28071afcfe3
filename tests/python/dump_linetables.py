"""Dumps raw line tables of many code objects and the locations CPython itself derives
from them, one JSON object per line, for the C++ decoder tests.

Runs on Python 3.6+ with the standard library only. First line: {"version": [3, X]}.
Then per code object: {"name", "first", "table" (hex), "expect": [[byte_offset, line,
end_line, column, end_column], ...]} where missing values are null.
"""
import dis
import json
import sys

MODULES = ["json.decoder", "argparse", "collections", "inspect", "typing", "dis",
           "email.message", "asyncio.base_events", "pathlib", "dataclasses", "enum",
           "textwrap", "string", "difflib", "heapq", "functools"]


def code_objects(code, out, limit):
    if len(out) >= limit:
        return
    out.append(code)
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            code_objects(const, out, limit)


def expected(code):
    rows = []
    if sys.version_info >= (3, 11):
        for i, pos in enumerate(code.co_positions()):
            line, end_line, col, end_col = pos
            rows.append([2 * i, line, end_line, col, end_col])
    elif sys.version_info >= (3, 10):
        for start, end, line in code.co_lines():
            for off in range(start, end, 2):
                rows.append([off, line, line, None, None])
    else:
        starts = list(dis.findlinestarts(code))
        k = 0
        line = code.co_firstlineno
        for off in range(0, len(code.co_code), 2):
            while k < len(starts) and starts[k][0] <= off:
                line = starts[k][1]
                k += 1
            rows.append([off, line, line, None, None])
    return rows


def main():
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    print(json.dumps({"version": list(sys.version_info[:2])}))
    codes = []
    for name in MODULES:
        try:
            module = __import__(name, fromlist=["_"])
            with open(module.__file__, "rb") as f:
                source = f.read()
            codes_of_module = []
            code_objects(compile(source, module.__file__, "exec"), codes_of_module, limit)
            codes.extend(codes_of_module)
        except Exception as e:  # a module missing in an old version is not an error
            sys.stderr.write("skip %s: %s\n" % (name, e))
    for code in codes[:limit]:
        table = code.co_linetable if sys.version_info >= (3, 10) else code.co_lnotab
        print(json.dumps({"name": code.co_name, "first": code.co_firstlineno,
                          "table": table.hex(), "expect": expected(code)}))


main()
