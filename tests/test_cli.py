"""The automl command: fit, predict, plugins; one-line errors with exit code 2, unexpected ones
with 3, and never a traceback unless asked; read-only commands create nothing."""

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


@pytest.fixture(scope="module")
def credit_model(credit_csv, tmp_path_factory):
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("model") / "m"
    subprocess.run([sys.executable, "-m", "automl", "fit", str(credit_csv), "--target",
                    "Status", "--time-budget", "4", "--models", "linear", "--quiet", "--out",
                    str(out)], check=True, capture_output=True)
    return out


def test_an_infinite_value_or_a_missing_output_folder_is_the_users_to_fix(
        credit_model, credit_csv, tmp_path, cli):
    import numpy as np

    bad = pd.read_csv(credit_csv).drop(columns="Status").head(5)
    bad.loc[bad.index[0], "Income"] = np.inf
    bad.to_csv(tmp_path / "inf.csv", index=False)
    for args, message in [
            (["predict", str(credit_model), str(tmp_path / "inf.csv")], "infinite values"),
            (["predict", str(credit_model), str(credit_csv), "--out",
              str(tmp_path / "nowhere" / "p.csv")], "does not exist; create it first"),
            (["drift", str(credit_model), str(credit_csv), "--json",
              str(tmp_path / "nowhere" / "d.json")], "does not exist; create it first")]:
        run = cli(*args, check=False)
        assert run.returncode == 2, (args, run.stderr)
        assert message in run.stderr and "Traceback" not in run.stderr, run.stderr
        assert len(run.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "nowhere").exists()


def test_an_unexpected_error_is_one_line_and_exit_3_unless_debug(monkeypatch, capsys):
    from automl import _cli as command

    def broken(args):
        raise RuntimeError("a fault no check foresaw")

    monkeypatch.setattr(command, "_cmd_plugins", broken)
    assert command.main(["plugins"]) == command.UNEXPECTED == 3
    err = capsys.readouterr().err
    assert "unexpected error: RuntimeError: a fault no check foresaw" in err
    assert "--debug" in err and "Traceback" not in err
    with pytest.raises(RuntimeError, match="no check foresaw"):
        command.main(["--debug", "plugins"])


def test_status_reads_a_storage_and_creates_none(tmp_path, cli, monkeypatch):
    for storage in (str(tmp_path / "search.db"), f"sqlite:///{tmp_path}/search.sqlite"):
        run = cli("status", "--storage", storage, check=False)
        assert run.returncode == 2 and "no such file" in run.stderr, run.stderr
    assert list(tmp_path.iterdir()) == []
    # the storage may come from the environment, so that no password is on the command line
    run = cli("worker", "--study", "x", check=False)
    assert run.returncode == 2 and "AUTOML_STORAGE" in run.stderr
    monkeypatch.setenv("AUTOML_STORAGE", str(tmp_path / "from-the-environment.log"))
    run = cli("status", check=False)
    assert run.returncode == 2 and "from-the-environment.log" in run.stderr
