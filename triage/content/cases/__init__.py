"""Case studies: typed model, loading, validation against the schema and the engine, coverage.

A case is one YAML file in ``case_studies/`` (files starting with ``_`` are templates and data,
not cases). It is told in *stages*: the first gives the opening story and the full presentation,
each later one reveals more (history, examination, imaging, weeks later) as changes to that
presentation. Every stage states the disposition the engine must reach for it, and every question
names the stage after which it is asked.

Validation collects *every* problem as ``file:line: field: message``: schema errors, presentation
errors, disagreement between a stage's ``expected`` and the engine, a "where" answer the engine
does not give at that stage, a question that needs a fact only a later stage reveals, references
to unknown knowledge-base entries, duplicate ids.

Facts are named in one small vocabulary: ``age``, ``duration_weeks``, ``conservative_care_weeks``,
``trauma``, ``prefers_non_surgical`` for single values and ``pain_site:<id>``, ``symptom:<id>``,
``finding:<id>``, ``history:<id>`` for list members. A stage reveals the facts its presentation or
changes mention, plus those it lists under ``reveals`` (asked about, often absent, presentation
unchanged).

The package is split by job: :mod:`.model` (the types), :mod:`.validate` (one file's checks),
:mod:`.load` (folders of files), :mod:`.coverage` (what the library covers).
"""

from .coverage import TARGETS_FILE, Coverage, Targets, coverage, load_targets, targets_path
from .load import CASES_DIR, case_files, cases_dir, load_case, load_cases, validate_paths
from .model import ASKS, LEVELS, REF_KINDS, TAGS, Case, Option, Question, Ref, RevealStep, Stage
from .validate import PLACEHOLDER, SCHEMA_PATH, TARGETS_SCHEMA_PATH, case_schema, check_case, valid_fact

__all__ = ["ASKS", "CASES_DIR", "LEVELS", "PLACEHOLDER", "REF_KINDS", "SCHEMA_PATH", "TAGS", "TARGETS_FILE",
           "TARGETS_SCHEMA_PATH", "Case", "Coverage", "Option", "Question", "Ref", "RevealStep", "Stage", "Targets",
           "case_files", "case_schema", "cases_dir", "check_case", "coverage", "load_case", "load_cases",
           "load_targets", "targets_path", "valid_fact", "validate_paths"]
