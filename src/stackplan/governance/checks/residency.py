"""Data residency: every workload's placement respects where its data class may be processed."""

from __future__ import annotations

from stackplan.governance.facts import ANY_REGION, GovernanceFacts
from stackplan.governance.findings import Evidence, Finding

__all__ = ["check_data_residency"]


def check_data_residency(facts: GovernanceFacts) -> list[Finding]:
    """Fail each workload placed in a region its data class does not allow (or whose class has no rule).

    A placement in region ``r`` for data class ``c`` is allowed when ``r`` is in
    ``data_class_regions[c]`` or that list holds ``"*"``. Disaster-recovery placements count: a
    replica is processing too (GDPR Art. 4(2) counts storage as processing).
    """
    out = []
    for d in facts.deployments:
        problems = 0
        for name in dict.fromkeys(p.workload for p in d.placements):
            w = facts.workload(name)
            placed = [p for p in d.placements if p.workload == name]
            regions = sorted({p.region for p in placed})
            allowed = facts.data_class_regions.get(w.data_class)
            ev: list[Evidence] = [
                Evidence("data class", w.data_class),
                Evidence("regions placed", ", ".join(regions)),
            ]
            if allowed is None:
                problems += 1
                out.append(
                    Finding(
                        check="residency.data_class",
                        title=f"{name}: data class {w.data_class!r} has no rule on where it may be processed",
                        severity="fail",
                        component="data",
                        evidence=(
                            *ev,
                            Evidence(
                                "classes with rules", ", ".join(sorted(facts.data_class_regions)) or "none"
                            ),
                        ),
                        recommendation="Add the class to organization.data_classes with its allowed regions.",
                        deployment=d.model,
                        subject=name,
                    )
                )
                continue
            if ANY_REGION in allowed:
                continue
            outside = [p for p in placed if p.region not in allowed]
            if outside:
                problems += 1
                out.append(
                    Finding(
                        check="residency.data_class",
                        title=(
                            f"{name}: {w.data_class} data placed in "
                            f"{', '.join(sorted({p.region for p in outside}))}, outside its allowed regions"
                        ),
                        severity="fail",
                        component="data",
                        evidence=(
                            *ev,
                            Evidence("allowed regions", ", ".join(allowed)),
                            Evidence(
                                "accelerators outside", sum(p.accelerators for p in outside), "accelerators"
                            ),
                        ),
                        recommendation=(
                            f"Move the placements to {', '.join(allowed)} or reclassify the data with the "
                            "data owner's sign-off."
                        ),
                        deployment=d.model,
                        subject=name,
                    )
                )
        if problems == 0 and d.placements:
            out.append(
                Finding(
                    check="residency.data_class",
                    title="every placement is in a region its data class allows",
                    severity="info",
                    component="data",
                    evidence=(Evidence("placements checked", len(d.placements), "placements"),),
                    recommendation="Keep residency guarded by an organisation policy in CI.",
                    deployment=d.model,
                )
            )
    return out
