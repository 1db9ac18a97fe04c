"""The documentation site builds with ``mkdocs build --strict``: a broken link, a README section
the user guide names that is gone, or a reference mkdocstrings cannot resolve fails it; every
name on the API pages has a docstring, and every name ``automl`` exports is on them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
API_PAGES = sorted((ROOT / "docs" / "api").glob("*.md"))


def _documented() -> list[str]:
    return [m for page in API_PAGES
            for m in re.findall(r"^::: ([\w.]+)$", page.read_text(), re.M)]


def test_the_site_builds_strictly_with_the_guide_from_the_readme(tmp_path):
    site = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                           str(site)], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    api = (site / "api" / "index.html").read_text()
    assert "FitResult" in api and "time_budget" in api
    monitor = (site / "guide" / "monitor" / "index.html").read_text()
    assert "population stability index" in monitor  # the README's section, put in
    assert 'href="../../monitoring/"' in monitor  # its docs/monitoring.md link, rebased


def test_every_name_on_the_api_pages_has_a_docstring_and_every_export_is_there():
    import griffe

    import automl

    package = griffe.load("automl", search_paths=[str(ROOT / "src")])
    missing, shown = [], set()

    def walk(obj: griffe.Object, top: bool) -> None:
        if obj.is_alias or (not top and obj.name.startswith("_")):
            return
        shown.add(obj.name)
        if obj.kind.value in ("module", "class", "function") and not obj.docstring:
            missing.append(obj.path)
        if obj.kind.value in ("module", "class"):
            for member in obj.members.values():
                if not member.is_alias and member.kind.value in ("function", "class"):
                    walk(member, False)
                elif not member.is_alias:
                    shown.add(member.name)

    for path in _documented():
        walk(package[path.removeprefix("automl.")], True)
    assert not missing, f"no docstring: {missing}"
    assert set(automl.__all__) - {"__version__"} <= shown
