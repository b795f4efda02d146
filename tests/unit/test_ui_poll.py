"""Class panel and poll chart: open, answer, replace, close, reveal; live checks without sleeping."""

from __future__ import annotations

import asyncio
import re
from html import unescape

from support.class_fixtures import ANA, BEN, context, guest_context, staged_case

from triage.store.memory import MemoryStore
from triage.ui.poll import ClassPanel, Ticker, tally_html

CASE = staged_case()
FIRST = CASE.questions[0]


def panel(learner=ANA, store=None):
    return ClassPanel(context(learner, store), [CASE], live=False)


def sent(store, learner=ANA, choice="gp"):
    """A student's panel that has read the open poll and sent ``choice``."""
    p = panel(learner, store)
    p.refresh()
    p.choice.value = choice
    p.send.click()
    return p


def open_poll(store, question=FIRST):
    return store.open_poll(CASE.id, question.id, [o.id for o in question.options])


def test_the_panel_is_hidden_until_a_poll_opens():
    store = MemoryStore()
    p = panel(store=store)
    assert p.body.layout.display == "none" and p.status.value == ""
    open_poll(store)
    p.refresh()
    assert p.body.layout.display is None
    assert "Where should Sam go first?" in p.heading.value
    assert [label for label, _ in p.choice.options] == ["A. Primary care", "B. Emergency department"]
    assert "choose and send" in p.status.value


def test_answers_are_counted_and_a_repeated_answer_replaces_the_first():
    store = MemoryStore()
    poll = open_poll(store)
    ana, ben = panel(ANA, store), panel(BEN, store)
    ana.refresh()
    ben.refresh()
    ana.choice.value = "gp"
    ana.send.click()
    ben.choice.value = "ed"
    ben.send.click()
    assert dict(store.poll_tally(poll.id).counts) == {"gp": 1, "ed": 1}
    assert "Sent: A. Primary care" in ana.status.value
    ana.choice.value = "ed"
    ana.send.click()
    tally = store.poll_tally(poll.id)
    assert tally.answered == 2 and dict(tally.counts) == {"gp": 0, "ed": 2}
    assert "Sent: B. Emergency department" in ana.status.value


def test_a_closed_poll_takes_no_more_answers_and_says_so():
    store = MemoryStore()
    poll = open_poll(store)
    p = sent(store, ANA, "gp")
    store.close_poll(poll.id)
    p.refresh()
    assert "The poll has closed. Your answer: A. Primary care." in p.status.value
    assert p.send.layout.display == "none" and p.choice.disabled
    assert "correct" not in p.status.value.lower() and "&#10004;" not in p.status.value


def test_an_answer_sent_just_after_closing_is_refused_in_plain_words():
    store = MemoryStore()
    poll = open_poll(store)
    p = panel(store=store)
    p.refresh()
    store.close_poll(poll.id)  # closes between the student's last check and their click
    p.choice.value = "gp"
    p.send.click()
    assert "Too late: this poll has just closed." in p.status.value
    assert store.poll_tally(poll.id).answered == 0


def test_after_the_reveal_the_student_sees_the_right_answer():
    store = MemoryStore()
    poll = open_poll(store)
    p = sent(store, ANA, "ed")
    store.close_poll(poll.id)
    p.refresh()
    store.reveal_poll(poll.id)
    p.refresh()
    assert "Your answer: B. Emergency department. The answer: &#10004;&nbsp;A. Primary care." in p.status.value
    assert "Yours was not right." in p.status.value  # said in words, not left to the student to work out
    # why, in the words the projector shows: the right answer's feedback, then that of the student's choice
    gp, ed = FIRST.options
    why = unescape(p.status.value.split("<ul class='triage-poll-why'>")[1])
    assert why.index(f"<strong>Why A:</strong> {gp.feedback}") < \
        why.index(f"<strong>Your B, not right:</strong> {ed.feedback}")


def test_an_app_opened_after_a_poll_closed_shows_no_poll():
    """A student who opens an app after the poll closed sees no poll, revealed or not (a closed question with
    "You did not answer" would push the lesson down long after the class moved on); the next poll reaches
    that app as usual."""
    store = MemoryStore()
    poll = open_poll(store)
    sent(store, ANA, "ed")
    store.close_poll(poll.id)
    late = panel(BEN, store)
    late.refresh()
    assert late.body.layout.display == "none" and late.status.value == ""
    store.reveal_poll(poll.id)
    late.refresh()
    assert late.body.layout.display == "none" and late.status.value == ""
    open_poll(store, CASE.questions[1])  # the next poll reaches the late student as usual
    late.refresh()
    assert late.body.layout.display is None and "choose and send" in late.status.value


