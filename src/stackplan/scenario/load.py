"""Loading a scenario file: YAML syntax, schema and meaning, every problem reported at once.

``load_scenario`` reads YAML text or a file, validates it against :class:`Scenario` and then
checks its meaning against the catalogues (model, accelerator, region, provider, API-model and
assumption ids; goals that name unknown workloads; duplicate ids; regions outside the
organisation). It raises one :class:`~stackplan.errors.InputError` that lists every problem, each
with its field path, line, the value given and the fix. The input is never mutated.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from stackplan.errors import InputError, InputProblem, closest
from stackplan.scenario.schema import SCHEMA_VERSION, Scenario

__all__ = ["KnownIds", "check_ids", "check_scenario", "load_scenario", "parse_scenario_text"]

Path_ = tuple[str | int, ...]


# ---------------------------------------------------------------------------------------------- YAML


def _node_lines(node: yaml.Node, path: Path_, out: dict[Path_, int]) -> None:
    """Record the 1-based line of every key path in a composed YAML node tree."""
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out[(*path, key)] = key_node.start_mark.line + 1
            _node_lines(value_node, (*path, key), out)
            out[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _node_lines(item, (*path, i), out)


def _yaml_error(err: yaml.YAMLError, where: str) -> InputError:
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err)
    at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return InputError(
        InputProblem(
            where,
            f"YAML syntax error{at}: {problem}",
            None,
            "fix the YAML syntax (indent with spaces; quote values that contain ':' or '#')",
        )
    )


def parse_scenario_text(text: str, *, where: str = "scenario") -> tuple[Any, dict[Path_, int]]:
    """Parse YAML ``text``; return the data and the line of every key path."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise _yaml_error(err, where) from None
    lines: dict[Path_, int] = {}
    if node is not None:
        _node_lines(node, (), lines)
    return data, lines


# ------------------------------------------------------------------------------------ schema problems


