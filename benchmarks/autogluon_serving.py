"""AutoGluon's serving figures for `benchmarks/serving_latency.py`, run in AutoGluon's own
interpreter (`.bench-envs/autogluon`): TRAIN and TEST pickles of the split, the budget and the
repeats in; one JSON line out (single-row p50 and p99 in ms, 1,000-row rows/s, test ROC AUC and
the best model's name), after a medium_quality fit and `persist()`.

    .bench-envs/autogluon/bin/python benchmarks/autogluon_serving.py TRAIN TEST BUDGET REPEATS
"""

import json
import sys
import tempfile
import time

import numpy as np
import pandas as pd
from autogluon.tabular import TabularPredictor
from sklearn.metrics import roc_auc_score


def main() -> None:
    train, test = pd.read_pickle(sys.argv[1]), pd.read_pickle(sys.argv[2])
    budget, repeats = float(sys.argv[3]), int(sys.argv[4])
    predictor = TabularPredictor(label="Status", eval_metric="roc_auc",
                                 path=tempfile.mkdtemp(), verbosity=0)
    predictor.fit(train, time_limit=budget, presets="medium_quality", num_cpus=2, num_gpus=0)
    predictor.persist()
    X = test.drop(columns="Status")
    auc = roc_auc_score(test["Status"] == "good", predictor.predict_proba(X)["good"])
    predictor.predict_proba(X.iloc[:1])
    single = []
    for i in range(repeats):
        started = time.perf_counter()
        predictor.predict_proba(X.iloc[i:i + 1])
        single.append((time.perf_counter() - started) * 1000)
    thousand = X.sample(1000, replace=True, random_state=0)
    batch = []
    for _ in range(max(repeats // 20, 5)):
        started = time.perf_counter()
        predictor.predict_proba(thousand)
        batch.append(time.perf_counter() - started)
    print(json.dumps({"p50": float(np.percentile(single, 50)),
                      "p99": float(np.percentile(single, 99)),
                      "rows_s": 1000 / float(np.median(batch)), "auc": float(auc),
                      "model": predictor.model_best}))


if __name__ == "__main__":
    main()
