"""The quickstarts (examples/quickstart/{fastapi,flask,django}) as a user copies them: each app run
with the server command its README documents (the port changed), in its own folder, with this
checkout's paywit on PYTHONPATH, gets a valid delivery, the same one again, a tampered one, a stale
one and an oversized one. Each app file stays at most 60 lines, and each requirements.txt pins
what requirements-dev.txt pins (the versions these tests run)."""
import re
import shlex
import time

import pytest

from apps.harness import PACKAGE, Server, event, send, send_headers_only, signed
from paywit import webhooks

QUICKSTARTS = PACKAGE.parents[1] / "examples" / "quickstart"
FRAMEWORKS = ["fastapi", "flask", "django"]
SECRET = webhooks.new_secret(webhooks.SchemeStandardWebhooks())
MAX_BODY = 1 << 20  # the quickstarts' cap


def documented_command(framework):
    """The server command in the README's Run section (`uvicorn ...` / `gunicorn ...` on port 8000)."""
    readme = (QUICKSTARTS / framework / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^((?:uvicorn|gunicorn) .*8000.*)$", readme, re.MULTILINE)
    assert len(commands) == 1, commands
    argv = shlex.split(commands[0].split("#")[0])
    return ["{python}", "-m", *[a.replace("8000", "{port}") for a in argv]]


@pytest.fixture(scope="module")
def servers():
    started = {fw: Server(f"quickstart {fw}", documented_command(fw), QUICKSTARTS / fw, {"PAYWIT_WEBHOOK_SECRET": SECRET}).start()
               for fw in FRAMEWORKS}
    try:
        yield started
    finally:
        for server in started.values():
            server.stop()


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_quickstart_answers_as_its_readme_says(servers, framework):
    port = servers[framework].ready().port
    body = event()
    headers = signed(SECRET, body, f"msg_{framework}")
    first = send(port, "POST", "/webhooks", body, headers)
    assert (first.status, first.json()) == (200, {"received": f"msg_{framework}", "type": "payment.succeeded"})
    again = send(port, "POST", "/webhooks", body, headers)
    assert (again.status, again.json()) == (200, {"duplicate": True})
    tampered = send(port, "POST", "/webhooks", body.replace(b"1000", b"1"), signed(SECRET, body, "msg_tampered"))
    assert tampered.status == 401 and b"signature" not in tampered.body.lower()
    stale = send(port, "POST", "/webhooks", body, signed(SECRET, body, "msg_stale", signed_at=int(time.time()) - 3600))
    assert stale.status == 401
    # Only the headers of an oversized delivery are sent: the 413 comes without its body.
    assert send_headers_only(port, "/webhooks", headers, MAX_BODY + 1, timeout=10).status == 413
    assert send(port, "GET", "/webhooks").status == 405


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_quickstart_is_short_and_pins_what_the_tests_run(framework):
    folder = QUICKSTARTS / framework
    lines = (folder / "app.py").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 60, f"{framework}/app.py has {len(lines)} lines"
    assert "PAYWIT_WEBHOOK_SECRET" in "\n".join(lines)
    dev = dict(re.findall(r"^([A-Za-z0-9_.\[\]-]+)==(\S+)$", (PACKAGE / "requirements-dev.txt").read_text(encoding="utf-8"), re.MULTILINE))
    requirements = [line for line in (folder / "requirements.txt").read_text(encoding="utf-8").splitlines()
                    if line.strip() and not line.startswith("#")]
    assert "paywit" in requirements  # installed from packages/python until its release artifacts exist
    pins = [line.split("==") for line in requirements if line != "paywit"]
    assert pins and all(len(pin) == 2 for pin in pins), requirements
    assert {name: version for name, version in pins} == {name: dev.get(name) for name, _ in pins}
    assert framework in {name for name, _ in pins}
