"""What the wheel and sdist carry beside the code: the LICENSE (the repository's), a CHANGELOG entry
for this version, and a README whose first example runs."""
import contextlib
import io
import re
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
ROOT = PACKAGE_DIR.parents[1]


def version():
    match = re.search(r'^version = "([^"]+)"$', (PACKAGE_DIR / "pyproject.toml").read_text(encoding="utf-8"), re.M)
    assert match, "pyproject.toml has no version line"
    return match.group(1)


def test_the_license_is_the_repositorys():
    assert (PACKAGE_DIR / "LICENSE").read_bytes() == (ROOT / "LICENSE").read_bytes()


def test_the_changelog_has_an_entry_for_this_version():
    changelog = (PACKAGE_DIR / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[{re.escape(version())}\] - ", changelog, re.M), version()
    assert re.search(rf"^\[{re.escape(version())}\]: https://", changelog, re.M)


def test_the_readmes_first_example_runs():
    readme = (PACKAGE_DIR / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(example, "README.md", "exec"), {})  # our own README
    assert printed.getvalue().split() == ["msg_1", "refused"]


def test_the_package_data_is_there_to_ship():
    pyproject = (PACKAGE_DIR / "pyproject.toml").read_text(encoding="utf-8")
    assert 'paywit = ["paywit.wasm", "abi.json", "py.typed"]' in pyproject
    for name in ("paywit.wasm", "abi.json", "py.typed"):
        assert (PACKAGE_DIR / "paywit" / name).is_file(), f"{name} is missing: run `cargo xtask build`"
