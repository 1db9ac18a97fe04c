"""The final model: refit, ensemble, calibration, decision threshold, prediction
intervals, the compiled fast path, the deployable model and its files on disk."""
