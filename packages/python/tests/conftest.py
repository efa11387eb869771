import json
import pathlib

import pytest

VECTORS = pathlib.Path(__file__).resolve().parents[3] / "host-tests" / "vectors"


def load_vectors():
    out = []
    for name in ("webhook-signatures.json", "webhook-derived.json"):
        out += json.loads((VECTORS / name).read_text(encoding="utf-8"))["vectors"]
    return out


@pytest.fixture(scope="session")
def vectors():
    return load_vectors()
