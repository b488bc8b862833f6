"""MkDocs hook (mkdocs.yml ``hooks:``): pyqio's docstrings use reST roles
(``:class:`Decoder```, ``:mod:`pyqio.events```), as the code's readers and Sphinx
expect; mkdocstrings renders docstrings as Markdown, where a role would show as
literal text before the code span. Drop the role, keep the code span."""
from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(r":(?:py:)?(?:mod|class|func|meth|attr|data|exc|obj|const):(?=<code>)")


def on_page_content(html: str, **kwargs: Any) -> str:
    return _ROLE.sub("", html)
