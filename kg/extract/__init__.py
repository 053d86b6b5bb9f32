"""The extraction stage (:mod:`kg.extract.pipeline`).

The package is also callable: ``kg.extract("file.txt")`` is :func:`kg.api.extract`.  A
plain function named ``kg.extract`` would be replaced by this package as soon as any
``kg.extract.*`` module is imported (the import system sets the attribute), so the
package module itself takes the call.
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _CallableModule(types.ModuleType):
    def __call__(self, path: Any, *, corrections: Any = None) -> dict[str, Any]:
        from kg.api import extract

        return extract(path, corrections=corrections)


sys.modules[__name__].__class__ = _CallableModule
