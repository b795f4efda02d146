"""Live poll under a class: 30 students answer within 5 s; how long until the presenter's chart shows each answer?

A real server (``python -m triage serve``) with a SQLite class store. The presenter runs in real Chromium
(``06_instructor`` with the instructor key) and opens a poll through its own button. One student answers
in real Chromium through the class panel of a student app (pick an option, then "Send my answer"); the other
students are simulated by processes that do what a student's kernel does when "Send" is clicked
(``store.answer_poll``), each at a random moment within the 5-second window. A MutationObserver in the
presenter's page records when the "N answered" count changes. For the k-th answer to arrive, the
latency is the time until the chart first shows k or more answers; lost answers are those the chart
never counts. Target (issue 10): p95 < 1 s, 0 lost.

Run from benchmarks/: ``../.venv/bin/python bench_poll.py [--students 30] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import tempfile
import time
from pathlib import Path

from common import save, summary
from playwright.sync_api import expect, sync_playwright
from support.browser_support import ARGS
from support.browser_support import student_chromium_path as chromium_path
from support.voila_server import serve

WINDOW_S = 5.0
SETTLE_S = 4.0
RENDER_MS = 120_000
OBSERVER_JS = """
() => {
  window.__counts = [];
  const read = () => {
    const el = document.querySelector('.triage-poll-count');
    if (!el) return;
    const n = parseInt(el.textContent, 10);
    const last = window.__counts.length ? window.__counts[window.__counts.length - 1][1] : -1;
    if (!Number.isNaN(n) && n !== last) window.__counts.push([Date.now() / 1000, n]);
  };
  new MutationObserver(read).observe(document.body, {subtree: true, childList: true, characterData: true});
  read();
}
"""


def _student(db: str, poll_id: int, option: str, name: str, at: float, out: multiprocessing.Queue) -> None:
    """One simulated student: at wall-clock time ``at``, record an answer as the student's kernel would."""
    from triage.store import open_store
    from triage.store.identity import Learner, name_key

    store = open_store(db)
    time.sleep(max(0.0, at - time.time()))
    store.answer_poll(poll_id, Learner(name_key(name), name, "name"), [option])
    out.put((name, time.time()))
    store.close()


def _first_reaching(counts: list[list[float]], k: int) -> float | None:
    for t, n in counts:
        if n >= k:
            return t
    return None


def one_round(browser, server, db: str, students: int, student_app: str, seed: int) -> dict:
    from triage.store import open_store

    rng = random.Random(seed)
    presenter = browser.new_context(viewport={"width": 1024, "height": 768}).new_page()
    presenter.set_default_timeout(RENDER_MS)
    presenter.goto(f"{server.url}/voila/render/06_instructor.ipynb?key={server.instructor_key}")
    expect(presenter.locator(".triage-next-stage")).to_be_visible(timeout=RENDER_MS)
    student = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    student.set_default_timeout(RENDER_MS)
    student.goto(f"{server.url}/voila/render/{student_app}?student=Real%20student%20{seed}")
    expect(student.locator(".triage-app").first).to_be_visible(timeout=RENDER_MS)

    presenter.get_by_role("button", name="Open poll (P)").click()
    store = open_store(db)
    deadline = time.time() + 30
    poll = store.current_poll()
    while poll is None and time.time() < deadline:
        time.sleep(0.05)
        poll = store.current_poll()
    if poll is None:
        raise RuntimeError("the presenter's 'Open poll' did not open a poll")
    expect(presenter.locator(".triage-poll-count")).to_contain_text("0 answered", timeout=RENDER_MS)
    presenter.evaluate(OBSERVER_JS)
    panel = student.locator(".triage-poll-panel")
    expect(panel.get_by_role("radio").first).to_be_visible(timeout=RENDER_MS)

    start = time.time() + 1.0
    queue: multiprocessing.Queue = multiprocessing.Queue()
    procs = []
    for i in range(students - 1):
        at = start + rng.uniform(0, WINDOW_S)
        p = multiprocessing.Process(target=_student, args=(db, poll.id, rng.choice(poll.options), f"Sim {seed}-{i}",
                                                          at, queue))
        p.start()
        procs.append(p)
    time.sleep(max(0.0, start + rng.uniform(0, WINDOW_S) - time.time()))
    panel.get_by_role("radio").first.check()
    clicked = time.time()
    panel.get_by_role("button", name="Send my answer").click()
    answers = [("Real", clicked)]
    for p in procs:
        p.join(timeout=60)
    while not queue.empty():
        answers.append(queue.get())
    time.sleep(SETTLE_S)
    counts = presenter.evaluate("window.__counts")
    final = store.poll_tally(poll.id).answered
    store.close_poll(poll.id)  # the next round's presenter starts with no poll open
    store.close()
    answers.sort(key=lambda a: a[1])
    latencies, lost = [], 0
    for k, (_, t) in enumerate(answers, start=1):
        seen = _first_reaching(counts, k)
        if seen is None:
            lost += 1
        else:
            latencies.append(max(0.0, seen - t))
    presenter.context.close()
    student.context.close()
    return {"answers": len(answers), "stored": final, "chart_final": counts[-1][1] if counts else 0,
            "lost": lost, "latency_s": latencies}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--student-app", default="03_red_flags.ipynb")
    args = parser.parse_args()
    rounds = []
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        db = str(Path(tmp) / "class.db")
        with serve(Path(tmp), env={"TRIAGE_CLASS_DB": db}) as server:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=ARGS, headless=True)
            for r in range(args.rounds):
                rounds.append(one_round(browser, server, db, args.students, args.student_app, seed=r + 1))
                print(f"round {r + 1}: {rounds[-1]['answers']} answers, lost {rounds[-1]['lost']}, "
                      f"p95 {summary(rounds[-1]['latency_s'])['p95']:.2f} s", flush=True)
            browser.close()
    everything = [x for r in rounds for x in r["latency_s"]]
    result = {
        "students": args.students, "window_s": WINDOW_S, "rounds": len(rounds),
        "student_app": args.student_app,
        "latency_s": summary(everything),
        "lost": sum(r["lost"] for r in rounds),
        "answers": sum(r["answers"] for r in rounds),
        "stored": sum(r["stored"] for r in rounds),
        "load_average_at_start": [round(x, 1) for x in load_start],
        "load_average_at_end": [round(x, 1) for x in os.getloadavg()],
    }
    save("poll", result)
    print(result)


if __name__ == "__main__":
    main()
