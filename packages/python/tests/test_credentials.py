"""paywit.credentials: the shared table (conformance/tables/credentials.json) through the public API, and the
module's own cases."""
import pytest

from conftest import run_table_case, table_cases


@pytest.mark.parametrize("case", table_cases("credentials"))
def test_table(case):
    run_table_case("credentials", case)


def test_keys_placements_and_tokens():
    from paywit import credentials as c

    info = c.classify_key("sk_live_abc")
    assert info == c.KeyInfo(provider="stripe", kind=c.KeyKind.SECRET, mode=c.KeyMode.LIVE) and "sk_live_abc" not in repr(info)
    with pytest.raises(c.PlacementRefusalSecretInBrowserError) as error:
        c.check_key_placement("sk_test_abc", c.KeyPlacement.BROWSER)
    assert "sk_test_abc" not in str(error.value) and isinstance(error.value, c.PlacementRefusalError)
    assert c.check_key_placement("pk_live_abc", "browser").provider == "stripe"
    assert c.token_status(1000, 3600, 1000, refresh_skew_seconds=60) == c.TokenAdviceUse(value=3540)
    assert c.token_status(1000, 3600, 9999, refresh_skew_seconds=60) == c.TokenAdviceExpired(value=5399)
