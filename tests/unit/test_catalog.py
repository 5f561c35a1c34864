"""The shipped catalogues: complete, sourced, and consistent with published counts."""

from __future__ import annotations

import pytest

from stackplan.catalog import get_accelerator, get_model, list_accelerators, list_models
from stackplan.errors import UnknownIdError

REQUIRED_ACCELERATORS = [
    "a100-sxm-80gb",
    "h100-sxm",
    "h800",
    "h200",
    "b200",
    "gb200",
    "gb300",
    "mi300x",
    "mi325x",
    "tpu-v4",
    "tpu-v5e",
    "tpu-v5p",
    "tpu-v6e",
    "trainium2",
    "gaudi3",
]


@pytest.mark.parametrize("acc_id", REQUIRED_ACCELERATORS)
def test_required_accelerators_present_with_sources(acc_id: str) -> None:
    a = get_accelerator(acc_id)
    assert a.source
    assert a.source_date
    assert 0.3 < a.matmul_efficiency <= 1.0
    assert a.peak_tflops_bf16 > 0
    assert a.hbm_gb > 0


def test_fp8_is_at_least_bf16_where_present() -> None:
    for a in list_accelerators():
        if a.peak_tflops_fp8 is not None:
            assert a.peak_tflops_fp8 >= a.peak_tflops_bf16


@pytest.mark.parametrize("model", list_models(), ids=lambda m: m.id)
def test_param_counts_match_published_within_1pct(model) -> None:  # type: ignore[no-untyped-def]
    arch = model.architecture
    assert arch.total_params == pytest.approx(model.published_total_params, rel=0.01)
    assert arch.active_params == pytest.approx(model.published_active_params, rel=0.01)


def test_unknown_accelerator_suggests_closest() -> None:
    with pytest.raises(UnknownIdError) as info:
        get_accelerator("h100")
    assert "h100-sxm" in info.value.suggestions


def test_unknown_model_suggests_closest() -> None:
    with pytest.raises(UnknownIdError) as info:
        get_model("llama-3-70b")
    assert "llama-3.1-70b" in info.value.suggestions
