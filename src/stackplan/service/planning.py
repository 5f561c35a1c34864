"""The one place where the service meets the planning library.

Everything the service needs from the rest of Stackplan goes through these functions:

- :func:`validate_scenario` (YAML text -> problems, each with its line and column),
- :func:`run_plan` (YAML text -> the plan JSON contract, reporting progress),
- :func:`render_html` / :func:`render_markdown` (plan dict -> report text),
- :func:`examples` (the bundled example scenarios) and :func:`catalogs` (catalogue tables).

Fallback: while ``stackplan.load_scenario`` / ``stackplan.build_plan`` are not available in the installed
package, validation checks YAML syntax and the top-level sections only, and :func:`run_plan` returns a
*preview* plan with illustrative numbers, marked ``"preview": true`` (the dashboard says so on every
page). Once the planning engine is present the real calls are used and the fallback is never reached.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import yaml

import stackplan
from stackplan.catalog import CATALOG_VERSION, list_accelerators, list_models
from stackplan.errors import InputError, closest

__all__ = [
    "Planner",
    "ScenarioProblem",
    "catalogs",
    "engine_available",
    "examples",
    "locate",
    "render_html",
    "render_markdown",
    "run_plan",
    "validate_scenario",
]

#: Progress callback: (fraction done [0..1], what is happening).
Progress = Callable[[float, str], None]

#: Top-level sections of a scenario file (issue 4); used by the fallback validator only.
SCENARIO_SECTIONS = (
    "schema_version",
    "organization",
    "goals",
    "workloads",
    "data",
    "people",
    "deployment",
    "assumptions",
)

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


def engine_available() -> bool:
    """True when the installed package has the planning engine (``load_scenario`` and ``build_plan``)."""
    return hasattr(stackplan, "load_scenario") and hasattr(stackplan, "build_plan")


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


def _syntax_problem(err: yaml.YAMLError) -> ScenarioProblem:
    mark = getattr(err, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    column = mark.column + 1 if mark is not None else None
    problem = getattr(err, "problem", None) or str(err)
    return ScenarioProblem(
        field="(yaml)",
        message=f"YAML syntax error: {problem}",
        fix="correct the YAML at that line (indentation, a missing ':' or quote)",
        line=line,
        column=column,
    )


def _located(yaml_text: str, problems: Iterable[Any]) -> list[ScenarioProblem]:
    out = []
    for p in problems:
        line = getattr(p, "line", None)
        column = getattr(p, "column", None)
        if line is None:
            where = locate(yaml_text, p.field)
            line, column = where if where else (None, None)
        out.append(ScenarioProblem(p.field, p.message, p.value, p.fix, line, column))
    return out


# ------------------------------------------------------------------------------------------- validate
def validate_scenario(yaml_text: str) -> list[ScenarioProblem]:
    """Validate a scenario exactly as the CLI does; every problem at once, each with its line."""
    if engine_available():
        try:
            stackplan.load_scenario(yaml_text)  # type: ignore[attr-defined]
        except InputError as err:
            return _located(yaml_text, err.problems)
        return []
    return _fallback_validate(yaml_text)


def _fallback_validate(yaml_text: str) -> list[ScenarioProblem]:
    try:
        data = yaml.safe_load(yaml_text)
    except yaml.YAMLError as err:
        return [_syntax_problem(err)]
    if not isinstance(data, dict):
        return [
            ScenarioProblem(
                "(document)",
                "a scenario must be a YAML mapping of sections",
                type(data).__name__,
                "start from an example scenario",
                1,
                1,
            )
        ]
    problems = []
    for key in data:
        if str(key) not in SCENARIO_SECTIONS:
            hints = closest(str(key), SCENARIO_SECTIONS)
            fix = f"did you mean {hints[0]!r}?" if hints else f"use one of: {', '.join(SCENARIO_SECTIONS)}"
            problems.append(ScenarioProblem(str(key), "unknown section", str(key), fix))
    for required in ("organization", "workloads"):
        if required not in data:
            problems.append(ScenarioProblem(required, "missing section", None, f"add a {required!r} section"))
    return _located(yaml_text, problems)


# ------------------------------------------------------------------------------------------------ run
def run_plan(yaml_text: str, progress: Progress) -> dict[str, Any]:
    """Build the plan for a scenario and return its JSON contract (issue 4) as a dict.

    Raises :class:`stackplan.errors.InputError` for an invalid scenario.
    """
    progress(0.05, "validating the scenario")
    if engine_available():
        scenario = stackplan.load_scenario(yaml_text)  # type: ignore[attr-defined]
        progress(0.2, "sizing components and costing deployments")
        plan = stackplan.build_plan(scenario)  # type: ignore[attr-defined]
        progress(0.9, "writing the plan")
        result: dict[str, Any] = plan.to_dict()
        progress(1.0, "done")
        return result
    problems = _fallback_validate(yaml_text)
    if problems:
        raise InputError([_as_input_problem(p) for p in problems])
    progress(0.5, "preview plan (planning engine not installed)")
    result = _preview_plan(yaml.safe_load(yaml_text))
    progress(1.0, "done")
    return result


def _as_input_problem(p: ScenarioProblem) -> Any:
    from stackplan.errors import InputProblem

    return InputProblem(p.field, p.message + (f" (line {p.line})" if p.line else ""), p.value, p.fix)


def _preview_plan(scenario: Mapping[str, Any]) -> dict[str, Any]:
    """Illustrative plan in the JSON contract's shape (fallback only; marked ``preview``).

    Numbers are placeholders chosen to exercise every chart; they are not a plan.
    """
    org = scenario.get("organization") or {}
    start = int(org.get("start_year", 2026))
    years = int(org.get("horizon_years", 5))
    dep = scenario.get("deployment") or {}
    models = [m for m in dep.get("models", DEPLOYMENT_MODELS) if m in DEPLOYMENT_MODELS] or list(
        DEPLOYMENT_MODELS
    )
    base = {
        "cloud_first": (0.0, 9.0e6, 1.2e6),
        "hybrid": (6.0e6, 5.0e6, 1.5e6),
        "on_prem": (11.0e6, 2.6e6, 1.8e6),
    }
    deployments = []
    for m in models:
        capex0, opex, hidden = base[m]
        flows: list[dict[str, Any]] = []
        for i in range(years):
            capex = capex0 if i == 0 else capex0 * 0.05
            grow = opex * (1 + 0.15 * i)
            flows.append(
                {
                    "year": start + i,
                    "capex_usd": capex,
                    "opex_usd": grow,
                    "hidden_usd": hidden,
                    "lines": {
                        "accelerator servers": capex * 0.8,
                        "network and storage": capex * 0.2,
                        "cloud and power": grow * 0.85,
                        "licences and support": grow * 0.15,
                        "people and integration": hidden,
                    },
                }
            )
        tco = sum(f["capex_usd"] + f["opex_usd"] + f["hidden_usd"] for f in flows)
        value = 14.0e6 * years
        deployments.append(
            {
                "model": m,
                "cash_flows": flows,
                "tco_usd": tco,
                "npv_cost_usd": tco * 0.82,
                "value_usd": value,
                "npv_usd": value * 0.82 - tco * 0.82,
                "roi": (value - tco) / tco,
                "payback_years": 1.0 + capex0 / 1.0e7,
                "energy_mwh": 900.0 + capex0 / 1.0e4,
                "emissions_tco2e": {
                    "location_based": 300.0 + capex0 / 5.0e4,
                    "market_based": 120.0 + capex0 / 1.0e5,
                    "embodied": capex0 / 2.0e5,
                },
                "water_m3": 1500.0 + capex0 / 5.0e3,
                "unit_costs": {
                    "usd_per_accelerator_hour": {"cloud_first": 3.9, "hybrid": 2.8, "on_prem": 2.2}[m],
                    "services": [
                        {
                            "name": "assistant",
                            "usd_per_million_input_tokens": {
                                "cloud_first": 0.6,
                                "hybrid": 0.4,
                                "on_prem": 0.3,
                            }[m],
                            "usd_per_million_output_tokens": {
                                "cloud_first": 2.4,
                                "hybrid": 1.7,
                                "on_prem": 1.3,
                            }[m],
                            "api_usd_per_million_input_tokens": 3.0,
                            "api_usd_per_million_output_tokens": 15.0,
                        }
                    ],
                },
            }
        )
    best = min(deployments, key=lambda d: d["npv_cost_usd"])
    return {
        "preview": True,
        "stackplan_version": stackplan.__version__,
        "catalog_version": CATALOG_VERSION,
        "scenario": dict(scenario),
        "components": {
            "compute": {"accelerator": "h100-sxm", "accelerators": 64},
            "data": {"capacity_tb": 120.0},
            "networking": {"fabric": "400G RoCE", "egress_tb_per_year": 30.0},
            "platform": {"control_plane_nodes": 3},
            "ecosystem": {"api_share": 0.2},
            "governance": {"staff_fte": 1.5},
        },
        "deployments": deployments,
        "recommendation": {
            "deployment": best["model"],
            "reasons": ["lowest NPV of cost over the horizon (preview numbers)"],
        },
    }


# --------------------------------------------------------------------------------------------- render
def render_html(plan: Mapping[str, Any]) -> str:
    """A self-contained HTML report of a plan (works offline)."""
    from stackplan.service import reports

    return reports.html_report(plan)


def render_markdown(plan: Mapping[str, Any]) -> str:
    """A Markdown report of a plan."""
    from stackplan.service import reports

    return reports.markdown_report(plan)


# ------------------------------------------------------------------------------------ examples, catalog
def _examples_dirs() -> list[Path]:
    dirs = []
    packaged = resources.files("stackplan") / "examples"
    if packaged.is_dir():
        dirs.append(Path(str(packaged)))
    repo = Path(__file__).resolve().parents[3] / "examples"
    if repo.is_dir():
        dirs.append(repo)
    dirs.append(Path(str(resources.files("stackplan.service") / "examples")))
    return dirs


def examples() -> dict[str, str]:
    """Bundled example scenarios: {name: YAML text}, first found wins."""
    found: dict[str, str] = {}
    for d in _examples_dirs():
        for f in sorted(d.glob("*.yaml")):
            found.setdefault(f.stem, f.read_text(encoding="utf-8"))
    return found


def catalogs() -> dict[str, Callable[[], list[dict[str, Any]]]]:
    """Catalogue tables the API serves: {name: function returning rows}."""
    tables: dict[str, Callable[[], list[dict[str, Any]]]] = {
        "accelerators": lambda: [asdict(a) for a in list_accelerators()],
        "models": lambda: [
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
        ],
    }
    return tables


class DefaultPlanner:
    """The :class:`Planner` backed by this module's functions."""

    def validate(self, yaml_text: str) -> list[ScenarioProblem]:
        """See :func:`validate_scenario`."""
        return validate_scenario(yaml_text)

    def run(self, yaml_text: str, progress: Progress) -> dict[str, Any]:
        """See :func:`run_plan`."""
        return run_plan(yaml_text, progress)
