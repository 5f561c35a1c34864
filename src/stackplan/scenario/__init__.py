"""Scenario files: the strict schema and the loader that reports every problem at once."""

from stackplan.scenario.load import KnownIds, check_scenario, load_scenario
from stackplan.scenario.schema import (
    DATA_CLASSES,
    DEPLOYMENT_MODELS,
    SCHEMA_VERSION,
    BatchWorkload,
    DataClass,
    DeploymentModel,
    FineTuningWorkload,
    Goal,
    InferenceWorkload,
    Scenario,
    TrainingWorkload,
)

__all__ = [
    "DATA_CLASSES",
    "DEPLOYMENT_MODELS",
    "SCHEMA_VERSION",
    "BatchWorkload",
    "DataClass",
    "DeploymentModel",
    "FineTuningWorkload",
    "Goal",
    "InferenceWorkload",
    "KnownIds",
    "Scenario",
    "TrainingWorkload",
    "check_scenario",
    "load_scenario",
]
