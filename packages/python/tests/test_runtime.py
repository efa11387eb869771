"""The hand-written runtime: the digest check, one instance per thread, wasi:random."""
import json
import re
import subprocess
import sys
import threading

import pytest

import paywit
from paywit import _runtime, idempotency, retry

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_a_component_with_a_different_digest_is_refused(tmp_path):
    manifest = json.loads(_runtime.ABI_PATH.read_text(encoding="utf-8"))
    manifest["digest"] = "0123456789abcdef"
    other = tmp_path / "abi.json"
    other.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(_runtime.ComponentMismatchError, match="differs"):
        _runtime.Process(_runtime.COMPONENT_PATH, other)
    del manifest["digest"]
    other.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(_runtime.ComponentMismatchError):
        _runtime.Process(_runtime.COMPONENT_PATH, other)


def test_a_process_pointed_at_a_different_component_refuses_every_call(tmp_path):
    """PAYWIT_WASM/PAYWIT_ABI at a component built from another WIT: the first call raises, with
    the reason, instead of running under stale bindings."""
    manifest = json.loads(_runtime.ABI_PATH.read_text(encoding="utf-8"))
    manifest["digest"] = "fedcba9876543210"
    (tmp_path / "abi.json").write_text(json.dumps(manifest), encoding="utf-8")
    code = ("import paywit\n"
            "try:\n    paywit.retry.api_policy()\nexcept paywit.PaywitError as e:\n    print(type(e).__name__, e.code)\n")
    env = {"PAYWIT_ABI": str(tmp_path / "abi.json"), "PYTHONPATH": str(_runtime.Path(paywit.__file__).parents[1])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.strip() == "ComponentMismatchError component-mismatch"


def test_the_generated_modules_carry_the_components_digest():
    manifest = json.loads(_runtime.ABI_PATH.read_text(encoding="utf-8"))
    assert set(_runtime._expected.values()) == {manifest["digest"]}


def test_threads_get_their_own_instances():
    errors, instances = [], set()

    def worker(n):
        try:
            instances.add(id(_runtime.instance()))
            for i in range(50):
                body = f'{{"n":{n},"i":{i}}}'
                headers = paywit.sign_webhook("stripe", f"secret-{n}", body, signed_at=1_700_000_000)
                assert paywit.verify_webhook("stripe", f"secret-{n}", headers, body, now=1_700_000_000).secret_index == 0
                assert retry.classify(retry.Failure(status=500 + n)).retry
                assert paywit.Verifier("stripe", f"secret-{n}").verify(headers, body, now=1_700_000_000).secret_index == 0
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(instances) == 8


def test_randomness_comes_from_the_host():
    keys = {idempotency.new_key() for _ in range(50)}
    assert len(keys) == 50
    assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", k) for k in keys)


def test_the_memory_limit_is_set():
    instance = _runtime.instance()
    assert instance.memory.refresh_size() < _runtime.MEMORY_LIMIT
    with pytest.raises(_runtime.ComponentMemoryError):
        instance.memory.alloc(1, _runtime.MAX_CALL_INPUT + 1)  # refused before the guest sees it
    instance = _runtime.instance()
    with pytest.raises(_runtime.ComponentTrap):  # allocations each under MAX_CALL_INPUT reach the limit
        for _ in range(_runtime.MEMORY_LIMIT // (90 << 20) + 1):
            instance.memory.alloc(1, 90 << 20)
    assert _runtime.instance() is not instance
    assert retry.api_policy().max_attempts > 0


def test_the_core_module_is_read_from_the_component():
    core = _runtime.core_module_bytes(_runtime.COMPONENT_PATH.read_bytes())
    assert core[:4] == b"\0asm"
    with pytest.raises(ValueError):
        _runtime.core_module_bytes(b"nope")


def test_import_paywit_loads_only_the_webhook_surface():
    """The other interface modules and the adapters are imported on first use (cold start)."""
    code = ("import sys, paywit\n"
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('paywit'))))\n"
            "paywit.classify, paywit.Delivery, paywit.asgi\n"
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('paywit'))))\n")
    env = {"PYTHONPATH": str(_runtime.Path(paywit.__file__).parents[1])}
    first, then = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                                 check=True).stdout.splitlines()
    assert set(first.split()) == {"paywit", "paywit._cache", "paywit._fast_verify", "paywit._limits", "paywit._runtime",
                                  "paywit.errors", "paywit.types", "paywit.verifier", "paywit.webhooks"}
    assert {"paywit._exports", "paywit.retry", "paywit.lifecycle", "paywit.delivery", "paywit.asgi"} <= set(then.split())
    assert "paywit.wsgi" not in then.split()


def test_every_public_name_is_reachable_from_the_package():
    for name in paywit.__all__:
        assert getattr(paywit, name) is not None, name
    assert set(paywit.__all__) <= set(dir(paywit))
    with pytest.raises(AttributeError):
        paywit.no_such_name  # noqa: B018
    with pytest.raises(AttributeError):
        paywit._private_of_exports  # noqa: B018


def test_a_module_imported_after_the_component_loaded_is_checked_at_its_import():
    _runtime.instance()  # the component is loaded
    with pytest.raises(_runtime.ComponentMismatchError, match="differs"):
        _runtime.expect_digest("0000000000000000", "tests.stale_bindings")
    with pytest.raises(_runtime.ComponentMismatchError, match="no core export"):
        _runtime.expect_exports(("paywit:gateway/retry@0.1.0#no-such-function",), "tests.stale_bindings")
    # Refused, so not recorded: the next load of the component is not refused because of them.
    assert "tests.stale_bindings" not in _runtime._expected and "tests.stale_bindings" not in _runtime._expected_exports
    _runtime.Process()
