"""Engine throughput on one core, and the exhaustive safety check's run time.

Run: .venv/bin/python benchmarks/bench_engine.py   (make bench runs every benchmark)
"""

from __future__ import annotations

import itertools
import random
import re
import subprocess
import sys
import time

from common import ROOT, save

from triage.domain.engine import Engine
from triage.domain.model import Finding, PainSite, Presentation, Symptom, Trauma


def random_presentations(n: int, seed: int = 7) -> list[Presentation]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        duration = rnd.choice([0, 1, 3, 6, 10, 20])
        out.append(Presentation(
            age=rnd.choice([None, 18, 45, 70]),
            pain_sites=rnd.sample(list(PainSite), rnd.randint(1, 3)),
            duration_weeks=duration,
            conservative_care_weeks=rnd.choice([0, duration]),
            trauma=rnd.choice(list(Trauma)),
            prefers_non_surgical=rnd.random() < 0.3,
            symptoms=[s for s in Symptom if rnd.random() < 0.15],
            findings=[f for f in Finding if rnd.random() < 0.2],
        ))
    return out


def rate(fn, items, seconds: float = 2.0) -> float:
    """Calls per second of fn over items, repeated for about ``seconds``."""
    count, start = 0, time.perf_counter()
    for item in itertools.cycle(items):
        fn(item)
        count += 1
        if count % 1000 == 0 and time.perf_counter() - start > seconds:
            break
    return count / (time.perf_counter() - start)


def main() -> None:
    items = random_presentations(5000)
    cold = Engine()
    t0 = time.perf_counter()
    for p in items[:2000]:
        cold.assess(p)
    cold_rate = 2000 / (time.perf_counter() - t0)

    engine = Engine()
    facts = [engine.facts(p) for p in items]
    results = {
        "decide_per_s (urgency + next step, warm)": rate(engine.decide, facts),
        "assess_per_s (full: trace + counterfactuals, warm)": rate(engine.assess, items),
        "assess_per_s (full, cold engine: first sight of each presentation)": cold_rate,
        "presentation_validation_per_s": rate(lambda p: Presentation(**{
            "pain_sites": p.pain_sites, "duration_weeks": p.duration_weeks, "symptoms": p.symptoms,
            "findings": p.findings, "trauma": p.trauma}), items),
        "target_per_s": 100_000,
    }
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         "tests/unit/test_engine_exhaustive.py"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    results["exhaustive_check_s"] = time.perf_counter() - t0
    results["exhaustive_check_passed"] = proc.returncode == 0
    counted = re.search(r"exhaustive safety check: ([\d,]+) presentations", proc.stdout)
    results["exhaustive_check_presentations"] = int(counted.group(1).replace(",", "")) if counted else 0
    save("engine", results)
    for k, v in results.items():
        print(f"{k}: {v:,.0f}" if isinstance(v, float) and v > 100 else f"{k}: {v}")


if __name__ == "__main__":
    main()
