"""Sign-in throttling: sliding-window failure counts with bounded memory (hand-worked timelines)."""

from __future__ import annotations

from stackplan.service.ratelimit import FailureLimiter, Policy, SignInThrottle


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_blocks_after_the_limit_until_the_oldest_failure_leaves_the_window() -> None:
    clock = Clock()
    lim = FailureLimiter(Policy(failures=3, window_s=60.0, max_keys=100), clock)
    for dt in (0.0, 10.0, 10.0):  # failures at t = 1000, 1010, 1020
        clock.t += dt
        assert lim.retry_after_s("a") == 0.0
        lim.fail("a")
    assert lim.retry_after_s("a") == 40.0  # oldest at 1000 leaves at 1060; now 1020
    clock.t = 1059.0
    assert lim.retry_after_s("a") == 1.0
    clock.t = 1060.0  # the failure at 1000 is out of the window: 2 left, under the limit
    assert lim.retry_after_s("a") == 0.0
    assert lim.retry_after_s("b") == 0.0  # keys are independent


def test_memory_is_bounded() -> None:
    clock = Clock()
    lim = FailureLimiter(Policy(failures=2, window_s=60.0, max_keys=3), clock)
    for i in range(10):
        lim.fail(f"k{i}")
    assert len(lim) == 3  # the 3 most recent keys
    for _ in range(50):
        lim.fail("k9")
    assert len(lim._failures["k9"]) == 2  # at most `failures` timestamps per key
    assert lim.retry_after_s("k0") == 0.0  # forgotten


def test_success_clears_the_account_not_the_address() -> None:
    clock = Clock()
    throttle = SignInThrottle(Policy(2, 60.0, 100), Policy(3, 60.0, 100), clock)
    throttle.failed("Ann@x.example", "10.0.0.1")
    throttle.failed("ann@x.example ", "10.0.0.1")  # same account (case and spaces ignored)
    assert throttle.retry_after_s("ann@x.example", "10.0.0.2") == 60.0
    throttle.succeeded("ann@x.example")
    assert throttle.retry_after_s("ann@x.example", "10.0.0.2") == 0.0
    throttle.failed("bob@x.example", "10.0.0.1")  # third failure from 10.0.0.1
    assert throttle.retry_after_s("carol@x.example", "10.0.0.1") == 60.0
    assert throttle.retry_after_s("carol@x.example", "10.0.0.9") == 0.0
