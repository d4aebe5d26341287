"""Every docstring example in the code packages runs and prints what it says."""

import doctest
import importlib
import pkgutil

import pytest

import toll.eval
import toll.models
import toll.training


def modules():
    for package in (toll.models, toll.training, toll.eval):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            yield info.name


@pytest.mark.parametrize("name", sorted(modules()))
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed"
