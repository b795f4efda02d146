"""Errors: one base class, problems that name file, line and field."""

from triage.errors import CaseError, KnowledgeError, PresentationError, Problem, ProgressError, TriageError


def test_problem_formats_as_file_line_field_message():
    assert str(Problem("age", "too old", "a.yaml", 3)) == "a.yaml:3: age: too old"
    assert str(Problem("age", "too old", "a.yaml")) == "a.yaml: age: too old"
    assert str(Problem("age", "too old")) == "age: too old"


def test_error_lists_every_problem_and_exposes_the_first():
    err = PresentationError([Problem("a", "x", "f", 1), Problem("b", "y", "f", 2)])
    assert str(err) == "f:1: a: x\nf:2: b: y"
    assert (err.file, err.line, err.field) == ("f", 1, "a")


def test_all_errors_share_one_base():
    for cls in (PresentationError, CaseError, KnowledgeError, ProgressError):
        assert issubclass(cls, TriageError)
