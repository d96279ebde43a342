"""Modules that can be called: `w2v.train(path)`, `w2v.lsa(path)`, `w2v.tokenize(text)`.

Importing a submodule makes it an attribute of its package, so `w2v.train` is the module
w2v.train whatever `w2v/__init__.py` exports under that name. Making the module itself
callable keeps both `w2v.train(...)` and `w2v.train.TrainConfig` working.
"""

import sys
import types


def make_callable(module_name: str, function) -> None:
    """Calling the module `module_name` calls `function` with the same arguments."""

    class CallableModule(types.ModuleType):
        def __call__(self, *args, **kwargs):
            return function(*args, **kwargs)

    CallableModule.__call__.__doc__ = function.__doc__
    sys.modules[module_name].__class__ = CallableModule
