"""Energy: accelerator and server power at a utilisation, facility energy at a PUE.

Power model (linear in utilisation, as in CodeCarbon-style and Green Algorithms estimates):
``P_acc(u) = TDP (f_idle + (1 - f_idle) u)``; the server adds CPUs, memory, NICs and fans in
proportion, ``P_it = P_acc (1 + f_server) + P_network``; the facility adds cooling and losses,
``E = P_it x hours x PUE``. Model cards (Llama 2/3) use ``u = 1, f_server = 0, PUE`` folded in:
``E = GPU-hours x TDP``.

References: Luccioni et al. 2022 (BLOOM, arXiv:2211.02001); Patterson et al. 2021
(arXiv:2104.10350); The Green Grid, PUE: a comprehensive examination of the metric (2012).
"""

from __future__ import annotations

from stackplan._numeric import FloatOrArray, Num

__all__ = ["accelerator_power_kw", "facility_energy_kwh", "it_power_kw_per_accelerator"]


def accelerator_power_kw(tdp_w: float, utilisation: Num, *, idle_power_fraction: float = 0.15) -> Num:
    """Average power of one accelerator at ``utilisation`` [kW].

    ``P = TDP / 1000 x (f_idle + (1 - f_idle) u)``.

    Parameters
    ----------
    tdp_w
        Thermal design power of the accelerator [W] (H100 SXM 700, A100 SXM 400).
    utilisation
        Busy fraction of time [-], 0-1.
    idle_power_fraction
        Idle power / TDP [-], typically 0.1-0.2.
    """
    return tdp_w / 1000.0 * (idle_power_fraction + (1.0 - idle_power_fraction) * utilisation)


def it_power_kw_per_accelerator(
    tdp_w: float,
    utilisation: Num,
    *,
    idle_power_fraction: float = 0.15,
    server_overhead_power_fraction: float = 0.34,
    network_power_w: float = 0.0,
) -> Num:
    """Average IT power per accelerator incl. its share of server and network [kW].

    ``P_it = P_acc(u) (1 + f_server) + P_network / 1000``.

    Parameters
    ----------
    server_overhead_power_fraction
        Non-accelerator server power per unit of accelerator power [-]: 0.34 by default, measured at
        full LLM serving load (MLPerf Power wall power of 8x B200 and 8x H200 servers: 0.30 and 0.38;
        ``assumptions.csv``); 0.82 for a DGX H100 at its nameplate.
    network_power_w
        Scale-out switch and optics power per accelerator [W].
    """
    acc = accelerator_power_kw(tdp_w, utilisation, idle_power_fraction=idle_power_fraction)
    return acc * (1.0 + server_overhead_power_fraction) + network_power_w / 1000.0


def facility_energy_kwh(it_power_kw: FloatOrArray, hours: FloatOrArray, pue: float = 1.0) -> FloatOrArray:
    """Facility energy drawn from the grid [kWh]: ``E = P_it x hours x PUE``.

    Parameters
    ----------
    it_power_kw
        Average IT power [kW].
    hours
        Duration [h] (accelerator-hours when ``it_power_kw`` is per accelerator).
    pue
        Power usage effectiveness [-], 1.05-1.6.
    """
    return it_power_kw * hours * pue
