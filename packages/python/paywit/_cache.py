"""The compiled-module cache: Cranelift's code for the core module, kept on disk between processes.

Compiling the core module takes about 160 ms (more on a busy machine), which every process would
pay at its first call: each gunicorn worker, serverless cold start, CLI run and test run. So the
compiled module is serialized (wasmtime's `Module.serialize`) into the user's cache directory and
the next process deserializes it instead (about a millisecond).

Where: `$PAYWIT_CACHE_DIR` if set (surrounding blanks stripped; `off`, in any case, turns the cache
off; a relative path is ignored, so the cache is off rather than under whatever the working
directory is), else `paywit` under the user's cache directory: `$XDG_CACHE_HOME` (when absolute) or
`~/.cache` on Linux and other Unixes, `~/Library/Caches` on macOS. The same variable and place as
the Go package's cache. Missing directories on the way are created 0700, one by one. Where the OS
offers no directory-relative file calls (Windows), there is no cache.

One entry per key: the wasmtime version, the engine's settings, the machine, and the SHA-256 of the
core module, so another wasmtime, another configuration or another build of paywit never reads this
one's entry. An entry is a header (magic, the SHA-256 of the rest, the key) and wasmtime's
serialized module, written to a temporary file in the same directory and renamed into place, so a
reader never sees half an entry. Writing an entry also sweeps the directory: temporary files older
than ten minutes (a crashed writer's) and entries of other keys (older paywit or wasmtime versions)
except the two most recently written (another installation in use on the same account).

Security: deserializing runs the native code in that file. So the directory must be the user's own
and closed to everyone else. It is opened once, without following a symbolic link, and that open
directory is checked (a directory, owned by this user, no group or other permission bits); every
entry is then opened, created, renamed and removed relative to it, so swapping the path for a link
after the check (whoever can write the parent can) changes nothing. Each entry must be a regular
file (a FIFO is not waited on) owned by this user and writable by no one else, its digest and key
are checked before wasmtime sees its bytes, and the bytes checked are the bytes loaded (the file is
read once, not reopened). The digest catches damage (a truncated or corrupted file, an entry of
another key renamed into place), not an attacker: whoever can write the directory can write a
matching digest too, which is why the directory must be private. A stale, foreign, truncated or
damaged entry is compiled again and rewritten, never loaded; wasmtime itself also refuses an entry
from another wasmtime version or engine configuration.

Nothing here fails the caller: any error reading or writing the cache falls back to compiling.
"""
from __future__ import annotations

import enum
import re
import time
import hashlib
import os
import stat
import sys
from pathlib import Path
from typing import List, Optional, Tuple

import wasmtime

ENV_VAR = "PAYWIT_CACHE_DIR"
"""The environment variable naming the cache directory; `off` turns the cache off."""

OFF = "off"
"""The value of `PAYWIT_CACHE_DIR` that turns the cache off."""

_MAGIC = b"paywit-cwasm-1\n\0"
_DIGEST_SIZE = 32
_HEADER_SIZE = len(_MAGIC) + 2 * _DIGEST_SIZE  # magic, SHA-256 of key + module, key
# A serialized paywit core module is a few MiB; a bigger file is not ours.
_MAX_ENTRY = 256 << 20
_ENTRY_NAME = re.compile(r"wasmtime-py-[0-9a-f]{32}\.cwasm")
_TEMPORARY_NAME = re.compile(r"wasmtime-py-[0-9a-f]{32}\.cwasm\.[0-9a-f]{16}\.tmp")
# A writer takes well under a second; a temporary file this old belongs to a crashed one.
_STALE_TEMPORARY_SECONDS = 600
# Entries of other keys kept (another installation using the same cache on this account).
_OTHER_ENTRIES_KEPT = 2
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def user_cache_base() -> Optional[Path]:
    """The user's cache directory (not paywit's own subdirectory), or None if there is none."""
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        return Path(local) if local else None
    if sys.platform == "darwin":
        home = os.environ.get("HOME")
        return Path(home, "Library", "Caches") if home else None
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):  # the XDG spec: a relative path is to be ignored
        return Path(xdg)
    home = os.environ.get("HOME")
    return Path(home, ".cache") if home else None


def configured_off() -> bool:
    """Whether `PAYWIT_CACHE_DIR` turns the cache off (`off` in any case, blanks around it allowed)."""
    return os.environ.get(ENV_VAR, "").strip().lower() == OFF


def cache_dir() -> Optional[Path]:
    """The cache directory's path, or None: the cache is off, `PAYWIT_CACHE_DIR` is relative, or
    there is no user cache directory. Not created nor checked here (`open_private_dir` does)."""
    if configured_off():
        return None
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        return Path(configured) if os.path.isabs(configured) else None
    base = user_cache_base()
    return None if base is None else base / "paywit"


