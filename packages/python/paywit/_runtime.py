"""The component's runtime: one compiled core module per process, one instance per thread.

wasmtime stores are not thread-safe, so each thread lazily gets its own store and instance
(a few hundred KiB of linear memory) of the one compiled core module. Nothing is shared between
threads but the engine and the compiled code, so WSGI/ASGI workers and thread pools need no lock.

paywit runs no component-model host: the generated modules (`paywit/<interface>.py`, written by
`cargo xtask codegen` from the WIT) lower arguments into the core module's memory, call its
canonical-ABI exports and lift the answers themselves, with layouts computed by the generator.
What they need from here is hand-written and small:

- `Memory`: one bounds-checked view of guest memory and `cabi_realloc`;
- `Export`: a core export called through `wasmtime_func_call_unchecked` with its arguments
  converted once (`bound_call`: 0.4 instead of 1.0 us a call), and its `cabi_post_` function;
- the compiled core module, from the compiled-module cache (`_cache`) when it holds it;
- the instance's life: 256 MiB memory limit, replacement after a trap and after a call that left
  the memory large, `wasi:random` (`get-random-u64`) from `os.urandom`;
- the digest check: abi.json's `digest` (written by `cargo xtask build` from the component's WIT)
  must equal the digest every generated module was generated from;
- the small packing and reading helpers the generated code calls.
"""
from __future__ import annotations

import ctypes
import functools
import json
import os
import struct
import threading
import time
from collections.abc import Sequence as _SequenceABC
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, NoReturn, Optional, Tuple

import wasmtime
from wasmtime import _bindings
from wasmtime import _ffi as ffi

from . import _cache
from .errors import InvalidArgumentError, PaywitError

COMPONENT_PATH = Path(os.environ.get("PAYWIT_WASM", Path(__file__).with_name("paywit.wasm")))
ABI_PATH = Path(os.environ.get("PAYWIT_ABI", Path(__file__).with_name("abi.json")))
_RANDOM = "wasi:random/random@0.2.0"
# Each instance's linear memory may grow to this much (as in the Rust harness)...
MEMORY_LIMIT = 256 << 20
# ...and an instance left bigger than this by one large input is dropped after that call, so one
# large delivery does not keep its memory for the thread's life.
RETAIN_LIMIT = 32 << 20
# Reading the memory's size is a crossing into wasmtime (about 0.9 us), too dear for every small
# call, so it is read after calls that copied at least _GROWTH_CHECK_ABOVE bytes into the guest,
# and such a call drops an instance left within _HEADROOM of RETAIN_LIMIT. A smaller call grows a
# memory by far less than _HEADROOM (the most measured: 3.2 MiB, a fresh instance canonicalising a
# 63 KB NOWPayments body), so no call leaves an instance over RETAIN_LIMIT.
_GROWTH_CHECK_ABOVE = 64 << 10
# One call may copy at most this much into the guest: more could not fit beside the copies the
# component makes under MEMORY_LIMIT (cabi_realloc would fail: a trap), so it is refused before.
MAX_CALL_INPUT = 96 << 20
_HEADROOM = 8 << 20


class ComponentTrap(RuntimeError):
    """The component trapped (or gave an address outside its memory). paywit never traps on
    input, so this is a bug; the thread's instance is replaced."""


class ComponentMemoryError(PaywitError, MemoryError):
    """An input too large for the component's linear memory: one call copying more than
    `MAX_CALL_INPUT` bytes into it (code `input-too-large`, details the byte count). Raised before
    the copy that would pass the bound, for every function (the webhook functions first answer an
    input over one of the component's own limits with its typed `limit-exceeded` or `too-long`)."""

    def __init__(self, message: str) -> None:
        super().__init__("input-too-large", message)


class ComponentMismatchError(PaywitError):
    """The component's WIT digest (abi.json) differs from the one the bindings were generated
    from: a component built from a changed WIT must not run under stale bindings."""

    def __init__(self, message: str) -> None:
        super().__init__("component-mismatch", message)


# ---------- the call mechanism ----------

# The ctypes function itself, without wasmtime-py's Python wrapper frame (wasmtime is pinned).
_call_unchecked = getattr(_bindings, "_wasmtime_func_call_unchecked", ffi.wasmtime_func_call_unchecked)


