"""Putting a saved model into the BentoML model store and building its Bento."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import PackageNotFoundError, distribution, version
from pathlib import Path
from typing import Any

from automl.errors import AutoMLError, ConfigurationError


def _bentoml() -> Any:
    try:
        import bentoml
    except ImportError:
        raise AutoMLError("serving needs BentoML: pip install 'automl[serve]'") from None
    return bentoml


#: the folder of a model-store entry that holds the saved model
STORE_FOLDER = "automl-model"


#: BentoML's rule for a tag's name: letters, digits, "-", "_" and ".", starting and ending with
#: a letter or digit, at most 63 characters (BentoML lowercases it)
_TAG_NAME = re.compile(r"[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?")
MAX_NAME_LENGTH = 63


def model_name(name: str | None, path: Path) -> str:
    """A model-store (and Bento) name: the one given, checked against BentoML's tag rules (a
    :class:`~automl.errors.ConfigurationError` that says them, never a name that could leave
    its folder), else the directory's name made tag-safe."""
    if name is not None:
        if len(name) > MAX_NAME_LENGTH or not _TAG_NAME.fullmatch(name.lower()):
            raise ConfigurationError(
                f"name={name!r} is not a Bento name: use letters, digits, '-', '_' and '.', "
                f"starting and ending with a letter or digit, at most {MAX_NAME_LENGTH} "
                f"characters (e.g. 'credit-model')")
        return name.lower()
    raw = path.resolve().name or "automl-model"
    safe = re.sub(r"[^a-z0-9_.-]+", "-", raw.lower())[:MAX_NAME_LENGTH].strip("-._")
    return safe or "automl-model"


def store_model(model_dir: str | Path, name: str | None = None, *, full: bool = False,
                reference_rows: bool = False) -> tuple[str, list[str]]:
    """Put a model written by ``FitResult.save`` into the BentoML model store: its deployed
    model (:meth:`FitResult.deployable`), or with ``full`` the full one, and for drift
    monitoring the summaries of its training reference, not the rows
    (:meth:`FitResult.without_rows`), unless ``reference_rows``. Returns the model tag
    (name:version) and the names of the models it is made of."""
    import automl

    src = Path(model_dir)
    result = automl.load(src)  # refuses anything that is not a loadable model
    served = result if full else result.deployable()
    bentoml = _bentoml()
    labels = {"task": result.task.value, "metric": result.metric, "model": served.best,
              "served": "full" if served is result else "deployed"}
    with bentoml.models.create(model_name(name, src), labels=labels,
                               metadata={"valid_score": served.valid_score}) as model:
        # a folder of its own: BentoML writes its model.yaml beside it, which the model's
        # manifest does not list
        (served if reference_rows else served.without_rows()).save(
            Path(model.path) / STORE_FOLDER)
    return str(model.tag), served.model_names


def _source_dir(name: str) -> Path | None:
    """Where a distribution installed from a local folder (pip install -e/.) was built from."""
    text = distribution(name).read_text("direct_url.json")
    url = json.loads(text).get("url", "") if text else ""
    return Path(url.removeprefix("file://")) if url.startswith("file://") else None


def plugin_distribution(model: str) -> str | None:
    """The distribution of the plugin that registered ``model``, unless it is automl's own."""
    from automl._contract.plugins import plugin_infos

    for info in plugin_infos():  # it collects the registrations once
        if model in info.registered.get("model", []):
            builtin = info.builtin or info.distribution.startswith("(")
            return None if builtin else info.distribution
    return None


#: the libraries a saved model is read with, pinned in the image to the versions it was fitted
#: with so that the container unpickles what was saved; and the C HTTP parser and event loop
#: that uvicorn (BentoML's server) takes in place of its pure-Python ones when installed
_PINNED = ("scikit-learn", "pandas", "numpy", "pandera", "optuna", "scipy", "httptools",
           "uvloop")
