"""The governance checks: pure functions ``check(facts) -> list[Finding]``, registered by id."""

from __future__ import annotations

from collections.abc import Callable

from stackplan.governance.checks.ai_act import (
    check_modification,
    check_technical_documentation,
    check_training_compute,
)
from stackplan.governance.checks.finance import (
    check_budget,
    check_commitment,
    check_hardware_lock_in,
    check_pilot_gate,
)
from stackplan.governance.checks.residency import check_data_residency
from stackplan.governance.checks.resilience import (
    check_concentration,
    check_disaster_recovery,
    check_headroom,
    check_spot_use,
)
from stackplan.governance.checks.security import (
    check_physical_security,
    check_provider_attestations,
    check_shared_responsibility,
)
from stackplan.governance.checks.sustainability import (
    check_carbon_budget,
    check_eed_reporting,
    check_hardware_end_of_life,
    check_pue,
    check_water,
)
from stackplan.governance.facts import GovernanceFacts
from stackplan.governance.findings import Finding

__all__ = ["CHECKS", "Check"]

Check = Callable[[GovernanceFacts], list[Finding]]

#: Every built-in check by id, in report order. ``governance.evidence`` is added by the assessment.
CHECKS: dict[str, Check] = {
    "residency.data_class": check_data_residency,
    "ai_act.training_compute": check_training_compute,
    "ai_act.modification": check_modification,
    "ai_act.technical_documentation": check_technical_documentation,
    "resilience.headroom": check_headroom,
    "resilience.concentration": check_concentration,
    "resilience.spot": check_spot_use,
    "resilience.disaster_recovery": check_disaster_recovery,
    "finance.budget": check_budget,
    "finance.commitment": check_commitment,
    "finance.hardware_lock_in": check_hardware_lock_in,
    "pilot.scale_up_before_gate": check_pilot_gate,
    "sustainability.carbon_budget": check_carbon_budget,
    "sustainability.pue": check_pue,
    "sustainability.water": check_water,
    "sustainability.eed_reporting": check_eed_reporting,
    "sustainability.hardware_end_of_life": check_hardware_end_of_life,
    "security.shared_responsibility": check_shared_responsibility,
    "security.provider_attestations": check_provider_attestations,
    "security.physical": check_physical_security,
}
