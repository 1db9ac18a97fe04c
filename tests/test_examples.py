"""Every script in examples/ runs, so the examples never rot."""

from __future__ import annotations

import runpy
from pathlib import Path

EXAMPLES = Path(__file__).parent.parent / "examples"


def test_fit_from_script(tmp_path, monkeypatch, capsys):
    module = runpy.run_path(str(EXAMPLES / "fit_from_script.py"))
    monkeypatch.chdir(tmp_path)
    result = module["main"](time_budget=5, out="credit_model")
    out = capsys.readouterr().out
    assert "best:" in out and "loaded back" in out and "bentoml serve credit:" in out
    assert (tmp_path / "credit_model" / "pipeline.joblib").is_file()
    assert result.task == "binary"
    assert "predictions for the first rows" in out
    assert "Verdict:" in out and "Fairness by Marital" in out
    assert "data-plot=\"roc\"" in (tmp_path / "credit_model_report.html").read_text()
