"""The automl command: fit, predict, plugins, and one-line errors with exit code 2."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture(scope="module")
def credit_csv(tmp_path_factory, credit):
    path = tmp_path_factory.mktemp("data") / "credit.csv"
    credit.sample(800, random_state=3).to_csv(path, index=False)
    return path


def test_fit_then_predict(credit_csv, tmp_path, cli):
    out = tmp_path / "credit_model"
    run = cli("fit", str(credit_csv), "--target", "Status", "--time-budget", "4",
              "--out", str(out))
    assert "roc_auc" in run.stdout and "best:" in run.stdout and f"saved to {out}" in run.stdout
    assert "trial 0" in run.stderr  # progress lines
    assert (out / "metadata.json").is_file()
    predictions = tmp_path / "predictions.csv"
    run = cli("predict", str(out), str(credit_csv), "--out", str(predictions), "--proba")
    frame = pd.read_csv(predictions)
    assert list(frame.columns) == ["prediction", "proba_bad", "proba_good"]
    assert len(frame) == 800 and set(frame["prediction"]) <= {"good", "bad"}


@pytest.mark.parametrize("args, message", [
    (["fit", "missing.csv", "--target", "y"], "missing.csv: no such file"),
    (["fit", "{csv}", "--target", "status"], "target column missing"),
    (["fit", "{csv}", "--target", "Status", "--models", "nope"], "are not registered"),
    (["predict", "no_model_here", "{csv}"], "not a saved automl model"),
])
def test_user_errors_print_one_line_and_exit_2(credit_csv, args, message, cli):
    run = cli(*[a.replace("{csv}", str(credit_csv)) for a in args], check=False)
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
