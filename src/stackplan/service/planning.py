"""The one place where the service meets the planning library.

Everything the service needs from the rest of Stackplan goes through these functions:

- :func:`validate_scenario` (YAML text -> problems, each with its line and column), the same strict
  check as ``stackplan check-scenario`` (``stackplan.scenario.load_scenario``),
- :func:`run_plan` (YAML text -> the plan JSON contract of ``Plan.to_dict()``, reporting progress),
- :func:`render_html` / :func:`render_markdown` (the report writers of ``stackplan.report``),
- :func:`examples` (the example scenarios) and :func:`catalogs` (the shipped catalogue tables).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import yaml

from stackplan.catalog import list_models
from stackplan.catalog._files import read_table
from stackplan.errors import InputError

__all__ = [
    "DefaultPlanner",
    "Planner",
    "ScenarioProblem",
    "catalogs",
    "examples",
    "locate",
    "render_html",
    "render_markdown",
    "run_plan",
    "validate_scenario",
]

#: Progress callback: (fraction done [0..1], what is happening).
Progress = Callable[[float, str], None]

#: Deployment models of the plan JSON contract.
DEPLOYMENT_MODELS = ("cloud_first", "hybrid", "on_prem")


@dataclass(frozen=True)
class ScenarioProblem:
    """One problem in a scenario file, located in the YAML text (1-based line and column)."""

    field: str
    message: str
    value: str | None = None
    fix: str | None = None
    line: int | None = None
    column: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form (the API's ``problems`` items)."""
        return asdict(self)


class Planner(Protocol):
    """What the service needs from a planning engine (tests pass a fake with the same shape)."""

    def validate(self, yaml_text: str) -> list[ScenarioProblem]:
        """Every problem in the scenario at once; empty when it is valid."""
        ...

    def run(self, yaml_text: str, progress: Progress) -> dict[str, Any]:
        """The plan JSON contract for a valid scenario."""
        ...


def _as_text(yaml_text: str) -> str:
    # ``load_scenario`` reads a one-line string ending in .yaml as a path: text always has a newline
    return yaml_text if "\n" in yaml_text else yaml_text + "\n"


# --------------------------------------------------------------------------------------------- locate
_TOKEN = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def _path_tokens(path: str) -> list[str | int]:
    tokens: list[str | int] = []
    for index, key in _TOKEN.findall(path):
        tokens.append(int(index) if index else key.strip())
    return tokens


