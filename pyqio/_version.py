"""The one place pyqio's version is written.

setuptools reads it from here (``[tool.setuptools.dynamic]`` in pyproject.toml)
without importing the package, and ``pyqio.__version__`` re-exports it, so the
installed metadata and the attribute cannot disagree.
"""
__version__ = "0.1.0"
