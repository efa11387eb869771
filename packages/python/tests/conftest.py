"""Shared test helpers: the conformance vectors, and the shared tables (conformance/tables/*.json,
encoded as conformance/tables/README.md says) run through the PUBLIC API: each case calls
`paywit.<interface>.<function>` with typed values built from the table's JSON by the function's
own type hints, and compares the typed answer (or the raised error) with `expect`."""
import dataclasses
import enum
import json
import pathlib
import typing

import pytest

import paywit
from paywit.errors import PaywitError

ROOT = pathlib.Path(__file__).resolve().parents[3]
VECTORS = ROOT / "conformance" / "vectors"
TABLES = ROOT / "conformance" / "tables"


def load_vectors():
    published = json.loads((VECTORS / "webhook-signatures.json").read_text(encoding="utf-8"))["vectors"]
    derived = json.loads((VECTORS / "webhook-derived.json").read_text(encoding="utf-8"))
    for v in published:
        if v["valid"]:
            v["expect"] = derived["published_expected"][v["name"]]
    return published + derived["vectors"]


@pytest.fixture(scope="session")
def vectors():
    return load_vectors()


def kebab(name):
    return name.rstrip("_").replace("_", "-")


def from_json(hint, value):
    """A typed value of the Python type `hint` from the tables' JSON encoding."""
    origin = typing.get_origin(hint)
    if origin is typing.Union:  # Optional[T]
        inner = next(a for a in typing.get_args(hint) if a is not type(None))
        return None if value is None else from_json(inner, value)
    if origin in (list, typing.Sequence, __import__("collections.abc").abc.Sequence):
        (element,) = typing.get_args(hint)
        return [from_json(element, v) for v in value]
    if hint is bytes:
        return bytes(value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if isinstance(hint, type) and hasattr(hint, "Cases"):  # a variant's base class
        name, payload = (value, None) if isinstance(value, str) else next(iter(value.items()))
        case = next(c for c in hint.Cases if c._wit_case == name)
        if "value" not in {f.name for f in dataclasses.fields(case)}:
            return case()
        return case(value=from_json(typing.get_type_hints(case)["value"], payload))
    if dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        kwargs = {}
        for f in dataclasses.fields(hint):
            if kebab(f.name) in value:
                kwargs[f.name] = from_json(hints[f.name], value[kebab(f.name)])
        return hint(**kwargs)
    return value


def to_json(value):
    """The tables' JSON encoding of a typed answer."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bool) or value is None or isinstance(value, (int, float, str)):
        return value
    if isinstance(value, (bytes, bytearray)):
        return list(value)
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    case = getattr(type(value), "_wit_case", None)
    if case:
        return {case: to_json(value.value)} if hasattr(value, "value") else case
    if dataclasses.is_dataclass(value):
        return {kebab(f.name): to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    raise TypeError(type(value))


def error_json(error):
    return error.code if error.details is None else {error.code: to_json(error.details)}


def matches(expect, actual):
    """Records (objects) check only the fields `expect` names."""
    if isinstance(expect, dict) and isinstance(actual, dict):
        return all(k in actual and matches(v, actual[k]) for k, v in expect.items())
    if isinstance(expect, list) and isinstance(actual, list):
        return len(expect) == len(actual) and all(matches(e, a) for e, a in zip(expect, actual, strict=False))
    if isinstance(expect, bool) or isinstance(actual, bool):
        return expect is actual
    return bool(expect == actual)


def table_cases(interface):
    path = TABLES / f"{interface}.json"
    if not path.exists():
        return []
    table = json.loads(path.read_text(encoding="utf-8"))
    return [pytest.param(case, id=f"{case['call']}-{n}") for n, case in enumerate(table["cases"])]


def run_table_case(interface, case):
    """One table case through `paywit.<interface>.<function>`."""
    module = getattr(paywit, interface)
    function = getattr(module, case["call"].replace("-", "_"))
    hints = typing.get_type_hints(function)
    names = [n for n in function.__code__.co_varnames[:function.__code__.co_argcount + function.__code__.co_kwonlyargcount]]
    assert len(names) == len(case["args"]), (names, case["args"])
    kwargs = {n: from_json(hints[n], a) for n, a in zip(names, case["args"], strict=False)}
    try:
        answer = function(**kwargs)
    except PaywitError as error:
        if isinstance(error, paywit.InvalidArgumentError):
            raise
        actual = {"err": error_json(error)}
        assert matches(case["expect"], actual), actual
        return
    actual = to_json(answer)
    if returns_result(interface, case["call"]):
        actual = {"ok": actual}
    assert matches(case["expect"], actual), actual


ABI = json.loads((pathlib.Path(paywit.__file__).with_name("abi.json")).read_text(encoding="utf-8"))


def returns_result(interface, function):
    result = ABI["interfaces"][interface][function].get("result")
    return bool(result) and result.get("kind") == "result"
