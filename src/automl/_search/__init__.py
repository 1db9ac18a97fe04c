"""The search stage: an Optuna study over model x parameters x preparation choices inside
the time budget, with its records, progress, row samples, the ensemble selection and the probe
that picks the target's scale."""
