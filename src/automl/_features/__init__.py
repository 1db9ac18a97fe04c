"""The features stage, and the pipelines built on it: the preprocessing pipeline a trial
assembles from the plugins' preprocessors, the shared transformers, the target's scale (raw or
log1p), and the weighted ensembles that combine fitted pipelines. Everything a saved model is
made of lives here or earlier, so that loading one needs no search code."""
