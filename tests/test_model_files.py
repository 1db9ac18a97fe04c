"""A saved model is untrusted until checked: every file against the manifest before anything is
unpickled, a signature where a key is set, every kind of damage a ModelLoadError naming the
file; and a save is atomic: one that fails leaves the earlier model whole."""

from __future__ import annotations

import json
import os
import warnings

import joblib
import pandas as pd
import pytest

import automl
from automl._final.model_files import SIGNING_VARIABLE, digest
from automl.errors import ConfigurationError, ModelLoadError, ModelVersionWarning
from tests.conftest import planted_pickle


@pytest.fixture(scope="module")
def fitted(credit):
    return automl.fit(credit.sample(400, random_state=2), "Status", models=["linear"],
                      n_trials=1, verbose=0)


@pytest.fixture
def saved(fitted, tmp_path):
    return fitted.save(tmp_path / "model")


def _rewrite_manifest(folder, name):
    """What someone who can write the directory (but holds no key) can do: fix the manifest."""
    meta = json.loads((folder / "metadata.json").read_text())
    meta["manifest"]["files"][name] = digest(folder / name)
    (folder / "metadata.json").write_text(json.dumps(meta))


def test_the_manifest_lists_every_file_and_the_model_loads(saved, fitted):
    meta = json.loads((saved / "metadata.json").read_text())
    files = {p.name for p in saved.iterdir()} - {"metadata.json"}
    assert set(meta["manifest"]["files"]) == files and meta["manifest"]["signature"] is None
    rows = fitted.feature_schema.names
    assert automl.load(saved).feature_schema.names == rows


def test_a_swapped_pickle_is_refused_before_it_runs(saved, tmp_path):
    marker = tmp_path / "ran"
    with open(saved / "reference.joblib", "wb") as out:
        out.write(planted_pickle(marker))
    with pytest.raises(ModelLoadError, match=r"reference\.joblib was changed or damaged"):
        automl.load(saved)
    assert not marker.exists()  # nothing was unpickled


@pytest.mark.parametrize("name", ["leaderboard.json", "schema.json", "data_report.json",
                                  "pipeline.joblib"])
def test_a_damaged_file_is_named(saved, name):
    (saved / name).write_bytes((saved / name).read_bytes()[:20])
    with pytest.raises(ModelLoadError, match=name):
        automl.load(saved)


def test_a_flipped_byte_in_any_saved_file_is_named(saved):
    names = sorted(p.name for p in saved.iterdir() if p.name != "metadata.json")
    assert {"drift_reference.json", "reference.joblib", "pipeline.joblib"} <= set(names)
    for name in names:
        original = (saved / name).read_bytes()
        flipped = bytearray(original)
        flipped[len(flipped) // 2] ^= 0x01
        (saved / name).write_bytes(bytes(flipped))
        with pytest.raises(ModelLoadError, match=name):
            automl.load(saved)
        (saved / name).write_bytes(original)
    automl.load(saved)  # whole again: the checks refuse damage, not the model


def test_missing_added_and_linked_files_are_refused(saved, tmp_path):
    (saved / "cleaning.joblib").unlink()
    with pytest.raises(ModelLoadError, match=r"cleaning\.joblib is missing"):
        automl.load(saved)
    other = automl.load  # the same directory again, with a file the save never wrote
    (saved / "extra.joblib").write_bytes(b"x")
    with pytest.raises(ModelLoadError, match=r"extra\.joblib is not in the model's manifest"):
        other(saved)
    (saved / "extra.joblib").unlink()
    os.symlink(tmp_path, saved / "elsewhere")
    with pytest.raises(ModelLoadError, match="elsewhere is a symbolic link"):
        automl.load(saved)


def test_a_truncated_metadata_file_is_named(saved):
    (saved / "metadata.json").write_text('{"format_version": 4, "task": ')
    with pytest.raises(ModelLoadError, match=r"metadata\.json cannot be read"):
        automl.load(saved)


def test_a_pipeline_that_cannot_predict_is_refused(saved):
    joblib.dump(42, saved / "pipeline.joblib")
    _rewrite_manifest(saved, "pipeline.joblib")
    with pytest.raises(ModelLoadError, match=r"pipeline\.joblib holds a int, which has no "
                                             r"predict or predict_proba"):
        automl.load(saved)


def test_a_signing_key_refuses_unsigned_other_keys_and_changes(fitted, saved, tmp_path,
                                                                monkeypatch):
    monkeypatch.setenv(SIGNING_VARIABLE, "the key")
    with pytest.raises(ModelLoadError, match="is not signed"):
        automl.load(saved)  # saved without the key
    signed = fitted.save(tmp_path / "signed")
    assert automl.load(signed).best == fitted.best
    meta = json.loads((signed / "metadata.json").read_text())
    meta["classes"] = list(reversed(meta["classes"]))  # labels swapped, manifest untouched
    (signed / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match="changed after it was signed"):
        automl.load(signed)
    again = fitted.save(tmp_path / "again")
    monkeypatch.setenv(SIGNING_VARIABLE, "another key")
    with pytest.raises(ModelLoadError, match="another key"):
        automl.load(again)
    monkeypatch.delenv(SIGNING_VARIABLE)
    with pytest.warns(UserWarning, match="signature was not checked"):
        automl.load(again)


def test_other_library_versions_warn_by_name(saved):
    meta = json.loads((saved / "metadata.json").read_text())
    meta["versions"]["pandas"] = "0.1"
    (saved / "metadata.json").write_text(json.dumps(meta))
    with pytest.warns(ModelVersionWarning, match="pandas 0.1 -> "):
        automl.load(saved)


def test_a_failed_save_leaves_the_earlier_model_whole(fitted, saved, monkeypatch):
    before = {p.name: p.read_bytes() for p in saved.iterdir()}

    def dies_midway(result, out):
        joblib.dump("half a model", out / "pipeline.joblib")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("automl._result.result.write_result", dies_midway)
    with pytest.raises(OSError, match="No space left"):
        fitted.save(saved)
    assert {p.name: p.read_bytes() for p in saved.iterdir()} == before
    assert [p.name for p in saved.parent.iterdir()] == ["model"]  # no half-written sibling
    monkeypatch.undo()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelVersionWarning)
        assert automl.load(saved).best == fitted.best


