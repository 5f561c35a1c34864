"""EU AI Act checks on training compute (Regulation (EU) 2024/1689, Chapter V).

Thresholds:

- ``GPAI_INDICATIVE_FLOP`` = 1e23 FLOP: the Commission's indicative criterion for a general-purpose
  AI model (training compute greater than 10^23 FLOP and the model generates language, or images or
  video from text). Source: Commission Guidelines on the scope of the obligations for providers of
  general-purpose AI models, July 2025.
- ``SYSTEMIC_RISK_FLOP`` = 1e25 FLOP: a GPAI model is presumed to have high-impact capabilities
  (systemic risk) when the cumulative training computation is greater than 10^25 FLOP (Art. 51(2));
  the provider notifies the Commission within two weeks (Art. 52(1)).
- ``MODIFICATION_SHARE`` = 1/3: a downstream modifier whose modification uses more than one third of
  the original model's training compute is presumed to become the provider of a (new) GPAI model
  (the same Guidelines).

All comparisons are strict ("greater than"), as in the texts.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from typing import Literal

from stackplan.governance.data import Obligation, ai_act_obligations
from stackplan.governance.facts import GovernanceFacts, ModelFacts
from stackplan.governance.findings import Evidence, Finding

__all__ = [
    "GPAI_INDICATIVE_FLOP",
    "MODIFICATION_SHARE",
    "NOTIFICATION_DEADLINE_DAYS",
    "SYSTEMIC_RISK_FLOP",
    "AiActClass",
    "ai_act_class",
    "applicable_obligations",
    "check_modification",
    "check_technical_documentation",
    "check_training_compute",
    "exceeds_modification_share",
    "training_compute_6nd_flop",
]

#: Indicative criterion for a general-purpose AI model [FLOP] (Commission GPAI guidelines, July 2025).
GPAI_INDICATIVE_FLOP = 1e23
#: Presumption of systemic risk [FLOP] (Regulation (EU) 2024/1689, Art. 51(2)).
SYSTEMIC_RISK_FLOP = 1e25
#: Notification deadline after the systemic-risk threshold is met or known to be met [days] (Art. 52(1)).
NOTIFICATION_DEADLINE_DAYS = 14
#: Share of the base model's training compute above which a modifier becomes a provider [-].
MODIFICATION_SHARE = 1.0 / 3.0


def exceeds_modification_share(modification_flop: float, base_flop: float) -> bool:
    """Whether a modification uses more than one third of the base model's compute.

    Compared as ``3 x modification > base`` so that an exact third is not rounded over the line.
    """
    return modification_flop * 3.0 > base_flop


#: Evidence id that records the Art. 52(1) notification.
NOTIFICATION_EVIDENCE = "ai_act_art52_notification"

AiActClass = Literal["below", "gpai", "systemic"]


def training_compute_6nd_flop(params: float, tokens: float) -> float:
    """Training compute of a dense transformer [FLOP]: ``C = 6 N D``.

    ``N`` parameters (active parameters for a mixture of experts) [-], ``D`` training tokens [-].
    Forward pass 2 FLOP per parameter per token, backward pass 4; attention ignored. This is the
    architecture-based estimate the Commission's GPAI guidelines accept; Kaplan et al. 2020,
    arXiv:2001.08361, sec. 2.1.
    """
    return 6.0 * params * tokens


def ai_act_class(training_flop: float) -> AiActClass:
    """Classify a training compute [FLOP]: ``systemic`` above 1e25, ``gpai`` above 1e23, else ``below``."""
    if training_flop > SYSTEMIC_RISK_FLOP:
        return "systemic"
    if training_flop > GPAI_INDICATIVE_FLOP:
        return "gpai"
    return "below"


def applicable_obligations(cls: AiActClass) -> tuple[Obligation, ...]:
    """The provider obligations for a class: Art. 53 for ``gpai``, plus Art. 52 and 55 for ``systemic``."""
    wanted = {"below": (), "gpai": ("gpai",), "systemic": ("gpai", "systemic")}[cls]
    return tuple(o for o in ai_act_obligations() if o.applies_to in wanted)


def _obligation_evidence(cls: AiActClass, on: date) -> list[Evidence]:
    out = []
    for o in applicable_obligations(cls):
        state = "applies" if o.applies_from <= on else "applies from"
        out.append(Evidence(f"{o.article}", f"{o.obligation} ({state} {o.applies_from.isoformat()})"))
    return out


def _is_modification(m: ModelFacts) -> bool:
    return m.base_model is not None


def check_training_compute(facts: GovernanceFacts) -> list[Finding]:
    """Training compute of each model the organisation trains, against 1e23 and 1e25 FLOP."""
    out = []
    for m in facts.models:
        if _is_modification(m):
            continue
        cls = ai_act_class(m.training_flop)
        ev = [
            Evidence("training compute", m.training_flop, "FLOP"),
            Evidence("GPAI indicative threshold", GPAI_INDICATIVE_FLOP, "FLOP"),
            Evidence("systemic-risk threshold", SYSTEMIC_RISK_FLOP, "FLOP"),
            Evidence("placed on the EU market", m.placed_on_eu_market),
        ]
        mk = partial(Finding, check="ai_act.training_compute", component="governance", subject=m.name)
        if cls == "below":
            out.append(
                mk(
                    title=f"{m.name}: {m.training_flop:.3g} FLOP, below the 1e23 FLOP indicative GPAI criterion",
                    severity="info",
                    evidence=tuple(ev),
                    recommendation="No GPAI obligations from training compute; re-check if the run grows.",
                )
            )
            continue
        if not m.placed_on_eu_market or (cls == "gpai" and not m.generative):
            why = (
                "not placed on the EU market"
                if not m.placed_on_eu_market
                else "does not generate language or images"
            )
            out.append(
                mk(
                    title=f"{m.name}: {m.training_flop:.3g} FLOP, above the {cls} threshold but {why}",
                    severity="info",
                    evidence=(*ev, Evidence("generative", m.generative)),
                    recommendation="Re-assess before the model is placed on the EU market or its use changes.",
                )
            )
            continue
        ev += _obligation_evidence(cls, facts.assessment_date)
        if cls == "gpai":
            out.append(
                mk(
                    title=f"{m.name}: {m.training_flop:.3g} FLOP > 1e23, indicative general-purpose AI model",
                    severity="warning",
                    evidence=tuple(ev),
                    recommendation=(
                        "Meet the Art. 53 obligations: Annex XI technical documentation, Annex XII downstream "
                        "information, copyright policy, public training-content summary."
                    ),
                )
            )
            continue
        notified = NOTIFICATION_EVIDENCE in facts.evidence_provided
        due = facts.assessment_date + timedelta(days=NOTIFICATION_DEADLINE_DAYS)
        ev += [
            Evidence("ratio to systemic-risk threshold", m.training_flop / SYSTEMIC_RISK_FLOP, "x"),
            Evidence("Art. 52(1) notification due by", due.isoformat() if not notified else "provided"),
        ]
        out.append(
            mk(
                title=(
                    f"{m.name}: {m.training_flop:.3g} FLOP > 1e25, presumed systemic risk"
                    + ("" if notified else f"; notify the Commission by {due.isoformat()}")
                ),
                severity="warning" if notified else "fail",
                evidence=tuple(ev),
                recommendation=(
                    "Notify the Commission within two weeks of knowing the threshold will be met (Art. 52(1)); "
                    "plan model evaluation with adversarial testing, systemic-risk mitigation, serious-incident "
                    "reporting and cybersecurity (Art. 55) on top of Art. 53."
                ),
            )
        )
    return out


def check_modification(facts: GovernanceFacts) -> list[Finding]:
    """Fine-tunes of someone else's model, against one third of the base model's training compute."""
    out = []
    for m in facts.models:
        if not _is_modification(m):
            continue
        mk = partial(Finding, check="ai_act.modification", component="governance", subject=m.name)
        ev = [
            Evidence("modification compute", m.training_flop, "FLOP"),
            Evidence("base model", str(m.base_model)),
        ]
        if m.base_model_is_own:
            out.append(
                mk(
                    title=f"{m.name}: modification of the organisation's own model, part of its lifecycle",
                    severity="info",
                    evidence=tuple(ev),
                    recommendation="Update the base model's technical documentation with this modification.",
                )
            )
            continue
        if m.base_model_training_flop is None:
            out.append(
                mk(
                    title=f"{m.name}: base model's training compute unknown, one-third rule cannot be assessed",
                    severity="warning",
                    evidence=tuple(ev),
                    recommendation="Give base_model_training_flop (published figure or 6 N D estimate).",
                )
            )
            continue
        limit = MODIFICATION_SHARE * m.base_model_training_flop
        share = m.training_flop / m.base_model_training_flop
        ev += [
            Evidence("base model training compute", m.base_model_training_flop, "FLOP"),
            Evidence("share of base model compute", share, "-"),
            Evidence("one-third limit", limit, "FLOP"),
        ]
        if exceeds_modification_share(m.training_flop, m.base_model_training_flop) and m.placed_on_eu_market:
            out.append(
                mk(
                    title=f"{m.name}: modification uses {share:.0%} of the base model's compute (> 1/3)",
                    severity="warning",
                    evidence=tuple(ev),
                    recommendation=(
                        "The organisation is presumed the provider of a general-purpose AI model: meet Art. 53 "
                        "for the modification, or keep its compute below one third of the base model's."
                        + (
                            " The base model is above 1e25 FLOP: assess the systemic-risk obligations too."
                            if m.base_model_training_flop > SYSTEMIC_RISK_FLOP
                            else ""
                        )
                    ),
                )
            )
        else:
            out.append(
                mk(
                    title=f"{m.name}: modification uses {share:.2%} of the base model's compute (<= 1/3)",
                    severity="info",
                    evidence=tuple(ev),
                    recommendation="Not a new GPAI provider from compute; keep the base model's documentation.",
                )
            )
    return out


def _documented_class(m: ModelFacts) -> AiActClass:
    if not _is_modification(m):
        return ai_act_class(m.training_flop)
    base = m.base_model_training_flop
    if m.base_model_is_own or base is None or not exceeds_modification_share(m.training_flop, base):
        return "below"
    return "gpai"


def check_technical_documentation(facts: GovernanceFacts) -> list[Finding]:
    """Pre-fill the compute and energy figures of Annex XI, Section 1, points 2(d) and 2(e)."""
    out = []
    for m in facts.models:
        if not m.placed_on_eu_market or _documented_class(m) == "below":
            continue
        figures = {
            "training compute [FLOP]": m.training_flop,
            "training time [h]": m.training_time_h,
            "accelerator-hours [accelerator-h]": m.accelerator_hours,
            "energy consumption [MWh]": m.energy_mwh,
        }
        ev = tuple(
            Evidence(name.split(" [")[0], value if value is not None else "missing", name.split("[")[1][:-1])
            for name, value in figures.items()
        )
        missing = [name.split(" [")[0] for name, value in figures.items() if value is None]
        out.append(
            Finding(
                check="ai_act.technical_documentation",
                component="governance",
                subject=m.name,
                title=(
                    f"{m.name}: Annex XI compute and energy figures pre-filled from the plan"
                    if not missing
                    else f"{m.name}: Annex XI figures missing: {', '.join(missing)}"
                ),
                severity="warning" if missing else "info",
                evidence=ev,
                recommendation=(
                    "Copy these figures into the Annex XI technical documentation; replace estimates with "
                    "metered values after the run."
                    if not missing
                    else "Meter or estimate the missing figures (energy may be estimated from the compute used)."
                ),
            )
        )
    return out
