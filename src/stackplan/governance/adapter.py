"""From a plan to :class:`GovernanceFacts` (the adapter the plan fills governance with).

Not wired yet: the plan branch is not merged into this branch. See docs/governance.md,
"Wiring into the plan".
"""

from __future__ import annotations

from pathlib import Path

from stackplan.errors import StackplanError
from stackplan.governance.facts import GovernanceFacts
from stackplan.governance.policies import PolicyRule

__all__ = ["facts_and_policies_from_scenario_file"]


def facts_and_policies_from_scenario_file(path: Path) -> tuple[GovernanceFacts, tuple[PolicyRule, ...]]:
    """Plan the scenario at ``path`` and return its governance facts and its own policies."""
    raise StackplanError(
        f"{path}: checking a scenario needs the plan (stackplan.plan), which this build does not have yet; "
        "pass a governance facts file (top-level key 'governance_facts') instead"
    )
