"""The clinical review record names every rule the engine applies, and nothing that is not one.

docs/authoring/clinical-review.md is the one copy; case_studies/CLINICAL_REVIEW.md and
case_studies/README.md point to the documentation instead of repeating it.
"""

from __future__ import annotations

import re
from pathlib import Path

from triage.domain.knowledge import knowledge

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "docs" / "authoring" / "clinical-review.md"
RULE_ID = re.compile(r"`((?:RF|PC|REF|NOTE)-[A-Za-z0-9_-]+)`")


def test_the_record_lists_every_rule_and_only_rules_that_exist():
    named = set(RULE_ID.findall(RECORD.read_text(encoding="utf-8")))
    rules = {r.id for r in knowledge().rules}
    assert rules - named == set(), f"rules missing from {RECORD.name}: {sorted(rules - named)}"
    assert named - rules == set(), f"{RECORD.name} names rules the engine does not have: {sorted(named - rules)}"


def test_the_case_folder_points_to_the_one_copy():
    for name in ("CLINICAL_REVIEW.md", "README.md"):
        text = (ROOT / "case_studies" / name).read_text(encoding="utf-8")
        targets = re.findall(r"\]\(([^)]+)\)", text)
        assert targets, f"{name} links to the documentation"
        for target in targets:
            assert (ROOT / "case_studies" / target).resolve().is_file(), f"{name}: broken link {target}"
        assert len(text.splitlines()) < 25, f"{name} is a pointer, not a second copy"
    record = RECORD.read_text(encoding="utf-8")
    assert "## Checklist for a new case" in record and "## Decisions left open" in record
