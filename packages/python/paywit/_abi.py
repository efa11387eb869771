"""A small Component Model canonical-ABI binding for the paywit core module.

Why this exists: wasmtime-py's generic component calls re-inspect the function
type and convert every value through the C API on each call (hundreds of
microseconds per `verify`), and lower `list<u8>` a byte at a time. Instead,
paywit extracts the one core module from the component it ships, instantiates
it with wasmtime's core API, and calls its canonical-ABI exports directly
through `wasmtime_func_call_unchecked`.

The binding is *generated at load time* from the component's own type
information (wasmtime.component's type reflection), so it cannot drift from
the WIT: each export's parameter and result types become a `Type` tree, and
the generic `lower`/`lift` code below follows the canonical ABI (sizes,
alignments, flattening, indirect parameters beyond 16 flat values, return
areas, post-return). The test suite checks every conformance vector through
this path.

Values at this level: records are dicts keyed by WIT field name, variants are
(tag, payload) tuples, enums are case-name strings, options are None or the
value, results are ("ok", value) / ("err", value), `list<u8>` is bytes.
"""
from __future__ import annotations

import ctypes
import functools
import struct
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from wasmtime import _bindings, _ffi as ffi
from wasmtime import component as wc

from ._common import INTEGER_RANGES, _int
from .errors import InvalidArgumentError

MAX_FLAT_PARAMS = 16
# The ctypes function itself, without wasmtime-py's Python wrapper frame
# (wasmtime is pinned, see requirements; falls back to the public wrapper).
_call_unchecked = getattr(_bindings, "_wasmtime_func_call_unchecked", ffi.wasmtime_func_call_unchecked)


def _bare_call_function() -> Any:
    """`wasmtime_func_call_unchecked` as its own ctypes function object with no
    declared argument types, called with arguments converted once (`bound_call`):
    ctypes then skips the per-argument conversion, which took a call from about
    1.0 to 0.4 us. None if the library cannot be reached this way."""
    try:
        function = ffi.dll["wasmtime_func_call_unchecked"]  # a fresh object, not wasmtime-py's
    except (AttributeError, KeyError, TypeError):
        return None
    function.argtypes = None
    function.restype = ctypes.c_void_p  # the error pointer as an int, None when the call returned
    return function


_BARE_CALL = _bare_call_function()
_ERROR_POINTER = ctypes.POINTER(ffi.wasmtime_error_t)


def bound_call(context: Any, func_ref: Any, args: Any, count: int, trap_ref: Any) -> Callable[[], Any]:
    """`wasmtime_func_call_unchecked` with these arguments, each converted once: a call of
    it returns the error pointer (falsy when none). The objects behind the arguments stay
    referenced by the caller."""
    if _BARE_CALL is None:
        return functools.partial(_call_unchecked, context, func_ref, args, count, trap_ref)
    return functools.partial(_BARE_CALL, ctypes.c_void_p(ctypes.cast(context, ctypes.c_void_p).value),
                             ctypes.c_void_p(ctypes.addressof(func_ref._obj)), ctypes.c_void_p(ctypes.addressof(args)),
                             ctypes.c_size_t(count), ctypes.c_void_p(ctypes.addressof(trap_ref._obj)))

_INT_FORMATS = {"bool": "<B", "u8": "<B", "s8": "<b", "u16": "<H", "s16": "<h", "u32": "<I", "s32": "<i",
                "u64": "<Q", "s64": "<q", "f32": "<f", "f64": "<d", "char": "<I"}
_FLAT_OF_SCALAR = {"bool": "i32", "u8": "i32", "s8": "i32", "u16": "i32", "s16": "i32", "u32": "i32", "s32": "i32",
                   "char": "i32", "u64": "i64", "s64": "i64", "f32": "f32", "f64": "f64"}


