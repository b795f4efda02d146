"""A live class of 30 on one server: a poll reaching every page, answers reaching the chart, and every page
back after a 10-second outage.

A real server (``python -m triage serve``) with its SQLite class store. The presenter runs in Chromium
(``06_instructor``, 1024x768) and opens the poll with its key, as an instructor does. Students:

- ``--browsers`` of them in Chromium (390x844 phones, touch), each scrolled to the bottom of the case
  player, so the poll is out of view; their page records when the poll's bar is inside the screen;
- the rest at the protocol level (``tests/support/wire_student.py``): each fetches its page, opens its
  kernel's websocket and follows every widget, as a browser does, minus the drawing (their browsers
  would run on their own devices); the poll is "visible" when the kernel's update that opens it arrives.

Three measures:

1. **Poll open to visible**: from the presenter's key press to the poll being shown on each page.
   Target p95 < 1 s.
2. **Answer to chart**: every student answers at a random moment within 5 s through their page (the
   option, then "Send my answer"); a MutationObserver in the presenter's page records when the chart's
   "N answered" changes. The latency of the k-th answer is the time until the chart first shows k or
   more. Target p95 < 1 s, 0 lost.
3. **Reconnection after a 10 s outage**: the server is killed in the middle of the poll, stays away for
   ``--outage`` seconds and starts again on the same port with the same class folder. Meanwhile half
   the students change their answer (in Chromium: on the page, which keeps it; at the protocol level:
   kept as ``poll_notice.js`` keeps it). Pages in Chromium see the loss, reload by themselves when the
   server is back and send what they kept; protocol-level students open their page again (what the
   page's script does) and hand back what they kept. Measured: time from the restart to each page
   being live again, and whether the store ends with every student's latest answer. Target: all pages
   live again, 0 answers lost.

Run from benchmarks/: ``../.venv/bin/python bench_live_class.py [--students 30] [--browsers 2]
[--outage 10]``. Results in ``results.json`` under ``live_class``.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench_poll import OBSERVER_JS
from common import save, summary
from playwright.sync_api import Page, expect, sync_playwright
from support.browser_support import ARGS
from support.browser_support import student_chromium_path as chromium_path
from support.voila_server import serve
from support.wire_student import WireStudent

from triage.store import open_store

RENDER_MS = 180_000
WINDOW_S = 5.0
SETTLE_S = 4.0
CASES, EXPLORER, PRESENTER = "05_case_studies.ipynb", "04_triage_explorer.ipynb", "06_instructor.ipynb"
# in a student's page: the moment the poll's bar is first inside the screen
SEEN_JS = """() => {
  window.__seen = null;
  const look = () => {
    const e = document.querySelector('.triage-poll-beacon');
    if (e && !e.hidden) {
      const r = e.getBoundingClientRect();
      if (r.height > 0 && r.top >= 0 && r.bottom <= innerHeight + 1) { window.__seen = Date.now() / 1000; return; }
    }
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
}"""


def phone(browser, url: str, name: str) -> Page:
    page = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True,
                               is_mobile=True).new_page()
    page.set_default_timeout(RENDER_MS)
    page.goto(f"{url}/voila/render/{CASES}?student={name.replace(' ', '%20')}", wait_until="load")
    expect(page.locator(".triage-question").first).to_be_visible(timeout=RENDER_MS)
    page.evaluate("() => document.querySelector('.triage-nav').scrollIntoView({block: 'end'})")
    return page


def first_reaching(counts: list[list[float]], k: int) -> float | None:
    return next((t for t, n in counts if n >= k), None)


def run(args: argparse.Namespace) -> dict:
    rng = random.Random(args.seed)
    wires_n = max(0, args.students - args.browsers)
    result: dict = {"students": args.students, "browsers": args.browsers, "protocol_level": wires_n,
                    "outage_s": args.outage, "load_average_at_start": [round(x, 1) for x in os.getloadavg()]}
    with tempfile.TemporaryDirectory() as tmp_name, sync_playwright() as pw:
        tmp = Path(tmp_name)
        env = {"TRIAGE_INSTRUCTOR_KEY": None}
        pool = [f"--pool_size={args.pool}"] if args.pool else []
        browser = pw.chromium.launch(executable_path=chromium_path(), args=ARGS, headless=True)
        server = serve(tmp, env=env, args=pool)
        running = server.__enter__()
        port = int(running.url.rsplit(":", 1)[1])
        key = (tmp / "instructor-key").read_text().strip()
        teacher = browser.new_context(viewport={"width": 1024, "height": 768}).new_page()
        teacher.set_default_timeout(RENDER_MS)
        teacher.goto(f"{running.url}/voila/render/{PRESENTER}?key={key}", wait_until="load")
        expect(teacher.locator(".triage-next-stage")).to_be_visible(timeout=RENDER_MS)
        pages = [phone(browser, running.url, f"Phone {i}") for i in range(args.browsers)]
        with ThreadPoolExecutor(max_workers=6) as opener:
            wires = list(opener.map(lambda i: WireStudent(running.url, EXPLORER, f"Wire {i}", RENDER_MS / 1000).open(),
                                    range(wires_n)))
        print(f"{len(pages)} pages in Chromium and {len(wires)} at the protocol level are open", flush=True)

        # 1. poll open -> visible
        for page in pages:
            page.evaluate(SEEN_JS)
        seen: dict[str, float] = {}
        pressed = time.time()
        teacher.keyboard.press("p")
        with ThreadPoolExecutor(max_workers=max(1, len(wires))) as waiters:
            def wait_open(student: WireStudent) -> tuple[str, float]:
                student.wait_for(lambda: student.poll_state() == "open", "the poll")
                return student.name, time.time()
            for name, at in waiters.map(wait_open, wires):
                seen[name] = at - pressed
        for i, page in enumerate(pages):
            page.wait_for_function("() => window.__seen !== null", timeout=RENDER_MS)
            seen[f"Phone {i}"] = page.evaluate("window.__seen") - pressed
        result["poll_visible_s"] = summary(list(seen.values()))
        result["poll_visible_in_chromium_s"] = [round(seen[f"Phone {i}"], 3) for i in range(len(pages))]
        print(f"poll visible: p95 {result['poll_visible_s']['p95']:.2f} s", flush=True)

        # 2. answer -> chart
        store = open_store(str(tmp / "class.db"))
        poll = store.current_poll()
        teacher.evaluate(OBSERVER_JS)
        start = time.time() + 1.0
        names = {id(page): f"Phone {i}" for i, page in enumerate(pages)}
        plan = sorted([(start + rng.uniform(0, WINDOW_S), who) for who in [*pages, *wires]], key=lambda p: p[0])
        answers: list[float] = []
        chosen: dict[str, int] = {}
        for at, who in plan:
            time.sleep(max(0.0, at - time.time()))
            pick = rng.randrange(2)
            if isinstance(who, WireStudent):
                answers.append(time.time())
                who.answer(pick)
                chosen[who.name] = pick
            else:
                panel = who.locator(".triage-poll-panel")
                panel.get_by_role("radio").nth(pick).check()
                answers.append(time.time())
                panel.get_by_role("button", name="Send my answer").click()
                chosen[names[id(who)]] = pick
        time.sleep(SETTLE_S)
        counts = teacher.evaluate("window.__counts")
        latencies, lost = [], 0
        for k, t in enumerate(sorted(answers), start=1):
            reached = first_reaching(counts, k)
            if reached is None:
                lost += 1
            else:
                latencies.append(max(0.0, reached - t))
        result["answer_to_chart_s"] = summary(latencies) if latencies else {}
        result["answers"] = len(answers)
        result["lost"] = lost
        result["stored"] = store.poll_tally(poll.id).answered
        print(f"answer to chart: p95 {result['answer_to_chart_s'].get('p95', float('nan')):.2f} s, lost {lost}",
              flush=True)

        # 3. a 10 s outage in the middle of the poll
        running.proc.kill()
        running.proc.wait(30)
        changed = {}
        for i, page in enumerate(pages[: max(1, len(pages) // 2)]):  # they change their mind while it is away
            expect(page.locator(".triage-connection")).to_be_visible(timeout=10_000)
            panel = page.locator(".triage-poll-panel")
            panel.get_by_role("radio").nth(0).check()
            panel.get_by_role("button", name="Send my answer").click()
            changed[f"Phone {i}"] = 0
        kept = {}
        for student in wires[: len(wires) // 2]:
            kept[student.name] = 1 - chosen.get(student.name, 0)
        time.sleep(max(0.0, args.outage - 1))
        server.__exit__(None, None, None)
        restarted = time.time()
        server = serve(tmp, env=env, args=pool, port=port)
        server.__enter__()
        live: dict[str, float] = {}

        def reopen(student: WireStudent) -> tuple[str, float]:
            deadline = time.time() + RENDER_MS / 1000
            while True:
                try:
                    student.open()
                    break
                except Exception:
                    if time.time() > deadline:
                        raise
                    time.sleep(1)
            student.wait_for(lambda: student.poll_state() in ("open", "sent"), "the poll again")
            if student.name in kept:
                student.hand_back([poll.options[kept[student.name]]])
                student.wait_for(lambda: "Sent:" in student.status(), "the answer it kept")
            return student.name, time.time()

        with ThreadPoolExecutor(max_workers=6) as reopeners:
            for name, at in reopeners.map(reopen, wires):
                live[name] = at - restarted
        for i, page in enumerate(pages):
            status = page.locator(".triage-poll-panel .triage-poll-status")
            expect(status).to_contain_text("Sent: A." if f"Phone {i}" in changed else "Sent:", timeout=RENDER_MS)
            live[f"Phone {i}"] = time.time() - restarted
        result["live_again_s"] = summary(list(live.values()))
        result["pages_live_again"] = len(live)
        store.close()
        store = open_store(str(tmp / "class.db"))
        from triage.store.identity import Learner, name_key

        missing = 0
        for name, pick in {**chosen, **kept, **changed}.items():  # each student's latest answer
            want = poll.options[pick]
            if store.poll_answer(poll.id, Learner(name_key(name), name, "name")) != (want,):
                missing += 1
        result["answers_lost_in_outage"] = missing
        result["stored_after_outage"] = store.poll_tally(poll.id).answered
        store.close()
        print(f"after the outage: {len(live)} pages live again, p95 {result['live_again_s']['p95']:.1f} s, "
              f"{missing} answers lost", flush=True)
        for student in wires:
            student.close()
        browser.close()
        server.__exit__(None, None, None)
    result["load_average_at_end"] = [round(x, 1) for x in os.getloadavg()]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--browsers", type=int, default=2, help="students in Chromium (the rest at the protocol level)")
    parser.add_argument("--outage", type=float, default=10.0, help="seconds the server stays away")
    parser.add_argument("--pool", type=int, default=0, help="preheated kernels per app (default: the test pool)")
    parser.add_argument("--seed", type=int, default=1)
    result = run(parser.parse_args())
    save("live_class", result)
    print(result)


if __name__ == "__main__":
    main()
