"""Code that runs in the separate processes of the store's concurrency, crash and property tests
(one process per simulated kernel), and in ``benchmarks/bench_store.py``.

Functions here are importable by name so any multiprocessing start method can run them.
"""

from __future__ import annotations

import multiprocessing
import time
from dataclasses import dataclass
from typing import Any

from triage.store import open_store
from triage.store.identity import Learner


def context() -> Any:
    """A start method that is safe with a threaded parent (pytest-xdist) and quick after the first child."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["support.store_workers", "triage.store.sqlite", "triage.store.postgres", "psycopg"])
    return ctx


def student(i: int, prefix: str = "") -> Learner:
    return Learner(f"name:{prefix}student {i}", f"{prefix}Student {i}", "name")


def open_for_test(location: str, sqlite_options: dict[str, Any] | None = None) -> Any:
    """``open_store(location)``, or a SQLite store with non-default options (benchmarks compare them)."""
    if sqlite_options:
        from triage.store.sqlite import SqliteStore

        return SqliteStore(location, **sqlite_options)
    return open_store(location)


def _write_answers(location: str, index: int, count: int, barrier: Any, results: Any,
                   sqlite_options: dict[str, Any] | None) -> None:
    """One kernel: open the store, wait for everyone, record ``count`` answers (one transaction each),
    and put (index, each write's duration in seconds, error or None) on ``results``."""
    try:
        store = open_for_test(location, sqlite_options)
        learner = student(index)
        barrier.wait(timeout=300)
        durations = []
        for j in range(count):
            t0 = time.perf_counter()
            store.record_answer(learner, f"case-{j % 10}", f"q{j}", [f"o{j % 3}"], j % 2 == 0)
            durations.append(time.perf_counter() - t0)
        store.close()
        results.put((index, durations, None))
    except Exception as exc:  # reported to the parent
        results.put((index, [], f"{type(exc).__name__}: {exc}"))


@dataclass
class WriterRun:
    seconds: float  # from the moment every writer was ready to the last answer
    durations: list[list[float]]  # per writer, per answer
    errors: list[str]


def run_writers(location: str, writers: int, count: int, sqlite_options: dict[str, Any] | None = None) -> WriterRun:
    """``writers`` processes record ``count`` answers each into the store at ``location``, all at once."""
    ctx = context()
    barrier = ctx.Barrier(writers + 1)
    results = ctx.Queue()
    processes = [ctx.Process(target=_write_answers, args=(location, i, count, barrier, results, sqlite_options))
                 for i in range(writers)]
    for process in processes:
        process.start()
    barrier.wait(timeout=300)
    start = time.perf_counter()
    collected = sorted(results.get(timeout=900) for _ in processes)
    seconds = time.perf_counter() - start
    for process in processes:
        process.join(60)
    return WriterRun(seconds, [d for _, d, _ in collected], [e for _, _, e in collected if e])


def write_until_killed(location: str, conn: Any) -> None:
    """Record answers forever, reporting each one after ``record_answer`` returned (it is committed)."""
    store = open_store(location)
    learner = student(0)
    for j in range(1_000_000):
        store.record_answer(learner, "case-a", f"q{j}", ["gp"], True)
        conn.send(j)


def die_inside_a_transaction(location: str, committed: int, conn: Any) -> None:
    """Commit ``committed`` answers, then write one more inside the store's own write transaction and
    wait there (holding the write lock) to be killed before it commits."""
    store = open_store(location)
    learner = student(0)
    for j in range(committed):
        store.record_answer(learner, "case-a", f"q{j}", ["gp"], True)

    def body(db: Any) -> None:
        db.execute("INSERT INTO answers (session_id, learner_key, case_id, question_id, chosen, correct, at)"
                   " VALUES (1, ?, 'case-a', 'uncommitted', '[\"ed\"]', FALSE, 0)", (learner.key,))
        db.execute("UPDATE answers SET chosen = '[\"changed\"]' WHERE learner_key = ? AND question_id = 'q0'",
                   (learner.key,))
        conn.send("inside")
        time.sleep(3600)

    store._write(body)


def serve(conn: Any) -> None:
    """A long-lived kernel for the property test: run commands from the parent until told to stop."""
    stores: dict[str, Any] = {}
    while True:
        command, *args = conn.recv()
        try:
            if command == "stop":
                for store in stores.values():
                    store.close()
                conn.send(("ok", None))
                return
            location, key = args[0], args[1]
            store = stores.get(location) or stores.setdefault(location, open_store(location))
            learner = Learner(key, key, "name")
            if command == "record":
                question, option = args[2], args[3]
                store.record_answer(learner, "case-p", question, [option], option == "a")
                conn.send(("ok", None))
            elif command == "reload":
                record = store.learner_record(learner)
                conn.send(("ok", {q: a.chosen[0] for q, a in record.case_answers("case-p").items()}))
        except Exception as exc:  # reported to the parent, which fails the test with it
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
