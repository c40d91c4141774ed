"""matrix-nio's JSON schema checks, compiled once per schema: the same answers at a tenth of the CPU.

nio checks every response and every event it parses with `nio.schemas.validate_json`, which builds a
jsonschema validator (Draft 4, with nio's `properties` that fills in each property's `default`) and walks
the schema, a new validator object at every step: about 0.9 ms of CPU per Matrix command in Relais (two
syncs, the reply's `room_send`, each event three times). `install()` makes `validate_json` use, for each
schema, a checker compiled once into plain functions that do what jsonschema does, in the same order:
the same defaults set (the same objects, as nio sets them), the same format checks (nio's `Checker`),
the same type rules, stopping at the first failure as `validate` does. An instance the compiled checker
finds invalid is checked again by nio's own validator, which raises the `ValidationError` nio expects
(with its message), after setting the same defaults (setting a default twice changes nothing); and
were it to find the instance valid after all, its answer stands. A schema using a keyword not compiled
here (`$ref`, `anyOf`, `oneOf`, `dependencies`, `additionalItems`, a `$schema` inside, a list of
`items`…: nio uses none of them) is always checked by nio's validator.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

# Draft 4's types (jsonschema's draft 4 type checker: a bool is neither an integer nor a number)
TYPES: dict[str, Check] = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
    "integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "number": lambda value: isinstance(value, numbers.Number) and not isinstance(value, bool),
}
# Draft 4 keywords that only look at the instance itself: run by jsonschema's own function
LEAVES = frozenset(
    {
        "enum",
        "format",
        "pattern",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
        "multipleOf",
        "uniqueItems",
    }
)


class Unsupported(Exception):
    """The schema uses something this module does not compile: nio's validator checks it."""


def always(value: Any) -> bool:
    return True


def never(value: Any) -> bool:
    return False


def in_order(steps: list[Check]) -> Check:
    if not steps:
        return always
    if len(steps) == 1:
        return steps[0]

    def check(value: Any) -> bool:
        for step in steps:
            if not step(value):
                return False
        return True

    return check


class Compiler:
    """Turns one schema into a Check. `shim` is nio's validator for it: jsonschema's leaf keywords need
    one for its type checker and format checker."""

    def __init__(self, validators: dict[str, Any], shim: Any) -> None:
        self.validators = validators
        self.shim = shim

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return always
        if schema is False:
            return never
        if not isinstance(schema, dict) or "$ref" in schema or "$schema" in schema:
            raise Unsupported(repr(schema)[:80])
        return in_order([self.keyword(key, value, schema) for key, value in schema.items() if key in self.validators])

    def keyword(self, key: str, value: Any, schema: dict[str, Any]) -> Check:
        if key == "type":
            return self.type(value)
        if key == "required":
            return required(value)
        if key == "properties":
            return self.properties(value)
        if key == "patternProperties":
            return self.pattern_properties(value)
        if key == "additionalProperties":
            return self.additional_properties(value, schema)
        if key == "items":
            return self.items(value)
        if key == "not":
            inner = self.compile(value)
            return lambda instance: not inner(instance)
        if key == "allOf":
            return in_order([self.compile(each) for each in value])
        if key in LEAVES:
            return self.leaf(self.validators[key], value, schema)
        raise Unsupported(key)

    def type(self, value: Any) -> Check:
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not all(isinstance(name, str) and name in TYPES for name in names):
            raise Unsupported(f"type {value!r}")
        checks = [TYPES[name] for name in names]
        if len(checks) == 1:
            return checks[0]
        return lambda instance: any(check(instance) for check in checks)

    def properties(self, properties: dict[str, Any]) -> Check:
        if not isinstance(properties, dict) or not all(isinstance(sub, dict) for sub in properties.values()):
            raise Unsupported("properties")
        # nio's set_defaults: every default first (before the type is looked at), then each property present
        defaults = [(name, sub["default"]) for name, sub in properties.items() if "default" in sub]
        children = [(name, self.compile(sub)) for name, sub in properties.items()]

        def check(instance: Any) -> bool:
            for name, default in defaults:
                instance.setdefault(name, default)
            if not isinstance(instance, dict):
                return True
            for name, child in children:
                if name in instance and not child(instance[name]):
                    return False
            return True

        return check

    def pattern_properties(self, patterns: dict[str, Any]) -> Check:
        children = [(re.compile(pattern).search, self.compile(sub)) for pattern, sub in patterns.items()]

        def check(instance: Any) -> bool:
            if not isinstance(instance, dict):
                return True
            for search, child in children:
                for key, value in instance.items():
                    if search(key) and not child(value):
                        return False
            return True

        return check

    def additional_properties(self, allowed: Any, schema: dict[str, Any]) -> Check:
        named = schema.get("properties", {})
        joined = "|".join(schema.get("patternProperties", {}))  # jsonschema's find_additional_properties
        search = re.compile(joined).search if joined else None
        child = self.compile(allowed) if isinstance(allowed, dict) else None

        def extras(instance: dict[str, Any]) -> list[str]:
            return [key for key in instance if key not in named and not (search is not None and search(key))]

        def check(instance: Any) -> bool:
            if not isinstance(instance, dict):
                return True
            if child is not None:
                return all(child(instance[key]) for key in set(extras(instance)))  # jsonschema: a set, its order
            return bool(allowed) or not extras(instance)

        return check

    def items(self, items: Any) -> Check:
        if not isinstance(items, dict):
            raise Unsupported("items")
        child = self.compile(items)
        return lambda instance: not isinstance(instance, list) or all(child(item) for item in instance)

    def leaf(self, function: Any, value: Any, schema: dict[str, Any]) -> Check:
        shim = self.shim
        return lambda instance: next(iter(function(shim, value, instance, schema) or ()), None) is None


