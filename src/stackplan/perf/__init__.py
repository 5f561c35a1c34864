"""Performance models: pure, vectorised functions of (model, accelerator, cluster, parallelism)."""
