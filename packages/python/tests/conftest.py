import json
import pathlib

import pytest

VECTORS = pathlib.Path(__file__).resolve().parents[3] / "host-tests" / "vectors"


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
