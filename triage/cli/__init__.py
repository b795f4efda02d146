"""Command line: ``python -m triage COMMAND`` (assess, rules, providers, red-flags, validate, new-case,
export-quiz, coverage, handouts, class, course, serve, hub).

Exit status: 0 on success, 2 on bad input (with a message naming the file, line and field),
1 when ``validate`` finds problems in case files.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

from ..domain.engine import assess
from ..domain.presentations import load_presentation
from ..errors import TriageError
from ..outputs.report import format_assessment, format_providers, format_red_flags, format_rules

EXIT_BAD_INPUT = 2


def _cmd_assess(args: argparse.Namespace) -> int:
    result = assess(load_presentation(args.file))
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(format_assessment(result))
    return 0


def _printer(render: Callable[[], str]) -> Callable[[argparse.Namespace], int]:
    def run(_: argparse.Namespace) -> int:
        sys.stdout.write(render())
        return 0

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m triage",
        description="Back and hip pain triage teaching suite (educational use only; not a diagnosis).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("assess", help="assess a presentation file (YAML or JSON)")
    p.add_argument("file", help="presentation file, e.g. examples/presentation.yaml")
    p.add_argument("--json", action="store_true", help="print the assessment as JSON (the output contract)")
    p.set_defaults(run=_cmd_assess)
    sub.add_parser("rules", help="list every rule with its condition, outcome and guide section").set_defaults(
        run=_printer(format_rules)
    )
    sub.add_parser("providers", help="list the providers and what each one does").set_defaults(
        run=_printer(format_providers)
    )
    sub.add_parser("red-flags", help="list the red flags and what they may signal").set_defaults(
        run=_printer(format_red_flags)
    )
    for register in EXTRA_COMMANDS:
        register(sub)
    return parser


def _case_commands(sub: argparse._SubParsersAction) -> None:
    from .cases import register  # imported lazily: case loading needs jsonschema

    register(sub)


def _class_commands(sub: argparse._SubParsersAction) -> None:
    from .classroom import register

    register(sub)


def _handout_commands(sub: argparse._SubParsersAction) -> None:
    from .handouts import register  # imported lazily: rendering needs Jinja2

    register(sub)


def _course_commands(sub: argparse._SubParsersAction) -> None:
    from .course import register

    register(sub)


def _passed_on_commands(sub: argparse._SubParsersAction) -> None:
    # Listed for --help only: main() hands these and everything after them to their own option parsers.
    sub.add_parser("serve", add_help=False,
                   help="serve the apps for a class (standalone Voila; `serve --help` lists its options)")
    sub.add_parser("hub", add_help=False,
                   help="the class on JupyterHub: accounts, the class-store service, prestart, backup "
                        "(`hub --help`)")


# Sub-commands contributed by the other command-line modules.
EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    _case_commands, _class_commands, _handout_commands, _course_commands, _passed_on_commands]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["serve"]:
        from ..serve.app import main as serve

        return serve(args_list[1:])
    if args_list[:1] == ["hub"]:
        from .hub import main as hub

        return hub(args_list[1:])
    parser = build_parser()
    args = parser.parse_args(args_list)
    try:
        return int(args.run(args))
    except TriageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT

