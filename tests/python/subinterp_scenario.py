"""A thread runs code in a sub-interpreter (blocked in time.sleep) while the main thread
crashes. Usage: PYTHON subinterp_scenario.py TRUTH_JSON. Exits 0 without crashing when
_testcapi is not available."""
import ctypes
import json
import sys
import threading
import time

try:
    import _testcapi
except ImportError:
    sys.exit(0)

SUB_CODE = "import time\ndef sub_sleep():\n    time.sleep(3600)\nsub_sleep()\n"


def worker():
    _testcapi.run_in_subinterp(SUB_CODE)


def main():
    thread = threading.Thread(target=worker, name="sub-worker", daemon=True)
    thread.start()
    time.sleep(1.0)  # the sub-interpreter is up and sleeping by then
    with open(sys.argv[1], "w") as handle:
        json.dump({"worker_name": thread.name}, handle)
    ctypes.string_at(0)


main()
