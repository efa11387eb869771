"""paywit.requests: HMAC-signed API requests, both ways."""
import json

import pytest

import paywit
from paywit import requests
from paywit.types import BodyBytes, BodyText, Header

NOW = 1_700_000_000
BODY = '{"charge":"ch_1","amount":500}'
SECRETS = [requests.ApiSecret(key_id="key_1", secret="s3cret")]


def signed():
    return requests.sign_request("key_1", "s3cret", requests.OutboundRequest(
        method="POST", path="/v1/refunds?x=1", body=BodyText(value=BODY), timestamp=NOW, nonce="0123456789abcdef0123"))


def inbound(headers, **change):
    fields = dict(method="POST", path="/v1/refunds?x=1", headers=headers, body=BodyText(value=BODY))
    fields.update(change)
    return requests.InboundRequest(**fields)


def test_signed_request_round_trip():
    headers = signed()
    assert len(headers) == 5 and all(h.name.lower().startswith("x-paywit-") for h in headers)
    assert "s3cret" not in json.dumps([h.value for h in headers])
    ok = requests.verify_request(SECRETS, inbound(headers), now=NOW + 10)
    assert ok == requests.VerifiedRequest(key_id="key_1", timestamp=NOW, nonce="0123456789abcdef0123")
    rotated = [requests.ApiSecret(key_id="key_1", secret="old"), *SECRETS]
    assert requests.verify_request(rotated, inbound(headers, body=BodyBytes(value=BODY.encode())), NOW).key_id == "key_1"
    assert requests.verify_request(SECRETS, inbound(headers), NOW, tolerance_seconds=5).key_id == "key_1"


@pytest.mark.parametrize("change, secrets, now, error", [
    (dict(path="/v1/refunds"), SECRETS, NOW, requests.RequestNoMatchingSignatureError),
    (dict(method="PUT"), SECRETS, NOW, requests.RequestNoMatchingSignatureError),
    (dict(body=BodyText(value="{}")), SECRETS, NOW, requests.RequestContentMismatchError),
    ({}, SECRETS, NOW + 310, requests.RequestTimestampOutsideToleranceError),
    ({}, [requests.ApiSecret(key_id="key_2", secret="s3cret")], NOW, requests.RequestUnknownKeyIdError),
    ({}, [requests.ApiSecret(key_id="key_1", secret="other")], NOW, requests.RequestNoMatchingSignatureError),
])
def test_signed_request_refusals(change, secrets, now, error):
    with pytest.raises(error) as info:
        requests.verify_request(secrets, inbound(signed(), **change), now)
    assert isinstance(info.value, requests.RequestError)
    if error is requests.RequestTimestampOutsideToleranceError:
        assert info.value.details == 10
    assert "s3cret" not in str(info.value)


def test_a_missing_header_is_named():
    headers = [h for h in signed() if not h.name.lower().endswith("nonce")]
    with pytest.raises(requests.RequestMissingHeaderError) as info:
        requests.verify_request(SECRETS, inbound(headers), NOW)
    assert info.value.details.lower().endswith("nonce")


def test_headers_must_be_header_records():
    with pytest.raises(paywit.InvalidArgumentError) as info:
        requests.verify_request(SECRETS, inbound([Header(name="a", value="b"), ("x", "y")]), NOW)
    assert info.value.details["argument"] == "request.headers[1]"
