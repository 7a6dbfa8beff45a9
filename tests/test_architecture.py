"""The layers (docs/architecture.md): models/ is the bottom and imports neither Flask nor the API;
notifications/ builds on models/ only; a Celery worker process loads no HTTP machinery."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FLASK_EXTENSIONS = ("flask_jwt_extended", "flask_babel", "flask_limiter", "flask_compress", "flask_restx",
                    "flask_migrate")


def imported_modules(package: str) -> dict[str, set[str]]:
    """Every module each file of ``package`` imports (top level or inside functions)."""
    found = {}
    for path in (ROOT / package).rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


def offending(package: str, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    return {path: sorted(n for n in names if n.split(".")[0] in forbidden)
            for path, names in imported_modules(package).items()
            if any(n.split(".")[0] in forbidden for n in names)}


def test_models_import_neither_flask_nor_the_api_nor_notifications():
    assert offending("models", ("api", "flask", "notifications", *FLASK_EXTENSIONS)) == {}


def test_notifications_import_neither_the_api_nor_flask():
    assert offending("notifications", ("api", "flask", *FLASK_EXTENSIONS)) == {}


@pytest.mark.parametrize("module", ["notifications.worker", "notifications.dispatcher", "models"])
def test_a_worker_process_loads_no_flask_extension(module):
    code = (f"import json, sys; import {module}; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            f"{FLASK_EXTENSIONS + ('api', 'flask')!r})))")
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            check=True)
    assert json.loads(loaded.stdout) == []


def test_schema_class_names_are_unique_because_swagger_models_are_named_after_them():
    import importlib
    import pkgutil

    from marshmallow import Schema

    import api.schemas

    homes: dict[str, set[str]] = {}
    for module_info in pkgutil.iter_modules(api.schemas.__path__):
        module = importlib.import_module(f"api.schemas.{module_info.name}")
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, Schema) and value.__module__ == module.__name__:
                homes.setdefault(name, set()).add(module.__name__)
    assert {name: modules for name, modules in homes.items() if len(modules) > 1} == {}
    assert len(homes) > 30
