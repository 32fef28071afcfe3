"""abort_in_except: SIGABRT from os.abort() while an exception is being handled.

ValueError("boom") is raised two calls below main() and caught there; the
handler aborts.  Proves: the analyzer finds the *handled* exception (per
version: tstate->exc_type/exc_value on 3.6, the exc_info stack on 3.7-3.10,
exc_info->exc_value on 3.11+) and its traceback.
"""

import os

import _truth


def validate(value):
    if not value.isdigit():
        raise ValueError("boom")
    return int(value)


def parse(value):
    return validate(value)


def main():
    _truth.begin()
    text = "not a number"
    try:
        parse(text)
    except ValueError as err:
        _truth.crash_imminent(_truth.SIGABRT, via="os.abort")
        os.abort()  # CRASH


if __name__ == "__main__":
    main()
