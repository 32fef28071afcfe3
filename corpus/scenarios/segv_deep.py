"""segv_deep: SIGSEGV three Python calls deep, with locals of every common kind.

main -> f -> g -> h; h holds an int, a non-ASCII str, a list, a dict, a big
int (more than one digit) and a float, then makes ctypes.string_at(0) call
strlen(NULL) in libc.  Proves: the crashing thread, the Python stack with line
numbers (including ctypes' own string_at frame on top), and the decoding of
the innermost frame's locals.
"""

import ctypes

import _truth


def f(count):
    label = "outer"
    doubled = count * 2
    return g(doubled, label)


def g(value, label):
    items = [value] * 3
    shout = label.upper()
    return h(len(items), shout)


def h(width, shout):
    an_int = 42
    a_str = "héllo"
    a_list = [1, 2, 3]
    a_dict = {"k": "v", "n": 7}
    big = 2 ** 100
    a_float = 2.5
    _truth.crash_imminent(_truth.SIGSEGV, via="ctypes.string_at")
    ctypes.string_at(0)  # CRASH: strlen(NULL) in libc


def main():
    _truth.begin()
    f(21)


if __name__ == "__main__":
    main()
