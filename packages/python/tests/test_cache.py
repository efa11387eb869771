"""The compiled-module cache (paywit/_cache.py): written by the first process, loaded by the next,
never trusted when damaged, foreign or in a directory others can reach, off on request.

A process compiles (or loads) the core module once, so each case runs a new Python process with
its own cache location (PAYWIT_CACHE_DIR, or XDG_CACHE_HOME and HOME for the default place). The
child verifies a signed delivery, refuses a tampered one, and prints how it got its module
(`_cache.last_outcome`)."""
import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import paywit
from paywit import _cache

PACKAGE_DIR = Path(paywit.__file__).resolve().parents[1]
CHILD = """
import sys
import paywit
from paywit import _cache
secret, body = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", '{"id":"evt_cache"}'
headers = paywit.sign_webhook("standard-webhooks", secret, body, id="msg_cache")
paywit.verify_webhook("standard-webhooks", secret, headers, body)
try:
    paywit.verify_webhook("standard-webhooks", secret, headers, body + " ")
except paywit.webhooks.VerifyNoMatchingSignatureError:
    print(_cache.last_outcome.value)
else:
    sys.exit("a tampered delivery was accepted")
"""


def run_child(tmp_path, cache_dir=None, timeout=120):
    """Runs CHILD in a new process; its home and XDG cache are under tmp_path. Returns the
    outcome it printed."""
    env = {k: v for k, v in os.environ.items() if k not in ("PAYWIT_CACHE_DIR", "XDG_CACHE_HOME")}
    env.update(PYTHONPATH=str(PACKAGE_DIR), HOME=str(tmp_path / "home"), XDG_CACHE_HOME=str(tmp_path / "xdg"))
    if cache_dir is not None:
        env["PAYWIT_CACHE_DIR"] = str(cache_dir)
    done = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=timeout,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def files_under(directory):
    return sorted(p for p in Path(directory).rglob("*") if p.is_file()) if Path(directory).exists() else []


@pytest.fixture(scope="module")
def written_entry(tmp_path_factory):
    """A cache directory holding the one entry a first process wrote (compiled once per module)."""
    tmp_path = tmp_path_factory.mktemp("written")
    directory = tmp_path / "cache"
    assert run_child(tmp_path, directory) == "written"
    (entry,) = files_under(directory)
    return entry


def private_copy(tmp_path, entry, data=None):
    """A new private cache directory holding `entry` (or `data` under its name)."""
    directory = tmp_path / "cache"
    directory.mkdir(mode=0o700)
    copy = directory / entry.name
    copy.write_bytes(entry.read_bytes() if data is None else data)
    return copy


def test_the_first_process_writes_the_default_place_and_the_next_loads_it(tmp_path):
    assert run_child(tmp_path) == "written"
    directory = tmp_path / "xdg" / "paywit"
    (entry,) = files_under(tmp_path)  # nothing else: no temporary file left, nothing in HOME
    assert entry.parent == directory and entry.name.startswith("wasmtime-py-") and entry.suffix == ".cwasm"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    before = entry.stat()
    assert run_child(tmp_path) == "loaded"
    after = entry.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # read, not rewritten


