"""deadlock_gcore: a live, deadlocked process, snapshotted with gdb's gcore.

deadlock-a holds lock A and waits for B; deadlock-b holds B and waits for A;
the main thread waits forever in deadlock-a.join().  A short-lived reporter
thread waits until all three stacks stopped moving, writes the truth (kind
"snapshot", signal null) and exits; the generator then runs gcore on the
process and kills it.  Proves: the analyzer handles a core of a process that
did not crash (no crashed thread, no signal) and shows where each thread
blocks.
"""

import signal
import threading

import _truth

# Safety net for runs outside the generator: nobody gcores and kills us, so
# let the kernel do it.  A pending alarm changes no thread's stack.
GIVE_UP_AFTER = 300


def hold_a_then_b(first, second, both_holding):
    _truth.register_thread()
    first.acquire()
    both_holding.wait()
    second.acquire()


def hold_b_then_a(first, second, both_holding):
    _truth.register_thread()
    first.acquire()
    both_holding.wait()
    second.acquire()


def report(watched):
    _truth.wait_until_blocked(watched)
    _truth.snapshot_ready(deadlock={
        "locks": {"deadlock-a": ["holds A", "waits for B"],
                  "deadlock-b": ["holds B", "waits for A"]},
        "main": "joins deadlock-a"})


def main():
    _truth.begin()
    signal.alarm(GIVE_UP_AFTER)
    lock_a = threading.Lock()
    lock_b = threading.Lock()
    # Both must hold their first lock before either asks for its second.
    both_holding = threading.Barrier(2)
    thread_a = threading.Thread(target=hold_a_then_b, name="deadlock-a",
                                args=(lock_a, lock_b, both_holding))
    thread_b = threading.Thread(target=hold_b_then_a, name="deadlock-b",
                                args=(lock_b, lock_a, both_holding))
    thread_a.start()
    thread_b.start()
    reporter = threading.Thread(target=report, name="truth-reporter", daemon=True,
                                args=([threading.main_thread(), thread_a, thread_b],))
    reporter.start()
    thread_a.join()
    thread_b.join()


if __name__ == "__main__":
    main()