def test_a_poll_that_closes_unanswered_folds_to_one_line_until_it_is_revealed():
    """An app left open (in JupyterLab a closed tab keeps its kernel, and Run All shows the same page again)
    does not keep the whole question and its options at the top of the lesson after the poll closed without
    an answer: one line says so; the reveal brings the question back with the right answer."""
    store = MemoryStore()
    poll = open_poll(store)
    p = panel(store=store)
    p.refresh()
    assert p.body.layout.display is None
    store.close_poll(poll.id)
    p.refresh()
    assert p.body.layout.display == "none"
    assert "The poll closed before you answered." in p.status.value
    store.reveal_poll(poll.id)
    p.refresh()
    assert p.body.layout.display is None
    assert "The answer: &#10004;&nbsp;A. Primary care." in p.status.value
    answered = panel(BEN, store)  # a student who answered keeps the question beside the answer
    second = open_poll(store, CASE.questions[1])
    answered.refresh()
    answered.choice.value = answered.choice.options[0][1]
    answered.send.click()
    store.close_poll(second.id)
    answered.refresh()
    assert answered.body.layout.display is None and "Your answer:" in answered.status.value


def test_the_panel_shows_no_other_students_answers_or_counts():
    store = MemoryStore()
    poll = open_poll(store)
    store.answer_poll(poll.id, BEN, ["ed"])
    p = panel(ANA, store)
    p.refresh()
    text = p.heading.value + p.status.value + str(p.choice.options)
    assert "Ben" not in text and "1 answered" not in text and "(100%)" not in text


def test_a_guest_is_asked_for_a_name_and_nothing_is_counted():
    store = MemoryStore()
    poll = open_poll(store)
    p = ClassPanel(guest_context(store), [CASE], live=False)
    p.refresh()
    assert "choose a name on the home page" in p.status.value
    p.choice.value = "gp"
    p.send.click()
    assert store.poll_tally(poll.id).answered == 0


def test_a_new_poll_replaces_the_old_one_in_the_panel():
    store = MemoryStore()
    open_poll(store)
    p = panel(store=store)
    p.refresh()
    second = CASE.questions[1]
    open_poll(store, second)
    p.refresh()
    assert "And now, with a fever?" in p.heading.value
    assert p.sent == ()


def test_a_multi_choice_poll_uses_checkboxes():
    store = MemoryStore()
    poll = open_poll(store, CASE.questions[2])
    p = panel(store=store)
    p.refresh()
    assert p.choice is None and len(p.boxes) == 3
    p.boxes[0].value = p.boxes[1].value = True
    p.send.click()
    assert dict(store.poll_tally(poll.id).counts) == {"fever": 1, "box": 1, "days": 0}


def test_a_poll_on_a_case_the_app_does_not_have_is_explained():
    store = MemoryStore()
    store.open_poll("no-such-case", "q", ["a", "b"])
    p = panel(store=store)
    p.refresh()
    assert "cannot find" in p.status.value and p.body.layout.display == "none"


def test_the_chart_gives_counts_and_percent_as_text_and_marks_the_right_option_only_after_reveal():
    store = MemoryStore()
    poll = open_poll(store)
    store.answer_poll(poll.id, ANA, ["gp"])
    store.answer_poll(poll.id, BEN, ["ed"])
    html = tally_html(store.poll_tally(poll.id), FIRST)
    assert html.count("1 (50%)") == 2 and "2 answered, poll open" in html
    assert "correct" not in html
    assert "aria-hidden='true'" in html  # the bars are decoration; the numbers are text
    store.close_poll(poll.id)
    store.reveal_poll(poll.id)
    html = tally_html(store.poll_tally(poll.id), FIRST)
    assert html.count("&#10004; correct") == 1
    right_row = next(row for row in html.split("<tr") if "correct</span>" in row)
    assert "Primary care" in right_row


def test_the_chart_escapes_option_text():
    case = staged_case()
    evil = case.questions[0].options[0].__class__("gp", "<img src=x onerror=alert(1)>", True, "f")
    question = case.questions[0].__class__("first", "single", "<b>q</b>", (evil,), after="story")
    store = MemoryStore()
    poll = store.open_poll(case.id, "first", ["gp"])
    html = tally_html(store.poll_tally(poll.id), question)
    assert "<img" not in html and "&lt;img" in html and "<b>q</b>" not in html


