"""Crashes during interpreter finalization: the final garbage collection runs the __del__
of a cyclic object, which calls strlen(NULL) through ctypes.
Usage: PYTHON finalizing_scenario.py TRUTH_JSON"""
import ctypes
import json
import sys


class Bomb(object):
    def __del__(self, _crash=ctypes.string_at):
        _crash(0)


with open(sys.argv[1], "w") as handle:
    json.dump({"scenario": "finalizing"}, handle)
bomb = Bomb()
bomb.cycle = bomb  # only the GC of Py_FinalizeEx frees it