def _bare_call_function() -> Any:
    """`wasmtime_func_call_unchecked` as its own ctypes function object with no declared argument
    types, called with arguments converted once (`bound_call`): ctypes then skips the per-argument
    conversion, which took a call from about 1.0 to 0.4 us. None if the library cannot be reached
    this way."""
    try:
        function = ffi.dll["wasmtime_func_call_unchecked"]  # a fresh object, not wasmtime-py's
    except (AttributeError, KeyError, TypeError):
        return None
    function.argtypes = None  # type: ignore[assignment]
    function.restype = ctypes.c_void_p  # the error pointer as an int, None when the call returned
    return function


_BARE_CALL = _bare_call_function()
_ERROR_POINTER = ctypes.POINTER(ffi.wasmtime_error_t)


def bound_call(context: Any, func_ref: Any, args: Any, count: int, trap_ref: Any) -> Callable[[], Any]:
    """`wasmtime_func_call_unchecked` with these arguments, each converted once: a call of it
    returns the error pointer (falsy when none). The objects behind the arguments stay referenced
    by the caller."""
    if _BARE_CALL is None:
        return functools.partial(_call_unchecked, context, func_ref, args, count, trap_ref)
    return functools.partial(_BARE_CALL, ctypes.c_void_p(ctypes.cast(context, ctypes.c_void_p).value),
                             ctypes.c_void_p(ctypes.addressof(func_ref._obj)), ctypes.c_void_p(ctypes.addressof(args)),
                             ctypes.c_size_t(count), ctypes.c_void_p(ctypes.addressof(trap_ref._obj)))


def clear_trap(trap: Any, error: Any) -> None:
    """Frees a trap (and an error) that a call reported and resets the out-pointer to NULL:
    wasmtime writes it only when a call traps, so a stale one would make every later call on this
    instance look like a trap."""
    if trap:
        ffi.wasm_trap_delete(trap)
    if error:
        # The bare call gives the error pointer as an int.
        ffi.wasmtime_error_delete(ctypes.cast(error, _ERROR_POINTER) if isinstance(error, int) else error)
    ctypes.memset(ctypes.addressof(trap), 0, ctypes.sizeof(trap))


class Memory:
    """Reads and writes one instance's linear memory and allocates in it.

    The engine is configured with `memory_may_move = False`, so the base address read once stays
    valid however the memory grows. Every access is bounds-checked against the memory's current
    size, so an address the guest got wrong raises instead of reading unmapped host memory.
    """

    def __init__(self, owner: "Instance", memory: Any, realloc: Any) -> None:
        self._owner = owner
        self._context = owner.store._context()
        self._memory_ref = ctypes.byref(memory._memory)
        self._realloc_ref = ctypes.byref(realloc._func)
        self._args = (ffi.wasmtime_val_raw_t * 4)()
        # Element objects cached once: indexing a ctypes array builds a new one each time.
        self._arg0, self._arg2, self._arg3 = self._args[0], self._args[2], self._args[3]
        self._args[1].i32 = 0  # cabi_realloc's old size: always 0, and results only use slot 0
        self._trap = ctypes.POINTER(ffi.wasm_trap_t)()
        self._trap_ref = ctypes.byref(self._trap)
        self._realloc = bound_call(self._context, self._realloc_ref, self._args, 4, self._trap_ref)
        ptr = ffi.wasmtime_memory_data(self._context, self._memory_ref)
        self.base = ctypes.addressof(ptr.contents)
        # A view over the whole 32-bit address space: slicing it is far cheaper than a ctypes call
        # per copy; `_check` keeps every access inside the memory's current size.
        self._view = memoryview((ctypes.c_ubyte * (1 << 32)).from_address(self.base)).cast("B")
        self.size = 0
        # Bytes copied into the guest since the last `Export.finish` (see _GROWTH_CHECK_ABOVE).
        self.copied = 0
        self.refresh_size()

    def refresh_size(self) -> int:
        """The memory's current size in bytes (it only grows)."""
        self.size = ffi.wasmtime_memory_data_size(self._context, self._memory_ref)
        return self.size

    def _check(self, ptr: int, n: int) -> None:
        if ptr < 0 or n < 0 or (ptr + n > self.size and ptr + n > self.refresh_size()):
            self._owner.discard()
            raise ComponentTrap(f"the component gave an address outside its memory ({ptr}+{n} > {self.size})")

    def alloc(self, align: int, size: int) -> int:
        """`cabi_realloc(0, 0, align, size)`: fresh guest memory the callee will own."""
        if size + self.copied > MAX_CALL_INPUT:
            total = size + self.copied
            self.copied = 0
            self._owner.discard()  # this call's earlier copies stay allocated in it
            raise ComponentMemoryError(f"the call's inputs ({total} bytes or more) do not fit the component's "
                                       f"memory (at most {MAX_CALL_INPUT} bytes per call)")
        self._arg0.i32 = 0
        self._arg2.i32 = align
        self._arg3.i32 = size
        error = self._realloc()
        if error or self._trap:
            clear_trap(self._trap, error)
            self._owner.discard()
            raise ComponentTrap("cabi_realloc failed: the component is out of memory")
        return self._arg0.i32 & 0xFFFFFFFF

    def put(self, data: Any, align: int) -> int:
        """Copies `data` (bytes-like) into fresh guest memory; returns its address. Empty data
        gets no allocation (a dangling aligned pointer, as the canonical ABI allows)."""
        n = len(data)
        if n == 0:
            return align
        ptr = self.alloc(align, n)
        if ptr + n > self.size:
            self._check(ptr, n)
        self._view[ptr:ptr + n] = data
        self.copied += n
        return ptr

    def write(self, ptr: int, data: Any) -> None:
        n = len(data)
        if ptr + n > self.size:
            self._check(ptr, n)
        self._view[ptr:ptr + n] = data

    def read(self, ptr: int, size: int) -> bytes:
        if ptr + size > self.size or size < 0:
            self._check(ptr, size)
        return self._view[ptr:ptr + size].tobytes()