def test_without_xdg_cache_home_the_cache_is_under_home(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert _cache.user_cache_base() == tmp_path / ".cache"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # the XDG spec: ignored
    assert _cache.user_cache_base() == tmp_path / ".cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _cache.user_cache_base() == tmp_path / "xdg"
    monkeypatch.setattr(sys, "platform", "darwin")
    assert _cache.user_cache_base() == tmp_path / "Library" / "Caches"
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert _cache.user_cache_base() == tmp_path / "local"


def damaged_in_the_middle(data):
    middle = len(data) // 2
    return data[:middle] + bytes(b ^ 0xFF for b in data[middle:middle + 64]) + data[middle + 64:]


def with_wrong_digest(data):
    at = len(_cache._MAGIC)
    return data[:at] + bytes(32) + data[at + 32:]


def of_another_key(data):
    """A well-formed entry (its digest matches) whose key is another one's: renamed into place."""
    serialized = data[_cache._HEADER_SIZE:]
    return _cache.encode_entry(hashlib.sha256(b"another key").digest(), serialized)


def truncated(data):
    return data[:len(data) // 3]


def of_another_format(data):
    return b"paywit-cwasm-0\n\0" + data[len(_cache._MAGIC):]


@pytest.mark.parametrize("damage", [damaged_in_the_middle, with_wrong_digest, of_another_key, truncated, of_another_format])
def test_a_damaged_or_foreign_entry_is_compiled_again_and_rewritten(tmp_path, written_entry, damage):
    bad = damage(written_entry.read_bytes())
    entry = private_copy(tmp_path, written_entry, bad)
    assert run_child(tmp_path, entry.parent) == "written"
    assert entry.read_bytes() == written_entry.read_bytes()  # the same compiler, the same module: one entry again
    assert files_under(entry.parent) == [entry]


def test_an_intact_copied_entry_is_loaded(tmp_path, written_entry):
    entry = private_copy(tmp_path, written_entry)
    assert run_child(tmp_path, entry.parent) == "loaded"


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o705])
def test_a_directory_open_to_others_is_not_used(tmp_path, written_entry, mode):
    """Its entry is not loaded, nothing is written; the delivery still verifies."""
    entry = private_copy(tmp_path, written_entry)
    entry.parent.chmod(mode)
    assert run_child(tmp_path, entry.parent) == "no-directory"
    assert files_under(entry.parent) == [entry]


def test_nothing_is_written_into_a_world_writable_directory(tmp_path):
    directory = tmp_path / "open"
    directory.mkdir()
    directory.chmod(0o777)
    assert run_child(tmp_path, directory) == "no-directory"
    assert files_under(directory) == []


def test_a_symbolic_link_to_a_directory_is_not_used(tmp_path, written_entry):
    target = private_copy(tmp_path, written_entry).parent
    link = tmp_path / "link"
    link.symlink_to(target, target_is_directory=True)
    assert run_child(tmp_path, link) == "no-directory"
    assert files_under(target) == [target / written_entry.name]


def test_a_directory_of_another_user_is_not_private(tmp_path, monkeypatch):
    directory = tmp_path / "ours"
    directory.mkdir(mode=0o700)
    assert _cache.is_private(directory)
    monkeypatch.setattr(os, "geteuid", lambda: directory.stat().st_uid + 1)
    assert not _cache.is_private(directory)


def test_an_entry_that_is_a_symbolic_link_is_not_followed(tmp_path, written_entry):
    directory = tmp_path / "cache"
    directory.mkdir(mode=0o700)
    elsewhere = tmp_path / "elsewhere.cwasm"
    elsewhere.write_bytes(written_entry.read_bytes())
    (directory / written_entry.name).symlink_to(elsewhere)
    assert run_child(tmp_path, directory) == "written"  # replaced by a regular file
    assert not (directory / written_entry.name).is_symlink()


def test_off_turns_the_cache_off_and_writes_nothing(tmp_path):
    assert run_child(tmp_path, "off") == "off"
    assert files_under(tmp_path) == []
    assert not (tmp_path / "xdg").exists() and not (tmp_path / "off").exists()


def test_an_entry_decodes_only_with_its_own_key_and_digest():
    key, other = hashlib.sha256(b"k").digest(), hashlib.sha256(b"o").digest()
    entry = _cache.encode_entry(key, b"serialized module")
    assert _cache.decode_entry(entry, key) == b"serialized module"
    assert _cache.decode_entry(entry, other) is None
    assert _cache.decode_entry(entry[:-1], key) is None
    assert _cache.decode_entry(entry + b"x", key) is None
    assert _cache.decode_entry(entry[:_cache._HEADER_SIZE], key) is None
    flipped = bytearray(entry)
    flipped[-3] ^= 1
    assert _cache.decode_entry(bytes(flipped), key) is None


def test_the_key_names_the_wasmtime_version_the_settings_and_the_module():
    core = b"\0asm\1\0\0\0"
    key = _cache.entry_key(core, "memory_may_move=false")
    assert _cache.wasmtime_version()[0].isdigit()
    assert _cache.entry_key(core, "memory_may_move=true") != key
    assert _cache.entry_key(core + b"\0", "memory_may_move=false") != key
    assert _cache.entry_key(core, "memory_may_move=false") == key


def test_a_fifo_at_the_entry_path_does_not_hang_and_the_call_still_verifies(tmp_path, written_entry):
    directory = tmp_path / "cache"
    directory.mkdir(mode=0o700)
    os.mkfifo(directory / written_entry.name, 0o600)
    assert run_child(tmp_path, directory, timeout=60) == "written"  # the FIFO is replaced
    assert (directory / written_entry.name).is_file()


