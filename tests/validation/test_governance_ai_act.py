"""EU AI Act thresholds against published training compute.

Llama 3.1 405B: 3.8e25 FLOP, 15.6T tokens (Llama Team 2024, "The Llama 3 Herd of Models",
arXiv:2407.21783, Sec. 1 and Sec. 3; copied from /work/shared/validation/published_measurements.csv).
Llama 3.1 8B: pretrained on about 15T tokens (Meta Llama 3.1 model card).
"""

from __future__ import annotations

from datetime import date

import pytest

from stackplan.catalog import get_model
from stackplan.governance import GovernanceFacts, ModelFacts, ai_act_class, assess, training_compute_6nd_flop

LLAMA_405B_PUBLISHED_FLOP = 3.8e25
LLAMA_405B_TOKENS = 15.6e12
LLAMA_8B_TOKENS = 15.0e12
PRETRAIN_SEQ_LEN = 8192  # arXiv:2407.21783 Sec. 3.4: 8K context for most of pre-training


def _facts(flop: float, *, notified: bool = False) -> GovernanceFacts:
    return GovernanceFacts(
        assessment_date=date(2026, 1, 15),
        models=(ModelFacts(name="m", training_flop=flop),),
        evidence_provided=("ai_act_art52_notification",) if notified else (),
    )


def test_llama_405b_6nd_from_catalogue_matches_published_compute() -> None:
    arch = get_model("llama-3.1-405b").architecture
    flop = training_compute_6nd_flop(arch.total_params, LLAMA_405B_TOKENS)
    assert flop == pytest.approx(LLAMA_405B_PUBLISHED_FLOP, rel=0.01)
    assert ai_act_class(flop) == "systemic"


def test_llama_405b_model_flops_with_attention_also_above_1e25() -> None:
    arch = get_model("llama-3.1-405b").architecture
    flop = arch.model_flops_per_token_training(PRETRAIN_SEQ_LEN) * LLAMA_405B_TOKENS
    # attention at 8K adds ~8 % over 6ND
    assert flop == pytest.approx(LLAMA_405B_PUBLISHED_FLOP, rel=0.10)
    assert ai_act_class(flop) == "systemic"
    found = [f for f in assess(_facts(flop)).findings if f.check == "ai_act.training_compute"]
    assert found[0].severity == "fail"  # no Art. 52 notification recorded
    assert "notify the Commission by 2026-01-29" in found[0].title  # 14 days after the assessment date


def test_llama_8b_is_gpai_but_not_systemic() -> None:
    arch = get_model("llama-3.1-8b").architecture
    for flop in (
        training_compute_6nd_flop(arch.total_params, LLAMA_8B_TOKENS),
        arch.model_flops_per_token_training(PRETRAIN_SEQ_LEN) * LLAMA_8B_TOKENS,
    ):
        assert 1e23 < flop < 1e25  # 7.2e23 and 8.7e23
        assert ai_act_class(flop) == "gpai"
        found = [f for f in assess(_facts(flop)).findings if f.check == "ai_act.training_compute"]
        assert found[0].severity == "warning"


def test_fine_tune_of_llama_405b_within_one_third() -> None:
    # a 1B-token fine-tune of 405B: 6 * 405.85e9 * 1e9 = 2.4e21 FLOP << 3.8e25 / 3
    arch = get_model("llama-3.1-405b").architecture
    ft = training_compute_6nd_flop(arch.total_params, 1e9)
    facts = GovernanceFacts(
        assessment_date=date(2026, 1, 15),
        models=(
            ModelFacts(
                name="ft",
                training_flop=ft,
                base_model="llama-3.1-405b",
                base_model_training_flop=LLAMA_405B_PUBLISHED_FLOP,
            ),
        ),
    )
    found = [f for f in assess(facts).findings if f.check == "ai_act.modification"]
    assert found[0].severity == "info"
