"""paywit.retry: the shared table (conformance/tables/retry.json) through the public API, and the
module's own cases."""
import pytest

from conftest import run_table_case, table_cases


@pytest.mark.parametrize("case", table_cases("retry"))
def test_table(case):
    run_table_case("retry", case)


def test_backoff():
    from paywit import retry as r

    api = r.api_policy()
    assert api.schedule == r.ScheduleExplicit(value=[1000, 3000, 10000, 30000, 120000, 600000])
    assert 500 <= r.next_step(api, 1, r.Failure(status=503), now=0).value <= 1000
    assert r.next_step_with_random(api, 7, r.Failure(status=503), 0, random=1) == r.StepGiveUp(value=r.GiveUpReasonAttemptsExhausted())
    declined = r.next_step(api, 1, r.Failure(status=402), now=0)
    assert declined == r.StepGiveUp(value=r.GiveUpReasonNotRetryable(value=r.Category.PAYMENT_DECLINED))
    assert r.next_step_with_random(api, 1, r.Failure(status=429, retry_after="20"), 0, random=0) == r.StepRetryAfterMs(value=20000)
    expo = r.Policy(schedule=r.ScheduleExponential(value=r.Exponential(base_ms=100, multiplier=2.5, cap_ms=10_000)),
                    max_attempts=10, jitter="none", max_delay_ms=60_000)
    assert [r.next_step_with_random(expo, n, r.Failure(status=500), 0, random=7).value for n in range(1, 6)] == [100, 250, 625, 1562, 3906]
    assert r.parse_retry_after("soon") is None
    with pytest.raises(r.PolicyZeroAttemptsError):
        r.next_step(r.Policy(schedule=api.schedule, max_attempts=0, jitter="none", max_delay_ms=1), 1, r.Failure(status=500))
