"""AutoGluon's side of `benchmarks/serving_latency.py`, run in AutoGluon's own interpreter
(`.bench-envs/autogluon`), in two steps:

- ``fit``: a medium_quality fit of the TRAIN pickle on the budget, saved to PATH, then, after
  `persist()`, its in-process figures on the TEST pickle as one JSON line (single-row p50 and
  p99 in ms, 1,000-row rows/s, test ROC AUC, the best model's name).
- ``serve``: the predictor saved at PATH, persisted, behind a minimal HTTP service on
  127.0.0.1:PORT: ``POST /predict_proba`` with ``{"rows": [...]}`` answers
  ``{"classes", "probabilities"}`` as automl's service does, ``GET /readyz`` 200 once it is
  loaded. AutoGluon ships no server: this is the least one could put in front of it (uvicorn
  with httptools and uvloop, one process, no request checks), so its HTTP figures are a lower
  bound on what serving it costs.

    .bench-envs/autogluon/bin/python benchmarks/autogluon_serving.py fit TRAIN TEST BUDGET \\
        REPEATS PATH
    .bench-envs/autogluon/bin/python benchmarks/autogluon_serving.py serve PATH PORT
"""

import json
import sys
import time

import numpy as np
import pandas as pd
from autogluon.tabular import TabularPredictor


def fit(train_path: str, test_path: str, budget: float, repeats: int, path: str) -> None:
    from sklearn.metrics import roc_auc_score

    train, test = pd.read_pickle(train_path), pd.read_pickle(test_path)
    predictor = TabularPredictor(label="Status", eval_metric="roc_auc", path=path,
                                 verbosity=0)
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


def serve(path: str, port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    predictor = TabularPredictor.load(path)
    predictor.persist()

    async def predict_proba(request: Request) -> JSONResponse:
        rows = (await request.json())["rows"]
        proba = predictor.predict_proba(pd.DataFrame.from_records(rows))
        return JSONResponse({"classes": [str(c) for c in proba.columns],
                             "probabilities": proba.to_numpy().tolist()})

    async def ready(request: Request) -> JSONResponse:
        return JSONResponse({"ready": True})

    app = Starlette(routes=[Route("/predict_proba", predict_proba, methods=["POST"]),
                            Route("/readyz", ready)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    if sys.argv[1] == "fit":
        fit(sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
    else:
        serve(sys.argv[2], int(sys.argv[3]))