def test_the_ticker_runs_on_the_given_loop_and_stops():
    calls = []
    alive = [True]
    ticker = Ticker(lambda: calls.append(1), interval=0, alive=lambda: alive[0])
    loop = asyncio.new_event_loop()
    try:
        assert ticker.start(loop) and ticker.running
        loop.run_until_complete(asyncio.sleep(0))
        loop.run_until_complete(asyncio.sleep(0))
        assert calls, "the callback ran on the loop"
        alive[0] = False  # the widget was closed
        loop.run_until_complete(ticker.task)
        assert not ticker.running
        ticker.start(loop)
        task = ticker.task
        ticker.stop()
        assert not ticker.running
        loop.run_until_complete(asyncio.sleep(0))
        assert task.cancelled()
    finally:
        loop.close()


def test_without_a_running_kernel_loop_the_ticker_does_not_start():
    assert Ticker(lambda: None, 1).start() is False


def test_the_panel_starts_checking_only_once_the_learner_is_known():
    store = MemoryStore()
    pending = context(ANA, store)
    pending.ready = False
    p = ClassPanel(pending, [CASE], live=False)
    open_poll(store)
    assert p.poll is None  # nothing read before the page's request arrived
    pending.resolve("student=Ana", {"VOILA_PREHEAT": "True"})
    assert p.poll is not None and "Where should Sam go first?" in p.heading.value


def test_closing_the_panel_stops_it():
    p = panel()
    loop = asyncio.new_event_loop()
    try:
        p.ticker.start(loop)
        task = p.ticker.task
        p.close()
        assert not p.ticker.running and p.widget.comm is None
        loop.run_until_complete(asyncio.sleep(0))
        assert task.cancelled()
    finally:
        loop.close()


def test_the_frame_gets_a_panel_for_student_apps_only():
    from triage.ui.poll import class_panel_for

    ctx = context(ANA, MemoryStore())
    panel = class_panel_for(ctx, "03_red_flags.ipynb")
    assert panel is not None and "triage-poll-panel" in panel._dom_classes
    assert class_panel_for(ctx, "06_instructor.ipynb") is None
    assert class_panel_for(ctx, "07_class_view.ipynb") is None


def test_a_reloaded_page_shows_the_vote_already_sent():
    store = MemoryStore()
    poll = open_poll(store)
    sent(store, ANA, "ed")
    reloaded = panel(ANA, store)  # a new kernel for the same student: the page was reloaded
    reloaded.refresh()
    assert reloaded.sent == ("ed",) and reloaded.choice.value == "ed"
    assert "Sent: B. Emergency department" in reloaded.status.value
    assert "waiting for answers" not in reloaded.status.value
    assert store.poll_tally(poll.id).answered == 1
    other = panel(BEN, store)  # nobody else's vote shows up
    other.refresh()
    assert other.sent == () and other.choice.value is None


def test_a_new_choice_after_sending_is_never_shown_as_sent():
    store = MemoryStore()
    open_poll(store)
    p = sent(store, ANA, "gp")
    assert "Sent: A. Primary care" in p.status.value
    p.choice.value = "ed"  # changed, not sent
    assert "Sent:" not in p.status.value
    assert "not sent yet" in p.status.value and "earlier answer: A. Primary care" in p.status.value
    p.send.click()
    assert "Sent: B. Emergency department" in p.status.value


class UnreachableStore(MemoryStore):
    """The class store as a student's kernel sees it when the hub service cannot be reached."""

    def answer_poll(self, poll_id, learner, chosen):
        from triage.errors import Problem, StoreUnavailableError

        raise StoreUnavailableError(Problem("store", "the class service did not answer", "hub"))


def test_an_answer_the_store_refused_is_not_sent_and_the_page_hears_that_it_was_handled():
    store = UnreachableStore()
    open_poll(store)
    p = panel(store=store)
    p.refresh()
    p.choice.value = "gp"
    before = p.notice.seq
    p.send.click()
    assert "Sent" not in p.status.value and "not sent" in p.status.value
    assert p.notice.seq == before + 1 and p.notice.state == "open"


def test_the_notice_follows_the_poll_open_sent_closed():
    store = MemoryStore()
    p = panel(store=store)
    assert p.notice.state == ""
    poll = open_poll(store)
    p.refresh()
    n = p.notice
    assert (n.state, n.poll_id, n.prompt, n.options, n.answered) == (
        "open", poll.id, "Where should Sam go first?", ["gp", "ed"], [])
    p.choice.value = "gp"
    p.send.click()
    assert (n.state, n.answered) == ("sent", ["gp"])
    store.close_poll(poll.id)
    p.refresh()
    assert n.state == "closed"


