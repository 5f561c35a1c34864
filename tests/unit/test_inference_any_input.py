"""Any combination of options gives a prediction with finite figures or a named input error, never a
traceback (the brief's bad-input rule), over every catalogue model and chip."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stackplan import predict_inference
from stackplan.catalog.accelerators import accelerator_ids
from stackplan.errors import DoesNotFitError, InvalidInputError, StackplanError
from stackplan.models.loader import model_ids
from stackplan.perf.inference import Disaggregation, SpeculativeDecoding

_OPTIONAL_FLOAT = st.one_of(st.none(), st.sampled_from([math.nan, -1.0, 0.5, 30.0, 5_000.0]))


@st.composite
def _options(draw: st.DrawFn) -> tuple[str, str, int, dict[str, object]]:
    kw: dict[str, object] = {
        "input_tokens": draw(st.sampled_from([1, 7, 128, 1_000, 8_192, 32_768])),
        "output_tokens": draw(st.sampled_from([1, 2, 64, 1_000, 4_096])),
        "precision": draw(st.sampled_from(["bf16", "fp8", "fp4", "int4", None])),
        "kv_precision": draw(st.sampled_from([None, "bf16", "fp8", "fp4"])),
        "batch_size": draw(st.one_of(st.none(), st.sampled_from([1, 3, 64, 5_000]))),
        "max_ttft_ms": draw(_OPTIONAL_FLOAT),
        "max_tpot_ms": draw(_OPTIONAL_FLOAT),
        "prefix_cache_hit_rate": draw(st.sampled_from([0.0, 0.5, 0.99])),
        "output_length_cv": draw(st.sampled_from([0.0, 0.5, 2.0])),
    }
    count = draw(st.sampled_from([1, 2, 3, 8, 16, 72]))
    if draw(st.booleans()):
        kw["tp"] = draw(st.sampled_from([1, 2, 4, 8]))
        kw["pp"] = draw(st.sampled_from([1, 2]))
        kw["ep"] = draw(st.sampled_from([1, 2, 8]))
    if draw(st.integers(0, 9)) == 0:
        kw["speculative"] = SpeculativeDecoding(
            draft_tokens=draw(st.sampled_from([1, 3, 8])),
            acceptance_rate=draw(st.sampled_from([0.0, 0.6, 1.0])),
        )
    elif draw(st.integers(0, 9)) == 0:
        prefill, decode = draw(st.sampled_from([1, 2, 8])), draw(st.sampled_from([1, 4, 8]))
        count = prefill + decode
        kw["disaggregated"] = Disaggregation(prefill_devices=prefill, decode_devices=decode)
    return draw(st.sampled_from(model_ids())), draw(st.sampled_from(accelerator_ids())), count, kw


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_options())
def test_any_options_give_finite_figures_or_a_named_error(
    case: tuple[str, str, int, dict[str, object]],
) -> None:
    model, accelerator, count, kw = case
    error: StackplanError | None = None
    try:
        p = predict_inference(model, accelerator, count, **kw)  # type: ignore[arg-type]
    except StackplanError as exc:
        error = exc
    if error is not None:
        assert str(error)
        # a target that is not a positive finite number is an input error (naming the option), not
        # "no configuration meets it": NaN would otherwise fail every comparison of the search
        bad_target = any(
            t is not None and not (isinstance(t, float) and math.isfinite(t) and t > 0)
            for t in (kw["max_ttft_ms"], kw["max_tpot_ms"])
        )
        assert not bad_target or isinstance(error, InvalidInputError | DoesNotFitError), type(error)
        return
    figures = (p.output_tokens_per_s, p.ttft_ms, p.tpot_ms, p.memory_gib_per_device, p.kv_cache_gib)
    assert all(math.isfinite(v) and v >= 0 for v in figures), figures
    assert p.output_tokens_per_s > 0
    # a prediction exists only for targets that are positive finite numbers
    for target in (kw["max_ttft_ms"], kw["max_tpot_ms"]):
        assert target is None or (isinstance(target, float) and math.isfinite(target) and target > 0)
