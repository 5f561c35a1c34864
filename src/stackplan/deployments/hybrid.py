"""The hybrid deployment's split between owned and rented capacity: a documented heuristic.

Steady load is owned, peaks are rented: for each accelerator pool and year, own the capacity the
screening curve says is cheaper to own than to rent on demand (see
:func:`stackplan.deployments.screening.screening_level`), never less than the load that may not
leave the owned site. Issue 5 replaces this function with the capacity optimiser; it is the only
place the hybrid decision is made.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from stackplan.deployments.screening import screening_level

__all__ = ["hybrid_owned_level"]


def hybrid_owned_level(
    ldc: npt.NDArray[np.float64],
    *,
    owned_only_peak: float,
    owned_fixed_usd_per_device_year: float,
    owned_usd_per_busy_hour: float,
    rent_usd_per_hour: float,
) -> float:
    """Devices to own for one pool-year [devices].

    Parameters
    ----------
    ldc
        Load-duration curve of all the pool's work that may run on the owned site [devices].
    owned_only_peak
        Peak of the part that may not run in a cloud (data class) [devices].
    owned_fixed_usd_per_device_year
        Annualised capital plus fixed running cost of one owned device [USD/(device year)].
    owned_usd_per_busy_hour
        Energy cost of one busy owned device-hour [USD/h].
    rent_usd_per_hour
        On-demand cloud price of the same accelerator [USD/h].
    """
    level = screening_level(
        ldc,
        fixed_usd_per_device_year=owned_fixed_usd_per_device_year,
        usd_per_hour_low=owned_usd_per_busy_hour,
        usd_per_hour_high=rent_usd_per_hour,
    )
    return max(level, owned_only_peak)