@dataclass
class Type:
    """A WIT type, reduced to what the canonical ABI needs."""
    kind: str  # scalar name, "string", "list", "record", "variant", "enum", "option", "result"
    element: Optional["Type"] = None  # list element
    fields: List[Tuple[str, "Type"]] = field(default_factory=list)  # record fields
    cases: List[Tuple[str, Optional["Type"]]] = field(default_factory=list)  # variant/option/result cases
    names: List[str] = field(default_factory=list)  # enum names
    size: int = 0
    align: int = 1
    flat: List[str] = field(default_factory=list)
    payload_offset: int = 0
    offsets: List[int] = field(default_factory=list)


def _align_to(n: int, align: int) -> int:
    return (n + align - 1) // align * align


def _join(a: str, b: str) -> str:
    if a == b:
        return a
    if {a, b} == {"i32", "f32"}:
        return "i32"
    return "i64"


def _discriminant_size(n: int) -> int:
    return 1 if n <= 1 << 8 else 2 if n <= 1 << 16 else 4


def from_wasmtime(ty: Any) -> Type:
    """Builds a `Type` (with its layout) from a wasmtime.component type."""
    scalars = {wc.Bool: "bool", wc.U8: "u8", wc.S8: "s8", wc.U16: "u16", wc.S16: "s16", wc.U32: "u32", wc.S32: "s32",
               wc.U64: "u64", wc.S64: "s64", wc.F32: "f32", wc.F64: "f64", wc.Char: "char"}
    for cls, name in scalars.items():
        if isinstance(ty, cls):
            t = Type(name)
            t.size = t.align = struct.calcsize(_INT_FORMATS[name])
            t.flat = [_FLAT_OF_SCALAR[name]]
            return t
    if isinstance(ty, wc.String):
        return Type("string", size=8, align=4, flat=["i32", "i32"])
    if isinstance(ty, wc.ListType):
        return Type("list", element=from_wasmtime(ty.element), size=8, align=4, flat=["i32", "i32"])
    if isinstance(ty, wc.RecordType):
        t = Type("record", fields=[(name, from_wasmtime(f)) for name, f in ty.fields])
        offset = 0
        for _, f in t.fields:
            offset = _align_to(offset, f.align)
            t.offsets.append(offset)
            offset += f.size
            t.align = max(t.align, f.align)
            t.flat += f.flat
        t.size = _align_to(offset, t.align)
        return t
    if isinstance(ty, wc.EnumType):
        names = list(ty.names)
        size = _discriminant_size(len(names))
        return Type("enum", names=names, size=size, align=size, flat=["i32"])
    if isinstance(ty, wc.OptionType):
        return _variant("option", [("none", None), ("some", from_wasmtime(ty.payload))])
    if isinstance(ty, wc.ResultType):
        ok, err = ty.ok, ty.err
        return _variant("result", [("ok", ok and from_wasmtime(ok)), ("err", err and from_wasmtime(err))])
    if isinstance(ty, wc.VariantType):
        return _variant("variant", [(name, case and from_wasmtime(case)) for name, case in ty.cases])
    raise TypeError(f"paywit's ABI binding does not handle {ty!r}")


def _variant(kind: str, cases: List[Tuple[str, Optional[Type]]]) -> Type:
    t = Type(kind, cases=cases)
    disc = _discriminant_size(len(cases))
    case_align = max([c.align for _, c in cases if c] + [1])
    case_size = max([c.size for _, c in cases if c] + [0])
    t.align = max(disc, case_align)
    t.payload_offset = _align_to(disc, case_align)
    t.size = _align_to(t.payload_offset + case_size, t.align)
    joined: List[str] = []
    for _, c in cases:
        for i, ft in enumerate(c.flat if c else []):
            if i < len(joined):
                joined[i] = _join(joined[i], ft)
            else:
                joined.append(ft)
    t.flat = ["i32"] + joined
    return t


