"""Data sizing: stored capacity per tier and year, checkpoint storage, read throughput for training.

Equations
---------
* Dataset volume with yearly growth ``g`` and retention ``R`` years: the initial volume ``V0`` is
  added in year 0 and ``V0 ((1+g)^t - (1+g)^(t-1))`` in each later year ``t``; a year's volume is
  the sum of the additions of the last ``R`` years (the initial volume counts while ``t < R``).
* Vector store: ``vectors x dimensions x bytes_per_dimension x index_overhead x replicas``
  (1e6 vectors per ``vectors_millions``) with the store's growth.
* Checkpoints: ``keep_last x params x checkpoint_bytes_per_param`` per training or full
  fine-tuning workload (LoRA adapters are negligible), in the checkpoint tier, in the years it runs.
* Training read throughput: ``tokens per run / run seconds x bytes_per_token`` [GB/s].
"""

from __future__ import annotations

from dataclasses import dataclass

from stackplan._numeric import SECONDS_PER_DAY
from stackplan.catalog import get_model
from stackplan.scenario.schema import FineTuningWorkload, Scenario, TrainingWorkload
from stackplan.sizing.compute import WorkloadOption
from stackplan.sizing.quantity import ComponentSizing, Sized

__all__ = ["DataDemand", "dataset_volume_tb", "size_data"]

TIERS = ("hot", "object", "archive")
TB = 1e12


def dataset_volume_tb(size_tb: float, growth: float, retention_years: float, year_index: int) -> float:
    """Volume kept in plan year ``year_index`` [TB] (see module doc)."""
    total = 0.0
    for k in range(year_index + 1):
        if year_index - k >= retention_years:
            continue
        added = size_tb if k == 0 else size_tb * ((1 + growth) ** k - (1 + growth) ** (k - 1))
        total += added
    return max(total, 0.0)


@dataclass(frozen=True, kw_only=True)
class DataDemand:
    """Stored volume per tier and plan year [TB], and the quantities behind it."""

    years: tuple[int, ...]
    tb_by_tier: dict[str, tuple[float, ...]]
    sizing: ComponentSizing

    def total_tb(self, t: int) -> float:
        return sum(v[t] for v in self.tb_by_tier.values())


def size_data(
    scenario: Scenario,
    chosen: dict[str, WorkloadOption],
    *,
    checkpoint_bytes_per_param: float,
    bytes_per_token: float,
) -> DataDemand:
    """Size the data component for ``scenario`` with the chosen compute options per workload."""
    horizon = scenario.organization.horizon_years
    years = scenario.years
    tb = {tier: [0.0] * horizon for tier in TIERS}
    qs: list[Sized] = []
    for d in scenario.data.datasets:
        for t in range(horizon):
            v = dataset_volume_tb(d.size_tb, d.yearly_growth, d.retention_years, t)
            tb[d.tier][t] += v
        qs.append(
            Sized(
                name=f"dataset {d.id} ({d.tier})",
                value=dataset_volume_tb(d.size_tb, d.yearly_growth, d.retention_years, horizon - 1),
                unit="TB",
                source="scenario data.datasets with growth and retention",
                scope=d.id,
                year=years[-1],
            )
        )
    for vs in scenario.data.vector_stores:
        base = (
            vs.vectors_millions
            * 1e6
            * vs.dimensions
            * vs.bytes_per_dimension
            * vs.index_overhead
            * vs.replicas
            / TB
        )
        for t in range(horizon):
            tb["hot"][t] += base * (1 + vs.yearly_growth) ** t
        qs.append(
            Sized(
                name=f"vector store {vs.id}",
                value=base * (1 + vs.yearly_growth) ** (horizon - 1),
                unit="TB",
                source="vectors x dimensions x bytes x index overhead x replicas",
                scope=vs.id,
                year=years[-1],
            )
        )
    tier = scenario.data.checkpoints.tier
    keep = scenario.data.checkpoints.keep_last
    runs: tuple[TrainingWorkload | FineTuningWorkload, ...] = (
        *scenario.workloads.training,
        *scenario.workloads.fine_tuning,
    )
    for w in runs:
        if isinstance(w, FineTuningWorkload) and w.method == "lora":
            continue
        params = get_model(w.model).architecture.total_params
        size = keep * params * checkpoint_bytes_per_param / TB
        active = [t for t in range(horizon) if w.years is None or t in w.years]
        for t in range(horizon):
            if active and t >= min(active):
                tb[tier][t] += size
        qs.append(
            Sized(
                name="checkpoint storage",
                value=size,
                unit="TB",
                source=f"{keep} checkpoints x {params / 1e9:,.1f}B params x {checkpoint_bytes_per_param:g} B/param",
                scope=w.id,
            )
        )
        opt = chosen.get(w.id)
        if opt is not None and opt.detail.get("wall_clock_days"):
            seconds = opt.detail["wall_clock_days"] * SECONDS_PER_DAY
            qs.append(
                Sized(
                    name="training read throughput",
                    value=w.tokens * bytes_per_token / seconds / 1e9,
                    unit="GB/s",
                    source=f"tokens / run time x {bytes_per_token:g} B/token",
                    scope=w.id,
                )
            )
            qs.append(
                Sized(
                    name="checkpoint size",
                    value=params * checkpoint_bytes_per_param / TB,
                    unit="TB",
                    source=f"params x {checkpoint_bytes_per_param:g} B/param (ZeRO, Rajbhandari et al. 2020)",
                    scope=w.id,
                )
            )
    for t, year in enumerate(years):
        for name in TIERS:
            qs.append(
                Sized(
                    name=f"{name} storage",
                    value=tb[name][t],
                    unit="TB",
                    source="sum of datasets, vector stores and checkpoints in this tier",
                    scope="pooled",
                    year=year,
                )
            )
    return DataDemand(
        years=years,
        tb_by_tier={k: tuple(v) for k, v in tb.items()},
        sizing=ComponentSizing(component="data", quantities=tuple(qs)),
    )
