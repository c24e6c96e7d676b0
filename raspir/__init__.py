"""raspir: a multi-level compiler from RASP programs to transformer weights.

``from raspir import rasp`` is a drop-in replacement for ``tracr.rasp.rasp`` and
``raspir.lib`` for ``tracr.compiler.lib``. ``raspir.to_rasp_ir`` imports a
program as IR of the ``rasp`` dialect, the top level of the compiler, and
``raspir.compile_rasp_to_model`` compiles it to a transformer (Tracr's API).
"""

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "to_rasp_ir": ("raspir.frontend.rasp_import", "to_rasp_ir"),
    "COMPILER_BOS": ("raspir.frontend.rasp_import", "COMPILER_BOS"),
    "COMPILER_PAD": ("raspir.frontend.rasp_import", "COMPILER_PAD"),
    "run_program": ("raspir.interpreters.rasp", "run_program"),
    "RaspirError": ("raspir.errors", "RaspirError"),
    "verify": ("raspir.verification", "verify"),
    "compile_rasp_to_model": ("raspir.backend.compiler", "compile_rasp_to_model"),
    "CompiledModel": ("raspir.backend.model", "CompiledModel"),
    "load": ("raspir.backend.model", "load"),
}

__all__ = ["lib", "rasp", *_LAZY]


def __getattr__(name: str) -> Any:
    """Load the compiler lazily, so ``from raspir import rasp`` stays light."""
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(import_module(module), attr)
    if name in ("rasp", "lib"):
        return import_module(f"raspir.{name}")
    raise AttributeError(f"module 'raspir' has no attribute {name!r}")