def required(names: Any) -> Check:
    if not isinstance(names, list):
        raise Unsupported("required")
    return lambda instance: not isinstance(instance, dict) or all(name in instance for name in names)


class CompiledValidators:
    """What `nio.schemas.Validator(schema, format_checker=…)` gives `validate_json`: an object whose
    `validate(instance)` sets the defaults and raises jsonschema's ValidationError as nio's would."""

    def __init__(self, original: Any) -> None:
        self.original = original
        self.cache: dict[tuple[int, int], tuple[Any, Any, Compiled | None]] = {}

    def __call__(self, schema: Any, format_checker: Any = None) -> Any:
        key = (id(schema), id(format_checker))
        known = self.cache.get(key)
        if known is None or known[0] is not schema or known[1] is not format_checker:
            known = (schema, format_checker, self.compiled(schema, format_checker))
            if len(self.cache) < 1000:  # nio's schemas are constants; anything else is not kept forever
                self.cache[key] = known
        return known[2] or self.original(schema, format_checker=format_checker)

    def compiled(self, schema: Any, format_checker: Any) -> Compiled | None:
        shim = self.original(schema, format_checker=format_checker)
        try:
            check = Compiler(self.original.VALIDATORS, shim).compile(schema)
        except Unsupported:
            return None
        return Compiled(self.original, schema, format_checker, check)


class Compiled:
    __slots__ = ("original", "schema", "format_checker", "check")

    def __init__(self, original: Any, schema: Any, format_checker: Any, check: Check) -> None:
        self.original, self.schema, self.format_checker, self.check = original, schema, format_checker, check

    def validate(self, instance: Any) -> None:
        if not self.check(instance):  # nio's own validator says why (and has the last word)
            self.original(self.schema, format_checker=self.format_checker).validate(instance)


def compatible(validator: Any) -> bool:
    """True when nio's validator is still what this module copies: Draft 4, nio's `properties` only."""
    from jsonschema import Draft4Validator

    same = {key for key, function in validator.VALIDATORS.items() if Draft4Validator.VALIDATORS.get(key) is function}
    return (
        validator.TYPE_CHECKER is Draft4Validator.TYPE_CHECKER
        and set(validator.VALIDATORS) == set(Draft4Validator.VALIDATORS)
        and set(validator.VALIDATORS) - same == {"properties"}
        and all(
            TYPES[name](value) == validator.TYPE_CHECKER.is_type(value, name) for name in TYPES for value in SAMPLES
        )
    )


SAMPLES = (None, True, False, 0, 1, 1.0, 2.5, "", "a", [], [1], {}, {"a": 1})


def install() -> bool:
    """Make nio's validate_json use the compiled checkers (once; not if nio's validator has changed)."""
    import nio.schemas

    current = nio.schemas.Validator
    if isinstance(current, CompiledValidators):
        return True
    if not compatible(current):
        return False
    nio.schemas.Validator = CompiledValidators(current)
    return True
