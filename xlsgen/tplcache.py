"""A compiled-template cache, so that a one-unit ``xlsgen generate`` does not compile the templates.

Compiling the two form templates costs a one-unit process more time than laying out and writing the
unit. Jinja keeps compiled templates in a per-user folder it creates private (mode 0700, owned by the
user, refused otherwise) and checks each against its template's source, so an edited template is
compiled again. The file name carries a digest of the environment's options and Jinja's version,
since those change the compiled code without changing the source. Any trouble with the cache (a
read-only or full disk, a damaged entry) only means compiling as before.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

import jinja2
from jinja2.bccache import Bucket


class _QuietCache(jinja2.FileSystemBytecodeCache):
    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # a damaged or unreadable entry: compile instead
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except Exception:  # a cache that cannot be written only means compiling next time too
            pass


def _option_key(value: Any) -> str:
    """An option as the cache key holds it: a function (``finalize``) by its name and code, since its
    repr names a memory address that changes every process, and constant output is escaped through it
    when the template is compiled."""
    code = getattr(value, "__code__", None)
    if code is None:
        return repr(value)
    body = hashlib.sha256(code.co_code + repr(code.co_consts).encode()).hexdigest()[:16]
    return f"{value.__module__}.{value.__qualname__}:{body}"


def bytecode_cache(**options: Any) -> jinja2.BytecodeCache | None:
    """A cache for an environment built with ``options``; None when no private folder can be had."""
    key = repr((jinja2.__version__, sorted((k, _option_key(v)) for k, v in options.items())))
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    try:
        return _QuietCache(pattern=f"__xlsgen_{digest}_%s.cache")
    except (OSError, RuntimeError):
        return None


@lru_cache(maxsize=1)
def folder() -> str | None:
    """The private per-user folder the compiled templates are kept in (skeletons.py keeps its entries
    there too); None when none can be had."""
    try:
        return jinja2.FileSystemBytecodeCache().directory
    except (OSError, RuntimeError):
        return None
