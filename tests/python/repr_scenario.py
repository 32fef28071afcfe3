"""Crashes with locals of every kind the analyzer's repr knows, after writing their
Python repr() to the JSON file named on the command line.

Usage: PYTHON repr_scenario.py TRUTH_JSON   (3.6+, standard library only)
The locals live in scenario(); the crash is ctypes.string_at(0) called from there.
"""
import collections
import ctypes
import json
import os
import sys


class Plain(object):
    def method(self):
        return self


class Slotted(object):
    __slots__ = ("a", "b")


class MyInt(int):
    pass


class MyList(list):
    pass


class MyDict(dict):
    pass


class Few(object):
    def __init__(self):
        self.x = 1
        self.y = "two"
        self.z = [3]


class Many(object):
    def __init__(self):
        for i in range(40):
            setattr(self, "attr%d" % i, i)


def outer():
    captured = 5

    def inner():
        return captured
    return inner


def gen():
    yield 1


def scenario(truth_path):
    none = None
    yes = True
    no = False
    zero = 0
    small = 42
    negative = -5
    big = 2 ** 40 + 7
    huge_negative = -(2 ** 100) + 3
    googol = 10 ** 100
    half = 1.5
    neg_zero = -0.0
    tiny = 1e-05
    large_float = 1e16
    third = 0.1 + 0.2
    infinity = float("inf")
    not_a_number = float("nan")
    empty_str = ""
    ascii_str = "hello world"
    single_quote = "it's"
    both_quotes = "a\"b'c"
    latin1 = "h\xe9llo"
    bmp = "\u65e5\u672c\u8a9e"
    astral = "smile \U0001F600"
    controls = "tab\there\nnl\x00\x7f\\"
    separators = "\u2028\xa0\xad"
    empty_bytes = b""
    some_bytes = b"abc\x00\xff'"
    empty_tuple = ()
    one_tuple = (1,)
    mixed_tuple = (1, "a", None, 2.5)
    empty_list = []
    nested_list = [1, [2, [3, [4]]], "x"]
    cyclic_list = [1, 2]
    cyclic_list.append(cyclic_list)
    empty_dict = {}
    some_dict = {"a": 1, 2: [3], (4, 5): None}
    deleted_dict = {"k%d" % i: i for i in range(10)}
    for i in range(0, 10, 2):
        del deleted_dict["k%d" % i]
    cyclic_dict = {"name": "loop"}
    cyclic_dict["self"] = cyclic_dict
    empty_set = set()
    int_set = {1, 2, 3}
    frozen = frozenset(["x"])
    empty_frozen = frozenset()
    a_type = int
    a_class = Plain
    a_function = scenario
    a_closure = outer()
    a_builtin = len
    a_builtin_method = [].append
    a_module = sys
    a_file_module = os
    an_instance = Plain()
    a_bound_method = an_instance.method
    a_slotted = Slotted()
    a_slotted.a = 1
    few_attrs = Few()
    many_attrs = Many()
    my_int = MyInt(7)
    my_int.extra = "negative tp_dictoffset"
    my_big_int = MyInt(2 ** 200)
    my_big_int.extra = "after 7 digits"
    my_list = MyList([1, 2])
    my_dict = MyDict(a=1)
    an_exception = ValueError("bad value", 3)
    a_keyerror = KeyError("missing")
    a_code = scenario.__code__
    a_generator = gen()
    an_ordered_dict = collections.OrderedDict(a=1)

    names = dict(locals())
    del names["truth_path"]
    truth = {
        "python": list(sys.version_info[:3]),
        "reprs": dict((name, repr(value)) for name, value in names.items()),
        "types": dict((name, type(value).__name__) for name, value in names.items()),
        "attributes": dict((name, dict((k, repr(v)) for k, v in vars(obj).items()))
                           for name, obj in (("few_attrs", few_attrs),
                                             ("many_attrs", many_attrs),
                                             ("an_instance", an_instance),
                                             ("my_int", my_int),
                                             ("my_big_int", my_big_int))),
    }
    with open(truth_path, "w") as handle:
        json.dump(truth, handle)
        handle.flush()
        os.fsync(handle.fileno())
    ctypes.string_at(0)


if __name__ == "__main__":
    scenario(sys.argv[1])