class Export:
    """One core export of one instance: its argument slots, the call and `cabi_post_`."""

    def __init__(self, owner: "Instance", func: Any, post: Optional[Any]) -> None:
        self._owner = owner
        self._memory = owner.memory
        kind = func.type(owner.store)
        count = max(len(kind.params), len(kind.results), 1)
        self._args = (ffi.wasmtime_val_raw_t * count)()
        # The slots the generated code writes arguments into and reads a flat answer from.
        self.slots = [self._args[i] for i in range(count)]
        self._trap = ctypes.POINTER(ffi.wasm_trap_t)()
        context = owner.store._context()
        self._func_ref = ctypes.byref(func._func)
        self._post_ref = ctypes.byref(post._func) if post is not None else None
        self._trap_ref = ctypes.byref(self._trap)
        self._call = bound_call(context, self._func_ref, self._args, count, self._trap_ref)
        self._post = bound_call(context, self._post_ref, self._args, 1, self._trap_ref) if post is not None else None

    def call(self) -> None:
        """Calls with the arguments in the slots; the answer (or its address) is in slot 0."""
        error = self._call()
        if error or self._trap:
            clear_trap(self._trap, error)
            self._owner.discard()  # a trap leaves the instance in an unknown state
            raise ComponentTrap("the paywit component trapped; please report this input")

    def finish(self) -> None:
        """After the answer is lifted: `cabi_post_` (which takes the answer's address left in slot
        0), then drops the instance if this call may have left its memory large."""
        if self._post is not None:
            error = self._post()
            if error or self._trap:
                clear_trap(self._trap, error)
                self._owner.discard()
                raise ComponentTrap("the paywit component trapped in post-return; please report this")
        memory = self._memory
        if memory.copied:
            if memory.copied >= _GROWTH_CHECK_ABOVE and memory.refresh_size() > RETAIN_LIMIT - _HEADROOM:
                self._owner.discard()
            memory.copied = 0


class _Exports(Dict[str, Export]):
    """An instance's exports by core name, each wrapped on first use."""

    def __init__(self, owner: "Instance") -> None:
        super().__init__()
        self._owner = owner

    def __missing__(self, name: str) -> Export:
        raw = self._owner.raw_exports
        export = Export(self._owner, raw[name], raw.get(f"cabi_post_{name}"))
        self[name] = export
        return export


# ---------- the process and its instances ----------

_process: Optional["Process"] = None
# Guards _process's creation and the expected digests and exports, so a generated module imported
# while another thread loads the component is checked either by the load or at its own import.
_process_lock = threading.Lock()
_expected: Dict[str, str] = {}
_expected_exports: Dict[str, Tuple[str, ...]] = {}


