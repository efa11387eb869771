"""The shared interface tables (host-tests/tables/*.json), run through the
component's generic canonical-ABI binding: the same cases the Rust harness and
`node --test` run, so one table proves three hosts."""
import json
import pathlib
from typing import Any

import pytest

from paywit import _abi, _runtime

TABLES = pathlib.Path(__file__).resolve().parents[3] / "host-tests" / "tables"


def from_json(t: _abi.Type, v: Any) -> Any:
    """The tables' JSON encoding (tables/README.md) to the ABI value shapes."""
    if t.kind == "list":
        assert t.element is not None
        return bytes(v) if t.element.kind == "u8" else [from_json(t.element, x) for x in v]
    if t.kind == "record":
        return {name: from_json(f, v.get(name)) for name, f in t.fields}
    if t.kind == "option":
        return None if v is None else from_json(t.cases[1][1], v)  # type: ignore[arg-type]
    if t.kind in ("variant", "result"):
        name, payload = (v, None) if isinstance(v, str) else next(iter(v.items()))
        case = dict(t.cases)[name]
        return (name, None if case is None else from_json(case, payload))
    return v


def to_json(t: _abi.Type, v: Any) -> Any:
    if t.kind == "list":
        assert t.element is not None
        return list(v) if t.element.kind == "u8" else [to_json(t.element, x) for x in v]
    if t.kind == "record":
        return {name: to_json(f, v[name]) for name, f in t.fields}
    if t.kind == "option":
        return None if v is None else to_json(t.cases[1][1], v)  # type: ignore[arg-type]
    if t.kind in ("variant", "result"):
        name, payload = v
        case = dict(t.cases)[name]
        return name if case is None else {name: to_json(case, payload)}
    return v


def matches(expect: Any, actual: Any) -> bool:
    """Records (objects) check only the fields `expect` names."""
    if isinstance(expect, dict) and isinstance(actual, dict):
        return all(k in actual and matches(v, actual[k]) for k, v in expect.items())
    if isinstance(expect, list) and isinstance(actual, list):
        return len(expect) == len(actual) and all(matches(e, a) for e, a in zip(expect, actual))
    if isinstance(expect, bool) or isinstance(actual, bool):
        return expect is actual
    return bool(expect == actual)


CASES = [(table["interface"], case) for path in sorted(TABLES.glob("*.json"))
         for table in [json.loads(path.read_text(encoding="utf-8"))] for case in table["cases"]]


def test_the_tables_are_all_here():
    assert len({interface for interface, _ in CASES}) >= 6 and len(CASES) >= 80


@pytest.mark.parametrize("interface, case", CASES, ids=[f"{i}.{c['call']}-{n}" for n, (i, c) in enumerate(CASES)])
def test_shared_table_case(interface, case):
    _runtime.instance()
    signature = _runtime._process.signatures[f"paywit:gateway/{interface}@0.1.0"][case["call"]]
    args = [from_json(t, v) for t, v in zip(signature.params, case["args"])]
    assert len(args) == len(signature.params)
    result = _runtime.call(interface, case["call"], *args)
    actual = None if signature.result is None else to_json(signature.result, result)
    assert matches(case["expect"], actual), actual