def test_a_save_replaces_a_model_whole_and_nothing_else(fitted, saved, tmp_path):
    (saved / "stray.txt").write_text("left over")  # an old file the new save does not write
    fitted.save(saved)
    assert not (saved / "stray.txt").exists()
    assert automl.load(saved).best == fitted.best
    other = tmp_path / "photos"
    other.mkdir()
    (other / "cat.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(ConfigurationError, match="not a saved automl model"):
        fitted.save(other)
    assert (other / "cat.jpg").exists()


@pytest.mark.parametrize("name", ["../outside", "a/b", ".hidden", "x" * 64, "trailing-",
                                  "spaces in it"])
def test_a_bento_name_outside_bentomls_rules_is_refused_before_anything_is_written(
        fitted, name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigurationError, match="is not a Bento name"):
        fitted.to_bento(name=name)
    assert list(tmp_path.iterdir()) == [] and not (tmp_path.parent / "outside").exists()


def test_the_model_store_refuses_a_model_directory_with_a_link(saved, tmp_path):
    from automl._serving.bento import model_name, store_model

    os.symlink(tmp_path, saved / "elsewhere")
    with pytest.raises(ModelLoadError, match="elsewhere is a symbolic link"):
        store_model(saved, "linked")
    # a directory's own name is made tag-safe, not refused
    assert model_name(None, tmp_path / ("Credit Model " + "x" * 80)) == (
        "credit-model-" + "x" * 50)


_SAVE_FOREVER = """
import sys
import automl

first, second, target = automl.load(sys.argv[1]), automl.load(sys.argv[2]), sys.argv[3]
print("ready", flush=True)
while True:
    for result in (first, second):
        result.save(target)
"""


@pytest.mark.slow
def test_a_save_killed_at_any_moment_never_leaves_a_mixed_model(fitted, credit, tmp_path):
    import random
    import signal
    import subprocess
    import sys
    import time

    other = automl.fit(credit.sample(400, random_state=3), "Status", models=["decision_tree"],
                       n_trials=1, verbose=0)
    first, second = fitted.save(tmp_path / "first"), other.save(tmp_path / "second")
    rows = credit.drop(columns="Status").head(50)
    answers = {fitted.best: fitted.predict_proba(rows), other.best: other.predict_proba(rows)}
    assert len(answers) == 2 and not answers[fitted.best].equals(answers[other.best])
    target = tmp_path / "target"
    rng = random.Random(0)
    seen = set()
    for attempt in range(12):
        child = subprocess.Popen([sys.executable, "-c", _SAVE_FOREVER, str(first), str(second),
                                  str(target)], stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.6))
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        if attempt == 0 and not target.exists():
            continue  # killed before its first save ended: nothing was there to keep
        loaded = automl.load(target)  # whole, checked against its manifest, or it raises
        # the pipeline is the one its metadata names: never one model's under another's
        pd.testing.assert_frame_equal(loaded.predict_proba(rows), answers[loaded.best])
        seen.add(loaded.best)
    assert seen == set(answers), "the kills never caught both models on disk"
