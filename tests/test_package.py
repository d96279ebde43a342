"""w2v/__init__.py: the lazy public API."""

import importlib

import pytest

import w2v


def test_an_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _ = w2v.nothing_here


def test_a_submodule_missing_a_dependency_says_which(monkeypatch):
    """Not "w2v has no attribute plot": the missing package is named."""
    real = importlib.import_module

    def without_matplotlib(name, *args):
        if name == "w2v.plot_for_test":
            raise ModuleNotFoundError("No module named 'matplotlib'", name="matplotlib")
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", without_matplotlib)
    with pytest.raises(ModuleNotFoundError, match="matplotlib"):
        _ = w2v.plot_for_test


def test_every_folder_of_modules_is_a_package_the_wheel_carries():
    """setuptools' find_packages skips a folder without __init__.py (a namespace package):
    w2v/lecture and w2v/plot were left out of a built wheel while an editable install
    imported them."""
    from tests.helpers import REPO

    for top in ("w2v", "pipelines"):
        for folder in (REPO / top).rglob("*"):
            if folder.is_dir() and folder.name != "__pycache__" and any(folder.glob("*.py")):
                assert (folder / "__init__.py").is_file(), folder
