"""Speed of the economics functions on arrays (what the optimiser and Monte Carlo will call)."""

from __future__ import annotations

import time

import numpy as np

from stackplan.economics import npv, owned_accelerator_cost
from stackplan.sustainability import it_power_kw_per_accelerator


def main() -> None:
    rng = np.random.default_rng(0)
    n = 1_000_000
    u = rng.uniform(0.2, 1.0, n)
    price = rng.uniform(0.05, 0.25, n)
    start = time.perf_counter()
    cost = owned_accelerator_cost(
        server_capex_usd_per_accelerator=rng.uniform(25_000, 45_000, n),
        network_capex_usd_per_accelerator=5_000.0,
        contracted_kw_per_accelerator=1.335,
        facility_usd_per_kw_year=2_208.72,
        it_power_kw_per_accelerator=it_power_kw_per_accelerator(700.0, u),
        electricity_usd_per_kwh=price,
        pue=1.3,
        utilisation=u,
        cost_of_capital=0.10,
        life_years=5,
    )
    _ = cost.usd_per_delivered_hour
    owned_s = time.perf_counter() - start
    start = time.perf_counter()
    for _i in range(10_000):
        npv(0.08, [-1e6, 3e5, 3e5, 3e5, 3e5, 3e5])
    npv_us = (time.perf_counter() - start) / 10_000 * 1e6
    print(f"owned_accelerator_cost on {n:,} samples: {owned_s * 1e3:.1f} ms")
    print(f"npv of a 6-year stream: {npv_us:.1f} us per call")


if __name__ == "__main__":
    main()
