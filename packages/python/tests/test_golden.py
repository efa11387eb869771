"""conformance/golden/verify-packed.json: the Python encoder (`_fast_verify`: the field block and
layout 1's packing) produces `fields`, `packed` and `delivery` byte for byte, and `verify_webhook`
gives `expect`."""
import json

import pytest

import paywit
from conftest import ROOT, from_json, to_json
from paywit import _fast_verify, webhooks

GOLDEN = ROOT / "conformance" / "golden" / "verify-packed.json"
CASES = json.loads(GOLDEN.read_text(encoding="utf-8"))["cases"] if GOLDEN.exists() else []


def body_of(case):
    body = case["body"]
    return body["text"] if "text" in body else bytes.fromhex(body["bytes"])


@pytest.mark.skipif(not GOLDEN.exists(), reason="conformance/golden/verify-packed.json not written yet")
def test_the_golden_file_has_cases():
    assert len(CASES) >= 10
    assert any(c["fields"] is None for c in CASES) and any("err" in c["expect"] for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_golden_case(case):
    scheme = from_json(webhooks.Scheme, case["scheme"])
    headers = [tuple(h) for h in case["headers"]]
    body = body_of(case)
    fields = _fast_verify.field_block(headers)
    assert fields == case["fields"]
    if fields is not None:
        data = body.encode() if isinstance(body, str) else body
        kind = _fast_verify.BODY_TEXT if isinstance(body, str) else _fast_verify.BODY_BYTES
        head = _fast_verify.prefix(scheme, case["secrets"])
        packed = _fast_verify.pack(head, fields, kind, data, case["url"], case["now"], case["tolerance-seconds"])
        assert packed.hex() == case["packed"]
        assert _fast_verify.pack(b"", fields, kind, data, case["url"], case["now"], case["tolerance-seconds"]).hex() == case["delivery"]
        # The prepared head (what a Verifier sends) followed by the same delivery answers alike.
        try:
            prepared = webhooks.prepare_packed(scheme, case["secrets"])
        except webhooks.VerifyError:
            prepared = None
        if prepared is not None:
            assert answer(lambda: webhooks.verify_packed(prepared + bytes.fromhex(case["delivery"]))) == case["expect"]
    else:
        assert case["packed"] is None and case["delivery"] is None
    assert answer(lambda: paywit.verify_webhook(scheme, case["secrets"], headers, body, now=case["now"],
                                                tolerance=case["tolerance-seconds"], url=case["url"])) == case["expect"]


def answer(call):
    try:
        return {"ok": to_json(call())}
    except webhooks.VerifyError as error:
        return {"err": error.code}
