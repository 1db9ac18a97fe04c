"""The README's facts that the code can check: the signature of ``fit`` and its argument table."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import automl

README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_signature() -> re.Match:
    found = re.search(r"^`(fit\(df, target, \*,.*?\))`:", README.read_text(), re.S | re.M)
    assert found, "the README no longer shows fit's signature"
    return found


def test_the_readmes_fit_signature_is_the_codes():
    # parsed as a function header, so that the names, their order and the defaults compare
    header = " ".join(_readme_signature().group(1).split())
    written = ast.parse(f"def {header}: pass").body[0].args
    code = inspect.signature(automl.fit).parameters
    names = [a.arg for a in written.args + written.kwonlyargs]
    assert names == list(code)
    defaults = dict(zip([a.arg for a in written.kwonlyargs],
                        [ast.literal_eval(d) for d in written.kw_defaults], strict=True))
    for name, default in defaults.items():
        assert default == code[name].default, name


def test_the_readmes_argument_table_names_every_option_of_fit():
    after = README.read_text()[_readme_signature().end():].lstrip("\n")
    table = after[:after.index("\n\n")]  # the table right below the signature
    rows = set(re.findall(r"^\| `(\w+)` \|", table, re.M))
    options = [n for n, p in inspect.signature(automl.fit).parameters.items()
               if p.kind is inspect.Parameter.KEYWORD_ONLY]
    assert rows == set(options)
