"""Monitoring after deployment: the training reference saved with the model, drift checks
of new rows against it, and the drift report."""
