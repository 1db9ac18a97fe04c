"""TabularNetClassifier and TabularNetRegressor: scikit-learn estimators around TabularNet."""

from __future__ import annotations

import copy
import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from torch import nn

from automl_torch.network import TabularNet

#: ``on_epoch(epoch, train_loss, valid_loss) -> stop``: called after every epoch
EpochCallback = Callable[[int, float, float], bool]


def _threads() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _TabularNet(BaseEstimator):
    """Shared training; subclasses say how targets become losses and outputs predictions.

    ``fit`` takes pandas ``category`` columns as categorical inputs (embedded) and every other
    column as numeric (missing values set to the column mean, then standardised). Early
    stopping watches the loss on ``X_valid``/``y_valid`` when given, else on a
    ``validation_fraction`` of the training rows (none when it is 0), and keeps the best
    epoch's weights; ``deadline`` (a ``time.monotonic()`` value) ends training before an epoch
    that would pass it.
    """

    def __init__(self, hidden_size: int = 128, n_layers: int = 2, dropout: float = 0.1,
                 learning_rate: float = 2e-3, weight_decay: float = 1e-4, batch_size: int = 128,
                 max_epochs: int = 200, patience: int = 12, validation_fraction: float = 0.1,
                 random_state: int = 0, device: str = "auto", n_threads: int | None = None):
        self.hidden_size = hidden_size
        self.n_layers = n_layers
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.device = device
        self.n_threads = n_threads

    # -- inputs ---------------------------------------------------------------------------
    def _learn_inputs(self, frame: pd.DataFrame) -> None:
        self.categorical_columns_ = [c for c in frame.columns
                                     if isinstance(frame[c].dtype, pd.CategoricalDtype)]
        self.numeric_columns_ = [c for c in frame.columns if c not in self.categorical_columns_]
        self.categories_ = {c: list(frame[c].cat.categories) for c in self.categorical_columns_}
        numeric = frame[self.numeric_columns_].to_numpy(dtype=np.float32, na_value=np.nan)
        self.mean_ = np.nan_to_num(np.nanmean(numeric, axis=0)) if len(numeric) else numeric
        std = np.nanstd(numeric, axis=0)
        self.std_ = np.where(np.isfinite(std) & (std > 0), std, 1.0).astype(np.float32)

    def _inputs(self, X: Any) -> tuple[torch.Tensor, torch.Tensor]:
        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
        numeric = frame[self.numeric_columns_].to_numpy(dtype=np.float32, na_value=np.nan)
        codes = [pd.Categorical(frame[c], categories=self.categories_[c]).codes + 1
                 for c in self.categorical_columns_]
        categorical = np.stack(codes, axis=1) if codes else np.zeros((len(frame), 0))
        return self._tensors(numeric, categorical)

    def _tensors(self, numeric: np.ndarray, categorical: np.ndarray
                 ) -> tuple[torch.Tensor, torch.Tensor]:
        """Standardised numeric values (missing ones at the mean) and category indices (0 for
        missing or unseen) as the network takes them."""
        numeric = np.where(np.isnan(numeric), self.mean_, numeric)
        numeric = ((numeric - self.mean_) / self.std_).astype(np.float32)
        return torch.from_numpy(numeric), torch.from_numpy(categorical.astype(np.int64))

    def matrix_predictor(self, names: Sequence[Any],
                         categories: Mapping[str, Sequence[Any]]
                         ) -> Callable[[np.ndarray], np.ndarray] | None:
        """``predict_proba`` (a classifier) or ``predict`` (a regressor) on a float matrix
        whose columns are ``names``, category columns holding the codes of ``categories``
        (NaN for missing or unseen): the same arithmetic without a DataFrame per call. None
        where those are not the columns and levels this network was trained on."""
        where = {name: i for i, name in enumerate(names)}
        if set(where) != {*self.numeric_columns_, *self.categorical_columns_} or any(
                list(categories.get(c, ())) != list(self.categories_[c])
                for c in self.categorical_columns_):
            return None
        numeric_at = [where[c] for c in self.numeric_columns_]
        codes_at = [where[c] for c in self.categorical_columns_]

        def predict(matrix: np.ndarray) -> np.ndarray:
            codes = matrix[:, codes_at]
            codes = np.where(np.isnan(codes), 0, codes + 1)
            return self._answer(self._run(*self._tensors(
                matrix[:, numeric_at].astype(np.float32), codes)))

        return predict

    # -- training ---------------------------------------------------------------------------
    def fit(self, X: Any, y: Any, X_valid: Any = None, y_valid: Any = None,
            deadline: float | None = None, on_epoch: EpochCallback | None = None) -> Any:
        """Train on (X, y); see the class docstring for the held-out data and the deadline."""
        torch.manual_seed(self.random_state)
        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
        target = self._learn_target(np.asarray(y))
        if X_valid is None and self.validation_fraction > 0:
            frame, X_valid, target, valid_target = self._holdout(frame, target)
        else:
            valid_target = None if y_valid is None else self._target(np.asarray(y_valid))
        self._learn_inputs(frame)
        device = torch.device("cuda" if self.device == "auto" and torch.cuda.is_available()
                              else ("cpu" if self.device == "auto" else self.device))
        train = (*self._inputs(frame), torch.as_tensor(target))
        valid = None if X_valid is None else (*self._inputs(X_valid),
                                              torch.as_tensor(valid_target))
        levels = [len(v) + 1 for v in self.categories_.values()]  # index 0: missing or unseen
        self.module_ = TabularNet(train[0].shape[1], levels, self.hidden_size, self.n_layers,
                                  self.dropout, self._n_out())
        previous = torch.get_num_threads()
        torch.set_num_threads(min(self.n_threads or _threads(), _threads()))
        try:
            self._train([t.to(device) for t in train],
                        None if valid is None else [t.to(device) for t in valid],
                        device, deadline, on_epoch)
        finally:
            torch.set_num_threads(previous)
            self.module_.to("cpu").eval()
        return self

    def _holdout(self, frame: pd.DataFrame, target: np.ndarray) -> tuple:
        rng = np.random.default_rng(self.random_state)
        order = rng.permutation(len(frame))
        n_valid = max(1, int(len(frame) * self.validation_fraction))
        held, kept = order[:n_valid], order[n_valid:]
        return frame.iloc[kept], frame.iloc[held], target[kept], target[held]

    def _train(self, train: list[torch.Tensor], valid: list[torch.Tensor] | None,
               device: torch.device, deadline: float | None,
               on_epoch: EpochCallback | None) -> None:
        module = self.module_.to(device)
        optimiser = torch.optim.AdamW(module.parameters(), lr=self.learning_rate,
                                      weight_decay=self.weight_decay)
        schedule = torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimiser, factor=0.5, patience=max(2, self.patience // 3))
        generator = torch.Generator().manual_seed(self.random_state)
        best_loss, best_state, stale, epoch_seconds = float("inf"), None, 0, 0.0
        self.curve_: list[dict[str, float]] = []
        self.best_epoch_ = 0
        for epoch in range(self.max_epochs):
            if deadline is not None and epoch and time.monotonic() + epoch_seconds > deadline:
                break
            started = time.monotonic()
            train_loss = self._epoch(module, optimiser, train, generator, deadline)
            valid_loss = self._loss(module, valid) if valid is not None else train_loss
            schedule.step(valid_loss)
            self.curve_.append({"epoch": epoch + 1, "train_loss": train_loss,
                                "valid_loss": valid_loss})
            if valid is None or valid_loss < best_loss - 1e-6:
                best_loss, stale, self.best_epoch_ = valid_loss, 0, epoch + 1
                best_state = copy.deepcopy(module.state_dict()) if valid is not None else None
            else:
                stale += 1
            if on_epoch is not None and on_epoch(epoch + 1, train_loss, valid_loss):
                break
            if stale >= self.patience:
                break
            epoch_seconds = time.monotonic() - started
        if best_state is not None:
            module.load_state_dict(best_state)

    def _epoch(self, module: nn.Module, optimiser: torch.optim.Optimizer,
               data: list[torch.Tensor], generator: torch.Generator,
               deadline: float | None) -> float:
        """One pass over the data in shuffled batches, cut short at the deadline."""
        module.train()
        numeric, categorical, target = data
        order = torch.randperm(len(target), generator=generator).to(target.device)
        total, seen = 0.0, 0
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            if len(batch) < 2:  # batch norm needs two rows
                continue
            if deadline is not None and seen and time.monotonic() > deadline:
                break
            optimiser.zero_grad()
            loss = self._criterion(module(numeric[batch], categorical[batch]), target[batch])
            loss.backward()
            optimiser.step()
            total, seen = total + loss.item() * len(batch), seen + len(batch)
        return total / max(seen, 1)

    @torch.no_grad()
    def _loss(self, module: nn.Module, data: list[torch.Tensor]) -> float:
        module.eval()
        numeric, categorical, target = data
        return float(self._criterion(module(numeric, categorical), target))

    def _forward(self, X: Any) -> torch.Tensor:
        return self._run(*self._inputs(X))

    @torch.no_grad()
    def _run(self, numeric: torch.Tensor, categorical: torch.Tensor) -> torch.Tensor:
        self.module_.eval()
        device = next(self.module_.parameters()).device
        if self.n_threads is None or self.n_threads == torch.get_num_threads():
            return self.module_(numeric.to(device), categorical.to(device)).cpu()
        # n_threads also bounds prediction: a served model sets it to 1, since for the rows
        # of one request threads that wake and spin cost more than the arithmetic
        previous = torch.get_num_threads()
        torch.set_num_threads(self.n_threads)
        try:
            return self.module_(numeric.to(device), categorical.to(device)).cpu()
        finally:
            torch.set_num_threads(previous)

    def _answer(self, output: torch.Tensor) -> np.ndarray:
        raise NotImplementedError

    def _learn_target(self, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _target(self, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _n_out(self) -> int:
        raise NotImplementedError

    def _criterion(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class TabularNetClassifier(ClassifierMixin, _TabularNet):
    """The tabular network for classification (cross-entropy; ``predict_proba`` by softmax)."""

    def _learn_target(self, y: np.ndarray) -> np.ndarray:
        self.classes_ = np.unique(y)
        return self._target(y)

    def _target(self, y: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.classes_, y).astype(np.int64)

    def _n_out(self) -> int:
        return len(self.classes_)

    def _criterion(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return nn.functional.cross_entropy(output, target)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, one column per entry of ``classes_``."""
        return self._answer(self._forward(X))

    def _answer(self, output: torch.Tensor) -> np.ndarray:
        # softmax in float64, so rows sum to one as exactly as metrics expect
        return torch.softmax(output.double(), dim=1).numpy()

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


class TabularNetRegressor(RegressorMixin, _TabularNet):
    """The tabular network for regression (mean squared error on the standardised target)."""

    def _learn_target(self, y: np.ndarray) -> np.ndarray:
        y = y.astype(np.float64)
        self.y_mean_, self.y_std_ = float(y.mean()), float(y.std() or 1.0)
        return self._target(y)

    def _target(self, y: np.ndarray) -> np.ndarray:
        return ((y.astype(np.float64) - self.y_mean_) / self.y_std_).astype(np.float32)

    def _n_out(self) -> int:
        return 1

    def _criterion(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return nn.functional.mse_loss(output[:, 0], target)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted values in the target's units."""
        return self._answer(self._forward(X))

    def _answer(self, output: torch.Tensor) -> np.ndarray:
        return output[:, 0].numpy().astype(np.float64) * self.y_std_ + self.y_mean_
