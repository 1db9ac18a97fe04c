"""A search shared by many processes through one Optuna study in a storage: the fit that starts
it, any number of ``automl worker`` processes on any machine, and a later ``fit(resume=True)``.

Optuna is the engine: its RDB storage (PostgreSQL past one machine, SQLite on one) or journal
file holds the trials, its heartbeat and stale-trial handling turn a killed worker's trial into
a failed one, and its samplers and pruner read every worker's trials. What Optuna does not
carry, the prepared table with its split and the candidates for the ensemble, lies in a *share*:
a folder (a local or shared path, or an fsspec URL) that the study names and checksums.

Nothing here is imported by a fit without ``storage=``.
"""

from automl._distributed.status import StudyStatus, study_status
from automl._distributed.worker import run_worker

__all__ = ["StudyStatus", "run_worker", "study_status"]