def expect_exports(names: Tuple[str, ...], module: str) -> None:
    """Called by every generated module at import: the core exports its functions call. A module
    imported after the component was loaded (`import paywit` imports the interface modules on
    first use) is checked at once: its import raises ComponentMismatchError."""
    with _process_lock:
        if _process is not None:
            _missing_exports(_process.export_names, {module: names})
        _expected_exports[module] = names


def check_exports(module: Any) -> FrozenSet[str]:
    """The core module's export names; raises ComponentMismatchError unless it has every export the
    bindings call (and `memory`, `cabi_realloc`): a missing one is an error at load, not at the
    first call."""
    have = frozenset(export.name for export in module.exports)
    _missing_exports(have, _expected_exports)
    for name in ("memory", "cabi_realloc"):
        if name not in have:
            raise ComponentMismatchError(f"the component's core module has no {name!r} export")
    return have


def _missing_exports(have: Any, expected: Dict[str, Tuple[str, ...]]) -> None:
    for owner, names in sorted(expected.items()):
        missing = sorted(set(names) - have)
        if missing:
            raise ComponentMismatchError(f"the component has no core export {missing[0]!r}, which {owner} calls "
                                         f"({len(missing)} missing): rebuild the component or regenerate the bindings")


def expect_digest(digest: str, module: str) -> None:
    """Called by every generated module at import: the WIT digest it was generated from. A module
    imported after the component was loaded is checked at once (its import raises)."""
    with _process_lock:
        if _process is not None:
            _differing_digest(_process.digest, _process.abi_path, {module: digest})
        _expected[module] = digest


@functools.lru_cache(maxsize=1)
def shipped_manifest() -> Dict[str, Any]:
    """The shipped abi.json (ABI_PATH), parsed once per process: `_limits` reads its limits at
    import, the first call its digest."""
    manifest: Dict[str, Any] = json.loads(ABI_PATH.read_text(encoding="utf-8"))
    return manifest


def check_digest(abi_path: Path) -> str:
    """abi.json's digest; raises ComponentMismatchError unless it equals every generated
    module's."""
    try:
        manifest = shipped_manifest() if abi_path == ABI_PATH else json.loads(abi_path.read_text(encoding="utf-8"))
        component_digest = manifest.get("digest")
    except (OSError, ValueError) as error:
        raise ComponentMismatchError(f"cannot read the component's digest from {abi_path}: {error}") from None
    _differing_digest(component_digest, abi_path, _expected)
    return str(component_digest)


def _differing_digest(component_digest: Any, abi_path: Path, expected: Dict[str, str]) -> None:
    for module, digest in sorted(expected.items()):
        if digest != component_digest:
            raise ComponentMismatchError(
                f"the component's WIT digest ({component_digest!r}, {abi_path}) differs from the one {module} was "
                f"generated from ({digest!r}): rebuild the component (`cargo xtask build`) or regenerate the "
                f"bindings (`cargo xtask codegen`) so both come from the same WIT")


# Every setting of the engine's wasmtime.Config, one source for the engine and for the compiled-module
# cache's key (an entry compiled under other settings is never looked up). memory_may_move: linear
# memory never moves, so Memory can keep one base address.
ENGINE_SETTINGS: Dict[str, Any] = {"memory_may_move": False}


def engine_config() -> wasmtime.Config:
    """The engine's configuration: ENGINE_SETTINGS applied to a default wasmtime.Config."""
    config = wasmtime.Config()
    for name, value in ENGINE_SETTINGS.items():
        setattr(config, name, value)
    return config


class Process:
    """What one process loads once: the engine and the compiled core module.

    Only the core module is compiled (or deserialized from the compiled-module cache, `_cache`):
    the component around it is never compiled, its types are in the generated modules and
    abi.json. The core module is sliced out of the shipped component (`core_module_bytes`: a walk
    over a handful of section headers, no parsing of the code)."""

    def __init__(self, component_path: Path = COMPONENT_PATH, abi_path: Path = ABI_PATH) -> None:
        self.abi_path = abi_path
        self.digest = check_digest(abi_path)
        self.engine = wasmtime.Engine(engine_config())
        self.module = _cache.load_module(self.engine, core_module_bytes(component_path.read_bytes()),
                                         repr(sorted(ENGINE_SETTINGS.items())))
        self.export_names = check_exports(self.module)


