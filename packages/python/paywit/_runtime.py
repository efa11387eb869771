"""Loads the paywit component once per process; one instance per thread.

wasmtime stores are not thread-safe, so each thread lazily gets its own store
and instance (a few hundred KiB of linear memory) of the one compiled core
module. Nothing is shared between threads but the engine and the compiled
code, so WSGI/ASGI workers and thread pools need no lock.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import wasmtime
from wasmtime import component as wc

from . import _abi, _fast_verify
from ._common import _int

COMPONENT_PATH = Path(os.environ.get("PAYWIT_WASM", Path(__file__).with_name("paywit.wasm")))
_RANDOM = "wasi:random/random@0.2.0"
_WEBHOOKS = "paywit:gateway/webhooks@0.1.0"
# Each instance's linear memory may grow to this much (as in the Rust harness)...
MEMORY_LIMIT = 256 << 20
# ...and an instance left bigger than this by one large input is dropped after
# that call, so one large delivery does not keep its memory for the thread's life.
RETAIN_LIMIT = 32 << 20


class _Process:
    """What one process compiles once: the engine, the core module, the signatures."""

    def __init__(self) -> None:
        component_bytes = COMPONENT_PATH.read_bytes()
        config = wasmtime.Config()
        # Linear memory never moves, so paywit._abi can keep one base address.
        config.memory_may_move = False
        self.engine = wasmtime.Engine(config)
        self.signatures = _abi.signatures(wc.Component(self.engine, component_bytes), self.engine)
        self.module = wasmtime.Module(self.engine, _abi.core_module_bytes(component_bytes))
        webhooks = self.signatures[_WEBHOOKS]
        self.verify_layout = _fast_verify.Layout(webhooks["verify-fields"], webhooks["verify-packed"])
        self.verify_lift = _fast_verify.lifter(self.verify_layout)


class _Instance:
    """One store and instance, used by one thread only."""

    def __init__(self, process: _Process) -> None:
        self._process = process
        self.store = wasmtime.Store(process.engine)
        self.store.set_limits(memory_size=MEMORY_LIMIT)
        linker = wasmtime.Linker(process.engine)
        # The core module imports only get-random-u64 (see src/component/mod.rs).
        linker.define_func(_RANDOM, "get-random-u64", wasmtime.FuncType([], [wasmtime.ValType.i64()]), self._random_u64)
        instance = linker.instantiate(self.store, process.module)
        self._exports = instance.exports(self.store)
        self.memory = _abi.Memory(self.store, self._exports["memory"], self._exports["cabi_realloc"])
        self._calls: Dict[Tuple[str, str], _abi.Export] = {}
        self.verify_packed = self.export("webhooks", "verify-packed")

    @staticmethod
    def _random_u64() -> int:
        value = int.from_bytes(os.urandom(8), "little")
        return value - (1 << 64) if value >= 1 << 63 else value

    def export(self, interface: str, name: str) -> _abi.Export:
        key = (interface, name)
        call = self._calls.get(key)
        if call is None:
            qualified = f"paywit:gateway/{interface}@0.1.0"
            signature = self._process.signatures[qualified][name]
            core_name = f"{qualified}#{name}"
            post: Optional[Any] = self._exports.get(f"cabi_post_{core_name}")
            call = _abi.Export(self.memory, self.store, self._exports[core_name], post, signature.params, signature.result,
                               signature.names)
            self._calls[key] = call
        return call


_process: Optional[_Process] = None
_process_lock = threading.Lock()
_local = threading.local()


def instance() -> _Instance:
    """This thread's instance (created on first use)."""
    current = getattr(_local, "instance", None)
    if current is None:
        global _process
        with _process_lock:
            if _process is None:
                _process = _Process()
        current = _local.instance = _Instance(_process)
    return current


def _discard() -> None:
    """Drops this thread's instance; the next call makes a fresh one."""
    _local.instance = None


def layout() -> _fast_verify.Layout:
    """The packed fast path's layout (the component is loaded on first use)."""
    return instance()._process.verify_layout


def verify_packed(head: bytes, fields: str, body: Tuple[str, bytes], url: Optional[str], now: int,
                  tolerance: Optional[int], checked: bool = False) -> Any:
    """`webhooks.verify-packed` with `head` (scheme and secrets from `_fast_verify.prefix`, or
    `prepare-packed`'s head) and the delivery: one allocation, one call, one post-return.
    `checked`: the caller already checked `now` and `tolerance`."""
    if not checked:
        _int("now", now, "s64")
        if tolerance is not None:
            _int("tolerance", tolerance, "u32")
    current = instance()
    process = current._process
    packed = _fast_verify.pack(process.verify_layout, head, fields, body, url, now, tolerance)
    try:
        ptr = current.memory.alloc(1, len(packed))
        current.memory.write(ptr, packed)
        return current.verify_packed.call_list(ptr, len(packed), process.verify_lift)
    except _abi.ComponentTrap:
        _discard()  # a trap leaves the instance in an unknown state
        raise
    finally:
        _release_if_large(current, len(packed))


def verify_fields(scheme: Tuple[str, Any], secrets: Any, fields: str, body: Tuple[str, bytes], url: Optional[str],
                  now: int, tolerance: Optional[int]) -> Any:
    """`webhooks.verify-fields`' answer through the packed fast path."""
    head = _fast_verify.prefix(layout(), scheme, secrets)
    return verify_packed(head, fields, body, url, now, tolerance)


def call(interface: str, name: str, *args: Any) -> Any:
    """Calls `interface.name` on this thread's instance."""
    current = instance()
    try:
        return current.export(interface, name)(*args)
    except _abi.ComponentTrap:
        _discard()
        raise
    finally:
        _release_if_large(current, RETAIN_LIMIT)


# Reading the memory's size is a crossing into wasmtime (about 0.9 us), too dear for every small
# verification, so it is read after calls with an input of at least _GROWTH_CHECK_ABOVE bytes, and
# such a call drops an instance left within _HEADROOM of RETAIN_LIMIT. A smaller call grows a
# memory by far less than _HEADROOM (the most measured: 3.2 MiB, a fresh instance canonicalising a
# 63 KB NOWPayments body), so no call leaves an instance over RETAIN_LIMIT.
_GROWTH_CHECK_ABOVE = 64 << 10
_HEADROOM = 8 << 20


def _release_if_large(current: _Instance, input_bytes: int) -> None:
    """Drops this thread's instance when a call may have left its memory over RETAIN_LIMIT."""
    if input_bytes >= _GROWTH_CHECK_ABOVE and current.memory.refresh_size() > RETAIN_LIMIT - _HEADROOM:
        _discard()
