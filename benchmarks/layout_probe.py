"""One measurement inside one revision of the package, for ``bench_layout.py``.

Run by ``bench_layout.py`` in a fresh interpreter with the revision's worktree first on ``PYTHONPATH``
(``python layout_probe.py ROOT MODE [args]``); prints one JSON object. It imports only the revision's
public API (``from triage import ...``) where it can, and the few names that moved (case validation, the
static build's wheel) from the old place or the new one. It never imports ``common`` (which would put the
checkout that holds the benchmarks on the path): every ``triage`` module must come from ROOT, and the probe
checks that it does.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import itertools
import json
import random
import sys
import time
from pathlib import Path
from typing import Any


def _check_origin(root: Path) -> str:
    import triage

    where = Path(triage.__file__).resolve()
    if not where.is_relative_to(root):
        raise SystemExit(f"triage was imported from {where}, not from the revision's worktree {root}")
    return str(where)


def sample(root: Path, n: int, seed: int) -> dict[str, Any]:
    """``n`` random presentations as plain data, drawn from the revision's own vocabulary (as bench_engine's)."""
    from triage import Finding, PainSite, Symptom, Trauma

    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        duration = rnd.choice([0, 1, 3, 6, 10, 20])
        out.append({
            "age": rnd.choice([None, 18, 45, 70]),
            "pain_sites": [s.value for s in rnd.sample(list(PainSite), rnd.randint(1, 3))],
            "duration_weeks": duration,
            "conservative_care_weeks": rnd.choice([0, duration]),
            "trauma": rnd.choice(list(Trauma)).value,
            "prefers_non_surgical": rnd.random() < 0.3,
            "symptoms": [s.value for s in Symptom if rnd.random() < 0.15],
            "findings": [f.value for f in Finding if rnd.random() < 0.2],
        })
    vocabulary = {e.__name__: [m.value for m in e] for e in (PainSite, Symptom, Finding, Trauma)}
    return {"presentations": out, "vocabulary": vocabulary, "triage_file": _check_origin(root)}


def decisions(root: Path, sample_file: Path) -> dict[str, Any]:
    """For each presentation: urgency, where to go, the rule ids that fired, and a digest of the whole answer
    (red flags, trace, what would change, notes: ``Assessment.to_dict()``)."""
    from triage import assess

    rows = []
    for data in json.loads(sample_file.read_text())["presentations"]:
        full = assess(data).to_dict()
        digest = hashlib.sha1(json.dumps(full, sort_keys=True).encode()).hexdigest()
        rows.append([full["urgency"], full["next_step"], [hit["id"] for hit in full["trace"]], digest])
    return {"decisions": rows, "triage_file": _check_origin(root)}


def rate(fn: Any, items: list[Any], seconds: float) -> float:
    """Calls per second of fn over items, repeated for about ``seconds`` (as bench_engine.rate)."""
    count, start = 0, time.perf_counter()
    for item in itertools.cycle(items):
        fn(item)
        count += 1
        if count % 1000 == 0 and time.perf_counter() - start > seconds:
            break
    return count / (time.perf_counter() - start)


def throughput(root: Path, sample_file: Path, seconds: float) -> dict[str, Any]:
    """bench_engine's figures through the public API: decide and assess on a warm engine (each presentation seen
    once before), assess on a cold one (each presentation seen for the first time)."""
    from triage import Engine, Presentation

    items = [Presentation(**d) for d in json.loads(sample_file.read_text())["presentations"][:5000]]
    cold = Engine()
    t0 = time.perf_counter()
    for p in items[:2000]:
        cold.assess(p)
    cold_rate = 2000 / (time.perf_counter() - t0)
    engine = Engine()
    facts = [engine.facts(p) for p in items]
    for f, p in zip(facts, items, strict=True):  # warm: every presentation seen once before the timing
        engine.decide(f)
        engine.assess(p)
    return {"decide_per_s": rate(engine.decide, facts, seconds), "assess_per_s": rate(engine.assess, items, seconds),
            "assess_cold_per_s": cold_rate, "triage_file": _check_origin(root)}


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Path):
        return value.name
    if isinstance(value, (set, frozenset)):
        return sorted(map(str, value))
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    dump = getattr(value, "model_dump", None)
    if dump is not None:
        return dump(mode="json")
    raise TypeError(f"cannot compare a {type(value).__name__}")


def cases(root: Path, folders: list[Path]) -> dict[str, Any]:
    """Each folder validated as ``python -m triage validate FOLDER`` does (every problem, as text), and each
    valid case as loaded (a digest of the typed case)."""
    try:
        from triage.content.cases import case_files, check_case, validate_paths
    except ImportError:  # before the layout move
        from triage.cases import case_files, check_case, validate_paths  # type: ignore[no-redef]
    out: dict[str, Any] = {}
    for folder in folders:
        files = case_files([folder])
        loaded = {}
        for f in files:
            problems, case = check_case(f)
            text = json.dumps(case, default=_jsonable, sort_keys=True) if case is not None else ""
            loaded[f.name] = [len(problems), hashlib.sha1(text.encode()).hexdigest()]
        out[folder.name] = {"files": [f.name for f in files],
                            "problems": sorted(str(p) for p in validate_paths([folder])), "cases": loaded}
    return {"folders": out, "triage_file": _check_origin(root)}


def wheel(root: Path, venv: Path, dest: Path) -> dict[str, Any]:
    """The project's wheel as the revision's static build makes it (before it is byte-compiled in Pyodide)."""
    import zipfile

    try:
        from tools.static_site.build import project_wheel
    except ImportError:  # before the layout move the static build was part of the package
        from triage.static_build import project_wheel  # type: ignore[no-redef]
    t0 = time.perf_counter()
    built = project_wheel(venv, dest, "0" * 64)
    seconds = time.perf_counter() - t0
    with zipfile.ZipFile(built) as z:
        infos = z.infolist()
    py = [i for i in infos if i.filename.endswith(".py")]
    return {"bytes": built.stat().st_size, "files": len(infos), "py_files": len(py),
            "py_bytes_uncompressed": sum(i.file_size for i in py),
            "uncompressed_bytes": sum(i.file_size for i in infos), "build_s": seconds,
            "triage_file": _check_origin(root)}


def main(argv: list[str]) -> None:
    root, mode, *args = argv
    root_path = Path(root).resolve()
    if mode == "sample":
        result = sample(root_path, int(args[0]), int(args[1]))
    elif mode == "decisions":
        result = decisions(root_path, Path(args[0]))
    elif mode == "throughput":
        result = throughput(root_path, Path(args[0]), float(args[1]))
    elif mode == "cases":
        result = cases(root_path, [Path(a) for a in args])
    elif mode == "wheel":
        result = wheel(root_path, Path(args[0]), Path(args[1]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