@pytest.mark.parametrize("mode", [0o620, 0o602])
def test_an_entry_writable_by_others_is_not_loaded(tmp_path, written_entry, mode):
    entry = private_copy(tmp_path, written_entry)
    entry.chmod(mode)
    assert run_child(tmp_path, entry.parent) == "written"
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600


def test_an_entry_of_another_user_is_not_loaded(tmp_path, written_entry):
    if os.geteuid() != 0:
        pytest.skip("changing a file's owner needs root; the group-writable case above covers non-root")
    entry = private_copy(tmp_path, written_entry)
    os.chown(entry, 4321, 4321)
    assert run_child(tmp_path, entry.parent) == "written"
    assert entry.stat().st_uid == os.geteuid()


def test_stale_temporary_files_and_entries_of_other_keys_are_swept(tmp_path):
    directory = tmp_path / "cache"
    directory.mkdir(mode=0o700)
    stale = directory / f"wasmtime-py-{'a' * 32}.cwasm.{'0' * 16}.tmp"
    fresh = directory / f"wasmtime-py-{'a' * 32}.cwasm.{'1' * 16}.tmp"
    olds = [directory / f"wasmtime-py-{c * 32}.cwasm" for c in "bcde"]
    unrelated = directory / "notes.txt"
    for path in [stale, fresh, *olds, unrelated]:
        path.write_bytes(b"x")
    os.utime(stale, (0, 0))
    for age, path in enumerate(olds):
        os.utime(path, (1000 + age, 1000 + age))
    assert run_child(tmp_path, directory) == "written"
    left = {p.name for p in files_under(directory)}
    assert stale.name not in left and fresh.name in left and unrelated.name in left
    assert {p.name for p in olds} & left == {olds[2].name, olds[3].name}  # the two newest others
    assert len(left) == 5


@pytest.mark.parametrize("value", ["OFF ", " off", "Off"])
def test_off_in_any_case_with_blanks_turns_the_cache_off(tmp_path, value):
    assert run_child(tmp_path, value) == "off"
    assert files_under(tmp_path) == []


def test_a_relative_cache_dir_is_ignored_and_nothing_is_created(tmp_path):
    assert run_child(tmp_path, "rel-cache") == "no-directory"
    assert files_under(tmp_path) == [] and not (tmp_path / "rel-cache").exists()


def test_created_parents_are_private_under_a_permissive_umask(tmp_path):
    env_dir = tmp_path / "a" / "b" / "cache"
    old = os.umask(0o002)
    try:
        assert run_child(tmp_path, env_dir) == "written"
    finally:
        os.umask(old)
    for path in (tmp_path / "a", tmp_path / "a" / "b", env_dir):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path


def test_an_entry_in_a_read_only_directory_is_loaded(tmp_path, written_entry):
    entry = private_copy(tmp_path, written_entry)
    entry.parent.chmod(0o500)
    try:
        assert run_child(tmp_path, entry.parent) == "loaded"
    finally:
        entry.parent.chmod(0o700)


def test_an_unwritable_directory_compiles_without_failing(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes into a 0500 directory regardless; run as a normal user to cover this")
    directory = tmp_path / "empty"
    directory.mkdir(mode=0o500)
    try:
        assert run_child(tmp_path, directory) == "unwritten"
    finally:
        directory.chmod(0o700)


def test_concurrent_writers_leave_one_intact_entry(tmp_path):
    directory = tmp_path / "cache"
    env = {k: v for k, v in os.environ.items() if k not in ("PAYWIT_CACHE_DIR", "XDG_CACHE_HOME")}
    env.update(PYTHONPATH=str(PACKAGE_DIR), HOME=str(tmp_path / "home"), PAYWIT_CACHE_DIR=str(directory))
    children = [subprocess.Popen([sys.executable, "-c", CHILD], env=env, stdout=subprocess.PIPE, text=True)
                for _ in range(3)]
    outcomes = [child.communicate(timeout=120)[0].strip() for child in children]
    assert all(child.returncode == 0 for child in children)
    assert set(outcomes) <= {"written", "loaded"}
    (entry,) = files_under(directory)
    assert run_child(tmp_path, directory) == "loaded"
