"""The Bento's container, built and run: where a Docker engine answers (marker ``docker``;
skipped elsewhere, saying why), the image is built on the local bookworm base, started, and
answers as the model does in process, bad bodies getting their 4xx."""

from __future__ import annotations

import subprocess

import pytest

from benchmarks.container import BASE_IMAGE, docker_available

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.mark.skipif(not docker_available(), reason="no Docker engine answers here (start "
                    "dockerd --iptables=false --bridge=none to run this test)")
def test_the_bento_container_builds_runs_and_answers(tmp_path):
    import automl
    from automl._serving.bento import build_bento
    from benchmarks.container import check_container, containerize, make_base
    from benchmarks.serving_latency import credit_split

    have_base = subprocess.run(["docker", "image", "inspect", BASE_IMAGE],
                               capture_output=True, check=False).returncode == 0
    if not have_base:
        make_base()
    train, test = credit_split()
    result = automl.fit(train, "Status", models=["linear"], n_trials=1, verbose=0)
    tag = build_bento(result.save(tmp_path / "credit"), "container-test",
                      base_image=BASE_IMAGE)
    containerize(tag, "automl-container-test:1")
    found = check_container("automl-container-test:1", result.deployable(), test)
    assert found["max_gap"] < 1e-9
    assert all(got == want and body for got, want, body in found["bad"].values()), found
    assert found["after"] == 200
