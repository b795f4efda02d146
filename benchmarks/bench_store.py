"""The class store: write throughput with 30 concurrent writer processes (SQLite and PostgreSQL),
database size per 1,000 answers, and the cost of the live-poll reads (current_poll, poll_tally) that
every student's kernel repeats once or twice a second. Results: benchmarks/results.json, section "store".

PostgreSQL is a real server started here (tests/support/pg_server.py) with fsync on, as in production.
Run: .venv/bin/python benchmarks/bench_store.py [--writers 30] [--answers 200]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from common import save, summary
from support import store_workers
from support.pg_server import PgServer

from triage.content.cases import load_cases
from triage.store import open_store
from triage.store.identity import Learner
from triage.store.postgres import SCHEMA

KERNELS, READS_PER_S = 30, 2  # a class: every kernel refreshes the poll once or twice a second


def _open(location: str, options: dict[str, Any] | None) -> Any:
    return store_workers.open_for_test(location, options)


def _poll_with_answers(store: Any, answers: int = 30) -> int:
    poll = store.open_poll("hip-oa-grandfather", "where", ["primary_care", "orthopedic_surgeon", "physiatrist",
                                                            "emergency_department"])
    for i in range(answers):
        store.answer_poll(poll.id, Learner(f"name:reader {i}", f"Reader {i}", "name"), [poll.options[i % 4]])
    return poll.id


def throughput(location: str, options: dict[str, Any] | None, writers: int, answers: int) -> dict[str, Any]:
    """``writers`` processes x ``answers`` answers at once, while this process keeps reading the poll."""
    store = _open(location, options)
    poll_id = _poll_with_answers(store)
    reads: list[float] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            t0 = time.perf_counter()
            store.current_poll()
            store.poll_tally(poll_id)
            reads.append(time.perf_counter() - t0)
            stop.wait(0.05)

    thread = threading.Thread(target=reader)
    thread.start()
    run = store_workers.run_writers(location, writers, answers, options)
    stop.set()
    thread.join()
    rows = len(store.class_answers())
    store.close()
    durations = [d * 1000 for per_writer in run.durations for d in per_writer]
    return {
        "answers_per_s": len(durations) / run.seconds,
        "seconds": run.seconds,
        "rows": rows,
        "errors": len(run.errors),
        "write_ms": summary(durations),
        "poll_read_ms_during_writes": summary([r * 1000 for r in reads]),
    }


def _realistic_answers(students: int) -> list[tuple[Learner, str, str, list[str], bool]]:
    """Answers shaped like a real class's: library case ids, question ids and option ids."""
    out = []
    cases = load_cases()
    for i in range(students):
        learner = Learner(f"name:student number {i}", f"Student Number {i}", "name")
        for case in cases:
            for q in case.questions:
                option = q.options[i % len(q.options)]
                out.append((learner, case.id, q.id, [option.id], option.correct))
    return out


def size_per_1000(location: str, options: dict[str, Any] | None, students: int = 100) -> dict[str, float]:
    """Bytes the store grows by per 1,000 realistic answers (tables and indexes, after a checkpoint)."""
    store = _open(location, options)

    def used() -> int:
        if "://" in location:
            conn = store._db().conn
            return int(conn.execute(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n"
                " ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'", (SCHEMA,)).fetchone()[0])
        store._db().conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return Path(location).stat().st_size

    before = used()
    answers = _realistic_answers(students)
    for learner, case, question, chosen, correct in answers:
        store.record_answer(learner, case, question, chosen, correct)
    grown = used() - before
    store.close()
    return {"answers": len(answers), "bytes_per_1000_answers": grown * 1000 / len(answers)}


def read_cost(location: str, rounds: int = 2000) -> dict[str, float]:
    """Wall and CPU time of one current_poll and one poll_tally (a 30-answer poll), in one process."""
    store = open_store(location)
    poll_id = _poll_with_answers(store)
    timings: dict[str, float] = {}
    for name, call in (("current_poll", store.current_poll), ("poll_tally", lambda: store.poll_tally(poll_id))):
        for _ in range(100):
            call()
        walls = []
        cpu0 = time.process_time()
        for _ in range(rounds):
            t0 = time.perf_counter()
            call()
            walls.append(time.perf_counter() - t0)
        timings[f"{name}_us"] = statistics.median(walls) * 1e6
        timings[f"{name}_cpu_us"] = (time.process_time() - cpu0) / rounds * 1e6
    store.close()
    pair_cpu_s = (timings["current_poll_cpu_us"] + timings["poll_tally_cpu_us"]) / 1e6
    timings["class_kernel_cpu_percent"] = KERNELS * READS_PER_S * pair_cpu_s * 100
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writers", type=int, default=30)
    parser.add_argument("--answers", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-store-"))
    server = PgServer(settings={"fsync": "on"}).start()
    load = os.getloadavg()
    try:
        backends: dict[str, tuple[Any, dict[str, Any] | None]] = {
            "sqlite": (lambda n: str(work / f"{n}.db"), None),
            "sqlite, synchronous=NORMAL": (lambda n: str(work / f"{n}-normal.db"), {"synchronous": "NORMAL"}),
            "postgresql": (server.create_database, None),
        }
        results: dict[str, Any] = {
            "writers": args.writers, "answers_each": args.answers, "kernels_reading": KERNELS,
            "reads_per_kernel_per_s": READS_PER_S, "load_average_at_start": [round(x, 1) for x in load],
            "throughput": {}, "size": {}, "reads": {},
        }
        for name, (location, options) in backends.items():
            print(f"{name}: {args.writers} writers x {args.answers} answers ...", flush=True)
            results["throughput"][name] = throughput(location("writers"), options, args.writers, args.answers)
            results["size"][name] = size_per_1000(location("size"), options)
            if options is None:
                results["reads"][name] = read_cost(location("reads"))
        results["load_average_at_end"] = [round(x, 1) for x in os.getloadavg()]
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    save("store", results)
    for section in ("throughput", "size", "reads"):
        for name, values in results[section].items():
            print(section, name, {k: (round(v, 1) if isinstance(v, float) else v) for k, v in values.items()
                                  if not isinstance(v, dict)})


if __name__ == "__main__":
    main()
