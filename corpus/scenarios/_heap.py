"""Raw access to object headers for the heap-corruption scenarios.

Everything here works on addresses (``id(obj)``) rather than on objects: a
corrupted object must never be touched through Python again, and passing it
to ctypes as ``py_object`` would incref/decref it behind our back.
"""

import ctypes
import sys

# Py_TRACE_REFS builds put _ob_next/_ob_prev (16 bytes) in front of
# ob_refcnt; they show up as a 32-byte bare object instead of 16.  This is
# not the same as Py_DEBUG: python3.11d has no trace refs.
REFCNT_OFFSET = 16 if sys.getsizeof(object()) == 32 else 0
TYPE_OFFSET = REFCNT_OFFSET + ctypes.sizeof(ctypes.c_ssize_t)

# Py_IncRef/Py_DecRef take the address as a plain pointer and return nothing,
# so a call allocates no result object next to a block we have just freed.
_address_api = ctypes.PYFUNCTYPE(None, ctypes.c_void_p)
incref = _address_api(("Py_IncRef", ctypes.pythonapi))
decref = _address_api(("Py_DecRef", ctypes.pythonapi))


def refcnt(address):
    # On 3.12+ the word is a union with the 32-bit split refcount; for
    # ordinary (non-immortal) objects the full word is the count.
    return ctypes.c_ssize_t.from_address(address + REFCNT_OFFSET).value


def set_refcnt(address, value):
    ctypes.c_ssize_t.from_address(address + REFCNT_OFFSET).value = value


def type_pointer(address):
    return ctypes.c_void_p.from_address(address + TYPE_OFFSET).value


def set_type_pointer(address, value):
    ctypes.c_void_p.from_address(address + TYPE_OFFSET).value = value


def buffer_address(data):
    """Address of a bytes object's character buffer (not of the object)."""
    return ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p).value


def referrer(container, slot):
    """How the truth names one slot of one container holding a victim."""
    return {"address": id(container), "type": type(container).__name__, "slot": slot}


def layout():
    """Header offsets used, recorded so a mismatch is easy to spot."""
    return {"refcnt_offset": REFCNT_OFFSET, "type_offset": TYPE_OFFSET}
