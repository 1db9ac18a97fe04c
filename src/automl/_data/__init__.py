"""The data stage: the training input checked (pandera), each column profiled, the feature
schema the model enforces, the validation split (folds, groups, time) and row weights."""
