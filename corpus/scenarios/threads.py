"""threads: four named threads parked in different blocking calls, main segfaults.

worker-sleep   nap()              time.sleep
worker-event   wait_for_signal()  Event.wait  (threading.py Condition.wait frames)
worker-lock    contend()          Lock.acquire on a lock main holds
worker-queue   consume()          queue.Queue.get (queue.py + threading.py frames)

Main waits until all four stacks stopped moving, then crashes through ctypes.
Proves: every thread is found, with its native id, its name and its full
Python stack (threading bootstrap frames included), not only the crashed one.
"""

import ctypes
import queue
import threading
import time

import _truth


def nap():
    _truth.register_thread()
    time.sleep(3600)


def wait_for_signal(never_set):
    _truth.register_thread()
    never_set.wait()


def contend(held_lock):
    _truth.register_thread()
    held_lock.acquire()


def consume(jobs):
    _truth.register_thread()
    jobs.get()


def start_workers():
    held_lock = threading.Lock()
    held_lock.acquire()
    plan = [
        ("worker-sleep", nap, ()),
        ("worker-event", wait_for_signal, (threading.Event(),)),
        ("worker-lock", contend, (held_lock,)),
        ("worker-queue", consume, (queue.Queue(),)),
    ]
    workers = []
    for name, target, args in plan:
        # Daemons: if main fails before crashing, the process still exits.
        worker = threading.Thread(target=target, args=args, name=name, daemon=True)
        worker.start()
        workers.append(worker)
    return workers


def main():
    _truth.begin()
    workers = start_workers()
    _truth.wait_until_blocked(workers)
    _truth.crash_imminent(_truth.SIGSEGV, via="ctypes.string_at")
    ctypes.string_at(0)  # CRASH


if __name__ == "__main__":
    main()