def test_a_choice_kept_through_a_reload_is_sent_once_and_only_while_open():
    store = MemoryStore()
    poll = open_poll(store)
    p = panel(store=store)
    p.refresh()
    p.on_draft(["ed"], send=False)  # chosen before the server went away, Send not pressed
    assert p.choice.value == "ed" and store.poll_answer(poll.id, ANA) is None
    assert "Sent" not in p.status.value
    p.on_draft(["ed"], send=True)
    assert store.poll_answer(poll.id, ANA) == ("ed",) and "Sent: B." in p.status.value
    p.on_draft(["nonsense"], send=True)  # option ids the poll does not have are ignored
    assert store.poll_answer(poll.id, ANA) == ("ed",)
    store.close_poll(poll.id)
    p.refresh()
    p.on_draft(["gp"], send=True)
    assert store.poll_answer(poll.id, ANA) == ("ed",)


class HubDown(MemoryStore):
    """A class service on a hub that fails as a restarting hub's did: its internal address and a raw error."""

    def current_poll(self):
        from triage.errors import Problem, StoreError

        raise StoreError(Problem("store", "Internal Server Error", "http://127.0.0.1:47814/services/triage-store/"))

    def answer_poll(self, *args, **kwargs):
        self.current_poll()


def test_a_failing_class_service_is_reported_without_its_address_or_raw_error():
    p = panel(store=HubDown())
    p.refresh()
    assert "cannot be read" in p.status.value and "tries again by itself" in p.status.value
    assert "127.0.0.1" not in p.status.value and "Internal Server Error" not in p.status.value


def test_a_second_device_of_the_same_student_follows_the_answer_sent_on_the_first(monkeypatch):
    """Ana sends B on her laptop, then A on her phone: the laptop must not keep saying "Sent: B"."""
    import triage.ui.poll as poll_module

    clock = [1000.0]
    monkeypatch.setattr(poll_module.time, "monotonic", lambda: clock[0])
    store = MemoryStore()
    open_poll(store)
    laptop, phone = panel(ANA, store), panel(ANA, store)
    laptop.refresh()
    phone.refresh()
    laptop.choice.value = "ed"
    laptop.send.click()
    assert "Sent: B. Emergency department" in laptop.status.value
    phone.refresh()
    phone.choice.value = "gp"
    phone.send.click()
    clock[0] += poll_module.OWN_ANSWER_EVERY + 1
    laptop.refresh()
    assert "Sent: A. Primary care" in laptop.status.value, laptop.status.value


def test_a_revealed_choose_all_question_lists_each_right_option_on_its_own_line():
    """Option texts have commas of their own: the right ones joined into one sentence could not be told apart."""
    from triage.content.cases import load_cases

    case = next(c for c in load_cases() if c.id == "toddler-will-not-stand")
    question = next(q for q in case.questions if q.id == "why-her-age")
    right = [o for o in question.options if o.correct]
    wrong = [o for o in question.options if not o.correct]
    assert len(right) > 1 and any("," in o.text for o in question.options)
    store = MemoryStore()
    poll = store.open_poll(case.id, question.id, [o.id for o in question.options])
    p = ClassPanel(context(ANA, store), [case], live=False)
    p.refresh()
    for box, option in zip(p.boxes, question.options, strict=True):
        box.value = option.id in {right[0].id, wrong[0].id}
    p.send.click()
    store.close_poll(poll.id)
    store.reveal_poll(poll.id)
    p.refresh()
    status = unescape(p.status.value)
    items = re.findall(r"<li>(.*?)</li>", status)
    # each right option on its own line, marked chosen or left out, with why; the wrong choice marked too
    assert len(items) == len(right) + 1
    letters = {o.id: chr(65 + question.options.index(o)) for o in question.options}
    first, *others = [i for i in items if i.startswith("\u2714")]
    heading = f"<strong>{letters[right[0].id]}. {right[0].text}</strong>"
    assert first.startswith(f"\u2714\xa0{heading} <em>(you chose it)</em>")
    assert len(others) == len(right) - 1 and all("<em>(you left it out)</em>" in i for i in others)
    [mistake] = [i for i in items if i.startswith("\u2718")]
    assert f"{letters[wrong[0].id]}. {wrong[0].text}</strong> <em>(you chose it: not right)</em>" in mistake
    assert wrong[0].feedback in mistake
    # the reason each right option is right, without the "Yes." that answers a student who chose it
    for option, item in zip(right, [first, *others], strict=True):
        reason = option.feedback.split(" ", 1)[1] if option.feedback.split()[0] in ("Yes.", "Right.") \
            else option.feedback
        assert item.endswith(f"<br>{reason[0].upper()}{reason[1:]}")
    assert "Yours did not match" in status and "You got it" not in status
