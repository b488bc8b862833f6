"""MkDocs hooks (mkdocs.yml ``hooks:``).

- The token contract lives beside the C it governs, in ``csrc/TOKENS.md``; the
  site shows it as ``tokens.md``, generated from that file, so it is written once.
- pyqio's docstrings use reST roles (``:class:`Decoder```, ``:mod:`pyqio.events```),
  as the code's readers and Sphinx expect; mkdocstrings renders docstrings as
  Markdown, where a role would show as literal text before the code span. Drop the
  role, keep the code span.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
GENERATED = {"tokens.md": ROOT / "csrc" / "TOKENS.md"}


def on_files(files: Files, config: Any, **kwargs: Any) -> Files:
    for name, source in GENERATED.items():
        files.append(File.generated(config, name, content=source.read_text(encoding="utf-8")))
    return files


_ROLE = re.compile(r":(?:py:)?(?:mod|class|func|meth|attr|data|exc|obj|const):(?=<code>)")


def on_page_content(html: str, **kwargs: Any) -> str:
    return _ROLE.sub("", html)