def _fmt_path(loc: Iterable[str | int]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "(top level)"


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside ``annotation`` (through Optional, tuple, dict, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _keys_at(loc: Path_) -> list[str]:
    """Allowed keys of the model found at ``loc`` (the parent of an unknown key)."""
    model: type[BaseModel] | None = Scenario
    for part in loc:
        if model is None:
            return []
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            continue  # a dict key (data class name) or a union branch tag
        model = _model_in(field.annotation)
    return list(model.model_fields) if model is not None else []


def _line_of(lines: Mapping[Path_, int], loc: Path_) -> int | None:
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _problem_from_error(e: Mapping[str, Any], lines: Mapping[Path_, int]) -> InputProblem:
    loc: Path_ = tuple(p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    line = _line_of(lines, loc)
    field = _fmt_path(loc) + (f" (line {line})" if line else "")
    kind = e["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else ""
        allowed = _keys_at(loc[:-1])
        sugg = closest(key, allowed)
        fix = f"did you mean {sugg[0]!r}?" if sugg else "remove it; allowed keys: " + ", ".join(allowed)
        return InputProblem(field, "unknown key", None, fix)
    if kind == "missing":
        return InputProblem(field, "required key is missing", None, "add it (see docs/scenario.md)")
    if kind == "literal_error":
        expected = e.get("ctx", {}).get("expected", "")
        return InputProblem(field, "value not allowed", _short(e.get("input")), f"use one of {expected}")
    msg = str(e["msg"]).removeprefix("Value error, ")
    fixes = {
        "greater_than": "use a larger value",
        "greater_than_equal": "use a larger value",
        "less_than": "use a smaller value",
        "less_than_equal": "use a smaller value",
        "float_parsing": "give a number",
        "int_parsing": "give a whole number",
        "string_pattern_mismatch": "use letters, digits, '.', '_' and '-' only",
        "too_short": "give at least one entry",
    }
    return InputProblem(field, msg, _short(e.get("input")), fixes.get(kind, "see docs/scenario.md"))


# ------------------------------------------------------------------------------------ meaning (ids)


class KnownIds(typing.NamedTuple):
    """The catalogue ids a scenario may use; supplied by the caller so this module reads no files."""

    models: Iterable[str]
    accelerators: Iterable[str]
    regions: Iterable[str]
    providers: Iterable[str]
    api_models: Iterable[str]
    assumptions: Iterable[str]
    roles: Iterable[str]
    grid_zones: Iterable[str]


def _unknown(field: str, kind: str, value: str, known: Iterable[str], line: int | None) -> InputProblem:
    known = list(known)
    sugg = closest(value, known)
    fix = (
        "did you mean " + ", ".join(repr(s) for s in sugg) + "?"
        if sugg
        else "use one of: " + ", ".join(sorted(known)[:25])
    )
    where = field + (f" (line {line})" if line else "")
    return InputProblem(where, f"unknown {kind}", repr(value), fix)


def _items(data: Any, *keys: str) -> list[tuple[Path_, Any]]:
    """``(path, value)`` of the list or mapping found at ``keys`` in raw data (empty when absent)."""
    cur = data
    for k in keys:
        if not isinstance(cur, dict) or k not in cur:
            return []
        cur = cur[k]
    if isinstance(cur, list | tuple):
        return [((*keys, i), v) for i, v in enumerate(cur)]
    if isinstance(cur, dict):
        return [((*keys, k), v) for k, v in cur.items()]
    return [(tuple(keys), cur)]


def check_ids(data: Any, known: KnownIds, lines: Mapping[Path_, int] | None = None) -> list[InputProblem]:
    """Every unknown catalogue id in scenario data, valid or not (so that schema and id problems
    are reported together): models, accelerators, locations, providers, grid zones, API models,
    roles and assumption names."""
    lines = lines or {}
    out: list[InputProblem] = []

    def check(loc: Path_, value: Any, kind: str, pool: Iterable[str], extra: tuple[str, ...] = ()) -> None:
        pool = list(pool)
        if isinstance(value, str) and value not in pool and value not in extra:
            out.append(_unknown(_fmt_path(loc), kind, value, [*pool, *extra], _line_of(lines, loc)))

    for loc, v in _items(data, "organization", "regions"):
        check(loc, v, "location", known.regions)
    for (*_, cls), pol in _items(data, "organization", "data_classes"):
        for loc, v in _items(pol, "regions"):
            check(("organization", "data_classes", cls, *loc), v, "location", known.regions, ("any",))
    for loc, v in _items(data, "deployment", "regions"):
        check(loc, v, "location", known.regions)
    for loc, v in _items(data, "deployment", "providers"):
        check(loc, v, "provider", known.providers)
    for loc, v in _items(data, "deployment", "accelerators"):
        check(loc, v, "accelerator", known.accelerators)
    for loc, v in _items(data, "deployment", "on_prem", "grid_zone"):
        check(loc, v, "grid zone", known.grid_zones)
    for section in ("training", "fine_tuning", "inference", "batch"):
        for loc, w in _items(data, "workloads", section):
            for sub, v in _items(w, "model"):
                check((*loc, *sub), v, "model", known.models)
            for sub, v in _items(w, "api_alternative", "api_model"):
                check((*loc, *sub), v, "API model", known.api_models)
    for loc, m in _items(data, "people", "team"):
        for sub, v in _items(m, "role"):
            check((*loc, *sub), v, "role", known.roles)
    for (*_, name), _v in _items(data, "assumptions"):
        check(("assumptions", name), name, "assumption", known.assumptions)
    return out


def check_scenario(
    sc: Scenario, known: KnownIds, lines: Mapping[Path_, int] | None = None
) -> list[InputProblem]:
    """Every problem of meaning in a schema-valid scenario (empty when it is sound): unknown ids
    (:func:`check_ids`) and cross-references (duplicate ids, goals naming unknown workloads, a
    missing owned site, year indices beyond the horizon)."""
    lines = lines or {}
    out: list[InputProblem] = check_ids(sc.model_dump(mode="json", exclude_defaults=True), known, lines)
    org = sc.organization

    def at(loc: Path_) -> int | None:
        return _line_of(lines, loc)

    def unknown(loc: Path_, kind: str, value: str, pool: Iterable[str]) -> None:
        out.append(_unknown(_fmt_path(loc), kind, value, pool, at(loc)))

    site = sc.deployment.on_prem
    if site is None and ("on_prem" in sc.deployment.models or "hybrid" in sc.deployment.models):
        out.append(
            InputProblem(
                "deployment.on_prem",
                "hybrid and on_prem deployments need a site",
                None,
                "add deployment.on_prem: {grid_zone: <e.g. us-va>, facility: colocation}",
            )
        )

    seen: dict[str, str] = {}
    for section in ("training", "fine_tuning", "inference", "batch"):
        for i, w in enumerate(getattr(sc.workloads, section)):
            loc: Path_ = ("workloads", section, i)
            if w.id in seen:
                out.append(
                    InputProblem(
                        _fmt_path((*loc, "id")),
                        f"workload id used twice (also in workloads.{seen[w.id]})",
                        repr(w.id),
                        "give every workload its own id",
                    )
                )
            seen[w.id] = section
            years = getattr(w, "years", None)
            for j, y in enumerate(years or ()):
                if y >= org.horizon_years:
                    out.append(
                        InputProblem(
                            _fmt_path((*loc, "years", j)),
                            "year index beyond the horizon",
                            str(y),
                            f"use 0..{org.horizon_years - 1} (0 = {org.start_year})",
                        )
                    )
    if not seen:
        out.append(
            InputProblem(
                "workloads",
                "no workloads",
                None,
                "add at least one training, fine_tuning, inference or batch workload",
            )
        )

    for i, g in enumerate(sc.goals):
        for j, wid in enumerate(g.workloads):
            if wid not in seen:
                unknown(("goals", i, "workloads", j), "workload", wid, seen)
    return out


# -------------------------------------------------------------------------------------------- loading


def load_scenario(source: str | Path, *, known: KnownIds | None = None) -> Scenario:
    """Load and check a scenario from a path or YAML text.

    Parameters
    ----------
    source
        A path to a ``.yaml``/``.yml`` file, or the YAML text itself.
    known
        The catalogue ids to check against; default: the shipped catalogues.

    Raises
    ------
    InputError
        Listing every problem found (syntax, schema and meaning), each with path, line and fix.
    """
    where = "scenario"
    if isinstance(source, Path) or (
        "\n" not in source and source.strip().lower().endswith((".yaml", ".yml"))
    ):
        path = Path(source)
        where = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise InputError(
                InputProblem(
                    "SCENARIO", f"cannot read scenario file: {err.strerror}", str(path), "check the path"
                )
            ) from None
    else:
        text = str(source)
    data, lines = parse_scenario_text(text, where=where)
    if not isinstance(data, dict):
        raise InputError(
            InputProblem(where, "a scenario must be a mapping of sections", _short(data), "see examples/")
        )
    version = data.get("schema_version")
    if version is not None and version != SCHEMA_VERSION:
        raise InputError(
            InputProblem(
                "schema_version",
                "unsupported scenario schema version",
                repr(version),
                f"this Stackplan reads schema_version {SCHEMA_VERSION}",
            )
        )
    if known is None:
        known = _default_known()
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        schema = [_problem_from_error(e, lines) for e in err.errors()]
        raise InputError([*schema, *check_ids(data, known, lines)]) from None
    problems = check_scenario(scenario, known, lines)
    if problems:
        raise InputError(problems)
    return scenario


def _default_known() -> KnownIds:
    from stackplan.plan_inputs import known_ids

    return known_ids()