class Memory:
    """Reads and writes one instance's linear memory and allocates in it.

    The engine is configured with `memory_may_move = False` (see _runtime), so
    the base address read once stays valid however the memory grows.
    """

    def __init__(self, store: Any, memory: Any, realloc: Any) -> None:
        self._store = store
        self._context = store._context()
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
        # A view over the whole 32-bit address space: slicing it is far cheaper
        # than a ctypes call per copy. Every access is bounds-checked against the
        # memory's current size first (`_check`), so an address the guest got
        # wrong raises instead of reading unmapped host memory.
        self._view = memoryview((ctypes.c_ubyte * (1 << 32)).from_address(self.base)).cast("B")
        self.size = 0
        self.refresh_size()

    def refresh_size(self) -> int:
        """The memory's current size in bytes (it only grows)."""
        self.size = ffi.wasmtime_memory_data_size(self._context, self._memory_ref)
        return self.size

    def _check(self, ptr: int, n: int) -> None:
        if ptr < 0 or n < 0 or (ptr + n > self.size and ptr + n > self.refresh_size()):
            raise ComponentTrap(f"the component gave an address outside its memory ({ptr}+{n} > {self.size})")

    def alloc(self, align: int, size: int) -> int:
        """`cabi_realloc(0, 0, align, size)`: fresh guest memory the callee will own."""
        if size > 0x7FFFFFFF:
            raise ComponentMemoryError(f"an input of {size} bytes does not fit the component's 32-bit memory")
        self._arg0.i32 = 0
        self._arg2.i32 = align
        self._arg3.i32 = size
        error = self._realloc()
        if error or self._trap:
            clear_trap(self._trap, error)
            raise ComponentTrap("cabi_realloc failed: the component is out of memory")
        return self._arg0.i32 & 0xFFFFFFFF

    def put(self, data: bytes) -> int:
        """Copies `data` into fresh guest memory; returns its address."""
        n = len(data)
        ptr = self.alloc(1, n)
        self.write(ptr, data)
        return ptr

    def write(self, ptr: int, data: bytes) -> None:
        n = len(data)
        if ptr + n > self.size:
            self._check(ptr, n)
        self._view[ptr:ptr + n] = data

    def read(self, ptr: int, size: int) -> bytes:
        if ptr + size > self.size or size < 0:
            self._check(ptr, size)
        return self._view[ptr:ptr + size].tobytes()

    def pack(self, fmt: str, ptr: int, value: Any) -> None:
        self.write(ptr, struct.pack(fmt, value))

    def unpack(self, fmt: str, ptr: int) -> Any:
        return struct.unpack(fmt, self.read(ptr, struct.calcsize(fmt)))[0]


class ComponentTrap(RuntimeError):
    """The component trapped (or gave an address outside its memory). paywit
    never traps on input, so this is a bug; the thread's instance is replaced."""


def clear_trap(trap: Any, error: Any) -> None:
    """Frees a trap (and an error) that a call reported and resets the out-pointer
    to NULL: wasmtime writes it only when a call traps, so a stale one would make
    every later call on this instance look like a trap."""
    if trap:
        ffi.wasm_trap_delete(trap)
    if error:
        # The bare call gives the error pointer as an int.
        ffi.wasmtime_error_delete(ctypes.cast(error, _ERROR_POINTER) if isinstance(error, int) else error)
    ctypes.memset(ctypes.addressof(trap), 0, ctypes.sizeof(trap))


class ComponentMemoryError(MemoryError):
    """An input too large for the component's linear memory (over 2 GiB)."""


# ---------- validation (before any guest allocation) ----------



