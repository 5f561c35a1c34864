"""Performance models: pure functions of (model, accelerator, parallelism) -> times, memory."""
