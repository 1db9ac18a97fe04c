"""``fit``: the public entry point. Its stages live in :mod:`automl._fit.stages`, imported
inside the call so that the budget counts the first call's imports (about a second of pandas,
scikit-learn and Optuna), as the caller's clock does."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from automl._contract.specs import Task

if TYPE_CHECKING:
    import pandas as pd

    from automl._contract.specs import Metric
    from automl._result.result import FitResult

__all__ = ["DEFAULT_INFER_LIMIT", "OVERRUN_FRACTION", "OVERRUN_SECONDS", "fit"]

#: the budget may be overrun by this fraction plus one second at most
OVERRUN_FRACTION, OVERRUN_SECONDS = 0.05, 1.0
#: seconds one single-row prediction of the deployed model may take, unless the fit names one
DEFAULT_INFER_LIMIT: float | None = 0.004


def fit(df: pd.DataFrame, target: str, *, task: str | Task | None = None,
        metric: str | Metric | Any | None = None, time_budget: float = 60,
        models: list[str] | str | None = None,
        tuner: str = "tpe", seed: int = 0, n_trials: int | None = None,
        ensemble: bool = True, validation: str = "auto", groups: str | None = None,
        time_column: str | None = None, tuning_data: pd.DataFrame | None = None,
        decision_metric: str | Metric | Any | None = None, country: str | None = None,
        sample_weight: str | Any | None = None,
        disable: list[str] | None = None, enable: list[str] | None = None,
        verbose: int = 1, storage: str | None = None, study_name: str | None = None,
        resume: bool = False, share: str | None = None,
        infer_limit: float | None = DEFAULT_INFER_LIMIT) -> FitResult:
    """Check ``df``, search models and parameters for predicting ``target`` and return the
    refitted winner.

    - ``task``: "binary", "multiclass" or "regression"; inferred from the target when None.
    - ``metric``: defaults to ROC AUC (binary), log loss (multiclass), RMSE (regression).
      Also by name: accuracy, balanced_accuracy, f1_macro, mae, r2 and those plugins register
      (``automl plugins`` lists them); or one of your own: a scikit-learn scorer
      (``sklearn.metrics.make_scorer``) or :func:`automl.make_metric` (a function of the true
      and predicted labels or values, or the probabilities, with its direction). Its name
      labels the leaderboard.
    - ``time_budget``: seconds of wall clock from this call to its return, refit included.
    - ``models``: names of registered models to search; by default every registered model
      that handles the task, but those whose plugin leaves them out of the default
      (``ModelSpec.by_default``, e.g. ``torch_mlp``); "all" searches those too.
    - ``tuner``: "tpe" (default), "random", "grid" or a plugin's tuner.
    - ``seed``: fixes the split, the sampler and the models' randomness.
    - ``n_trials``: stop after this many trials even if time is left.
    - ``ensemble``: return a greedy weighted ensemble of the best trials when it scores better
      on the held-out rows than the best single model (the leaderboard shows it as "ensemble").
    - ``validation``: "holdout" scores each trial on one held-out fifth of the rows and refits
      the winner on all rows; "cv" scores it by 5-fold cross-validation and keeps the five fold
      models as a bag; "auto" (default) takes "cv" up to 10,000 rows (where one held-out split
      is too small to trust), and for classification up to 100,000 rows while the rarest
      class has fewer than 1,000, when ``time_budget`` is at least 20 s, else "holdout".
    - ``groups``: a column whose value names each row's group (a customer, a patient, a
      store): no group is ever on both sides of a split, so the held-out score tells how the
      model does on groups it has not seen. The column is not a feature. Folds are stratified
      by class where the groups allow.
    - ``time_column``: a column of dates or numbers that orders the rows in time: the latest
      fifth of the rows is held out, every one later than every training row, and the winner
      is refitted on all rows (``validation="cv"`` is refused). The column stays a feature.
      Neither can be combined with the other.
    - ``tuning_data``: your own held-out rows (a frame with the training columns and the
      target): they score every trial, pick the ensemble and calibrate it, in place of a split
      of ``df``; they are cleaned as any frame to predict, and the winner is refitted on both.
      Not with ``validation="cv"``, ``groups`` or ``time_column``.
    - ``sample_weight``: a column of row weights, or an array of one weight per row
      (non-negative numbers, not all zero): every model whose ``fit`` takes weights is fitted
      with them, and the trials, the ensemble selection and the held-out score are weighted
      (see :mod:`automl._data.weights`); the data report names the models fitted unweighted. The
      column is not a feature; :meth:`FitResult.score` weighs test rows by it where they have
      it. Not with ``storage`` or ``tuning_data``; a weighted fit does not oversample rare
      classes.
    - ``decision_metric``: binary only: a metric of labels ("balanced_accuracy", "f1_macro",
      a cost from :func:`automl.make_metric`) for which the threshold on the second class's
      probability is tuned on the held-out probabilities, in place of predicting the more
      probable class. Applied where it raises that metric cross-fitted; ``predict``, the
      service and ``evaluate`` then use it, and the report draws the threshold curve.
    - ``infer_limit``: seconds one single-row prediction of the *deployed* model may take
      (the model after the schema check; default 4 ms). The deployed model, which
      :meth:`FitResult.to_bento` serves, collapses fold bags into models refitted on all rows
      and keeps only the ensemble members that fit this bound, unless the held-out rows say
      that costs accuracy (see :mod:`automl._final.deployment`); None sets no bound. The full model
      (``FitResult.pipeline``) is not affected.
    - ``country``: an ISO 3166 code ("US", "DE", ...): date columns then also give a
      public-holiday feature (from the ``holidays`` package).
    - ``disable``: names of cleaning steps or preprocessors to switch off (``automl plugins``
      lists them), e.g. ``["outliers", "leakage"]``. A model that asks for a switched-off
      preprocessor gets its kind's default; a kind left with none has its columns set aside.
      ``enable``: cleaning steps that are off by default to switch on.
    - ``verbose``: 0 is silent; 1 shows a line per trial on stderr and, in a terminal or a
      notebook, a live bar over the budget. The lines also go to
      ``logging.getLogger("automl")`` at INFO, whatever ``verbose`` says.
    - ``storage``: share the search with other processes through an Optuna storage: a
      database URL (``"postgresql://user:password@host/db"`` for workers on many machines,
      ``"sqlite:///search.db"`` on one) or the path of an Optuna journal file. Workers join with
      ``automl worker --storage URL --study NAME`` and run trials until this call's budget
      ends; this call then ranks every worker's trials and refits the winner. None (default):
      one process, in memory, and nothing of the shared search is imported.
    - ``study_name``: the study's name in ``storage`` (default: ``automl-<date>-<time>``).
    - ``resume``: continue the study ``study_name`` (after a crash, or for more time): its
      finished trials are kept and not run again; the data and arguments must be the ones it
      was started with. ``time_budget`` is the time of this call.
    - ``share``: where the prepared table, the split and the ensemble candidates are put for
      the workers: a path they all reach or an fsspec URL (default: ``automl-share/<study>``
      under the working directory, which serves workers on this machine).

    Raises :class:`automl.errors.DataValidationError` listing every problem with the data and
    :class:`automl.errors.ConfigurationError` for an argument it cannot use, and
    :class:`automl.errors.StorageError` when ``storage`` stays unreachable.
    """
    started = time.monotonic()
    from automl._fit.options import FitOptions
    from automl._fit.stages import run_fit

    options = FitOptions(task=task, metric=metric, time_budget=time_budget, models=models,
                         tuner=tuner, seed=seed, n_trials=n_trials, ensemble=ensemble,
                         validation=validation, groups=groups, time_column=time_column,
                         tuning_data=tuning_data, decision_metric=decision_metric,
                         country=country, sample_weight=sample_weight, disable=disable,
                         enable=enable, verbose=verbose, storage=storage,
                         study_name=study_name, resume=resume, share=share,
                         infer_limit=infer_limit)
    return run_fit(started, df, target, options)
