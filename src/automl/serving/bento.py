"""Putting a saved model into the BentoML model store and building its Bento."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

from automl.errors import AutoMLError


def _bentoml() -> Any:
    try:
        import bentoml
    except ImportError:
        raise AutoMLError("serving needs BentoML: pip install 'automl[serve]'") from None
    return bentoml


def model_name(name: str | None, path: Path) -> str:
    """A model-store name: the one given, else the directory's name, made tag-safe."""
    raw = name or path.resolve().name or "automl-model"
    return re.sub(r"[^a-z0-9_.-]+", "-", raw.lower()).strip("-.") or "automl-model"


def store_model(model_dir: str | Path, name: str | None = None, *,
                full: bool = False) -> tuple[str, list[str]]:
    """Put a model written by ``FitResult.save`` into the BentoML model store: its deployed
    model (:meth:`FitResult.deployable`), or with ``full`` the full one. Returns the model
    tag (name:version) and the names of the models it is made of."""
    import automl

    src = Path(model_dir)
    result = automl.load(src)  # refuses anything that is not a loadable model
    served = result if full else result.deployable()
    bentoml = _bentoml()
    labels = {"task": result.task.value, "metric": result.metric, "model": served.best,
              "served": "full" if served is result else "deployed"}
    with bentoml.models.create(model_name(name, src), labels=labels,
                               metadata={"valid_score": served.valid_score}) as model:
        if served is result:
            shutil.copytree(src, model.path, dirs_exist_ok=True)
        else:
            served.save(model.path)
    return str(model.tag), served.model_names


def _source_dir(name: str) -> Path | None:
    """Where a distribution installed from a local folder (pip install -e/.) was built from."""
    text = distribution(name).read_text("direct_url.json")
    url = json.loads(text).get("url", "") if text else ""
    return Path(url.removeprefix("file://")) if url.startswith("file://") else None


def plugin_distribution(model: str) -> str | None:
    """The distribution of the plugin that registered ``model``, unless it is automl's own."""
    from automl.plugins import plugin_infos

    for info in plugin_infos():  # it collects the registrations once
        if model in info.registered.get("model", []):
            builtin = info.builtin or info.distribution.startswith("(")
            return None if builtin else info.distribution
    return None


def python_options(wheel_dir: Path, models: list[str]) -> dict[str, Any]:
    """The Bento's Python environment: BentoML, automl, and the plugin distributions that
    provide ``models`` (the winner, or an ensemble's members), as wheels built from their
    folders when they were installed from a checkout (they are not on a package index then),
    else pinned to the installed version. Wheel paths are relative to the build context,
    ``wheel_dir``'s parent."""
    bentoml = _bentoml()
    packages, wheels = [f"bentoml=={bentoml.__version__}"], []
    plugins = sorted(set(filter(None, (plugin_distribution(m) for m in models))))
    for name in ["automl", *plugins]:
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue
        source = _source_dir(name)
        if source is None:
            packages.append(f"{name}=={dist.version}")
            continue
        subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                        "--no-build-isolation", "-w", str(wheel_dir), str(source)],
                       check=True, capture_output=True)
        wheels += [f"{wheel_dir.name}/{w.name}"
                   for w in wheel_dir.glob(f"{name.replace('-', '_')}-*.whl")]
    # "wheels" makes BentoML use its v1 image layout (it says so when building): there the
    # wheels are installed from env/python/wheels before the source is copied in, whereas
    # local wheel paths in "packages" would point into src/, not yet in the image then.
    return {"packages": packages, "wheels": wheels, "lock_packages": False}


def build_bento(model_dir: str | Path, name: str | None = None, *, full: bool = False) -> str:
    """Store the model (the deployed one, or with ``full`` the full one: see
    :func:`store_model`) and build a Bento serving it; returns the Bento tag."""
    bentoml = _bentoml()
    tag, made_of = store_model(model_dir, name, full=full)
    # BentoML reads the build context's files only below the working directory
    with tempfile.TemporaryDirectory() as context, contextlib.chdir(context):
        wheels = Path(context) / "wheels"
        wheels.mkdir()
        bento = bentoml.bentos.build(
            "automl.serving.service:AutoMLService",
            name=model_name(name, Path(model_dir)),
            args={"model": tag},
            models=[tag],
            python=python_options(wheels, made_of),
            labels={"model": tag},
            description=f"automl model {tag}",
            build_ctx=context,
            include=["wheels/*.whl"],
        )
    return str(bento.tag)