def validate(t: Type, value: Any, path: str) -> Any:
    """`value` checked against `t` (and one-shot iterables materialised), or an
    InvalidArgumentError / TypeError naming `path`. Lowering a checked value
    cannot fail, so no guest allocation is ever left behind by a bad argument."""
    kind = t.kind
    if kind in INTEGER_RANGES:
        return _int(path, value, kind)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise TypeError(f"{path} must be a bool")
    if kind in ("f32", "f64"):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        raise TypeError(f"{path} must be a number")
    if kind == "char":
        if isinstance(value, str) and len(value) == 1 and not 0xD800 <= ord(value) <= 0xDFFF:
            return value
        raise TypeError(f"{path} must be one Unicode scalar value")
    if kind == "string":
        if isinstance(value, str):
            value.encode("utf-8")  # a lone surrogate cannot cross: UnicodeEncodeError here, not mid-lowering
            return value
        raise TypeError(f"{path} must be a str")
    if kind == "list":
        element = t.element
        assert element is not None
        if element.kind == "u8":
            if isinstance(value, (bytes, bytearray, memoryview)):
                return bytes(value)
            raise TypeError(f"{path} must be bytes")
        if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
            raise TypeError(f"{path} must be a list")
        return [validate(element, item, f"{path}[{i}]") for i, item in enumerate(value)]
    if kind == "record":
        if not isinstance(value, dict):
            raise TypeError(f"{path} must be a record (dict)")
        missing = [name for name, _ in t.fields if name not in value]
        if missing:
            raise TypeError(f"{path} lacks {missing}")
        return {name: validate(f, value[name], f"{path}.{name}") for name, f in t.fields}
    if kind == "enum":
        if value in t.names:
            return value
        raise InvalidArgumentError(path, f"must be one of {t.names}", value)
    if kind == "option":
        return None if value is None else validate(t.cases[1][1], value, path)  # type: ignore[arg-type]
    if not (isinstance(value, tuple) and len(value) == 2):
        raise TypeError(f"{path} must be a (case, payload) pair")
    tag, payload = value
    for name, case in t.cases:
        if name == tag:
            if case is None:
                if payload is not None:
                    raise TypeError(f"{path}: case {tag!r} has no payload")
                return (tag, None)
            return (tag, validate(case, payload, f"{path}.{tag}"))
    raise InvalidArgumentError(path, f"must be one of the cases {[n for n, _ in t.cases]}", None)


# ---------- lowering (Python -> memory / flat values) ----------

def _case_index(t: Type, value: Any) -> Tuple[int, Any]:
    if t.kind == "option":
        return (0, None) if value is None else (1, value)
    tag, payload = value
    for i, (name, _) in enumerate(t.cases):
        if name == tag:
            return i, payload
    raise ValueError(f"{tag!r} is not a case of this variant")


def store(mem: Memory, t: Type, value: Any, ptr: int) -> None:
    """Stores `value` of type `t` at `ptr` (allocating strings and lists)."""
    kind = t.kind
    if kind in _INT_FORMATS:
        mem.pack(_INT_FORMATS[kind], ptr, int(value) if kind not in ("f32", "f64") else float(value))
    elif kind in ("string", "list"):
        p, n = lower_sequence(mem, t, value)
        mem.write(ptr, struct.pack("<II", p, n))
    elif kind == "record":
        for (name, f), offset in zip(t.fields, t.offsets):
            store(mem, f, value[name], ptr + offset)
    elif kind == "enum":
        mem.pack("<B" if t.size == 1 else "<H", ptr, t.names.index(value))
    else:
        index, payload = _case_index(t, value)
        mem.pack("<B", ptr, index)
        case = t.cases[index][1]
        if case is not None:
            store(mem, case, payload, ptr + t.payload_offset)


def lower_sequence(mem: Memory, t: Type, value: Any) -> Tuple[int, int]:
    """Allocates a string or list in guest memory; returns (ptr, length)."""
    if t.kind == "string":
        data = value.encode("utf-8")
        return mem.put(data), len(data)
    element = t.element
    assert element is not None
    if element.kind == "u8":
        data = bytes(value)
        return mem.put(data), len(data)
    items = list(value)
    ptr = mem.alloc(element.align, element.size * len(items))
    for i, item in enumerate(items):
        store(mem, element, item, ptr + i * element.size)
    return ptr, len(items)


def lower_flat(mem: Memory, t: Type, value: Any) -> List[Any]:
    """The flat core values of `value` (for direct parameters)."""
    kind = t.kind
    if kind in _INT_FORMATS:
        return [float(value) if kind in ("f32", "f64") else int(value)]
    if kind in ("string", "list"):
        return list(lower_sequence(mem, t, value))
    if kind == "record":
        out: List[Any] = []
        for name, f in t.fields:
            out += lower_flat(mem, f, value[name])
        return out
    if kind == "enum":
        return [t.names.index(value)]
    index, payload = _case_index(t, value)
    case = t.cases[index][1]
    flats = lower_flat(mem, case, payload) if case is not None else []
    out = [index]
    for i, target in enumerate(t.flat[1:]):
        if i < len(flats):
            source = case.flat[i] if case else target
            out.append(_coerce(flats[i], source, target))
        else:
            out.append(0 if target != "f64" and target != "f32" else 0.0)
    return out


