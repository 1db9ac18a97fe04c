"""MkDocs hook: the user guide takes its text from sections of README.md, so that the two cannot
drift apart. A page says ``--8<-- "README.md:NAME"`` on a line of its own (pymdownx.snippets'
syntax) and gets the lines between the README's ``--8<-- [start:NAME]`` and ``[end:NAME]``
markers, its links (relative to the repository root there) pointed at the site's pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parents[1] / "README.md"
_INCLUDE = re.compile(r'^--8<-- "README\.md:([\w-]+)"$', re.M)
_LINK = re.compile(r"\[([^\]]+)\]\(((?:docs|benchmarks)/[^)]+)\)")


def section(name: str) -> str:
    """The README's lines between its ``start:name`` and ``end:name`` markers."""
    text = README.read_text()
    found = re.search(rf"^<!-- --8<-- \[start:{name}\] -->\n(.*?)^<!-- --8<-- \[end:{name}\] -->",
                      text, re.S | re.M)
    if found is None:
        raise ValueError(f"README.md has no section {name!r}")
    return found.group(1)


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    """Put the README's sections in; ``docs/x.md`` links go to the site's ``x.md``, and a link
    to a file outside the site (benchmarks/README.md) becomes the file's name."""
    up = "../" * page.file.src_uri.count("/")

    def rebased(match: re.Match) -> str:
        text, target = match.group(1), match.group(2)
        if target.startswith("docs/"):
            return f"[{text}]({up}{target.removeprefix('docs/')})"
        return f"{text} (`{target}` in the repository)"

    return _INCLUDE.sub(lambda m: _LINK.sub(rebased, section(m.group(1))), markdown)


def on_page_content(html: str, **_: Any) -> str:
    """Docstrings name objects with Sphinx roles (``:class:`FitResult```); the page shows the
    name alone."""
    return re.sub(r":(?:class|meth|func|mod|data|attr|exc):(<code>)", r"\1", html)
