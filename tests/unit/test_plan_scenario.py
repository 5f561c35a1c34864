"""Scenario validation: every error path names the field, the value and the fix; all at once."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from stackplan.errors import InputError
from stackplan.scenario import load_scenario
from tests.unit.plan_fixtures import scenario_text

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def problems(text: str) -> list[str]:
    with pytest.raises(InputError) as info:
        load_scenario(text)
    return [str(p) for p in info.value.problems]


def test_examples_are_valid() -> None:
    for path in sorted(EXAMPLES.glob("*.yaml")):
        sc = load_scenario(path)
        assert sc.workloads.all(), path


def test_yaml_syntax_error_gives_line_and_column() -> None:
    (p,) = problems("schema_version: 1\norganization:\n  name: [unclosed\n")
    assert "line 4" in p or "line 3" in p
    assert "column" in p


def test_unknown_key_suggests_the_right_one() -> None:
    text = scenario_text().replace("horizon_years:", "horizon_year:")
    found = problems(text)
    assert any("organization.horizon_year" in p and "did you mean 'horizon_years'" in p for p in found)


def test_every_problem_is_reported_at_once_with_lines() -> None:
    text = (
        scenario_text()
        .replace("discount_rate: 0.08", "discount_rate: -3")
        .replace("requests_per_day: 1000", "requests_per_day: many")
        .replace("  name: Hand\n", "  name: Hand\n  colour: blue\n")
    )
    found = problems(text)
    assert len(found) == 3
    assert any("organization.discount_rate" in p and "line" in p for p in found)
    assert any("workloads.inference[0].requests_per_day" in p and "'many'" in p for p in found)
    assert any("organization.colour" in p and "unknown key" in p for p in found)


def test_missing_section_is_named() -> None:
    text = scenario_text().split("workloads:")[0] + "deployment:\n  accelerators: [h100-sxm]\n"
    assert any(p.startswith("workloads") and "missing" in p for p in problems(text))


def test_unknown_ids_list_the_closest() -> None:
    text = (
        scenario_text()
        .replace("model: llama-3.1-8b", "model: llama-3.1-8")
        .replace("accelerators: [h100-sxm]", "accelerators: [h100]")
        .replace("regions: [north_america]", "regions: [north-america]")
        .replace("grid_zone: us-va", "grid_zone: us-vaa")
    )
    found = problems(text)
    assert any("workloads.inference[0].model" in p and "llama-3.1-8b" in p for p in found)
    assert any("deployment.accelerators[0]" in p and "h100-sxm" in p for p in found)
    assert any("organization.regions[0]" in p and "north_america" in p for p in found)
    assert any("deployment.on_prem.grid_zone" in p and "us-va" in p for p in found)


def test_goal_referencing_unknown_workload() -> None:
    text = scenario_text().replace(
        "workloads:\n",
        "goals:\n  - {id: g, kind: cost_avoided, usd_per_year: 1000, workloads: [svcc]}\nworkloads:\n",
        1,
    )
    found = problems(text)
    assert any("goals[0].workloads[0]" in p and "did you mean 'svc'" in p for p in found)


def test_goal_of_kind_hours_saved_needs_its_numbers() -> None:
    text = scenario_text().replace(
        "workloads:\n",
        "goals:\n  - {id: g, kind: hours_saved, people: 10, workloads: [svc]}\nworkloads:\n",
        1,
    )
    found = problems(text)
    assert any("efficiency_gain" in p and "loaded_hourly_cost_usd" in p for p in found)


def test_duplicate_workload_ids() -> None:
    text = scenario_text().replace(
        "  inference:\n",
        "  batch:\n    - {id: svc, model: llama-3.1-8b, requests_per_day: 10, input_tokens: 10}\n  inference:\n",
    )
    assert any("used twice" in p for p in problems(text))


def test_currency_other_than_usd_needs_an_exchange_rate() -> None:
    text = scenario_text().replace("  name: Hand\n", "  name: Hand\n  currency: EUR\n")
    assert any("usd_per_currency_unit" in p for p in problems(text))


def test_unsupported_schema_version() -> None:
    found = problems(scenario_text().replace("schema_version: 1", "schema_version: 7"))
    assert any("schema_version" in p and "7" in p for p in found)


def test_unknown_assumption_name() -> None:
    found = problems(scenario_text() + "assumptions:\n  electricity_usd_per_kw: 0.1\n")
    assert any("assumptions.electricity_usd_per_kw" in p and "electricity_usd_per_kwh" in p for p in found)


def test_hybrid_without_a_site() -> None:
    text = scenario_text().replace("  on_prem: {grid_zone: us-va, facility: colocation}\n", "")
    assert any("deployment.on_prem" in p and "need a site" in p for p in problems(text))


def test_year_index_beyond_horizon() -> None:
    text = scenario_text().replace(
        "  inference:\n",
        "  training:\n    - {id: t, model: llama-3.1-8b, tokens: 1e9, deadline_days: 2, years: [0, 5]}\n  inference:\n",
    )
    assert any("workloads.training[0].years[1]" in p and "beyond the horizon" in p for p in problems(text))


def test_not_a_mapping_and_missing_file() -> None:
    assert "mapping" in problems("- just\n- a list\n")[0]
    with pytest.raises(InputError, match="cannot read scenario file"):
        load_scenario(Path("/nonexistent/scenario.yaml"))


def test_no_workloads() -> None:
    text = scenario_text().replace(
        "  inference:\n    - {id: svc, model: llama-3.1-8b, requests_per_day: 1000, input_tokens: 1000, output_tokens: 100,\n        data_class: internal}\n",
        "  inference: []\n",
    )
    assert any(p.startswith("workloads") and "no workloads" in p for p in problems(text))


def test_scenario_is_immutable() -> None:
    sc = load_scenario(scenario_text())
    with pytest.raises(pydantic.ValidationError):
        sc.organization.horizon_years = 9  # type: ignore[misc]


def test_output_length_spread_is_validated_and_named() -> None:
    text = scenario_text().replace("output_tokens: 100,", "output_tokens: 100, output_length_cv: -0.5,")
    found = problems(text)
    assert any("workloads.inference[0].output_length_cv" in p for p in found)
    ok = load_scenario(
        scenario_text().replace("output_tokens: 100,", "output_tokens: 100, output_length_cv: 1.0,")
    )
    assert ok.workloads.inference[0].output_length_cv == 1.0


def test_serving_setup_reaches_the_sizing_and_is_checked() -> None:
    from stackplan.sizing.compute import size_compute

    base = "output_tokens: 100,"
    default = size_compute(load_scenario(scenario_text())).options_for("svc")[0]
    assert "trtllm (8,192 tokens/iteration, chunked prefill, MoE backend default)" in default.source
    tuned_text = scenario_text().replace(
        base,
        base
        + " serving: {framework: vllm, max_num_tokens: 2048, chunked_prefill: false, memory_fraction: 0.5},",
    )
    tuned = size_compute(load_scenario(tuned_text)).options_for("svc")[0]
    assert (
        "vllm (2,048 tokens/iteration, whole-prompt prefill, MoE backend default, async scheduling)"
        in tuned.source
    )
    # whole prompts of 1,000 tokens need a budget of at least 1,000
    found = problems(
        scenario_text().replace(base, base + " serving: {max_num_tokens: 512, chunked_prefill: false},")
    )
    assert any("serving.max_num_tokens 512" in p and "at least 1000" in p for p in found)
    found = problems(
        scenario_text().replace(base, base + " serving: {framework: tgi, memory_fraction: 1.5},")
    )
    assert any("serving.framework" in p for p in found)
    assert any("serving.memory_fraction" in p for p in found)


def test_serving_moe_backend_is_checked_and_runs_only_where_measured() -> None:
    from stackplan.sizing.compute import size_compute

    base = "output_tokens: 100,"
    # (an unmeasured backend; vLLM's Marlin became a measured one with the INT4 kernels)
    found = problems(scenario_text().replace(base, base + " serving: {moe_backend: megablocks},"))
    assert any("serving.moe_backend" in p and "CUTLASS" in p for p in found)
    # TensorRT-LLM's TRTLLM-gen MoE kernels exist on Blackwell only: on the fixture's chip the
    # default backend runs and the source line says so
    text = scenario_text().replace(base, base + " serving: {framework: trtllm, moe_backend: trtllm},")
    option = size_compute(load_scenario(text)).options_for("svc")[0]
    assert load_scenario(text).workloads.inference[0].serving.moe_backend == "TRTLLM"
    assert "MoE backend default" in option.source


def test_serving_async_scheduling_reaches_the_sizing() -> None:
    from stackplan.sizing.compute import size_compute

    base = "output_tokens: 100,"
    text = scenario_text().replace(base, base + " serving: {framework: vllm, async_scheduling: false},")
    assert load_scenario(text).workloads.inference[0].serving.async_scheduling is False
    serial = size_compute(load_scenario(text)).options_for("svc")[0]
    assert "async scheduling" not in serial.source
    text = scenario_text().replace(base, base + " serving: {framework: vllm},")
    overlapped = size_compute(load_scenario(text)).options_for("svc")[0]
    assert "async scheduling" in overlapped.source  # vLLM's default


def test_serving_sizing_states_the_frameworks_held_out_accuracy() -> None:
    from stackplan.sizing.compute import size_compute
    from stackplan.validation.accuracy import inference_accuracy

    base = "output_tokens: 100,"
    text = scenario_text().replace(base, base + " serving: {framework: vllm},")
    source = size_compute(load_scenario(text)).options_for("svc")[0].source
    acc = inference_accuracy("held-out", "vllm")
    assert acc["ttft_ms"].framework == "vllm"  # vLLM has its own held-out TTFT row
    assert f"TTFT {acc['ttft_ms'].median_abs_error:.0%}" in source
    assert "held-out median |error|" in source


def test_a_power_limited_service_needs_more_devices_that_each_draw_the_limit() -> None:
    # The fixture's service (Llama 3.1 8B, 1,000 requests a day, 1,000 / 100 tokens, on H100) with its
    # boards limited to 40 % of the 700 W TDP: the compute rates fall to 0.4 ** (1 / 1.36) = 0.51 of
    # theirs, so a replica serves fewer requests per second (never more), and each busy device is
    # charged 280 W instead of 700 W in the energy model.
    from stackplan.sizing.compute import size_compute

    base = "output_tokens: 100,"
    full = size_compute(load_scenario(scenario_text())).options_for("svc")[0]
    text = scenario_text().replace(base, base + " serving: {power_limit_fraction: 0.4},")
    limited = size_compute(load_scenario(text)).options_for("svc")[0]
    assert (full.tdp_w, limited.tdp_w) == (700.0, pytest.approx(280.0))
    assert limited.detail["requests_per_s_per_replica"] < full.detail["requests_per_s_per_replica"]
    assert limited.detail["ttft_ms"] > full.detail["ttft_ms"]
    assert "boards limited to 40% of their TDP" in limited.source
    found = problems(scenario_text().replace(base, base + " serving: {power_limit_fraction: 0.1},"))
    assert any("serving.power_limit_fraction" in p for p in found)


def test_a_pool_draws_its_services_board_power_weighted_by_busy_hours() -> None:
    # Two options on one accelerator pool, one limited to 350 W busy 3,000 h and one at the 700 W TDP
    # busy 1,000 h: a busy device of the pool draws (3,000 x 350 + 1,000 x 700) / 4,000 = 437.5 W
    from dataclasses import replace

    from stackplan.deployments.costing import Placement, _pool_board_power_w
    from tests.unit.plan_fixtures import flat_demand, hand_scenario

    opt = flat_demand(hand_scenario(), 1.0).options_for("svc")[0]
    a = replace(opt, tdp_w=350.0, busy_hours=(1000.0, 1000.0, 1000.0))
    b = replace(opt, tdp_w=700.0, busy_hours=(1000.0 / 3, 1000.0 / 3, 1000.0 / 3))
    pool = [
        Placement(workload_id="svc", option=a, owned=True, cloud=None),
        Placement(workload_id="x", option=b, owned=True, cloud=None),
    ]
    assert _pool_board_power_w(pool) == pytest.approx(437.5)


def test_an_idle_board_draws_its_tdp_share_whatever_the_limit_when_busy() -> None:
    # H100 (700 W) with the hand inputs (idle 15 %, server overhead 0.6, PUE 1.3, site electricity):
    # idle 0.15 x 0.7 x 1.6 = 0.168 kW; a busy hour beyond idle at the TDP 0.7 x 1.6 - 0.168 = 0.952 kW,
    # at a 350 W limit 0.35 x 1.6 - 0.168 = 0.392 kW (the idle draw does not fall with the limit)
    from stackplan.deployments.costing import _idle_kw, _owned_usd_per_busy_hour
    from tests.unit.plan_fixtures import hand_inputs

    inputs = hand_inputs()
    assert inputs.site is not None
    usd_kwh = 1.3 * inputs.site.electricity_usd_per_kwh
    assert _idle_kw(inputs, "h100-sxm") == pytest.approx(0.168)
    assert _owned_usd_per_busy_hour(inputs, 700.0, "h100-sxm") == pytest.approx(0.952 * usd_kwh)
    assert _owned_usd_per_busy_hour(inputs, 350.0, "h100-sxm") == pytest.approx(0.392 * usd_kwh)


def test_inference_workloads_take_int4_and_training_workloads_do_not() -> None:
    from stackplan.sizing.compute import size_compute

    base = "output_tokens: 100,"
    served = load_scenario(scenario_text().replace(base, base + " precision: int4,"))
    assert served.workloads.inference[0].precision == "int4"
    int4, bf16 = (
        next(o for o in size_compute(sc).options if o.workload_id == "svc")
        for sc in (served, load_scenario(scenario_text()))
    )
    assert int4.source != bf16.source  # the precision reaches the sizing (0.56 instead of 2 B per weight)
    trained = scenario_text().replace(
        "workloads:\n",
        "workloads:\n  training:\n    - {id: t, model: llama-3.1-8b, tokens: 1e9, deadline_days: 5, precision: int4}\n",
    )
    assert any("precision" in p for p in problems(trained))