def _coerce(value: Any, source: str, target: str) -> Any:
    if source == target:
        return value
    if source == "f32":
        bits = struct.unpack("<I", struct.pack("<f", value))[0]
        return bits
    if source == "f64":
        return struct.unpack("<q", struct.pack("<d", value))[0]
    return value & 0xFFFFFFFF  # i32 into an i64 slot: zero-extended, as the canonical ABI's join does


def set_raw(slot: Any, flat_type: str, value: Any) -> None:
    if flat_type == "i32":
        slot.i32 = value if value < 1 << 31 else value - (1 << 32)
    elif flat_type == "i64":
        slot.i64 = value if value < 1 << 63 else value - (1 << 64)
    elif flat_type == "f32":
        slot.f32 = value
    else:
        slot.f64 = value


# ---------- lifting (memory / flat values -> Python) ----------

def load(mem: Memory, t: Type, ptr: int) -> Any:
    """Loads a value of type `t` from `ptr`."""
    kind = t.kind
    if kind == "bool":
        return mem.unpack("<B", ptr) != 0
    if kind in _INT_FORMATS:
        return mem.unpack(_INT_FORMATS[kind], ptr)
    if kind in ("string", "list"):
        p, n = struct.unpack("<II", mem.read(ptr, 8))
        if kind == "string":
            return mem.read(p, n).decode("utf-8")
        element = t.element
        assert element is not None
        if element.kind == "u8":
            return mem.read(p, n)
        return [load(mem, element, p + i * element.size) for i in range(n)]
    if kind == "record":
        return {name: load(mem, f, ptr + offset) for (name, f), offset in zip(t.fields, t.offsets)}
    if kind == "enum":
        return t.names[mem.unpack("<B" if t.size == 1 else "<H", ptr)]
    index = mem.unpack("<B", ptr)
    name, case = t.cases[index]
    payload = load(mem, case, ptr + t.payload_offset) if case is not None else None
    if kind == "option":
        return payload if index == 1 else None
    return (name, payload)


def lift_flat_scalar(t: Type, raw: Any) -> Any:
    """Lifts a single flat result (scalars and payload-free enums only)."""
    if t.kind == "bool":
        return raw.i32 != 0
    if t.kind == "enum":
        return t.names[raw.i32]
    if t.kind in ("u8", "u16", "u32", "char"):
        return raw.i32 & 0xFFFFFFFF
    if t.kind in ("s8", "s16", "s32"):
        return raw.i32
    if t.kind == "u64":
        return raw.i64 & 0xFFFFFFFFFFFFFFFF
    if t.kind == "s64":
        return raw.i64
    if t.kind in ("f32", "f64"):
        return getattr(raw, t.kind)
    raise TypeError(f"cannot lift {t.kind} from one flat value")


