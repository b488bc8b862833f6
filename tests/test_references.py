"""The project points only at things it contains.

Every Markdown file a source, test, benchmark or document names exists in the tree;
every relative link of the documentation resolves; every test that
``docs/architecture.md`` cites as holding an invariant exists, so the page cannot
keep citing a test that was renamed or removed.
"""
from __future__ import annotations

import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCANNED = ("pyqio", "tests", "csrc", "bench", "tools", "docs", ".ci")
SUFFIXES = {".py", ".c", ".h", ".md", ".sh", ".toml", ".txt", ""}
MD_NAME = re.compile(r"(?<![\w./-])((?:[\w.-]+/)*[\w-]+\.md)\b")
LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")
NODE_ID = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def _text_files() -> list[pathlib.Path]:
    files = [ROOT / "README.md"]
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*")):
            if path.is_file() and path.suffix in SUFFIXES and "corpus" not in path.parts \
                    and "__pycache__" not in path.parts:
                files.append(path)
    return files


def _generated_pages() -> dict[str, str]:
    """The pages the docs site generates (``GENERATED`` of tools/mkdocs_hooks.py):
    name on the site -> the file it is made from."""
    hooks = ROOT / "tools" / "mkdocs_hooks.py"
    if not hooks.exists():
        return {}
    for node in ast.walk(ast.parse(hooks.read_text())):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "GENERATED" for t in node.targets):
            assert isinstance(node.value, ast.Dict)
            return {k.value: ast.unparse(v) for k, v in zip(node.value.keys, node.value.values, strict=True)
                    if isinstance(k, ast.Constant)}
    return {}


def _markdown_names() -> set[str]:
    return {p.name for p in ROOT.rglob("*.md") if ".git" not in p.parts} | set(_generated_pages())


def _resolves(name: str, where: pathlib.Path, known: set[str]) -> bool:
    if "/" not in name:
        return name in known  # a bare name: some file of the tree has it
    if name.startswith("docs/") and name.removeprefix("docs/") in _generated_pages():
        return True  # a page the docs site generates
    return (ROOT / name).exists() or (where.parent / name).exists()


def dangling_markdown_names(files: list[pathlib.Path], known: set[str],
                            root: pathlib.Path = ROOT) -> list[str]:
    """``file:line: name`` for every ``*.md`` name in *files* that names no file."""
    out = []
    for path in files:
        for lineno, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            for name in MD_NAME.findall(line):
                if not _resolves(name, path, known):
                    out.append(f"{path.relative_to(root)}:{lineno}: {name}")
    return out


def test_every_markdown_file_named_in_the_tree_exists() -> None:
    assert dangling_markdown_names(_text_files(), _markdown_names()) == []


def test_the_check_sees_a_name_of_a_file_the_project_does_not_contain(tmp_path: pathlib.Path) -> None:
    fake = tmp_path / "x.py"
    missing = "NOSUCHFILE" + ".md"
    fake.write_text(f'"""See {missing} and docs/architecture.md."""\n')
    got = dangling_markdown_names([fake], _markdown_names(), root=tmp_path)
    assert len(got) == 1 and got[0].endswith(f": {missing}"), got


DOCS = ["README.md", "csrc/TOKENS.md", "bench/README.md",
        *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").rglob("*.md"))]


@pytest.mark.parametrize("doc", DOCS)
def test_relative_links_of_the_documentation_resolve(doc: str) -> None:
    path = ROOT / doc
    generated = set(_generated_pages()) if path.parent == ROOT / "docs" else set()
    for target in LINK.findall(path.read_text()):
        if "://" in target or target.startswith("mailto:") or target in generated:
            continue
        assert (path.parent / target).exists(), f"{doc}: link to {target}"


def test_the_generated_token_page_is_made_from_the_contract_beside_the_c() -> None:
    assert "csrc" in _generated_pages().get("tokens.md", "") and (ROOT / "csrc" / "TOKENS.md").exists()


def _test_names(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    return {node.name for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def test_every_test_the_architecture_page_cites_exists() -> None:
    cited = NODE_ID.findall((ROOT / "docs" / "architecture.md").read_text())
    assert len(cited) > 30
    missing = [f"{f}::{name}" for f, name in cited
               if not (ROOT / f).exists() or name not in _test_names(ROOT / f)]
    assert missing == []


def test_every_file_the_architecture_page_names_exists() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text()
    paths = set(re.findall(r"`((?:pyqio|csrc|tests|tools|bench)/[\w./]+)`", text))
    assert len(paths) > 20
    assert sorted(p for p in paths if not (ROOT / p).exists()) == []