def locate(yaml_text: str, path: str) -> tuple[int, int] | None:
    """The (line, column) (1-based) of the node at dotted ``path`` (``workloads.inference[0].model``).

    When the path goes further than the document (a missing key), the deepest existing node is returned.
    ``None`` when the text is not YAML.
    """
    try:
        node = yaml.compose(yaml_text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    best = (node.start_mark.line + 1, node.start_mark.column + 1)
    for token in _path_tokens(path):
        nxt = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if str(key.value) == str(token):
                    best = (key.start_mark.line + 1, key.start_mark.column + 1)
                    nxt = value
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(token, int) and token < len(node.value):
            nxt = node.value[token]
            best = (nxt.start_mark.line + 1, nxt.start_mark.column + 1)
        if nxt is None:
            break
        node = nxt
    return best


_LINE_IN_FIELD = re.compile(r" \(line \d+(?:, column \d+)?\)$")
_LINE_IN_MESSAGE = re.compile(r"\bline (\d+)(?:, column (\d+))?")


def _located(yaml_text: str, problems: Iterable[Any]) -> list[ScenarioProblem]:
    """Problems with their line: the one the loader gives, else found from the field path."""
    out = []
    for p in problems:
        line = getattr(p, "line", None)
        column = getattr(p, "column", None)
        if line is None:
            m = _LINE_IN_MESSAGE.search(f"{p.message} {p.field}")
            if m:
                line, column = int(m.group(1)), int(m.group(2)) if m.group(2) else None
        if line is None:
            where = locate(yaml_text, p.field)
            line, column = where if where else (None, None)
        field = _LINE_IN_FIELD.sub("", p.field)
        out.append(ScenarioProblem(field, p.message, p.value, p.fix, line, column))
    return out


# ------------------------------------------------------------------------------------------- validate
def validate_scenario(yaml_text: str) -> list[ScenarioProblem]:
    """Validate a scenario exactly as the CLI does; every problem at once, each with its line."""
    from stackplan.scenario import load_scenario

    text = _as_text(yaml_text)
    try:
        load_scenario(text)
    except InputError as err:
        return _located(text, err.problems)
    return []


# ------------------------------------------------------------------------------------------------ run
def run_plan(yaml_text: str, progress: Progress) -> dict[str, Any]:
    """Build the plan for a scenario and return its JSON contract (issue 4) as a dict.

    Raises :class:`stackplan.errors.InputError` for an invalid scenario.
    """
    from stackplan.plan import build_plan
    from stackplan.scenario import load_scenario

    progress(0.05, "validating the scenario")
    scenario = load_scenario(_as_text(yaml_text))
    progress(0.2, "sizing the six components and costing each deployment")
    plan = build_plan(scenario)
    progress(0.9, "writing the plan")
    result: dict[str, Any] = plan.to_dict()
    progress(1.0, "done")
    return result


# --------------------------------------------------------------------------------------------- render
def _rebuilt(plan: Mapping[str, Any], scenario_yaml: str | None) -> Any:
    """The ``stackplan.plan.Plan`` behind a stored plan dict, rebuilt from its scenario text; ``None``
    when the catalogue or Stackplan version changed since (the numbers could then differ)."""
    if scenario_yaml is None:
        return None
    from stackplan.plan import build_plan

    try:
        rebuilt = build_plan(_as_text(scenario_yaml))
    except InputError:
        return None
    same = (rebuilt.catalog_version, rebuilt.stackplan_version) == (
        plan.get("catalog_version"),
        plan.get("stackplan_version"),
    )
    return rebuilt if same else None


def render_html(plan: Mapping[str, Any], scenario_yaml: str | None = None) -> str:
    """A self-contained HTML report of a plan (works offline).

    The library's report writer is used when the plan can be rebuilt identically from its scenario
    (same catalogue and Stackplan version); otherwise the service's summary report of the stored dict.
    """
    rebuilt = _rebuilt(plan, scenario_yaml)
    if rebuilt is not None:
        from stackplan.report.html import plan_html

        return plan_html(rebuilt)
    from stackplan.service import reports

    return reports.html_report(plan)


def render_markdown(plan: Mapping[str, Any], scenario_yaml: str | None = None) -> str:
    """A Markdown report of a plan (same rule as :func:`render_html`)."""
    rebuilt = _rebuilt(plan, scenario_yaml)
    if rebuilt is not None:
        from stackplan.report.markdown import plan_markdown

        return plan_markdown(rebuilt)
    from stackplan.service import reports

    return reports.markdown_report(plan)


# ------------------------------------------------------------------------------------ examples, catalog
def examples() -> dict[str, str]:
    """The packaged example scenarios (``stackplan.examples``): {name: YAML text}."""
    from stackplan.examples import example_scenarios

    found: dict[str, str] = {}
    for name, path in example_scenarios().items():
        text = path.read_text(encoding="utf-8")
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError:
            continue
        if isinstance(data, dict) and "organization" in data and "workloads" in data:  # scenarios only
            found[name] = text
    return found


def _table_rows(filename: str) -> Callable[[], list[dict[str, Any]]]:
    def rows() -> list[dict[str, Any]]:
        table = read_table(filename)
        return [{**row, "as_of": row.get("as_of") or table.meta.get("as_of")} for row in table.rows]

    return rows


def catalogs() -> dict[str, Callable[[], list[dict[str, Any]]]]:
    """Catalogue tables the API serves: {name: function returning rows}; every row has a source."""
    data = resources.files("stackplan.catalog") / "data"
    tables: dict[str, Callable[[], list[dict[str, Any]]]] = {
        Path(str(f)).stem: _table_rows(Path(str(f)).name) for f in data.iterdir() if str(f).endswith(".csv")
    }
    tables["models"] = lambda: [
        {
            "id": m.id,
            "name": m.architecture.name,
            "total_params": m.architecture.total_params,
            "active_params": m.architecture.active_params,
            "published_total_params": m.published_total_params,
            "published_active_params": m.published_active_params,
            "source": m.source,
            "as_of": m.as_of,
        }
        for m in list_models()
    ]
    return tables


class DefaultPlanner:
    """The :class:`Planner` backed by this module's functions."""

    def validate(self, yaml_text: str) -> list[ScenarioProblem]:
        """See :func:`validate_scenario`."""
        return validate_scenario(yaml_text)

    def run(self, yaml_text: str, progress: Progress) -> dict[str, Any]:
        """See :func:`run_plan`."""
        return run_plan(yaml_text, progress)