class Export:
    """One exported function, called through the canonical ABI."""

    def __init__(self, mem: Memory, store_: Any, func: Any, post: Optional[Any], params: List[Type], result: Optional[Type],
                 names: Optional[List[str]] = None):
        self._mem = mem
        self._params = params
        self._names = names or [f"argument {i + 1}" for i in range(len(params))]
        self._result = result
        flat_params = [ft for p in params for ft in p.flat]
        self._indirect_params = len(flat_params) > MAX_FLAT_PARAMS
        self._flat_params = ["i32"] if self._indirect_params else flat_params
        if self._indirect_params:
            self._tuple = _tuple_layout(params)
        flat_results = result.flat if result else []
        self._indirect_result = len(flat_results) > 1
        self._slots = max(len(self._flat_params), 1 if result else 0)
        self._args = (ffi.wasmtime_val_raw_t * max(self._slots, 1))()
        self._trap = ctypes.POINTER(ffi.wasm_trap_t)()
        # What every call passes, built once (the refs also keep what the bound calls point at alive).
        self._context = store_._context()
        self._func_ref = ctypes.byref(func._func)
        self._post_ref = ctypes.byref(post._func) if post is not None else None
        self._trap_ref = ctypes.byref(self._trap)
        self._call = bound_call(self._context, self._func_ref, self._args, self._slots, self._trap_ref)
        self._post_call = bound_call(self._context, self._post_ref, self._args, 1, self._trap_ref) if post is not None else None

    def call_list(self, ptr: int, length: int, lift: Any) -> Any:
        """Calls a function whose one parameter is a list already in guest memory at
        `ptr` (flat: pointer and length), reading the result with `lift`."""
        self._args[0].i32 = ptr if ptr < 1 << 31 else ptr - (1 << 32)
        self._args[1].i32 = length if length < 1 << 31 else length - (1 << 32)
        return self._finish(lift)

    def __call__(self, *values: Any) -> Any:
        if len(values) != len(self._params):
            raise TypeError(f"expected {len(self._params)} arguments, got {len(values)}")
        # Every value is checked before the first guest allocation: a host-side
        # exception half-way through lowering would leak what was allocated.
        values = tuple(validate(t, value, name) for t, value, name in zip(self._params, values, self._names))
        mem = self._mem
        if self._indirect_params:
            size, align, offsets = self._tuple
            ptr = mem.alloc(align, size)
            for t, value, offset in zip(self._params, values, offsets):
                store(mem, t, value, ptr + offset)
            flats: List[Any] = [ptr]
        else:
            flats = []
            for t, value in zip(self._params, values):
                flats += lower_flat(mem, t, value)
        args = self._args
        for i, (ft, v) in enumerate(zip(self._flat_params, flats)):
            set_raw(args[i], ft, v)
        return self._finish(None)

    def _finish(self, lift: Optional[Any]) -> Any:
        """Calls with the arguments in place; lifts the result (with `lift`, or the
        generic `load`) and runs post-return, which takes the result pointer left
        in the first slot."""
        self._invoke(self._call, "the paywit component trapped; please report this input")
        if self._result is None:
            return None
        if not self._indirect_result:
            return lift_flat_scalar(self._result, self._args[0])
        ret = self._args[0].i32 & 0xFFFFFFFF
        value = lift(self._mem, ret) if lift is not None else load(self._mem, self._result, ret)
        if self._post_call is not None:
            self._invoke(self._post_call, "the paywit component trapped in post-return; please report this")
        return value

    def _invoke(self, call: Callable[[], Any], trapped: str) -> None:
        error = call()
        if error or self._trap:
            clear_trap(self._trap, error)
            raise ComponentTrap(trapped)


def _tuple_layout(params: List[Type]) -> Tuple[int, int, List[int]]:
    offset, align, offsets = 0, 1, []
    for t in params:
        offset = _align_to(offset, t.align)
        offsets.append(offset)
        offset += t.size
        align = max(align, t.align)
    return _align_to(offset, align), align, offsets


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


@dataclass
class Signature:
    """One exported function's parameter names and types and its result type."""
    names: List[str]
    params: List[Type]
    result: Optional[Type]


def signatures(component: Any, engine: Any) -> Dict[str, Dict[str, Signature]]:
    """Every exported interface's functions, from the component's own types."""
    out: Dict[str, Dict[str, Signature]] = {}
    for interface, extern in component.type.exports(engine).items():
        item = extern.ty
        if not isinstance(item, wc.ComponentInstanceType):
            continue
        funcs = {}
        for name, func_extern in item.exports(engine).items():
            func = func_extern.ty
            if isinstance(func, wc.FuncType):
                result = func.result
                funcs[name] = Signature([n for n, _ in func.params], [from_wasmtime(t) for _, t in func.params],
                                        from_wasmtime(result) if result is not None else None)
        out[interface] = funcs
    return out
