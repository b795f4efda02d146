"""Many kernels, one class store, on SQLite and on a real PostgreSQL server: concurrent writers lose
nothing, a writer killed with SIGKILL loses only what it had not committed and leaves a readable
database, and any sequence of record/reload calls from several processes ends with the last answer
of each student per question. Every kernel is a real process (tests/support/store_workers.py)."""

from __future__ import annotations

import itertools
import os
import signal
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import store_workers

from triage.store import open_store
from triage.store.identity import Learner

WRITERS, ANSWERS_EACH = 30, 200


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "class.db")
    return request.getfixturevalue("pg_url")


def _check_readable(location: str) -> None:
    """The database is whole: SQLite's integrity check passes, and a new write works at once."""
    if "://" not in location:
        with sqlite3.connect(location) as db:
            assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    store = open_store(location)
    store.record_answer(store_workers.student(0), "case-a", "q0", ["after"], True)
    assert store.learner_record(store_workers.student(0)).case_answers("case-a")["q0"].chosen == ("after",)
    store.close()


def test_30_writers_with_200_answers_each_end_with_6000_rows(location):
    open_store(location).close()  # the schema exists before the race (creating it at once is tested apart)
    run = store_workers.run_writers(location, WRITERS, ANSWERS_EACH)
    assert run.errors == []
    assert [len(d) for d in run.durations] == [ANSWERS_EACH] * WRITERS
    store = open_store(location)
    rows = store.class_answers()
    assert len(rows) == WRITERS * ANSWERS_EACH == 6000
    assert {(r.learner_key, r.question_id) for r in rows} == {
        (store_workers.student(i).key, f"q{j}") for i in range(WRITERS) for j in range(ANSWERS_EACH)}
    for i in (0, WRITERS - 1):
        record = store.learner_record(store_workers.student(i))
        assert sum(len(record.case_answers(f"case-{c}")) for c in range(10)) == ANSWERS_EACH
        assert record.case_answers("case-7")["q17"].chosen == ("o2",)


def _kill(process) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.join(30)
    assert process.exitcode == -signal.SIGKILL


def test_a_writer_killed_inside_its_transaction_loses_only_that_transaction(location):
    ctx = store_workers.context()
    parent, child = ctx.Pipe()
    writer = ctx.Process(target=store_workers.die_inside_a_transaction, args=(location, 40, child))
    writer.start()
    assert parent.poll(120), "the writer never reached its transaction"
    assert parent.recv() == "inside"
    _kill(writer)
    record = open_store(location).learner_record(store_workers.student(0))
    answers = record.case_answers("case-a")
    assert set(answers) == {f"q{j}" for j in range(40)}  # the committed 40, not the uncommitted insert
    assert answers["q0"].chosen == ("gp",)  # nor its uncommitted update
    _check_readable(location)


def test_a_writer_killed_at_a_random_moment_keeps_every_committed_answer(location):
    ctx = store_workers.context()
    parent, child = ctx.Pipe()
    writer = ctx.Process(target=store_workers.write_until_killed, args=(location, child))
    writer.start()
    reported: list[int] = []
    target = 60 + int.from_bytes(os.urandom(1), "big")  # somewhere in the middle of a run of writes
    while len(reported) < target:
        assert parent.poll(120), "the writer stopped reporting"
        reported.append(parent.recv())
    _kill(writer)
    while parent.poll(0):  # sent before the kill, after its commit
        reported.append(parent.recv())
    stored = set(open_store(location).learner_record(store_workers.student(0)).case_answers("case-a"))
    assert {f"q{j}" for j in reported} <= stored
    assert len(stored) <= len(reported) + 1  # at most the one in flight, committed but not yet reported
    _check_readable(location)


# -- property: the last answer wins, whichever process gave it and whichever process reads it ----------

PROCESSES, STUDENTS, QUESTIONS = 3, 2, 3
operation = st.one_of(
    st.tuples(st.just("record"), st.integers(0, PROCESSES - 1), st.integers(0, STUDENTS - 1),
              st.integers(0, QUESTIONS - 1), st.sampled_from("abc")),
    st.tuples(st.just("reload"), st.integers(0, PROCESSES - 1), st.integers(0, STUDENTS - 1)),
)


class Kernels:
    """Long-lived worker processes, each with its own connection to the store."""

    def __init__(self) -> None:
        ctx = store_workers.context()
        self.pipes, self.processes = [], []
        for _ in range(PROCESSES):
            parent, child = ctx.Pipe()
            process = ctx.Process(target=store_workers.serve, args=(child,), daemon=True)
            process.start()
            self.pipes.append(parent)
            self.processes.append(process)

    def call(self, index: int, *command):
        self.pipes[index].send(command)
        assert self.pipes[index].poll(120), f"kernel {index} did not answer {command}"
        status, value = self.pipes[index].recv()
        assert status == "ok", value
        return value

    def stop(self) -> None:
        for index, process in enumerate(self.processes):
            self.call(index, "stop")
            process.join(30)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def property_store(request, tmp_path_factory):
    """(location, kernels): one store per backend for the whole property test; each example uses new keys."""
    if request.param == "sqlite":
        location = str(tmp_path_factory.mktemp("property") / "class.db")
    else:
        location = request.getfixturevalue("pg_server").create_database("property")
    kernels = Kernels()
    yield location, kernels
    kernels.stop()


examples = itertools.count()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=1, max_size=30))
def test_any_sequence_of_records_and_reloads_ends_with_the_last_answer(property_store, operations):
    location, kernels = property_store
    prefix = f"name:ex{next(examples)}-"
    expected: dict[int, dict[str, str]] = {s: {} for s in range(STUDENTS)}
    for op in operations:
        if op[0] == "record":
            _, proc, who, question, option = op
            kernels.call(proc, "record", location, f"{prefix}{who}", f"q{question}", option)
            expected[who][f"q{question}"] = option
        else:
            _, proc, who = op
            assert kernels.call(proc, "reload", location, f"{prefix}{who}") == expected[who]
    store = open_store(location)
    for who in range(STUDENTS):
        record = store.learner_record(Learner(f"{prefix}{who}", "x", "name"))
        assert {q: a.chosen[0] for q, a in record.case_answers("case-p").items()} == expected[who]
    store.close()
