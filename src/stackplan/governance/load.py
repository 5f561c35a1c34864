"""What ``stackplan check`` reads: a governance facts file, or a scenario that is planned first."""

from __future__ import annotations

from pathlib import Path

from stackplan.governance._yaml import read_yaml
from stackplan.governance.facts import GovernanceFacts, facts_from_mapping
from stackplan.governance.policies import PolicyRule, load_policies

__all__ = ["load_check_input"]


def load_check_input(
    path: Path, policies_path: Path | None = None
) -> tuple[GovernanceFacts, tuple[PolicyRule, ...]]:
    """The facts and policies to assess.

    ``path`` is either a governance facts file (top-level key ``governance_facts``) or a scenario:
    the scenario is planned (:func:`stackplan.plan.build_plan`) and its facts taken with
    :func:`stackplan.governance.adapter.facts_from_plan`; its own ``governance.policies`` apply.
    Policies from ``policies_path`` are added after them.
    """
    data = read_yaml(path, field=str(path))
    extra = load_policies(policies_path) if policies_path is not None else ()
    if isinstance(data, dict) and "governance_facts" in data:
        unknown = sorted(set(data) - {"governance_facts", "policies"})
        from stackplan.errors import InputError, InputProblem

        if unknown:
            raise InputError(
                InputProblem(
                    f"{path}.{unknown[0]}",
                    "unknown key in a facts file",
                    None,
                    "use governance_facts and policies",
                )
            )
        from stackplan.governance.policies import parse_policies

        own = parse_policies(data["policies"], where=f"{path}.policies") if "policies" in data else ()
        return facts_from_mapping(data["governance_facts"], where="governance_facts"), (*own, *extra)
    from stackplan.governance.adapter import facts_and_policies_from_scenario_file

    facts, own_rules = facts_and_policies_from_scenario_file(Path(path))
    return facts, (*own_rules, *extra)