def _make_dirs(directory: Path) -> None:
    """Creates `directory` and each missing parent 0700, one by one (`mkdir(parents=True)` would
    create the parents with the umask's mode, group-writable under umask 002)."""
    missing: List[Path] = []
    for path in (directory, *directory.parents):
        if os.path.lexists(path):
            break
        missing.append(path)
    for path in reversed(missing):
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass


def _is_ours(info: os.stat_result, forbidden_bits: int) -> bool:
    return info.st_uid == os.geteuid() and info.st_mode & forbidden_bits == 0


def open_private_dir(directory: Path) -> Optional[int]:
    """A descriptor of `directory` (created 0700 if missing) if it is a directory, not a symbolic
    link, owned by this user and with no group or other permission bits, else None. The checks are
    made on the open descriptor, so they hold for every later call relative to it."""
    if not (_O_DIRECTORY and _O_NOFOLLOW and os.open in os.supports_dir_fd):
        return None
    try:
        _make_dirs(directory)
        fd = os.open(directory, os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
    except OSError:
        info = None
    if info is None or not stat.S_ISDIR(info.st_mode) or not _is_ours(info, 0o077):
        os.close(fd)
        return None
    return fd


def is_private(directory: Path) -> bool:
    """Whether `directory` passes `open_private_dir`'s checks."""
    fd = open_private_dir(directory)
    if fd is None:
        return False
    os.close(fd)
    return True


def wasmtime_version() -> str:
    """The installed wasmtime-py's version, read from its `.dist-info` directory's name (much
    cheaper than `importlib.metadata`, which scans every path entry); "unknown" if not found,
    which still keys entries apart from a known version and leaves the rest to wasmtime's own
    version check."""
    site = Path(wasmtime.__file__).resolve().parent.parent
    try:
        names = os.listdir(site)
    except OSError:
        return "unknown"
    for name in names:
        if name.startswith("wasmtime-") and name.endswith(".dist-info"):
            return name[len("wasmtime-"):-len(".dist-info")]
    return "unknown"


def entry_key(core_module: bytes, engine_settings: str) -> bytes:
    """The SHA-256 naming one entry: the wasmtime version, the engine's settings, the platform and
    machine, and the core module's own SHA-256."""
    machine = os.uname().machine if hasattr(os, "uname") else os.environ.get("PROCESSOR_ARCHITECTURE", "")
    material = "\0".join([wasmtime_version(), engine_settings, sys.platform, machine,
                          hashlib.sha256(core_module).hexdigest()])
    return hashlib.sha256(material.encode()).digest()


def entry_path(directory: Path, key: bytes) -> Path:
    """Where the entry of `key` lives in `directory`."""
    return directory / f"wasmtime-py-{key.hex()[:32]}.cwasm"


def encode_entry(key: bytes, serialized: bytes) -> bytes:
    """An entry's bytes: the header (magic, digest, key), then the serialized module."""
    digest = hashlib.sha256(key + serialized).digest()
    return b"".join((_MAGIC, digest, key, serialized))


def decode_entry(entry: bytes, key: bytes) -> Optional[bytes]:
    """The serialized module of a well-formed entry of `key`, or None for anything else (another
    format, another key, a digest that does not match: truncated or damaged)."""
    if len(entry) <= _HEADER_SIZE or not entry.startswith(_MAGIC):
        return None
    signed = memoryview(entry)[len(_MAGIC) + _DIGEST_SIZE:]  # the key, then the module
    if signed[:_DIGEST_SIZE] != key:
        return None
    if hashlib.sha256(signed).digest() != entry[len(_MAGIC):len(_MAGIC) + _DIGEST_SIZE]:
        return None
    return entry[_HEADER_SIZE:]


def _read_entry(dir_fd: int, name: str) -> Optional[bytes]:
    """The bytes of entry `name` if it is a regular file (never following a link, never waiting on a
    FIFO) of sane size, owned by this user and writable by no one else, else None."""
    try:
        fd = os.open(name, os.O_RDONLY | _O_NOFOLLOW | _O_NONBLOCK, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or not _is_ours(info, 0o022) or info.st_size > _MAX_ENTRY:
            return None
        with os.fdopen(fd, "rb", closefd=False) as file:
            return file.read(_MAX_ENTRY + 1)
    except OSError:
        return None
    finally:
        os.close(fd)


def _write_atomically(dir_fd: int, name: str, data: bytes) -> None:
    """Writes `data` to a new temporary file (0600, a random name) in the directory and renames it
    to `name`; a failure leaves no entry and no temporary file. (Not `tempfile`: importing it costs
    a process more than writing the entry.)"""
    temporary = f"{name}.{os.urandom(8).hex()}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW, 0o600, dir_fd=dir_fd)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.rename(temporary, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        try:
            os.unlink(temporary, dir_fd=dir_fd)
        except OSError:
            pass
        raise


def _sweep(dir_fd: int, keep: str) -> None:
    """Removes this user's regular files that are paywit's: temporary files older than
    `_STALE_TEMPORARY_SECONDS`, and entries other than `keep` beyond the `_OTHER_ENTRIES_KEPT`
    most recently written."""
    now = time.time()
    others: List[Tuple[float, str]] = []
    for name in os.listdir(dir_fd):
        is_temporary = _TEMPORARY_NAME.fullmatch(name) is not None
        if name == keep or not (is_temporary or _ENTRY_NAME.fullmatch(name)):
            continue
        try:
            info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
            continue
        if is_temporary:
            if now - info.st_mtime > _STALE_TEMPORARY_SECONDS:
                _unlink_quietly(dir_fd, name)
        else:
            others.append((info.st_mtime, name))
    for _, name in sorted(others, reverse=True)[_OTHER_ENTRIES_KEPT:]:
        _unlink_quietly(dir_fd, name)


def _unlink_quietly(dir_fd: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except OSError:  # gone already (another process swept it) or not removable: no matter
        pass


class Outcome(enum.Enum):
    """How this process got its compiled core module (`last_outcome`)."""

    LOADED = "loaded"
    """Deserialized from a checked cache entry."""
    WRITTEN = "written"
    """Compiled, and the entry written (there was none, or it was stale, foreign or damaged)."""
    UNWRITTEN = "unwritten"
    """Compiled; the entry could not be written (a full disk, a read-only directory)."""
    OFF = "off"
    """Compiled: the cache is off (`PAYWIT_CACHE_DIR=off`)."""
    NO_DIRECTORY = "no-directory"
    """Compiled: no usable directory (none, not creatable, a link, not ours, or open to others)."""


last_outcome: Optional[Outcome] = None
"""The outcome of this process's last `load_module` (None before it): for tests and diagnostics."""


def load_module(engine: wasmtime.Engine, core_module: bytes, engine_settings: str) -> wasmtime.Module:
    """The core module compiled for `engine`: deserialized from a checked cache entry when there is
    one, else compiled by Cranelift and written to the cache. `engine_settings` describes every
    setting the engine was configured with (it is part of the key). Only compiling can raise: the
    cache never fails the call (any error of its own means compiling, as with the cache off)."""
    global last_outcome
    if configured_off():
        last_outcome = Outcome.OFF
        return wasmtime.Module(engine, core_module)
    try:
        directory = cache_dir()
        dir_fd = None if directory is None else open_private_dir(directory)
    except Exception:  # an unusable cache is no cache
        dir_fd = None
    if dir_fd is None:
        last_outcome = Outcome.NO_DIRECTORY
        return wasmtime.Module(engine, core_module)
    try:
        return _load_or_compile(engine, dir_fd, core_module, engine_settings)
    finally:
        os.close(dir_fd)


def _load_or_compile(engine: wasmtime.Engine, dir_fd: int, core_module: bytes,
                     engine_settings: str) -> wasmtime.Module:
    global last_outcome
    key = entry_key(core_module, engine_settings)
    name = entry_path(Path(), key).name
    module = _deserialized(engine, dir_fd, name, key)
    if module is not None:
        last_outcome = Outcome.LOADED
        return module
    module = wasmtime.Module(engine, core_module)
    try:
        _write_atomically(dir_fd, name, encode_entry(key, bytes(module.serialize())))
        last_outcome = Outcome.WRITTEN
    except Exception:  # a full disk or a read-only directory costs the next process a compile
        last_outcome = Outcome.UNWRITTEN
        return module
    try:
        _sweep(dir_fd, name)
    except Exception:  # sweeping is housekeeping; the entry is written
        pass
    return module


def _deserialized(engine: wasmtime.Engine, dir_fd: int, name: str, key: bytes) -> Optional[wasmtime.Module]:
    """The module of entry `name` if it is there, ours, intact and of `key`, else None."""
    try:
        entry = _read_entry(dir_fd, name)
        serialized = decode_entry(entry, key) if entry is not None else None
        if serialized is None:
            return None
        # wasmtime refuses (WasmtimeError) an entry of another wasmtime version or engine configuration.
        return wasmtime.Module.deserialize(engine, serialized)
    except Exception:  # whatever is wrong with the entry, it is compiled and rewritten
        return None
