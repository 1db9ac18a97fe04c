"""The cleaning stage: the registered cleaning steps run in order on the training rows
and replayed on every frame predicted, and the user's tuning rows cleaned as rows to predict."""
