"""The HTML report: written by FitResult.report and `automl report`, opened in headless
Chromium (Debian's, driven by Playwright), every plot drawn, nothing fetched from outside."""

from __future__ import annotations

import re

import matplotlib.image

import automl


def test_the_report_opens_offline_in_chromium_with_every_plot(credit_fitted, tmp_path,
                                                              render_in_chromium):
    result, _, _, test = credit_fitted
    path = result.report(tmp_path / "report.html", test, sensitive="Marital")
    sizes, requests, text = render_in_chromium(path, tmp_path / "report.png")
    expected = {"leaderboard", "progress", "roc", "confusion", "calibration", "importance",
                "explanation-summary", "explanation-row"}
    assert expected <= set(sizes), sizes
    for name, (width, height) in sizes.items():
        assert width > 200 and height > 100, (name, width, height)
    assert requests == [path.resolve().as_uri()]  # one file: no script, font or image fetched
    for heading in [f"Evaluation on {len(test)} new rows", "Search", "What the model relies on",
                    "Fairness by Marital", "What was done to the data", "Why each prediction"]:
        assert heading in text
    assert re.search(r"Verdict: (good|overfit)", text)
    pixels = matplotlib.image.imread(tmp_path / "report.png")
    assert pixels.shape[1] == 1300 and pixels.shape[0] > 3000  # the whole page, plots included
    assert pixels[..., :3].std() > 0.05  # not a blank page


def test_a_regression_report_shows_residuals(concrete, split, tmp_path, render_in_chromium):
    train, test = split(concrete)
    result = automl.fit(train, "compressive_strength", time_budget=4, verbose=0)
    path = result.report(tmp_path / "concrete.html", test)
    sizes, _, text = render_in_chromium(path, tmp_path / "concrete.png")
    assert {"residuals", "leaderboard", "progress", "importance", "explanation-summary",
            "explanation-row"} <= set(sizes)
    assert not {"roc", "confusion", "calibration"} & set(sizes)
    assert "Verdict:" in text and "rmse" in text and "Fairness" not in text


def test_report_command_without_data_shows_the_fit(credit_fitted, tmp_path, cli):
    _, saved, _, _ = credit_fitted
    out = tmp_path / "fit.html"
    run = cli("report", str(saved), "-o", str(out))
    assert f"wrote {out}" in run.stdout
    page = out.read_text()
    plots = set(re.findall(r'data-plot="([\w-]+)"', page))
    assert {"leaderboard", "progress"} <= plots and "roc" not in plots
    assert "No labelled test rows were given" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing to fetch
    run = cli("report", str(saved), "--sensitive", "Marital", check=False)
    assert run.returncode == 2 and "needs labelled DATA" in run.stderr
