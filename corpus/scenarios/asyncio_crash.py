"""asyncio_crash: SIGSEGV inside a coroutine two levels deep under the event loop.

main() runs outer() with asyncio.run (loop.run_until_complete on 3.6, which
has no asyncio.run); outer awaits inner, which crashes through ctypes.
Proves: coroutine frames are found and linked to the event loop's frames
(Task steps are C code in _asyncio, Handle._run and the loop are Python).
"""

import asyncio
import ctypes

import _truth


async def inner(request_id):
    payload = {"id": request_id, "state": "processing"}
    attempt = 3
    _truth.crash_imminent(_truth.SIGSEGV, via="ctypes.string_at")
    ctypes.string_at(0)  # CRASH
    return payload


async def outer():
    request_id = 7
    result = await inner(request_id)
    return result


def main():
    _truth.begin()
    if hasattr(asyncio, "run"):
        asyncio.run(outer())
    else:  # 3.6
        loop = asyncio.new_event_loop()
        loop.run_until_complete(outer())


if __name__ == "__main__":
    main()
