"""generator_crash: SIGSEGV in a generator's body while a for loop drives it.

Proves: a suspended-then-resumed generator frame is found on the stack,
linked back to the frame iterating it, with its own locals.
"""

import ctypes

import _truth


def readings(limit):
    for index in range(limit):
        value = index * 10
        if index == 3:
            _truth.crash_imminent(_truth.SIGSEGV, via="ctypes.string_at")
            ctypes.string_at(0)  # CRASH
        yield value


def main():
    _truth.begin()
    total = 0
    for value in readings(10):
        total += value
    return total


if __name__ == "__main__":
    main()
