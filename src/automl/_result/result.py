"""FitResult: what ``automl.fit`` returns: predicts, scores, explains, shows its leaderboard,
saves (:mod:`automl._result.saving`) and builds a Bento."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from automl._cleaning.steps import Cleaning
from automl._contract.data_report import DataReport
from automl._contract.metrics import get_metric, on_labels, resolve_metric, score_model
from automl._contract.specs import Metric, Task
from automl._data.profile import encode_target
from automl._data.schema import FeatureSchema
from automl._data.weights import weight_column
from automl._features.ensemble import ENSEMBLE_NAME
from automl._final.deployed import DEPLOYED_NAME, Deployment
from automl._final.intervals import Conformal
from automl._final.model_files import META_FILE, write_atomically
from automl._final.reference import Reference
from automl._final.scoring import Scored
from automl._final.threshold import DecisionThreshold
from automl._monitoring.drift_reference import DriftReference
from automl._result.saving import library_versions, write_result
from automl.errors import (
    ConfigurationError,
    DataValidationError,
    Failure,
)

if TYPE_CHECKING:
    from automl._fit.extra import Continuation
    from automl._judging.evaluation import Evaluation
    from automl._judging.explain import Explanation
    from automl._monitoring.drift_report import DriftReport

#: rows of the report's data whose predictions the report explains
REPORT_EXPLAINED_ROWS = 10


@dataclass
class FitResult:
    """The outcome of a fit: the winning pipeline and everything needed to use and trust it.

    ``best`` names the winning model ("ensemble" for a weighted ensemble of trials, whose members
    and weights are in ``best_params``) and ``valid_score`` its held-out (or out-of-fold) score;
    ``refitted`` tells whether it was refitted on all rows (it is not when the time budget had no
    room for that, nor for the bags of fold models cross-validation keeps).

    ``cleaning`` holds the fitted cleaning steps every frame goes through before the schema
    check, and ``data_report`` what they (and the preprocessors) did to the training data.
    ``held_out`` is the returned model's held-out score with its skill, and ``reference`` a
    sample of the training rows with the held-out predictions: :meth:`evaluate` compares them
    with new rows to tell whether the model overfits, and drift monitoring compares new rows
    and predictions with them. ``drift_summary`` holds the summaries drift is measured against
    (:meth:`drift_reference`), what a Bento carries in place of the rows. ``validation`` says
    how the trials were scored, ``decision`` the threshold a binary classifier predicts by
    (:mod:`automl._final.threshold`), where one was tuned.
    """

    pipeline: Any
    feature_schema: FeatureSchema
    task: Task
    metric: str
    leaderboard: pd.DataFrame
    best: str
    best_params: dict[str, Any]
    valid_score: float
    classes: list | None = None
    refitted: bool = True
    fit_seconds: float = 0.0
    dropped_columns: dict[str, str] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=library_versions)
    cleaning: Cleaning = field(default_factory=Cleaning)
    data_report: DataReport = field(default_factory=DataReport)
    held_out: Scored | None = None
    reference: Reference | None = None
    deployed: Deployment | None = None
    drift_summary: DriftReference | None = field(default=None, repr=False)
    #: how the trials were validated, in words: folds or a held-out split, and the column the
    #: rows were split by where the fit named one (``groups``, ``time_column``)
    validation: str = ""
    #: the metric the fit was given as an object (``make_metric``, a scorer), which no name
    #: finds again; None for a metric by name
    custom_metric: Metric | None = field(default=None, repr=False)
    #: a binary classifier's decision threshold, tuned for ``fit(decision_metric=...)``
    decision: DecisionThreshold | None = None
    #: a regressor's held-out residuals, for :meth:`predict_interval`
    conformal: Conformal | None = field(default=None, repr=False)
    #: the search's candidates by "model#trial": (model on the target's scale, held-out
    #: score), for :meth:`leaderboard_on`; in memory only, not saved
    kept_models: dict[str, tuple[Any, float]] = field(default_factory=dict, repr=False)
    #: training rows, each column shuffled on its own, that :meth:`explain` measures
    #: contributions against (:func:`automl._judging.explain.background_rows`); saved and carried by
    #: the Bento, being no training record
    background: pd.DataFrame | None = field(default=None, repr=False)
    #: the column of row weights the fit was given (``sample_weight=``); None for none, or
    #: for weights given as an array
    weight_column: str | None = None
    #: the search as it ended, for :meth:`fit_extra`; in memory only, not saved
    continuation: Continuation | None = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        # the search lives in this process (its study, its progress display): a pickled
        # result predicts, scores and saves as before, and fit_extra says it cannot go on
        state = dict(self.__dict__)
        state["continuation"] = None
        return state

    @property
    def scoring_metric(self) -> Metric:
        """The metric the fit optimised, ready to score class indices (as the pipeline
        predicts them). Raises :class:`ConfigurationError` for a loaded model whose own metric
        could not be saved with it."""
        if self.custom_metric is not None:
            return on_labels(self.custom_metric, self.classes)
        try:
            return on_labels(get_metric(self.metric, self.task), self.classes)
        except ConfigurationError:
            raise ConfigurationError(
                f"this model was fitted with a metric of its own, {self.metric!r}, which was "
                f"not saved with it (its function could not be pickled): pass metric= to "
                f"score it, or define the function at a module's top level") from None

    @property
    def model_names(self) -> list[str]:
        """The registered models the returned model is made of: the winner's, or every member's
        of an ensemble or a deployed model (whose ``best_params`` map "model#trial" to
        weight)."""
        if self.best not in (ENSEMBLE_NAME, DEPLOYED_NAME):
            return [self.best]
        return sorted({member.rsplit("#", 1)[0] for member in self.best_params})

    def deployable(self) -> FitResult:
        """This result serving its :attr:`deployed` model in place of the full one: fold bags
        collapsed into models refitted on all rows, members chosen within the fit's
        ``infer_limit`` (see :mod:`automl._final.deployment`). ``best`` is "deployed" (unless a
        single trial is served: then its model's name), ``best_params`` its members and
        ``valid_score`` its held-out score; everything else is shared. The result itself
        when there is no deployed model (a model saved by an earlier automl)."""
        d = self.deployed
        if d is None or d.model is None:
            return self
        from dataclasses import replace

        single = len(d.params) == 1
        name = next(iter(d.params)).rsplit("#", 1)[0] if single else DEPLOYED_NAME
        params = self._trial_params(next(iter(d.params))) if single else d.params
        reference, summary = self.reference, self.drift_summary
        if d.valid_signal is not None:
            if reference is not None:
                reference = replace(reference, predictions=d.valid_signal)
            if summary is not None:
                summary = summary.with_predictions(d.valid_signal, self.task, self.classes)
        # the record stays (what is served, at what cost), not a second copy of the model
        return replace(self, pipeline=d.model, best=name, best_params=params,
                       valid_score=d.valid_score, refitted=d.refitted,
                       held_out=d.held_out or self.held_out, reference=reference,
                       drift_summary=summary, deployed=replace(d, model=None),
                       decision=d.decision, conformal=d.conformal or self.conformal)

    def drift_reference(self) -> DriftReference | None:
        """What drift is measured against (:mod:`automl._monitoring.drift_reference`): the summaries
        computed when the model was fitted (and saved with it), or for a model that has only
        its :attr:`reference` rows, the summaries of those; None for a model with neither."""
        if self.drift_summary is not None or self.reference is None:
            return self.drift_summary
        return DriftReference.of(self.reference, self.feature_schema, self.task, self.classes)

    def without_rows(self) -> FitResult:
        """This result with its training rows left out and their drift summaries kept: what a
        Bento carries by default. :meth:`evaluate` then has no training score to compare."""
        from dataclasses import replace

        return replace(self, reference=None, drift_summary=self.drift_reference())

    def _trial_params(self, member: str) -> dict[str, Any]:
        number = int(member.rsplit("#", 1)[1])
        rows = self.leaderboard[self.leaderboard["trial"] == number]
        return dict(rows["params"].iloc[0]) if len(rows) else {}

    @property
    def schema(self) -> pa.DataFrameSchema:
        """The pandera schema every frame to predict is checked against."""
        return self.feature_schema.to_pandera()

    def _features(self, df: Any, context: str = "prediction input") -> pd.DataFrame:
        # duplicate names are the schema's to report: the steps look columns up by name
        if isinstance(df, pd.DataFrame) and not df.columns.duplicated().any():
            df = self.cleaning.transform(df, context)
        return self.feature_schema.validate(df, context=context)

    def prepare(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` as the model takes it: cleaned as the training table was, checked against
        :attr:`schema` and coerced to the trained types and column order. Raises
        :class:`DataValidationError` naming each missing, extra or mistyped column and each
        infinite value. :meth:`predict` does this itself; pass ``prepared=True`` there for
        frames already prepared (the service checks each request alone, then predicts many
        together)."""
        return self._features(df)

    def predict(self, df: pd.DataFrame, *, prepared: bool = False) -> np.ndarray:
        """Predictions for each row of ``df``, in the original labels for classification.

        ``df`` must have the training feature columns (the target column may be present and is
        ignored); raises :class:`DataValidationError` naming each missing, extra or mistyped
        column. ``prepared=True``: ``df`` comes from :meth:`prepare` and is not checked again.
        A frame with no rows (but the right columns) gives an empty array of the same type.
        """
        X = df if prepared else self._features(df)
        if len(X) == 0:  # the models' own checks refuse a frame without rows
            return np.empty(0, dtype=float if self.classes is None else object)
        predicted = self.pipeline.predict(X)
        if self.classes is None:
            return np.asarray(predicted, dtype=float)
        return np.asarray(self.classes, dtype=object)[np.asarray(predicted, dtype=int)]

    def predict_interval(self, df: pd.DataFrame, coverage: float = 0.9, *,
                         prepared: bool = False) -> pd.DataFrame:
        """A regressor's prediction for each row with the interval that holds the true value
        for ``coverage`` of rows: columns ``prediction``, ``lower`` and ``upper``, by split
        conformal prediction on the fit's held-out residuals (see :mod:`automl._final.intervals`;
        on the log scale for a target fitted there). ``prepared`` as for :meth:`predict`.
        Raises :class:`ConfigurationError` for a classifier, a coverage outside (0, 1), or a
        model without residuals (saved by an earlier automl, or too few held-out rows)."""
        self.check_coverage(coverage)
        X = df if prepared else self._features(df)
        predicted = self.predict(X, prepared=True)
        lower, upper = self.interval_bounds(predicted, coverage)
        return pd.DataFrame({"prediction": predicted, "lower": lower, "upper": upper},
                            index=X.index)

    def check_coverage(self, coverage: object) -> float:
        """``coverage`` as a number this model can give intervals at; raises
        :class:`ConfigurationError` saying what is wrong."""
        if self.classes is not None:
            raise ConfigurationError(f"prediction intervals are for regression; this model "
                                     f"does {self.task}: use predict_proba")
        if self.conformal is None:
            raise ConfigurationError("this model keeps no held-out residuals to make intervals "
                                     "from (saved by an earlier automl, or fitted with too few "
                                     "held-out rows): fit it again")
        if isinstance(coverage, bool) or not isinstance(coverage, int | float) or not (
                0 < coverage < 1):
            raise ConfigurationError(f"coverage={coverage!r}: give the share of rows the "
                                     f"intervals should hold, a number between 0 and 1 "
                                     f"such as 0.9")
        return float(coverage)

    def interval_bounds(self, predicted: np.ndarray, coverage: float
                        ) -> tuple[np.ndarray, np.ndarray]:
        """The lower and upper ends of the intervals around predictions ``predicted``."""
        assert self.conformal is not None
        return self.conformal.bounds(predicted, coverage)

    def predict_proba(self, df: pd.DataFrame, *, prepared: bool = False) -> pd.DataFrame:
        """Class probabilities for each row: one column per original class label
        (``prepared`` as for :meth:`predict`; no rows: an empty frame with those columns)."""
        if self.classes is None:
            raise ConfigurationError("predict_proba is for classification; this model does "
                                     f"{self.task}: use predict")
        X = df if prepared else self._features(df)
        proba = self.pipeline.predict_proba(X) if len(X) else np.empty((0, len(self.classes)))
        return pd.DataFrame(proba, columns=list(self.classes), index=X.index)

    def fit_extra(self, time_budget: float, *, n_trials: int | None = None,
                  verbose: int = 1) -> FitResult:
        """Go on with this fit's search for ``time_budget`` more seconds (or ``n_trials`` more
        trials), keeping every finished trial, then choose, refit and deploy the model again
        as ``fit`` does (:mod:`automl._fit.extra`). This result becomes the longer search's and
        is returned, as AutoGluon's ``fit_extra`` does. Raises :class:`ConfigurationError` for
        a result whose search is not in this process: a loaded model, or a search shared
        through a storage (continue that with ``fit(storage=..., resume=True)``)."""
        from dataclasses import fields

        if self.continuation is None:
            raise ConfigurationError("only a result fitted in this process keeps its search: "
                                     "a loaded model cannot go on (fit it again), and a shared "
                                     "search goes on with fit(storage=..., resume=True)")
        longer = self.continuation.extend(time_budget, n_trials, verbose, self.fit_seconds)
        for f in fields(self):
            setattr(self, f.name, getattr(longer, f.name))
        return self

    def explain(self, df: pd.DataFrame, *, of_class: Any = None,
                prepared: bool = False) -> Explanation:
        """Each input column's contribution to each row's prediction (SHAP values, see
        :mod:`automl._judging.explain`): for each row, ``base`` plus the contributions is the output
        explained: a regressor's predicted value (on the log1p scale where the target was
        fitted there), a classifier's probability of ``of_class`` (default: binary, the second
        class; multiclass, each row's most probable class). ``prepared`` as for
        :meth:`predict`. Raises :class:`ConfigurationError` for a model saved without a
        background (by an earlier automl) or an unknown ``of_class``."""
        from automl._judging.explain import explain_model

        if self.background is None:
            raise ConfigurationError("this model keeps no background rows to explain against "
                                     "(saved by an earlier automl): fit it again")
        X = df if prepared else self._features(df)
        return explain_model(self.pipeline, X, self.background, self.task, self.classes,
                             of_class=of_class)

    def score(self, df: pd.DataFrame, metric: str | Metric | Any | None = None) -> float:
        """The metric (the fit's, or the one given, as ``fit(metric=...)`` takes it) on
        labelled data ``df``; each row weighted by the fit's weight column where ``df`` has
        it (``fit(sample_weight=COLUMN)``)."""
        m = self.scoring_metric if metric is None else self.resolved(metric)
        labelled = self.labelled_rows(df)
        y = self._encode(labelled[self.feature_schema.target])
        X = self._features(labelled, "scoring data")
        weights = None
        if self.weight_column is not None and self.weight_column in labelled.columns:
            weight_column(labelled, self.feature_schema.target, self.weight_column)  # checked
            weights = pd.to_numeric(labelled[self.weight_column]).to_numpy(float)
        return score_model(m, self.pipeline, X, y, weights)

    def leaderboard_on(self, df: pd.DataFrame, metric: str | Metric | Any | None = None
                       ) -> pd.DataFrame:
        """Every model the fit kept scored on labelled rows ``df`` (the fit's metric, or the
        one given), beside its held-out score, best first: the search's candidates for the
        ensemble ("model#trial"; in memory only, not saved), the returned model and the
        deployed one (see :mod:`automl._judging.model_board`). :attr:`leaderboard` stays
        the search's own record."""
        from automl._judging.model_board import board_on

        return board_on(self, df, metric)

    def resolved(self, metric: str | Metric | Any) -> Metric:
        """``metric`` as ``fit(metric=...)`` takes it, ready to score this model's class
        indices."""
        return on_labels(resolve_metric(metric, self.task), self.classes)

    def labelled_rows(self, df: pd.DataFrame, context: str = "scoring data") -> pd.DataFrame:
        """The rows of ``df`` with a target value; raises :class:`DataValidationError`, naming
        ``context``, where the target column is missing or has no value."""
        target = self.feature_schema.target
        if not isinstance(df, pd.DataFrame) or target not in df.columns:
            raise DataValidationError([Failure(target, "target column missing")], context)
        labelled = df[df[target].notna()]
        if labelled.empty:
            raise DataValidationError([Failure(target, "no rows with a target value to score "
                                                       "on")], context)
        return labelled

    def evaluate(self, df: pd.DataFrame, *, sensitive: str | None = None,
                 importance: bool = True, seed: int = 0) -> Evaluation:
        """Judge the model on labelled rows ``df`` it never saw (the target column present).

        Returns an :class:`~automl._judging.evaluation.Evaluation`: the task's metrics (accuracy,
        precision, recall, F1, ROC AUC, log loss and the confusion matrix; or RMSE, MAE, R² and
        the residuals), an overfitting verdict from the train, held-out and test scores
        ("underfit", "good" or "overfit", explained in words), calibration for classifiers,
        permutation importance of each column on these rows (``importance=False`` skips it)
        and, with ``sensitive=COLUMN``, a fairness audit by that column's groups (the column
        may be one the model does not use). A binary classifier fitted with a
        ``decision_metric`` predicts its labels at the tuned threshold here too.
        """
        from automl._judging.evaluation import evaluate

        return evaluate(self, df, sensitive=sensitive, importance=importance, seed=seed)

    def report(self, path: str | Path, data: pd.DataFrame | None = None, *,
               sensitive: str | None = None, title: str | None = None) -> Path:
        """Write the model report to ``path``: one self-contained HTML file that opens offline.

        It always shows the leaderboard, the search's progress, the model's own importances
        (where it has them) and the data report; with labelled rows ``data`` it adds the
        evaluation (see :meth:`evaluate`): the verdict, metrics, ROC and precision-recall
        curves or residuals, confusion matrix, calibration, permutation importance, the
        contributions of each column to the first rows' predictions (:meth:`explain`) and,
        with ``sensitive``, the fairness table. Returns the path written.
        """
        from automl._judging.report_html import write_report

        evaluation = None if data is None else self.evaluate(data, sensitive=sensitive)
        explanation = None if data is None or self.background is None else self.explain(
            data.head(REPORT_EXPLAINED_ROWS))
        return write_report(self, path, evaluation, title, explanation)

    def drift(self, recent: pd.DataFrame, *, psi_threshold: float = 0.2,
              alpha: float = 0.01) -> DriftReport:
        """Compare ``recent`` rows (the features, and the target where known) with the training
        data: per feature, the population stability index and a Kolmogorov-Smirnov (numbers)
        or chi-square (categories) test; the same for the model's predictions; and, with the
        target, the score now against the held-out score. A column drifted when its PSI
        reaches ``psi_threshold`` and its p-value is under ``alpha`` over the number of
        columns compared. Returns a :class:`~automl._monitoring.drift_report.DriftReport`
        (text, JSON, HTML) whose ``recommendation`` says whether to retrain.
        """
        from automl._monitoring.drift import compare

        return compare(self, recent, psi_threshold=psi_threshold, alpha=alpha)

    def _encode(self, y: pd.Series) -> np.ndarray:
        if self.classes is not None:
            known = set(self.classes)
            unknown = sorted({str(v) for v in y if v not in known})
            if unknown:
                raise DataValidationError([Failure(self.feature_schema.target,
                                                   "labels never seen in training", unknown[:5])],
                                          "scoring data")
        return encode_target(y, self.classes)

    def save(self, path: str | Path) -> Path:
        """Write the model to directory ``path``: the pipeline, the cleaning steps, the schema
        (JSON and pandera YAML), the leaderboard, the data report, the training reference
        (``reference.joblib``: a sample of at most 5,000 training rows, for evaluation and
        drift monitoring) and ``metadata.json`` with the versions used, the held-out score and
        the manifest of every file (their SHA-256; signed with ``AUTOML_SIGNING_KEY`` when it
        is set, see :mod:`automl._final.model_files`). The directory is written beside ``path`` and
        renamed into place, so a save that fails leaves an earlier model there whole. Raises
        :class:`ConfigurationError` when ``path`` is a directory that holds something other
        than a saved model."""
        out = Path(path)
        if out.exists() and (not out.is_dir() or (any(out.iterdir())
                                                  and not (out / META_FILE).is_file())):
            raise ConfigurationError(f"{out} exists and is not a saved automl model: choose "
                                     f"a new path (a save replaces the directory whole)")
        return write_atomically(out, partial(write_result, self))

    def to_bento(self, name: str | None = None, *, full: bool = False,
                 reference_rows: bool = False) -> str:
        """Save the model, put it in the BentoML model store and build a Bento whose service
        checks every request against :attr:`schema`; returns the Bento tag (serve it with
        ``bentoml serve TAG`` or ``automl serve TAG``). The Bento serves the
        :meth:`deployable` model (the fast one), or with ``full=True`` the full model. For
        drift monitoring it carries summaries of the training reference (bins, counts and
        quantiles), not training rows, unless ``reference_rows=True``.
        ``name`` (default: ``automl-<best model>``) follows BentoML's tag rules; another is a
        :class:`ConfigurationError`."""
        import tempfile

        from automl._serving.bento import build_bento, model_name

        # checked first: a name is a folder's name here, and must not lead out of it
        folder = model_name(name, Path(f"automl-{self.best}"))
        with tempfile.TemporaryDirectory() as tmp:
            return build_bento(self.save(Path(tmp) / folder), name, full=full,
                               reference_rows=reference_rows)

    def __repr__(self) -> str:
        return (f"FitResult(task={self.task.value!r}, metric={self.metric!r}, best={self.best!r}, "
                f"valid_score={self.valid_score:.5g}, trials={len(self.leaderboard)})")
