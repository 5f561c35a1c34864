"""Deployment models (cloud_first, hybrid, on_prem): placement, pools and yearly cash flows."""

from stackplan.deployments.costing import (
    DeploymentCosts,
    Placement,
    PoolResult,
    cost_deployment,
    place_workloads,
)

__all__ = ["DeploymentCosts", "Placement", "PoolResult", "cost_deployment", "place_workloads"]
