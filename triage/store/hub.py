"""The class store on JupyterHub: a client for the ``triage-store`` hub service, over HTTP.

A student's kernel cannot be trusted with the class database (it runs the student's own code), so on
a hub the database sits behind a hub-managed service (:mod:`triage.hubservice.service`) and the
kernel talks to it with the student's own hub token (``$JUPYTERHUB_API_TOKEN``). The service asks
the hub whose token it is and lets a student read and write only their own records; only the
instructors read the class. This module implements :class:`~triage.store.ClassStore` over that API,
plus the JSON form of the store's results that both sides use.

:func:`~triage.store.open_store` picks it for an ``http(s)://`` location (``$TRIAGE_STORE_URL``, which the
hub sets for students' servers, or ``$TRIAGE_CLASS_DB``).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote, urlencode

from ..errors import AccessDeniedError, PollClosedError, Problem, StoreError, StoreUnavailableError, TriageError
from . import (
    AnswerRow,
    CaseAnswer,
    ClassRecord,
    ClassSession,
    DrillAttempt,
    DrillRow,
    LearnerRecord,
    Poll,
    PollAnswerRow,
    PollTally,
)
from .identity import Learner

TOKEN_ENV = "JUPYTERHUB_API_TOKEN"  # noqa: S105 - the variable's name, not a secret
TIMEOUT = 20.0


# --- JSON form of the store's results (shared by the service and this client) ---------------------------

def record_to_json(record: LearnerRecord) -> dict[str, Any]:
    return {
        "key": record.key,
        "answers": [{**asdict(a), "chosen": list(a.chosen), "first_chosen": list(a.first_chosen or a.chosen)}
                    for a in record.answers.values()],
        "revealed": dict(record.revealed),
        "drill": [asdict(d) for d in record.drill],
        "done": sorted(record.done),
        "display_name": record.display_name,
        "polls_answered": record.polls_answered,
    }


def _attempts_from_json(a: Mapping[str, Any]) -> tuple[Any, ...]:
    """``chosen, correct, at`` and the first attempt with the number of attempts (a service from before
    first attempts were kept sends none: one attempt)."""
    chosen, correct, at = tuple(a["chosen"]), bool(a["correct"]), float(a["at"])
    first = a.get("first_chosen")
    first_correct, first_at = a.get("first_correct"), a.get("first_at")
    return (chosen, correct, at, chosen if first is None else tuple(first),
            correct if first_correct is None else bool(first_correct), at if first_at is None else float(first_at),
            int(a.get("attempts") or 1))


def record_from_json(data: Mapping[str, Any]) -> LearnerRecord:
    answers = {}
    for a in data["answers"]:
        answer = CaseAnswer(a["case_id"], a["question_id"], *_attempts_from_json(a))
        answers[(answer.case_id, answer.question_id)] = answer
    drill = tuple(DrillAttempt(d["scenario_id"], d["chosen"], bool(d["correct"]), float(d["at"]))
                  for d in data["drill"])
    revealed = {str(k): int(v) for k, v in data["revealed"].items()}
    return LearnerRecord(data["key"], answers, revealed, drill, frozenset(data.get("done", ())),
                         str(data.get("display_name", "")), int(data.get("polls_answered", 0)))


def poll_to_json(poll: Poll | None) -> dict[str, Any] | None:
    return None if poll is None else {**asdict(poll), "options": list(poll.options)}


def poll_from_json(data: Mapping[str, Any] | None) -> Poll | None:
    if data is None:
        return None
    ends = data.get("ends_at")
    return Poll(int(data["id"]), int(data["session_id"]), data["case_id"], data["question_id"], tuple(data["options"]),
                float(data["opened_at"]), None if data["closed_at"] is None else float(data["closed_at"]),
                bool(data["revealed"]), None if ends is None else float(ends))


def tally_to_json(tally: PollTally) -> dict[str, Any]:
    return {"poll": poll_to_json(tally.poll), "counts": dict(tally.counts), "answered": tally.answered,
            "present": tally.present}


def tally_from_json(data: Mapping[str, Any]) -> PollTally:
    poll = poll_from_json(data["poll"])
    if poll is None:
        raise StoreError(Problem("poll", "the service sent a tally without its poll"))
    return PollTally(poll, {str(k): int(v) for k, v in data["counts"].items()}, int(data["answered"]),
                     int(data.get("present", 0)))


def session_to_json(session: ClassSession) -> dict[str, Any]:
    return asdict(session)


def session_from_json(data: Mapping[str, Any]) -> ClassSession:
    archived = data.get("archived_at")
    return ClassSession(int(data["id"]), data["label"], float(data["started_at"]),
                        None if archived is None else float(archived))


def row_to_json(row: AnswerRow) -> dict[str, Any]:
    return {**asdict(row), "chosen": list(row.chosen), "first_chosen": list(row.first_chosen or row.chosen)}


def row_from_json(data: Mapping[str, Any]) -> AnswerRow:
    return AnswerRow(int(data["session_id"]), data["learner_key"], data["display_name"], data["case_id"],
                     data["question_id"], *_attempts_from_json(data))


def class_record_to_json(record: ClassRecord) -> dict[str, Any]:
    return {"session_id": record.session_id, "answers": [row_to_json(r) for r in record.answers],
            "polls": [poll_to_json(p) for p in record.polls],
            "poll_answers": [{**asdict(a), "chosen": list(a.chosen)} for a in record.poll_answers],
            "drill": [asdict(d) for d in record.drill]}


def class_record_from_json(data: Mapping[str, Any]) -> ClassRecord:
    polls = tuple(p for p in (poll_from_json(p) for p in data["polls"]) if p is not None)
    poll_answers = tuple(PollAnswerRow(int(a["poll_id"]), a["learner_key"], a["display_name"], tuple(a["chosen"]),
                                       float(a["at"])) for a in data["poll_answers"])
    drill = tuple(DrillRow(int(d["session_id"]), d["learner_key"], d["display_name"], d["scenario_id"], d["chosen"],
                           bool(d["correct"]), float(d["at"])) for d in data["drill"])
    return ClassRecord(int(data["session_id"]), tuple(row_from_json(r) for r in data["answers"]), polls,
                       poll_answers, drill)


@dataclass(frozen=True)
class ServiceCaller:
    """Who the class service says is calling (``GET me``): the hub name, the store key, and whether the
    caller's token holds the instructor scope (the hub's ``instructors`` group)."""

    name: str
    key: str
    instructor: bool


_ERRORS: dict[str, type[StoreError]] = {
    "AccessDeniedError": AccessDeniedError,
    "PollClosedError": PollClosedError,
    "StoreUnavailableError": StoreUnavailableError,
}


class HubStore:
    """:class:`~triage.store.ClassStore` backed by the ``triage-store`` hub service at ``url``.

    ``token`` is the caller's hub token (default ``$JUPYTERHUB_API_TOKEN``, which JupyterHub gives
    every student server and its kernels). Errors keep their kind: another student's record gives
    :class:`AccessDeniedError`, a closed poll :class:`PollClosedError`, an unreachable service
    :class:`StoreUnavailableError` naming the URL.
    """

    def __init__(self, url: str, token: str | None = None, timeout: float = TIMEOUT) -> None:
        self._url = url.rstrip("/") + "/"
        self._token = token if token is not None else os.environ.get(TOKEN_ENV, "")
        self._timeout = timeout

    @property
    def location(self) -> str:
        return self._url

    # --- HTTP ------------------------------------------------------------------------------------------
    def _call(self, method: str, path: str, body: Mapping[str, Any] | None = None,
              query: Mapping[str, Any] | None = None, timeout: float | None = None) -> Any:
        url = self._url + "api/" + path + (f"?{urlencode(query)}" if query else "")
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - http(s) only (OPENERS)
        request.add_header("Authorization", f"token {self._token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout or self._timeout) as response:  # noqa: S310
                payload = response.read()
        except urllib.error.HTTPError as exc:
            raise self._error(exc) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise StoreUnavailableError(Problem("store", f"the class service does not answer ({reason})", self._url)) \
                from None
        return json.loads(payload) if payload else None

    def _error(self, exc: urllib.error.HTTPError) -> TriageError:
        try:
            info = json.loads(exc.read() or b"{}")
        except ValueError:
            info = {}
        message = info.get("message") or exc.reason or f"HTTP {exc.code}"
        kind = _ERRORS.get(info.get("error", ""))
        if kind is None:
            kind = {401: AccessDeniedError, 403: AccessDeniedError, 409: PollClosedError,
                    503: StoreUnavailableError}.get(exc.code, StoreError)
        field = info.get("field") or "store"
        return kind(Problem(field, str(message), self._url))

    def _learner_path(self, learner: Learner, rest: str) -> str:
        return f"learners/{quote(learner.key, safe='')}/{rest}"

    # --- who is calling -------------------------------------------------------------------------------
    def me(self) -> ServiceCaller:
        """Who the service takes the caller to be (from the token alone), and whether they are an instructor."""
        data = self._call("GET", "me")
        if not isinstance(data, dict) or not isinstance(data.get("instructor"), bool):
            raise StoreError(Problem("me", "the service did not say who is calling", self._url))
        return ServiceCaller(str(data.get("name", "")), str(data.get("key", "")), data["instructor"])

    # --- a learner's own record ------------------------------------------------------------------------
    def record_answer(
        self, learner: Learner, case_id: str, question_id: str, chosen: Sequence[str], correct: bool
    ) -> None:
        self._call("POST", self._learner_path(learner, "answers"), {
            "display_name": learner.display_name, "case_id": case_id, "question_id": question_id,
            "chosen": list(chosen), "correct": bool(correct)})

    def set_revealed(self, learner: Learner, case_id: str, stages: int) -> None:
        self._call("POST", self._learner_path(learner, "revealed"),
                   {"display_name": learner.display_name, "case_id": case_id, "stages": int(stages)})

    def record_drill(self, learner: Learner, scenario_id: str, chosen: str, correct: bool) -> None:
        self._call("POST", self._learner_path(learner, "drill"), {
            "display_name": learner.display_name, "scenario_id": scenario_id, "chosen": chosen,
            "correct": bool(correct)})

    def mark_done(self, learner: Learner, app: str) -> None:
        self._call("POST", self._learner_path(learner, "done"), {"display_name": learner.display_name, "app": app})

    def learner_record(self, learner: Learner) -> LearnerRecord:
        return record_from_json(self._call("GET", self._learner_path(learner, "record")))

    # --- polls -----------------------------------------------------------------------------------------
    def open_poll(self, case_id: str, question_id: str, options: Sequence[str]) -> Poll:
        poll = poll_from_json(self._call("POST", "polls", {"case_id": case_id, "question_id": question_id,
                                                           "options": list(options)}))
        if poll is None:
            raise StoreError(Problem("poll", "the service did not return the new poll", self._url))
        return poll

    def current_poll(self) -> Poll | None:
        return poll_from_json(self._call("GET", "polls/current"))

    def live_poll(self, last: int | None = None, seen: str | None = None, wait: float = 0) -> tuple[Poll | None, str]:
        """What a student's class panel shows, readable by every student: the open poll, else poll ``last``
        as it is now (closed, perhaps revealed), else None; with its version string. With ``seen`` and
        ``wait``, the service holds the request until the version differs from ``seen`` (at most ``wait``
        seconds): the panel learns of a change the moment it happens, with one request per wait when idle."""
        query: dict[str, Any] = {}
        if last is not None:
            query["last"] = int(last)
        if seen is not None and wait > 0:
            query["seen"] = seen
            query["wait"] = int(wait)
        data = self._call("GET", "polls/live", query=query, timeout=self._timeout + wait)
        if not isinstance(data, dict) or not isinstance(data.get("version"), str):
            raise StoreError(Problem("poll", "the service did not say what the poll is", self._url))
        return poll_from_json(data.get("poll")), data["version"]

    def answer_poll(self, poll_id: int, learner: Learner, chosen: Sequence[str]) -> None:
        self._call("POST", self._learner_path(learner, f"polls/{int(poll_id)}"),
                   {"display_name": learner.display_name, "chosen": list(chosen)})

    def set_poll_timer(self, poll_id: int, seconds: float | None) -> Poll:
        return self._poll_call(poll_id, "timer", {"seconds": seconds})

    def mark_present(self, learner: Learner) -> None:
        self._call("POST", self._learner_path(learner, "present"), {"display_name": learner.display_name})

    def poll_answer(self, poll_id: int, learner: Learner) -> tuple[str, ...] | None:
        chosen = self._call("GET", self._learner_path(learner, f"polls/{int(poll_id)}")).get("chosen")
        return tuple(sorted(chosen)) if chosen is not None else None

    def _poll_call(self, poll_id: int, what: str, body: Mapping[str, Any] | None = None) -> Poll:
        poll = poll_from_json(self._call("POST", f"polls/{int(poll_id)}/{what}", body or {}))
        if poll is None:
            raise StoreError(Problem("poll", f"the service did not return poll {poll_id}", self._url))
        return poll

    def close_poll(self, poll_id: int) -> Poll:
        return self._poll_call(poll_id, "close")

    def reveal_poll(self, poll_id: int) -> Poll:
        return self._poll_call(poll_id, "reveal")

    def poll_tally(self, poll_id: int) -> PollTally:
        return tally_from_json(self._call("GET", f"polls/{int(poll_id)}/tally"))

    # --- the class -------------------------------------------------------------------------------------
    def current_session(self) -> ClassSession:
        return session_from_json(self._call("GET", "sessions/current"))

    def new_session(self, label: str | None = None) -> ClassSession:
        return session_from_json(self._call("POST", "sessions", {"label": label}))

    def sessions(self) -> list[ClassSession]:
        return [session_from_json(s) for s in self._call("GET", "sessions")]

    def class_answers(self, session_id: int | None = None) -> list[AnswerRow]:
        query = None if session_id is None else {"session": int(session_id)}
        return [row_from_json(r) for r in self._call("GET", "answers", query=query)]

    def class_record(self, session_id: int | None = None) -> ClassRecord:
        query = None if session_id is None else {"session": int(session_id)}
        return class_record_from_json(self._call("GET", "record", query=query))

    def close(self) -> None:
        """Nothing to release: every call is one HTTP request."""

