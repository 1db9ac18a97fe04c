"""The import rule and the light load path (docs/architecture.md): a stage imports only the
contract and the stages before it, and reading a saved model back needs no search code."""

from __future__ import annotations

import pathlib
import subprocess
import sys

#: what loading a model and serving it must not pull in: the search engine, the fit that runs
#: it, the shared search, and the libraries only they need
SEARCH_ONLY = ("optuna", "automl._search", "automl._fit", "automl._distributed", "automl._kit")


def test_every_stage_imports_only_the_contract_and_earlier_stages():
    # pyproject.toml's [tool.importlinter], as `lint-imports` runs it: the layers, and no path
    # from automl.load's module or the service's to the search, the fit, Optuna or the kit
    # (every import counted, those inside functions too)
    # in a process of its own: its logging set-up disables the loggers that already exist
    code = "import sys; from importlinter import cli; sys.exit(cli.lint_imports(no_cache=True))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=pathlib.Path(__file__).parents[1])
    assert run.returncode == 0, run.stdout[-3000:]
    assert run.stdout.count(" KEPT") == 2


def _loaded_after(code: str) -> list[str]:
    shown = ("import sys; " + code + "; print('\\n'.join(sorted(m for m in sys.modules "
             f"if m.startswith({SEARCH_ONLY!r}))))")
    run = subprocess.run([sys.executable, "-c", shown], capture_output=True, text=True,
                         check=True)
    return run.stdout.split()


def test_loading_a_model_and_predicting_imports_no_search_code(credit_fitted):
    _, saved, _, test = credit_fitted
    rows = test.drop(columns="Status").head(3)
    rows_file = saved.parent / "rows.pkl"
    rows.to_pickle(rows_file)
    loaded = _loaded_after(
        "import automl, pandas as pd; r = automl.load(" + repr(str(saved)) + "); "
        "r.predict(pd.read_pickle(" + repr(str(rows_file)) + "))")
    assert loaded == []


def test_the_architecture_page_names_every_package_and_module():
    root = pathlib.Path(__file__).parents[1]
    page = (root / "docs" / "architecture.md").read_text()
    tree = page[page.index("## The packages"):page.index("## The plugin contract")]
    package = root / "src" / "automl"
    for path in sorted(package.rglob("*.py")):
        if path.name == "__init__.py":
            folder = path.parent.relative_to(package)
            assert str(folder) == "." or f"{folder}/" in tree, f"{folder}/ is not in the tree"
        else:
            assert path.name in page, f"{path.relative_to(package)} is not on the page"


def test_the_readmes_stages_map_one_to_one_onto_the_stage_folders():
    root = pathlib.Path(__file__).parents[1]
    readme = (root / "README.md").read_text()
    table = readme[readme.index("### What a fit does, stage by stage"):]
    table = table[:table.index("\n\n", table.index("| stage |"))]
    folders = [row.split("|")[3].strip().strip("`") for row in table.splitlines()
               if row.startswith("| ") and not row.startswith("| stage")]
    packages = {p.name + "/" for p in (root / "src" / "automl").iterdir()
                if (p / "__init__.py").is_file()}
    # the fit that runs the stages, the contract they share, the built-in plugins, the kit
    around = {"_fit/", "_contract/", "_builtins/", "_kit/"}
    assert sorted(folders) == sorted(packages - around)
    assert len(folders) == len(set(folders))
