"""Stackplan: plan AI infrastructure end to end, from validated performance models to a costed plan.

The public API is what ``__all__`` lists; everything else is private and may change.
"""

from stackplan.catalog import (
    CATALOG_VERSION,
    Accelerator,
    CatalogModel,
    get_accelerator,
    get_model,
    list_accelerators,
    list_models,
)
from stackplan.errors import (
    CatalogError,
    DoesNotFitError,
    InfeasibleError,
    InputError,
    InputProblem,
    InvalidInputError,
    LatencyTargetsError,
    SolverError,
    StackplanError,
    UnknownIdError,
)
from stackplan.models import MLA, ModelArchitecture, MoE, resolve_model
from stackplan.perf.inference import (
    Disaggregation,
    InferencePrediction,
    InferenceSizing,
    SpeculativeDecoding,
    predict_inference,
    size_inference_service,
)
from stackplan.perf.prediction import TrainingPrediction, predict_training
from stackplan.plan import Plan, build_plan
from stackplan.scenario import Scenario, load_scenario

__version__ = "0.1.0"

__all__ = [
    "CATALOG_VERSION",
    "MLA",
    "Accelerator",
    "CatalogError",
    "CatalogModel",
    "Disaggregation",
    "DoesNotFitError",
    "InfeasibleError",
    "InferencePrediction",
    "InferenceSizing",
    "InputError",
    "InputProblem",
    "InvalidInputError",
    "LatencyTargetsError",
    "MoE",
    "ModelArchitecture",
    "Plan",
    "Scenario",
    "SolverError",
    "SpeculativeDecoding",
    "StackplanError",
    "TrainingPrediction",
    "UnknownIdError",
    "__version__",
    "build_plan",
    "get_accelerator",
    "get_model",
    "list_accelerators",
    "list_models",
    "load_scenario",
    "predict_inference",
    "predict_training",
    "resolve_model",
    "size_inference_service",
]
