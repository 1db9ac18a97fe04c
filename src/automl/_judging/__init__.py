"""Judging the final model honestly: held-out evaluation, over- and underfitting diagnosis,
fairness, importance, per-row explanations, the leaderboard and the HTML report."""