class Instance:
    """One store and instance, used by one thread only."""

    def __init__(self, process: Process) -> None:
        self.store = wasmtime.Store(process.engine)
        self.store.set_limits(memory_size=MEMORY_LIMIT)
        linker = wasmtime.Linker(process.engine)
        # The core module imports only get-random-u64 (see src/component/mod.rs).
        _define_random(linker)
        instance = linker.instantiate(self.store, process.module)
        self.raw_exports = instance.exports(self.store)
        self.memory = Memory(self, self.raw_exports["memory"], self.raw_exports["cabi_realloc"])
        self.exports = _Exports(self)

    def discard(self) -> None:
        """Drops this instance if it is its thread's; the next call makes a fresh one."""
        if getattr(_local, "instance", None) is self:
            _local.instance = None


def _random_u64() -> int:
    value = int.from_bytes(os.urandom(8), "little")
    return value - (1 << 64) if value >= 1 << 63 else value


def _random_callback(env: Any, caller: Any, args_and_results: Any, count: int) -> Any:
    """`get-random-u64` as wasmtime's unchecked host callback: the answer written into the raw
    slot. wasmtime-py's `define_func` converts values through its generic trampoline (about 30 us a
    call); this costs about 1 us."""
    args_and_results[0].i64 = _random_u64()
    return 0  # no trap


_RANDOM_CALLBACK = _bindings.wasmtime_func_unchecked_callback_t(_random_callback)
_NO_FINALIZER = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(lambda data: None)


def _define_random(linker: Any) -> None:
    module, name = _RANDOM.encode(), b"get-random-u64"
    kind = wasmtime.FuncType([], [wasmtime.ValType.i64()])
    error = ffi.wasmtime_linker_define_func_unchecked(
        linker.ptr(), ctypes.create_string_buffer(module), len(module), ctypes.create_string_buffer(name), len(name),
        kind.ptr(), _RANDOM_CALLBACK, None, _NO_FINALIZER)
    if error:
        raise wasmtime.WasmtimeError._from_ptr(error)


_local = threading.local()


def _instance() -> Instance:
    """This thread's instance (created on first use)."""
    current: Optional[Instance] = getattr(_local, "instance", None)
    if current is None:
        global _process
        with _process_lock:
            if _process is None:
                _process = Process()
        current = _local.instance = Instance(_process)
    return current


instance = _instance


def discard() -> None:
    """Drops this thread's instance; the next call makes a fresh one."""
    _local.instance = None


def core_module_bytes(component: bytes) -> bytes:
    """The first core module embedded in a component binary (paywit has one)."""
    if component[:4] != b"\0asm":
        raise ValueError("not a WebAssembly binary")
    pos = 8
    while pos < len(component):
        section_id = component[pos]
        pos += 1
        size, shift = 0, 0
        while True:
            byte = component[pos]
            pos += 1
            size |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                break
        if section_id == 1:  # core module section
            return component[pos:pos + size]
        pos += size
    raise ValueError("the component embeds no core module")


# ---------- helpers of the generated code ----------

def now() -> int:
    """The current Unix time in seconds (a `now` parameter's default)."""
    return int(time.time())


_PK_U8 = struct.Struct("<B").pack_into
_PK_S8 = struct.Struct("<b").pack_into
_PK_U16 = struct.Struct("<H").pack_into
_PK_S16 = struct.Struct("<h").pack_into
_PK_U32 = struct.Struct("<I").pack_into
_PK_S32 = struct.Struct("<i").pack_into
_PK_U64 = struct.Struct("<Q").pack_into
_PK_S64 = struct.Struct("<q").pack_into
_PK_F32 = struct.Struct("<f").pack_into
_PK_F64 = struct.Struct("<d").pack_into
_PK_PAIR = struct.Struct("<II").pack_into
_UP_S8 = struct.Struct("<b").unpack_from
_UP_U16 = struct.Struct("<H").unpack_from
_UP_S16 = struct.Struct("<h").unpack_from
_UP_U32 = struct.Struct("<I").unpack_from
_UP_S32 = struct.Struct("<i").unpack_from
_UP_U64 = struct.Struct("<Q").unpack_from
_UP_S64 = struct.Struct("<q").unpack_from
_UP_F32 = struct.Struct("<f").unpack_from
_UP_F64 = struct.Struct("<d").unpack_from
_UP_PAIR = struct.Struct("<II").unpack_from
_F32_BITS = struct.Struct("<f")
_F64_BITS = struct.Struct("<d")