#: where the CPU builds of torch are published
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def python_packages(wheel_dir: Path, models: list[str]) -> list[str]:
    """The requirement lines of the Bento's image (BentoML adds its own): automl, the plugin
    distributions that provide ``models`` (the winner, or an ensemble's members) and what the
    model is read with, pinned to the installed versions. automl and its plugins come as
    wheels built from their folders when they were installed from a checkout (they are not on
    a package index then), written to ``wheel_dir`` and named relative to the Bento's
    ``src``, where BentoML installs from. A CPU build of torch is pinned as such: from a
    wheel on local disk when pip's find-links has it, else from PyTorch's CPU index."""
    packages: list[str] = []  # BentoML adds itself, pinned
    plugins = sorted(set(filter(None, (plugin_distribution(m) for m in models))))
    needed = list(_PINNED)
    for name in ["automl", *plugins]:
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue
        needed += [_requirement_name(r) for r in dist.requires or [] if "extra ==" not in r]
        source = _source_dir(name)
        if source is None:
            packages.append(f"{name}=={dist.version}")
            continue
        subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                        "--no-build-isolation", "-w", str(wheel_dir), str(source)],
                       check=True, capture_output=True)
        packages += [f"./{wheel_dir.name}/{w.name}"
                     for w in wheel_dir.glob(f"{name.replace('-', '_')}-*.whl")]
    for name in dict.fromkeys(needed):
        if name in ("automl", "bentoml"):
            continue
        try:
            installed = version(name)
        except PackageNotFoundError:
            continue
        if name == "torch" and "+cpu" in installed:
            packages += _torch_cpu(installed, wheel_dir)
        else:
            packages.append(f"{name}=={installed}")
    return packages


def _requirement_name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[(]", requirement, maxsplit=1)[0].lower()


def _torch_cpu(installed: str, wheel_dir: Path) -> list[str]:
    """Requirement lines for the CPU build of torch ``installed`` (2.13.0+cpu, say)."""
    # a wheel's file name may carry the local version as is or URL-quoted
    names = (installed, installed.replace("+", "%2B"))
    for folder in filter(None, os.environ.get("PIP_FIND_LINKS", "").split()):
        for wheel in (w for name in names for w in Path(folder).glob(f"torch-{name}-*.whl")):
            shutil.copy(wheel, wheel_dir / wheel.name)
            return [f"./{wheel_dir.name}/{wheel.name}"]
    return [f"--extra-index-url {TORCH_CPU_INDEX}", f"torch=={installed}"]


def image_spec(wheel_dir: Path, models: list[str], base_image: str | None = None
               ) -> dict[str, Any]:
    """What the service builds its ``bentoml.images.Image`` from (see
    :func:`automl._serving.service.image_from`): the requirement lines, the folder of wheels
    to copy in before they are installed, and the base image (None: BentoML's default, a
    python slim image)."""
    return {"packages": python_packages(wheel_dir, models), "include": wheel_dir.name,
            "base_image": base_image,
            "python_version": f"{sys.version_info.major}.{sys.version_info.minor}"}


def build_bento(model_dir: str | Path, name: str | None = None, *, full: bool = False,
                base_image: str | None = None, reference_rows: bool = False) -> str:
    """Store the model (the deployed one, or with ``full`` the full one; its training rows
    only with ``reference_rows``: see :func:`store_model`) and build a Bento serving it, its
    container image described by BentoML's image API (``base_image``: the image to build on;
    default BentoML's python slim image); returns the Bento tag."""
    bentoml = _bentoml()
    tag, made_of = store_model(model_dir, name, full=full, reference_rows=reference_rows)
    # BentoML reads the build context's files only below the working directory
    with tempfile.TemporaryDirectory() as context, contextlib.chdir(context):
        wheels = Path(context) / "wheels"
        wheels.mkdir()
        # the service reads the image from its arguments when BentoML imports it to build:
        # imported afresh, or a second build in this process would get the first one's image
        sys.modules.pop("automl._serving.service", None)
        bento = bentoml.bentos.build(
            "automl._serving.service:AutoMLService",
            name=model_name(name, Path(model_dir)),
            args={"model": tag, "image": image_spec(wheels, made_of, base_image)},
            models=[tag],
            labels={"model": tag},
            description=f"automl model {tag}",
            build_ctx=context,
            include=["wheels/*.whl"],
        )
    return str(bento.tag)
