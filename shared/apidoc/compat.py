"""Breaking-change detection between two versions of a contract's JSON Schema.

Within a `.vN` subject consumers must keep working: a field may be added if optional, nothing may be
removed or renamed, no value accepted before may be refused now. A change that breaks that rule
needs a new `.vN+1` contract published alongside the old one.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

_NARROWING_BOUNDS = (
    ("minimum", "higher"),
    ("exclusiveMinimum", "higher"),
    ("minLength", "higher"),
    ("minItems", "higher"),
    ("maximum", "lower"),
    ("exclusiveMaximum", "lower"),
    ("maxLength", "lower"),
    ("maxItems", "lower"),
)


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """What `new` refuses or requires that `old` did not, in plain words; empty when compatible."""
    found: list[str] = []
    _compare(old, old, new, new, "", found)
    return found


def _resolve(schema: Schema, root: Schema) -> Schema:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = root.get("$defs", {})[name]
    return schema


def _branches(schema: Schema, root: Schema) -> list[Schema]:
    """The alternatives a value may take. A schema with its own properties and a oneOf is one object
    whose oneOf only adds constraints (alternative forms); those are compared in `_compare_forms`."""
    schema = _resolve(schema, root)
    if "properties" not in schema and "type" not in schema:
        for union in ("anyOf", "oneOf"):
            if union in schema:
                return [branch for option in schema[union] for branch in _branches(option, root)]
    return [schema]


def _types(schema: Schema) -> set[str]:
    if "const" in schema:
        return {_json_type(schema["const"])}
    if "enum" in schema:
        return {_json_type(value) for value in schema["enum"]}
    declared = schema.get("type")
    if declared is None:
        return {"any"}
    kinds = set(declared) if isinstance(declared, list) else {declared}
    if "number" in kinds:
        kinds.add("integer")
    return kinds


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _where(path: str) -> str:
    return path or "the event"


def _compare(old: Schema, old_root: Schema, new: Schema, new_root: Schema, path: str, found: list[str]) -> None:
    old_branches, new_branches = _branches(old, old_root), _branches(new, new_root)
    old_types = set().union(*(_types(branch) for branch in old_branches))
    new_types = set().union(*(_types(branch) for branch in new_branches))
    if "any" not in new_types:
        lost = old_types - new_types - ({"integer"} if "number" in new_types else set())
        if "any" in old_types:
            found.append(f"{_where(path)}: accepted any value, now only {', '.join(sorted(new_types))}")
        elif lost:
            found.append(f"{_where(path)}: no longer accepts {', '.join(sorted(lost))}")
    for old_branch in old_branches:
        match = _counterpart(old_branch, new_branches)
        if match is not None:
            _compare_branch(old_branch, old_root, match, new_root, path, found)


def _counterpart(branch: Schema, candidates: list[Schema]) -> Schema | None:
    """The new alternative that stands for an old one: same title, else same type with most fields in common."""
    kinds = _types(branch)
    fitting = [c for c in candidates if kinds & _types(c) or "any" in _types(c)]
    if not fitting:
        return None
    titled = [c for c in fitting if branch.get("title") is not None and c.get("title") == branch.get("title")]
    if titled:
        return titled[0]
    fields = set(branch.get("properties", {}))
    return max(fitting, key=lambda candidate: len(fields & set(candidate.get("properties", {}))))


def _compare_forms(old: Schema, old_root: Schema, new: Schema, new_root: Schema, path: str, found: list[str]) -> None:
    """An object offered in alternative forms (a oneOf beside its properties) must keep offering each."""
    if "properties" not in old:
        return
    old_forms = old.get("oneOf") or old.get("anyOf") or []
    new_forms = new.get("oneOf") or new.get("anyOf") or []
    if new_forms and not old_forms:
        found.append(f"{_where(path)}: now has to take one of {len(new_forms)} forms")
    for form in old_forms:
        match = next((f for f in new_forms if f.get("title") == form.get("title")), None)
        if match is None:
            found.append(f"{_where(path)}: the form {form.get('title', 'unnamed')!r} is gone")
            continue
        for name in sorted(set(match.get("required", [])) - set(form.get("required", []))):
            found.append(f"{_where(path)}: the form {form.get('title', 'unnamed')!r} now requires {name}")


def _compare_branch(old: Schema, old_root: Schema, new: Schema, new_root: Schema, path: str, found: list[str]) -> None:
    where = _where(path)
    old_values = [old["const"]] if "const" in old else old.get("enum")
    new_values = [new["const"]] if "const" in new else new.get("enum")
    if new_values is not None:
        if old_values is None:
            found.append(f"{where}: now restricted to {new_values}")
        elif removed := [value for value in old_values if value not in new_values]:
            found.append(f"{where}: no longer accepts {removed}")
    for bound, direction in _NARROWING_BOUNDS:
        if bound in new:
            before = old.get(bound)
            tighter = before is None or (new[bound] > before if direction == "higher" else new[bound] < before)
            if tighter:
                found.append(f"{where}: {bound} is now {new[bound]} (was {before if before is not None else 'unset'})")
    if "pattern" in new and new.get("pattern") != old.get("pattern"):
        found.append(f"{where}: values must now match {new['pattern']!r}")
    if "properties" in old or "properties" in new:
        old_fields, new_fields = old.get("properties", {}), new.get("properties", {})
        for name in old_fields:
            if name not in new_fields:
                found.append(f"{path + '.' if path else ''}{name}: removed (or renamed)")
            else:
                _compare(
                    old_fields[name], old_root, new_fields[name], new_root, f"{path + '.' if path else ''}{name}", found
                )
        for name in sorted(set(new.get("required", [])) - set(old.get("required", []))):
            found.append(f"{path + '.' if path else ''}{name}: newly required")
        if new.get("additionalProperties") is False and old.get("additionalProperties") is not False:
            found.append(f"{where}: no longer accepts unknown fields")
    _compare_forms(old, old_root, new, new_root, path, found)
    if "items" in old and "items" in new:
        _compare(old["items"], old_root, new["items"], new_root, f"{path}[]", found)
    old_tuple, new_tuple = old.get("prefixItems", []), new.get("prefixItems", [])
    if old_tuple and len(old_tuple) != len(new_tuple):
        found.append(f"{_where(path)}: now holds {len(new_tuple)} items instead of {len(old_tuple)}")
    for index, (old_item, new_item) in enumerate(zip(old_tuple, new_tuple, strict=False)):
        _compare(old_item, old_root, new_item, new_root, f"{path}[{index}]", found)
