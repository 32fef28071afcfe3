"""exc_chain: abort while handling an exception that has both a cause and a context.

RuntimeError("config unusable") is raised ``from`` a ValueError (explicit
__cause__) inside the handler of a KeyError (implicit __context__).  main()
catches the RuntimeError and aborts.  Proves: both chains are followed, each
link with its type and message.
"""

import os

import _truth


def parse_port(text):
    return int(text)


def read_setting(settings, name):
    return settings[name]


def load_config(settings):
    try:
        parse_port(settings["port"])
    except ValueError as err:
        # Kept past the handler: it becomes the explicit cause below, while the
        # KeyError handled at that moment becomes the implicit context.
        bad_port = err
    try:
        read_setting(settings, "host")
    except KeyError:
        raise RuntimeError("config unusable") from bad_port


def main():
    _truth.begin()
    settings = {"port": "eighty"}
    try:
        load_config(settings)
    except RuntimeError as err:
        _truth.crash_imminent(_truth.SIGABRT, via="os.abort")
        os.abort()  # CRASH


if __name__ == "__main__":
    main()
