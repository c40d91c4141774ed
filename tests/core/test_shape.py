"""The code keeps a shape a newcomer can read: no module over 400 lines, no function over 60 (migrations aside),
and every command handler and post builder says in a docstring what it answers."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "commands", "adapters", "schedules", "relais")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def sources() -> list[Path]:
    return [
        path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def test_no_module_is_too_long():
    long = {
        str(path.relative_to(ROOT)): lines
        for path in sources()
        if (lines := path.read_text().count("\n")) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_is_too_long():
    long = {}
    for path in sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(ROOT)}:{node.name}"] = length
    assert long == {}


def _undocumented(functions: dict[str, object]) -> list[str]:
    """The names of the functions without a docstring."""
    return sorted(name for name, function in functions.items() if not (function.__doc__ or "").strip())


def test_every_command_handler_says_what_it_answers():
    from commands import build_router

    handlers = {
        f"{handler.__module__}.{handler.__qualname__}": handler
        for command in build_router().commands()
        for handler in command.handlers()
    }
    assert _undocumented(handlers) == []


def test_every_post_builder_says_what_it_answers():
    import importlib
    import inspect
    import pkgutil

    import bot.posts

    builders = {}
    for info in pkgutil.iter_modules(bot.posts.__path__):
        module = importlib.import_module(f"bot.posts.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("_") and function.__module__ == module.__name__:
                builders[f"{module.__name__}.{name}"] = function
    assert builders and _undocumented(builders) == []
