"""The package's layers (docs/developer/architecture.md): a module imports only its own layer and the
layers below it, and no layer imports the command line. Read from the source with ``ast`` (every
``import`` and ``from ... import``, relative ones resolved, also those inside functions)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "triage"
# each layer and the layers it may import besides itself (errors.py is below everything)
MAY_IMPORT = {
    "domain": {"errors"},
    "store": {"errors"},
    "content": {"errors", "domain"},
    "outputs": {"errors", "domain", "content", "store"},
    "ui": {"errors", "domain", "content", "store", "outputs"},
    "serve": {"errors", "domain", "content", "store", "outputs", "ui"},
    "hubservice": {"errors", "domain", "content", "store", "outputs", "ui", "serve"},
    "cli": {"errors", "domain", "content", "store", "outputs", "ui", "serve", "hubservice"},
}


def layer_of(module: str) -> str | None:
    """``triage.domain.engine`` -> ``domain``; ``triage.errors`` -> ``errors``; the package root -> None."""
    parts = module.split(".")
    if parts[0] != "triage" or len(parts) < 2:
        return None
    return parts[1]


def imports(path: Path) -> list[tuple[int, str]]:
    """The triage modules a file imports, with line numbers."""
    here = ["triage", *path.relative_to(PACKAGE).with_suffix("").parts]
    if here[-1] == "__init__":
        here = here[:-1]
    package = here if path.name == "__init__.py" else here[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.startswith("triage")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                names = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
                found += [(node.lineno, n) for n in names]
            elif node.module and node.module.startswith("triage"):
                found.append((node.lineno, node.module))
    return found


def test_every_layer_imports_only_the_layers_below_it():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        own = layer_of("triage." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts))
        if own not in MAY_IMPORT or path.name == "__main__.py":
            continue  # the package root (its public names), errors.py, and entry points (`python -m ...`)
        for line, module in imports(path):
            other = layer_of(module)
            if other is not None and other != own and other not in MAY_IMPORT[own]:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {own} imports {module}")
    assert not wrong, "\n".join(wrong)


def test_the_rule_sees_an_upward_import(tmp_path):
    """The check itself: a domain module that imports the apps is caught."""
    global PACKAGE
    saved = PACKAGE
    try:
        PACKAGE = tmp_path / "triage"
        (PACKAGE / "domain").mkdir(parents=True)
        (PACKAGE / "domain" / "engine.py").write_text("from ..ui import frame\nfrom . import model\n")
        (PACKAGE / "domain" / "model.py").write_text("import triage.cli\n")
        assert sorted(m for _, m in imports(PACKAGE / "domain" / "engine.py")) == ["triage.domain.model", "triage.ui"]

        try:
            test_every_layer_imports_only_the_layers_below_it()
        except AssertionError as exc:
            assert "domain imports triage.ui" in str(exc) and "domain imports triage.cli" in str(exc)
        else:
            raise AssertionError("an upward import passed")
    finally:
        PACKAGE = saved
