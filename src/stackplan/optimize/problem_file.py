"""A YAML file format for :class:`~stackplan.optimize.problem.CapacityProblem` (the optimiser on its own).

The file mirrors the dataclasses field by field under a ``capacity_problem:`` key, e.g.::

    capacity_problem:
      schema_version: 1
      periods: {start_year: 2026, horizon_years: 3, granularity: quarterly, discount_rate: 0.08}
      workloads:
        - {name: serve, data_class: restricted, speed: {h100-sxm: 1.0}, interruptible: false}
      scenarios:
        - {name: base, probability: 1.0, ref_hours: {serve: [1000, 1200, ...]}}
        # or a growth form: {name: base, probability: 1, start_accelerators: {serve: 64}, yearly_growth: 0.3}
      sites: [{name: dc-eu, region: eu-west, power_cap_kw: 500}]
      onprem: [{site: dc-eu, accelerator: h100-sxm, capex_usd_per_server: 280000}]
      offers: [{provider: aws, region: eu-west, accelerator: h100-sxm, on_demand_usd_per_hour: 3.9}]
      data_rules: {restricted: [eu-west]}

Unknown keys are errors with a suggestion; every error names its path.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import yaml

from stackplan.errors import InputError, InputProblem, InvalidInputError, closest
from stackplan.optimize.problem import (
    CapacityProblem,
    CloudOffer,
    DemandScenario,
    OnpremOption,
    PilotGate,
    RiskPreference,
    Site,
    Workload,
    make_periods,
)

__all__ = ["ROOT_KEY", "load_problem", "problem_from_dict"]

#: Top-level key that marks a capacity-problem file.
ROOT_KEY = "capacity_problem"
_SCHEMA_VERSION = 1


def _check_keys(path: str, data: Any, allowed: set[str]) -> list[InputProblem]:
    if not isinstance(data, dict):
        return [InputProblem(path, "must be a mapping", repr(data)[:60], "give key: value pairs")]
    out = []
    for key in data:
        if key not in allowed:
            hint = closest(str(key), allowed)
            fix = f"did you mean {hint[0]!r}?" if hint else f"allowed keys: {', '.join(sorted(allowed))}"
            out.append(InputProblem(f"{path}.{key}", "unknown key", None, fix))
    return out


def _fields(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def _build(cls: type, path: str, data: Any, problems: list[InputProblem], **extra: Any) -> Any:
    found = _check_keys(path, data, _fields(cls) - set(extra))
    if found:
        problems.extend(found)
        return None
    kwargs = {
        k: (math.inf if v in ("inf", None) and k.endswith(("cap_kw", "max_servers")) else v)
        for k, v in data.items()
    }
    try:
        return cls(**kwargs, **extra)
    except TypeError as err:
        problems.append(
            InputProblem(path, f"missing or wrong fields ({err})", None, "see docs/optimization.md")
        )
    except InputError as err:
        problems.extend(InputProblem(f"{path}.{p.field}", p.message, p.value, p.fix) for p in err.problems)
    return None


def _scenario(path: str, data: Any, n_t: int, ppy: int, hours: float, problems: list[InputProblem]) -> Any:
    if isinstance(data, dict) and "start_accelerators" in data:
        found = _check_keys(path, data, {"name", "probability", "start_accelerators", "yearly_growth"})
        if found:
            problems.extend(found)
            return None
        growth = float(data.get("yearly_growth", 0.0))
        ref = {
            w: tuple(float(a) * hours * (1.0 + growth) ** (t / ppy) for t in range(n_t))
            for w, a in dict(data["start_accelerators"]).items()
        }
        return DemandScenario(str(data["name"]), float(data["probability"]), ref)
    if isinstance(data, dict) and isinstance(data.get("ref_hours"), dict):
        data = {**data, "ref_hours": {w: tuple(float(x) for x in v) for w, v in data["ref_hours"].items()}}
    return _build(DemandScenario, path, data, problems)


def problem_from_dict(data: Any) -> CapacityProblem:
    """Build a problem from the parsed YAML (with or without the ``capacity_problem`` root key)."""
    if isinstance(data, dict) and ROOT_KEY in data:
        data = data[ROOT_KEY]
    top = _fields(CapacityProblem) | {"schema_version"}
    problems = _check_keys(ROOT_KEY, data, top)
    if problems:
        raise InputError(problems)
    if data.get("schema_version", _SCHEMA_VERSION) != _SCHEMA_VERSION:
        raise InvalidInputError(
            f"{ROOT_KEY}.schema_version", "unsupported version", data["schema_version"], "use 1"
        )
    per = data.get("periods", {})
    problems += _check_keys(
        f"{ROOT_KEY}.periods", per, {"start_year", "horizon_years", "granularity", "discount_rate"}
    )
    if problems:
        raise InputError(problems)
    periods = make_periods(
        int(per.get("start_year", 2026)),
        int(per.get("horizon_years", 5)),
        per.get("granularity", "monthly"),
        float(per.get("discount_rate", 0.08)),
    )

    def many(key: str, cls: type) -> tuple[Any, ...]:
        return tuple(
            _build(cls, f"{ROOT_KEY}.{key}[{j}]", d, problems) for j, d in enumerate(data.get(key, []))
        )

    workloads = many("workloads", Workload)
    scenarios = tuple(
        _scenario(
            f"{ROOT_KEY}.scenarios[{j}]", d, periods.count, periods.periods_per_year, periods.hours, problems
        )
        for j, d in enumerate(data.get("scenarios", []))
    )
    sites = many("sites", Site)
    onprem = many("onprem", OnpremOption)
    offers = many("offers", CloudOffer)
    pilot = _build(PilotGate, f"{ROOT_KEY}.pilot", data["pilot"], problems) if data.get("pilot") else None
    risk = (
        _build(RiskPreference, f"{ROOT_KEY}.risk", data["risk"], problems)
        if data.get("risk")
        else RiskPreference()
    )
    if problems:
        raise InputError(problems)
    scalars = {
        k: data[k]
        for k in (
            "capex_budget_usd_per_year",
            "opex_budget_usd_per_year",
            "carbon_cap_tco2e_per_year",
            "carbon_cap_tco2e_horizon",
            "carbon_basis",
            "carbon_price_usd_per_tco2e",
            "unmet_penalty_usd_per_ref_hour",
        )
        if k in data
    }
    rules = {str(k): tuple(str(x) for x in v) for k, v in dict(data.get("data_rules", {})).items()}
    return CapacityProblem(
        periods=periods,
        workloads=workloads,
        scenarios=scenarios,
        sites=sites,
        onprem=onprem,
        offers=offers,
        data_rules=rules,
        pilot=pilot,
        risk=risk,
        **scalars,
    )


def load_problem(path: str | Path) -> CapacityProblem:
    """Read a capacity-problem YAML file (see the module doc)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InvalidInputError(
            "PROBLEM", f"cannot read file ({err.strerror})", str(path), "check the path"
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InvalidInputError(str(path), f"YAML syntax error{where}", None, "fix the YAML syntax") from None
    return problem_from_dict(data)
