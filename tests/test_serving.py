"""The Bento's service over real HTTP: a real `bentoml serve` on 127.0.0.1, predictions equal to
in-process ones for all three tasks, and every bad request answered 4xx with its failures."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest

import automl
from automl._serving.requests import MAX_ROWS
from benchmarks.serving_latency import wait_ready


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    result: automl.FitResult
    frame: pd.DataFrame
    url: str
    tag: str

    def post(self, route: str, body: object = None, content: bytes | None = None,
             headers: dict | None = None) -> httpx.Response:
        if content is None and body is not None:
            content = json.dumps(body).encode()
        return httpx.post(f"{self.url}/{route}", content=content, timeout=30,
                          headers=headers or {"content-type": "application/json"})

    def rows(self, n: int = 25) -> list[dict]:
        sample = self.frame.drop(columns=[self.result.feature_schema.target]).head(n)
        return json.loads(sample.to_json(orient="records"))


def _serve(result: automl.FitResult, frame: pd.DataFrame, name: str,
           workers: int) -> Iterator[Served]:
    tag = result.to_bento(name)
    with _started(tag, workers) as url:
        yield Served(result.deployable(), frame, url, tag)  # what the Bento serves


@contextlib.contextmanager
def _started(tag: str, workers: int, env: dict | None = None) -> Iterator[str]:
    """A real `bentoml serve` of Bento ``tag`` on a free port of 127.0.0.1; yields its URL."""
    port = _free_port()
    # the server's log goes to a file: a pipe nobody reads fills up and stalls the server
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "bentoml", "serve", tag, "--host", "127.0.0.1", "--port",
             str(port)], stdout=subprocess.DEVNULL, stderr=log,
            env={**os.environ, "AUTOML_WORKERS": str(workers), **(env or {})})
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(server, url, log)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()


def _wait_ready(server: subprocess.Popen, url: str, log) -> None:
    try:
        wait_ready(url, 90, server)
    except RuntimeError as exc:
        log.seek(0)
        raise RuntimeError(f"{exc}: {log.read().decode()[-2000:]}") from None


@pytest.fixture(scope="module")
def credit_served(credit) -> Iterator[Served]:
    frame = credit.sample(1500, random_state=4).reset_index(drop=True)
    result = automl.fit(frame, "Status", models=["linear", "hist_gradient_boosting"],
                        n_trials=3, verbose=0)
    # one worker: the batching tests read that worker's batcher counts from /metadata
    yield from _serve(result, frame, "credit-test", workers=1)


@pytest.fixture(scope="module")
def hpc_served(hpc) -> Iterator[Served]:
    result = automl.fit(hpc, "class", models=["random_forest"], n_trials=2, verbose=0)
    yield from _serve(result, hpc, "hpc-test", workers=2)


@pytest.fixture(scope="module")
def concrete_served(concrete) -> Iterator[Served]:
    result = automl.fit(concrete, "compressive_strength", models=["hist_gradient_boosting"],
                        n_trials=2, verbose=0)
    yield from _serve(result, concrete, "concrete-test", workers=1)


@pytest.mark.parametrize("served", ["credit_served", "hpc_served", "concrete_served"])
def test_http_predictions_equal_in_process(request, served):
    s: Served = request.getfixturevalue(served)
    rows = s.rows(40)
    answer = s.post("predict", {"rows": rows})
    assert answer.status_code == 200, answer.text
    expected = s.result.predict(pd.DataFrame(rows))
    got = answer.json()["predictions"]
    if s.result.classes is None:
        np.testing.assert_allclose(got, expected, rtol=1e-9)
    else:
        assert got == list(expected)
        proba = s.post("predict_proba", {"rows": rows}).json()
        assert proba["classes"] == s.result.classes
        np.testing.assert_allclose(proba["probabilities"],
                                   s.result.predict_proba(pd.DataFrame(rows)).to_numpy(),
                                   rtol=1e-9)


def test_csv_body_and_metadata(credit_served):
    s = credit_served
    csv = s.frame.head(10).to_csv(index=False).encode()
    answer = s.post("predict", content=csv, headers={"content-type": "text/csv"})
    assert answer.json()["predictions"] == list(s.result.predict(s.frame.head(10)))
    meta = httpx.get(f"{s.url}/metadata", timeout=10).json()
    assert (meta["task"], meta["metric"], meta["model"]) == ("binary", "roc_auc", s.result.best)
    assert meta["served"] == "deployed" and meta["deployed"]["ms_per_row"] > 0
    assert meta["valid_score"] == pytest.approx(s.result.valid_score)
    assert meta["validation"] == s.result.validation == "5-fold cross-validation on 1500 rows"
    assert {f["name"] for f in meta["features"]} == set(s.result.feature_schema.names)
    assert meta["versions"]["automl"] == automl.__version__


def test_bentoml_endpoints_stay_available(credit_served):
    s = credit_served
    assert httpx.get(f"{s.url}/healthz", timeout=10).status_code == 200
    assert httpx.get(f"{s.url}/livez", timeout=10).status_code == 200
    metrics = httpx.get(f"{s.url}/metrics", timeout=10)
    assert metrics.status_code == 200 and "bentoml" in metrics.text


def _bad_requests(s: Served) -> dict[str, tuple[httpx.Response, int, str]]:
    rows = s.rows(3)
    missing = [{k: v for k, v in r.items() if k != "Income"} for r in rows]
    wrong = [dict(r, Age="forty") for r in rows]
    extra = [dict(r, Colour="red") for r in rows]
    too_many = rows[:1] * (MAX_ROWS + 1)
    return {
        "missing column": (s.post("predict", {"rows": missing}), 422, "Income"),
        "wrong type": (s.post("predict", {"rows": wrong}), 422, "Age"),
        "extra column": (s.post("predict", {"rows": extra}), 422, "Colour"),
        "empty body": (s.post("predict", content=b""), 400, "empty request body"),
        "malformed JSON": (s.post("predict", content=b'{"rows": [{'), 400, "malformed JSON"),
        "no rows key": (s.post("predict", {"data": rows}), 400, "no 'rows' list"),
        "rows not objects": (s.post("predict", {"rows": [1, 2]}), 400, "each row"),
        "no rows": (s.post("predict", {"rows": []}), 400, "no rows"),
        "too many rows": (s.post("predict", {"rows": too_many}), 413, "too many rows"),
        "malformed CSV": (s.post("predict", content=b'a,b\n"1,2\n',
                                 headers={"content-type": "text/csv"}), 400, "malformed CSV"),
    }


def test_every_bad_request_gets_a_4xx_naming_the_problem(credit_served):
    s = credit_served
    for case, (answer, status, named) in _bad_requests(s).items():
        assert answer.status_code == status, (case, answer.status_code, answer.text)
        body = answer.json()
        assert named in body["error"], (case, body)
        assert body["failures"] and all(set(f) == {"column", "check", "value"}
                                        for f in body["failures"]), (case, body)
    wrong = _bad_requests(s)["wrong type"][0].json()["failures"]
    assert {"column": "Age", "check": "wrong type: expected numeric", "value": "forty"} in wrong
    # the server keeps serving
    assert s.post("predict", {"rows": s.rows(2)}).status_code == 200


def test_concurrent_requests_are_batched_and_each_gets_its_own_answer(credit_served):
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    s = credit_served
    frame = s.frame.drop(columns="Status")
    sizes = [1 + (i % 3) for i in range(32)]
    starts = np.cumsum([0, *sizes[:-1]])
    bad = {i for i in range(len(sizes)) if i % 5 == 4}  # a wrong type in every fifth request
    barrier = Barrier(len(sizes))

    def call(i: int) -> httpx.Response:
        rows = json.loads(frame.iloc[starts[i]:starts[i] + sizes[i]].to_json(orient="records"))
        if i in bad:
            rows[0]["Age"] = f"age {i}"
        barrier.wait()
        return s.post("predict", {"rows": rows})

    before = httpx.get(f"{s.url}/metadata", timeout=10).json()["batching"]["predict"]
    with ThreadPoolExecutor(len(sizes)) as pool:
        answers = list(pool.map(call, range(len(sizes))))
    for i, answer in enumerate(answers):
        if i in bad:
            assert answer.status_code == 422
            assert answer.json()["failures"] == [
                {"column": "Age", "check": "wrong type: expected numeric", "value": f"age {i}"}]
        else:
            expected = s.result.predict(frame.iloc[starts[i]:starts[i] + sizes[i]])
            assert answer.status_code == 200 and answer.json()["predictions"] == list(expected)
    after = httpx.get(f"{s.url}/metadata", timeout=10).json()["batching"]["predict"]
    requests = after["requests"] - before["requests"]
    batches = after["batches"] - before["batches"]
    # the bad requests were refused before the queue: only good ones were batched
    assert requests == len(sizes) - len(bad) and batches < requests


def test_unseen_category_is_still_predicted(credit_served):
    s = credit_served
    rows = [dict(r, Home="castle") for r in s.rows(2)]
    answer = s.post("predict", {"rows": rows})
    assert answer.status_code == 200 and len(answer.json()["predictions"]) == 2


def test_the_service_cleans_requests_as_the_fit_cleaned_the_table(credit_served):
    s = credit_served
    rows = s.rows(4)
    tidy = [dict(r, Home="rent", Income=None) for r in rows]
    messy = [dict(r, Home=" RENT ", Income="N/A") for r in rows]
    answers = [s.post("predict_proba", {"rows": body}) for body in (tidy, messy)]
    assert [a.status_code for a in answers] == [200, 200], answers[1].text
    assert answers[0].json() == answers[1].json()


def test_predict_proba_on_a_regressor_is_a_4xx(concrete_served):
    answer = concrete_served.post("predict_proba", {"rows": concrete_served.rows(2)})
    assert answer.status_code == 404 and "use /predict" in answer.json()["error"]


def test_bento_carries_the_winners_plugin_and_a_dockerfile(credit, tmp_path, caplog):
    import logging

    import bentoml

    from automl._serving.bento import build_bento

    frame = credit.sample(600, random_state=5)
    for models, wanted in [(["xgboost"], "automl_xgboost"), (["linear"], None)]:
        result = automl.fit(frame, "Status", models=models, n_trials=1, verbose=0)
        assert result.model_names == models
        with caplog.at_level(logging.INFO):
            tag = build_bento(result.save(tmp_path / models[0]), f"bento-{models[0]}")
        # BentoML's current image layout: no fallback to the v1 one, nothing deprecated
        assert "fallback" not in caplog.text and "not supported" not in caplog.text
        root = Path(bentoml.get(tag).path)
        wheels = sorted(p.name for p in (root / "src" / "wheels").glob("*.whl"))
        assert wheels[0].startswith("automl-")
        assert [w for w in wheels if w.startswith("automl_")] == (
            [w for w in wheels if wanted and w.startswith(wanted)])
        requirements = (root / "env" / "python" / "requirements.txt").read_text()
        assert f"./wheels/{wheels[0]}" in requirements
        assert f"scikit-learn=={version('scikit-learn')}" in requirements  # read as fitted
        dockerfile = (root / "env" / "docker" / "Dockerfile").read_text()
        # the wheels are copied in before the requirements that name them are installed
        assert dockerfile.index("./src/wheels") < dockerfile.index("pip install -r $BENTO")


def test_an_ensembles_bento_carries_every_members_plugin(credit, tmp_path):
    import dataclasses

    from automl._serving.bento import python_packages

    result = automl.fit(credit.sample(300, random_state=1), "Status", models=["linear"],
                        n_trials=1, verbose=0)
    mixed = dataclasses.replace(result, best="ensemble",
                                best_params={"xgboost#3": 0.6, "linear#0": 0.4})
    assert mixed.model_names == ["linear", "xgboost"]
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    packages = python_packages(wheels, mixed.model_names)
    assert any(p.startswith("./wheels/automl_xgboost-") for p in packages)
    assert f"xgboost=={version('xgboost')}" in packages
    torch = python_packages(wheels, ["torch_mlp"])
    assert any("torch" in p and "cpu" in p.lower() for p in torch), torch


def test_the_service_logs_what_it_served_and_reports_drift(credit_served, credit):
    s = credit_served
    unseen = credit.drop(s.frame.index, errors="ignore").sample(1200, random_state=5)
    features = unseen.drop(columns="Status")
    moved = features.assign(Amount=features["Amount"] + features["Amount"].std())
    for start in range(0, 1200, 400):
        part = moved.iloc[start:start + 400]
        assert s.post("predict", {"rows": json.loads(part.to_json(orient="records"))}
                      ).status_code == 200
    monitor = httpx.get(f"{s.url}/metadata", timeout=30).json()["monitor"]
    assert monitor["logged"] >= 1200 and monitor["logged"] <= monitor["capacity"]
    report = httpx.get(f"{s.url}/drift", timeout=60).json()
    assert report["drifted"] and "Amount" in report["drifted_columns"]
    assert report["recent_rows"] == monitor["logged"]
    text = httpx.get(f"{s.url}/drift", params={"format": "text"}, timeout=60).text
    assert "Amount" in text and "DRIFT" in text
    untouched = json.loads(features.head(300).to_json(orient="records"))
    report = s.post("drift", {"rows": untouched}).json()
    assert not report["drifted"] and report["recent_rows"] == 300
    few = s.post("drift", {"rows": untouched[:5]})
    assert few.status_code == 422 and "at least 30 rows" in few.json()["error"]


def _hostile_bodies(s: Served) -> dict[str, tuple[str, bytes, dict, int, str]]:
    """Each body that once crashed the service or stalled it: (route, body, headers, status,
    words the error must hold)."""
    row = s.rows(1)[0]
    as_json = {"content-type": "application/json"}

    def rows(*changed: dict) -> bytes:
        return json.dumps({"rows": [dict(row, **c) for c in changed]}).encode()

    one_class = [dict(r, Status="good") for r in s.rows(60)]
    deep = b"[" * 100_000 + b"]" * 100_000
    return {
        "JSON nested 100,000 deep": ("predict", b'{"rows": ' + deep + b"}", as_json, 400,
                                     "nested too deep"),
        "Infinity in a number": ("predict", rows({"Age": 123456789}).replace(
            b"123456789", b"Infinity"), as_json, 422, "infinite values"),
        "1e400 in a number": ("predict", rows({"Age": 123456789}).replace(b"123456789", b"1e400"),
                              as_json, 422, "infinite values"),
        "-Infinity, probabilities": ("predict_proba", rows({"Age": 123456789}).replace(
            b"123456789", b"-Infinity"), as_json, 422, "infinite values"),
        "Infinity among good rows": ("predict", rows({}, {}, {"Age": 123456789}).replace(
            b"123456789", b"Infinity"), as_json, 422, "infinite values"),
        "Infinity, POST /drift": ("drift", json.dumps({"rows": [dict(r, Age=123456789) for r in
                                                                s.rows(40)]}).encode().replace(
            b"123456789", b"Infinity"), as_json, 422, "infinite values"),
        "lone surrogate in a name": ("predict", rows({}).replace(b'"Age"', b'"A\\ud800ge"'),
                                     as_json, 400, "lone surrogate"),
        "lone surrogate in a value": ("predict", rows({"Home": "x"}).replace(
            b'"Home": "x"', b'"Home": "\\udfff"'), as_json, 400, "lone surrogate"),
        "a nested value": ("predict", rows({"Age": [1, 2]}), as_json, 400,
                           "numbers, strings, booleans or null"),
        "a body past the byte cap": ("predict", b'{"rows": [' + b" " * (17 * 2**20) + b"]}",
                                     as_json, 413, "too large"),
        "200 KB CSV of commas": ("predict", b"," * 200_000 + b"\n1\n",
                                 {"content-type": "text/csv"}, 400, "too many columns"),
        "100,000 columns of JSON": ("predict", json.dumps(
            {"rows": [{f"c{i}": 1 for i in range(100_000)}]}).encode(), as_json, 400,
            "too many columns"),
        "POST /drift, rows of one class": ("drift", json.dumps({"rows": one_class}).encode(),
                                           as_json, 200, ""),
    }


def test_hostile_bodies_get_a_json_4xx_and_the_server_keeps_serving(credit_served):
    s = credit_served
    for case, (route, body, headers, status, named) in _hostile_bodies(s).items():
        answer = s.post(route, content=body, headers=headers)
        assert answer.status_code == status, (case, answer.status_code, answer.text[:300])
        payload = answer.json()  # strict JSON: NaN would not parse here
        assert named in payload.get("error", "") if named else "drifted" in payload, (case,
                                                                                      payload)
        if status >= 400:
            assert payload["failures"], (case, payload)
        assert s.post("predict", {"rows": s.rows(2)}).status_code == 200, case
    for method, path, status in [("GET", "/nowhere", 404), ("GET", "/predict", 405),
                                 ("DELETE", "/metadata", 405)]:
        answer = httpx.request(method, f"{s.url}{path}", timeout=10)
        assert answer.status_code == status, (path, answer.text)
        assert answer.headers["content-type"].startswith("application/json")
        assert path in answer.json()["error"] or method in answer.json()["error"]


def test_two_workers_share_one_log_of_what_they_served(hpc_served):
    s = hpc_served
    rows = s.rows(10)
    before = httpx.get(f"{s.url}/metadata", timeout=30).json()
    assert before["workers"] == 2 and before["monitor"]["shared"]
    # many small requests at once, so that both workers answer some of them
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda i: s.post("predict", {"rows": rows[i % 10:i % 10 + 1]}
                                               ).status_code, range(80)))
    assert set(codes) == {200}
    seen: dict[int, dict] = {}  # worker: its /metadata
    for _ in range(60):
        answer = httpx.get(f"{s.url}/metadata", timeout=30).json()
        seen[answer["worker"]] = answer
        if len(seen) == 2:
            break
    assert len(seen) == 2  # both workers answered /metadata
    # whichever worker answers, the log holds every worker's rows
    for m in seen.values():
        assert m["monitor"]["logged"] == before["monitor"]["logged"] + 80
        assert m["monitor"]["served"] == before["monitor"]["served"] + 80
    assert all(m["batching"]["predict"]["requests"] > 0 for m in seen.values())
    report = httpx.get(f"{s.url}/drift", timeout=60).json()
    assert report["recent_rows"] == before["monitor"]["logged"] + 80


def test_the_monitor_keeps_schema_columns_only(credit_served):
    s = credit_served
    labelled = [dict(r, Status="never seen label") for r in s.rows(40)]
    assert s.post("predict", {"rows": labelled}).status_code == 200
    long = [dict(r, Home="x" * 100_000) for r in s.rows(5)]
    assert s.post("predict", {"rows": long}).status_code == 200
    report = httpx.get(f"{s.url}/drift", timeout=60)
    assert report.status_code == 200, report.text  # the unseen label was never logged
    monitor = httpx.get(f"{s.url}/metadata", timeout=30).json()["monitor"]
    assert monitor["bytes"] <= monitor["max_bytes"]
    assert monitor["bytes"] < 2_000 * monitor["logged"]  # 100 KB strings were cut


def test_a_request_whose_client_left_is_not_predicted(credit_served):
    from concurrent.futures import ThreadPoolExecutor

    s = credit_served
    heavy = json.dumps({"rows": s.rows(1)[:1] * MAX_ROWS}).encode()
    single = json.dumps({"rows": s.rows(1)}).encode()

    def busy(_: int) -> int:  # keeps the model busy for a while
        return s.post("predict", content=heavy).status_code

    def impatient(_: int) -> str:
        time.sleep(0.3)  # behind the heavy requests in the queue
        try:
            httpx.post(f"{s.url}/predict", content=single, timeout=0.2,
                       headers={"content-type": "application/json"})
        except httpx.TimeoutException:
            return "left"
        return "answered"

    before = httpx.get(f"{s.url}/metadata", timeout=30).json()["batching"]["predict"]
    with ThreadPoolExecutor(32) as pool:
        heavy_answers = pool.map(busy, range(12))
        left = list(pool.map(impatient, range(16)))
        assert set(heavy_answers) == {200}
    after = httpx.get(f"{s.url}/metadata", timeout=30).json()["batching"]["predict"]
    assert left.count("left") > 0
    abandoned = after["abandoned"] - before["abandoned"]
    assert 0 < abandoned <= left.count("left")
    assert s.post("predict", {"rows": s.rows(2)}).status_code == 200


def _store_folder(bento_tag: str) -> Path:
    import bentoml

    from automl._serving.bento import STORE_FOLDER

    model = bentoml.bentos.get(bento_tag).info.models[0].tag
    return Path(bentoml.models.get(model).path) / STORE_FOLDER


def test_the_bento_carries_summaries_of_the_training_rows_not_the_rows(credit_served):
    s = credit_served
    folder = _store_folder(s.tag)
    assert not (folder / "reference.joblib").exists()
    summary = json.loads((folder / "drift_reference.json").read_text())
    amount = summary["columns"]["Amount"]
    assert amount["kind"] == "numeric" and len(amount["counts"]) == len(amount["edges"]) + 1
    # no row of the training table is in there: only counts, bins and quantiles
    assert set(amount) == {"kind", "present", "missing", "mean", "median", "edges", "counts",
                           "points", "cdf", "below", "exact"}
    loaded = automl.load(folder)
    assert loaded.reference is None and loaded.drift_reference() is not None


def test_metadata_lists_a_capped_number_of_categories(credit, tmp_path):
    from automl._serving.requests import LISTED_CATEGORIES, listed_column

    frame = credit.sample(800, random_state=1).reset_index(drop=True)
    frame["Branch"] = [f"branch-{i % 60}" for i in range(len(frame))]
    result = automl.fit(frame, "Status", models=["linear"], n_trials=1, verbose=0)
    column = next(c for c in result.feature_schema.columns if c.name == "Branch")
    listed = listed_column(column)
    assert len(listed["categories"]) == LISTED_CATEGORIES < listed["categories_total"] == 60
    assert listed["categories"] == column.categories[:LISTED_CATEGORIES]


def test_with_a_token_set_every_route_but_the_health_checks_needs_it(credit_served):
    s = credit_served
    token = "s3cret-token-for-the-test"
    with _started(s.tag, 1, {"AUTOML_API_TOKEN": token}) as url:
        body = json.dumps({"rows": s.rows(3)}).encode()
        as_json = {"content-type": "application/json"}
        for route, method in [("predict", "POST"), ("predict_proba", "POST"),
                              ("metadata", "GET"), ("drift", "GET"), ("metrics", "GET"),
                              ("no-such-route", "GET")]:
            for headers in ({}, {"authorization": "Bearer wrong"},
                            {"authorization": token}):
                answer = httpx.request(method, f"{url}/{route}", timeout=30,
                                       content=body if method == "POST" else None,
                                       headers={**as_json, **headers})
                assert answer.status_code == 401, (route, headers, answer.text)
                assert "bearer token" in answer.json()["error"]
                assert answer.headers["www-authenticate"].startswith("Bearer")
        good = {**as_json, "authorization": f"Bearer {token}"}
        answer = httpx.post(f"{url}/predict", content=body, headers=good, timeout=30)
        assert answer.status_code == 200 and len(answer.json()["predictions"]) == 3
        assert httpx.get(f"{url}/metadata", headers=good, timeout=30).status_code == 200
        for probe in ("healthz", "livez", "readyz"):
            assert httpx.get(f"{url}/{probe}", timeout=10).status_code == 200


def test_the_service_explains_rows_within_its_limit(concrete_served, credit_served):
    s = concrete_served
    rows = s.rows(3)
    answer = s.post("explain", {"rows": rows})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    expected = s.result.deployable().explain(pd.DataFrame(rows))
    assert body["output"] == expected.output and body["methods"] == expected.methods
    got = pd.DataFrame([r["contributions"] for r in body["explanations"]])
    np.testing.assert_allclose(got[list(expected.contributions.columns)].to_numpy(),
                               expected.contributions.to_numpy(), rtol=1e-6, atol=1e-9)
    for record in body["explanations"]:
        total = record["base"] + sum(record["contributions"].values())
        assert abs(total - record["value"]) < 1e-6 * max(1.0, abs(record["value"]))
    refused = s.post("explain", {"rows": s.rows(21)})
    assert refused.status_code == 413 and "at most 20 rows" in refused.json()["error"]
    refused = s.post("explain?class=x", {"rows": rows})
    assert refused.status_code == 400 and "for classifiers" in refused.json()["error"]
    c = credit_served
    answer = c.post("explain?class=bad", {"rows": c.rows(2)})
    assert answer.status_code == 200, answer.text
    assert [r["class"] for r in answer.json()["explanations"]] == ["bad", "bad"]
    refused = c.post("explain?class=maybe", {"rows": c.rows(2)})
    assert refused.status_code == 400 and "not one of the classes" in refused.json()["error"]


def test_a_regressor_answers_intervals_on_request(concrete_served, credit_served):
    s = concrete_served
    rows = s.rows(20)
    answer = s.post("predict?coverage=0.8", {"rows": rows})
    assert answer.status_code == 200, answer.text
    expected = s.result.predict_interval(pd.DataFrame(rows), 0.8)
    got = np.asarray(answer.json()["intervals"])
    np.testing.assert_allclose(got, expected[["lower", "upper"]].to_numpy(), rtol=1e-9)
    assert answer.json()["coverage"] == 0.8
    assert "intervals" not in s.post("predict", {"rows": rows}).json()
    for query, status, words in [("coverage=1.5", 400, "between 0 and 1"),
                                 ("coverage=wide", 400, "between 0 and 1")]:
        refused = s.post(f"predict?{query}", {"rows": rows})
        assert refused.status_code == status and words in refused.json()["error"]
    refused = credit_served.post("predict?coverage=0.9", {"rows": credit_served.rows(3)})
    assert refused.status_code == 400 and "for regression" in refused.json()["error"]
