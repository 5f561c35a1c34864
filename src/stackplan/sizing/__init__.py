"""Sizing of the six components (compute, data, networking, platform, ecosystem, governance)."""

from stackplan.sizing.compute import ComputeDemand, WorkloadOption, size_compute
from stackplan.sizing.data import DataDemand, size_data
from stackplan.sizing.quantity import ComponentSizing, Sized

__all__ = [
    "ComponentSizing",
    "ComputeDemand",
    "DataDemand",
    "Sized",
    "WorkloadOption",
    "size_compute",
    "size_data",
]
