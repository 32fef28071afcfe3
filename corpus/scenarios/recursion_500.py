"""recursion_500: SIGSEGV at the bottom of a 500-deep recursion.

Proves: long stacks are walked completely (no depth cap below 500 frames)
and every repeated frame gets its own line and locals.
"""

import ctypes

import _truth

DEPTH = 500


def descend(remaining):
    if remaining == 1:  # the DEPTH-th descend frame
        bottom = True
        _truth.crash_imminent(_truth.SIGSEGV, via="ctypes.string_at",
                              recursion={"function": "descend", "depth": DEPTH})
        ctypes.string_at(0)  # CRASH
    return descend(remaining - 1)


def main():
    _truth.begin()
    descend(DEPTH)


if __name__ == "__main__":
    main()