# Lifted records and variant cases are built without their (frozen dataclass) __init__.
_new = object.__new__
_set = object.__setattr__


def _f32_bits(value: float) -> int:
    return int.from_bytes(_F32_BITS.pack(value), "little")


def _f64_bits(value: float) -> int:
    return int.from_bytes(_F64_BITS.pack(value), "little")


def _as_bytes(value: Any) -> bytes:
    return value if type(value) is bytes else bytes(value)


def _read_str(memory: Memory, b: bytes, offset: int) -> str:
    ptr, n = _UP_PAIR(b, offset)
    try:
        return memory.read(ptr, n).decode()
    except UnicodeDecodeError:
        pass
    # A string that is not UTF-8 breaks the component's contract: a guest fault, like a trap.
    memory._owner.discard()
    raise ComponentTrap("the component answered a string that is not valid UTF-8")


def _read_bytes(memory: Memory, b: bytes, offset: int) -> bytes:
    ptr, n = _UP_PAIR(b, offset)
    return memory.read(ptr, n)


def _read_list(memory: Memory, b: bytes, offset: int, size: int) -> bytes:
    """A list's elements, as bytes (`size` bytes each)."""
    ptr, n = _UP_PAIR(b, offset)
    return memory.read(ptr, n * size)


def _bad(value: Any, path: str, rule: str) -> NoReturn:
    raise InvalidArgumentError(path, rule, value)


_RANGES: Dict[str, Tuple[int, int]] = {
    "u8": (0, 2**8 - 1), "u16": (0, 2**16 - 1), "u32": (0, 2**32 - 1), "u64": (0, 2**64 - 1),
    "s8": (-2**7, 2**7 - 1), "s16": (-2**15, 2**15 - 1), "s32": (-2**31, 2**31 - 1), "s64": (-2**63, 2**63 - 1)}


def _bad_int(value: Any, path: str, kind: str) -> None:
    """Returns for an int subclass (not bool) in range; raises InvalidArgumentError otherwise."""
    low, high = _RANGES[kind]
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return
    raise InvalidArgumentError(path, f"must be an integer in {kind} range {low}..{high}", value)


def _check_float(value: Any, path: str) -> None:
    """A float, or an int within the float range (a larger int cannot cross as an f64)."""
    if not (isinstance(value, (int, float)) and not isinstance(value, bool)):
        raise InvalidArgumentError(path, "must be a number", value)
    if isinstance(value, int):
        try:
            float(value)
        except OverflowError:
            pass
        else:
            return
        raise InvalidArgumentError(path, "must be a number within the f64 range", value)


def _check_str(value: Any, path: str) -> None:
    """A str that can cross as UTF-8 (no lone surrogates); never echoes its contents."""
    if not isinstance(value, str):
        raise InvalidArgumentError(path, "must be a str", value)
    try:
        value.encode()
    except UnicodeEncodeError:
        pass
    else:
        return
    # Raised outside the except block: the encoding error (its arguments hold the whole string)
    # must not even be the context of this one.
    raise InvalidArgumentError(path, "must be valid Unicode text (a lone surrogate cannot be encoded as UTF-8)", value)


def _check_sequence(value: Any, path: str) -> None:
    if isinstance(value, (str, bytes, bytearray, memoryview)) or not isinstance(value, _SequenceABC):
        raise InvalidArgumentError(path, "must be a list (or another sequence)", value)


def bad_discriminant(type_name: str, value: int) -> ComponentTrap:
    """A case index the WIT type does not have: the component answered outside its contract."""
    discard()
    return ComponentTrap(f"the component answered case {value} of {type_name}, which has no such case")


# What a lowering raises when an argument changed after its check (a custom sequence whose length
# changed, a record subclass's property answering another type).
LOWERING_ERRORS = (struct.error, AttributeError, TypeError, KeyError, IndexError, UnicodeError, OverflowError)


def changed_while_read(owner: Instance) -> InvalidArgumentError:
    """The error for an argument that no longer passes its check while it is copied into the
    guest. The instance holds this call's partial copies: it is dropped."""
    owner.memory.copied = 0
    owner.discard()
    return InvalidArgumentError("arguments", "must not change while the call reads them (checked, then copied)")
