"""Passes from outside raspir: installed plug-in packages and files named at run time.

A pass written elsewhere reaches raspir's pipelines in one of two ways:

- **installed**: its package declares an ``xdsl.universe`` entry point, a
  ``Universe`` listing its passes (``examples/custom_pass`` is one). Every
  installed universe is found by xDSL's discovery, so ``raspir-opt -p``,
  ``raspir compile --pipeline`` and ``raspir.compile_rasp_to_model(...,
  pipeline=...)`` all see its passes;
- **loaded**: ``--load-pass module:Class`` or ``--load-pass path/to/file.py:Class``
  (both ``raspir`` and ``raspir-opt`` take it, repeatably), or ``load_pass`` /
  ``register_pass`` in Python, registers one ``ModulePass`` subclass for the
  running process; nothing needs installing.

Names must be unique: a plug-in may not take the name of a pass that exists.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from xdsl.passes import ModulePass

from raspir.errors import InvalidArgumentError

PassFactory = Callable[[], type[ModulePass]]

_loaded: dict[str, type[ModulePass]] = {}
"""Passes registered in this process, by name."""


@functools.cache
def installed_passes() -> dict[str, PassFactory]:
    """Every pass of every installed ``xdsl.universe`` (xDSL's, raspir's, plug-ins')."""
    from xdsl.universe import Universe

    try:
        return dict(Universe.get_multiverse().all_passes)
    except Exception as e:  # noqa: BLE001 - a broken plug-in can raise anything
        raise InvalidArgumentError(
            f"cannot load the installed xDSL plug-ins: {type(e).__name__}: {e}"
        ) from None


def available_passes() -> dict[str, PassFactory]:
    """The passes a pipeline may name: installed ones and those loaded here."""
    passes = dict(installed_passes())
    for name, cls in _loaded.items():
        passes[name] = functools.partial(lambda c: c, cls)
    return passes


def register_pass(cls: Any) -> type[ModulePass]:
    """Make a ``ModulePass`` subclass available to pipelines by its ``name``
    (usable as a class decorator); registering the same class again is a no-op."""
    if not (isinstance(cls, type) and issubclass(cls, ModulePass)):
        raise InvalidArgumentError(
            f"{cls!r} is not a pass: a pass is a subclass of xdsl.passes.ModulePass"
        )
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        raise InvalidArgumentError(
            f"pass class {cls.__qualname__} has no name (set the class attribute "
            "name = 'my-pass')"
        )
    installed = installed_passes().get(name)
    taken = _loaded.get(name) or (installed() if installed is not None else None)
    if taken is not None and taken is not cls:
        raise InvalidArgumentError(
            f"cannot register {cls.__module__}.{cls.__qualname__} as '{name}': "
            f"that name is taken by {taken.__module__}.{taken.__qualname__}"
        )
    _loaded[name] = cls
    return cls


def load_pass(spec: str) -> type[ModulePass]:
    """Import ``module:Class`` or ``path/to/file.py:Class`` and register the pass."""
    found = import_attribute(spec, "--load-pass", "Class", "pass file")
    if not (isinstance(found, type) and issubclass(found, ModulePass)):
        raise InvalidArgumentError(
            f"--load-pass '{spec}' is not a pass class (it is of type "
            f"{type(found).__name__}); a pass is a subclass of xdsl.passes.ModulePass"
        )
    return register_pass(found)


def import_attribute(
    spec: str,
    what: str = "PROGRAM",
    attribute: str = "function",
    file_kind: str = "program file",
) -> Any:
    """The object ``package.module:name`` or ``file.py:name`` names (a file is
    executed as a module named after it, with its directory on the path while
    it runs); ``what``, ``attribute`` and ``file_kind`` word the errors."""
    target, sep, name = spec.rpartition(":")
    if not sep or not target or not name:
        raise InvalidArgumentError(
            f"{what} must look like 'package.module:{attribute}' or "
            f"'file.py:{attribute}', got '{spec}'"
        )
    if target.endswith(".py") or "/" in target:
        module = _import_file(Path(target), file_kind)
    else:
        try:
            module = importlib.import_module(target)
        except ImportError as e:
            raise InvalidArgumentError(f"cannot import module '{target}': {e}") from e
    found = getattr(module, name, None)
    if found is None:
        raise InvalidArgumentError(f"'{target}' has no attribute '{name}'")
    return found


def _import_file(path: Path, kind: str):
    if not path.is_file():
        raise InvalidArgumentError(f"{kind} '{path}' does not exist")
    if path.suffix != ".py":
        raise InvalidArgumentError(f"{kind} '{path}' is not a Python file (.py)")
    module_spec = importlib.util.spec_from_file_location(path.stem, path)
    if module_spec is None or module_spec.loader is None:
        raise InvalidArgumentError(f"cannot load {kind} '{path}'")
    module = importlib.util.module_from_spec(module_spec)
    sys.path.insert(0, str(path.parent.resolve()))
    try:
        module_spec.loader.exec_module(module)
    finally:
        sys.path.pop(0)
    return module
