"""Sign-in throttling: failed attempts counted per account and per client address, in bounded memory.

Policy (see :data:`ACCOUNT_POLICY`, :data:`ADDRESS_POLICY`): after too many failures in a sliding window,
further attempts for that account (or from that address) are refused until the oldest failure leaves the
window; a successful sign-in clears the account's count. NIST SP 800-63B section 5.2.2 asks verifiers to
limit consecutive failed attempts on an account (at most 100); the OWASP Authentication Cheat Sheet
recommends a per-account threshold with a time-based unlock rather than a permanent lock-out (which would
let anyone lock a victim out), which is what this does.

The counts live in the process's memory: with ``stackplan serve --processes N`` each process counts on its
own, so the effective limit is up to N times the one below; a restart clears them.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["ACCOUNT_POLICY", "ADDRESS_POLICY", "FailureLimiter", "Policy", "SignInThrottle"]


@dataclass(frozen=True)
class Policy:
    """At most ``failures`` failed attempts per key within ``window_s`` seconds; ``max_keys`` keys kept."""

    failures: int
    window_s: float
    max_keys: int


#: Per account (e-mail): 5 failures in 15 minutes, then wait (OWASP Authentication Cheat Sheet: lock-out
#: threshold with automatic unlock; NIST SP 800-63B 5.2.2: at most 100 consecutive failures).
ACCOUNT_POLICY = Policy(failures=5, window_s=15 * 60.0, max_keys=10_000)

#: Per client address: 30 failures in 15 minutes (several people may share one address behind NAT).
ADDRESS_POLICY = Policy(failures=30, window_s=15 * 60.0, max_keys=10_000)


class FailureLimiter:
    """Failure timestamps per key in a sliding window.

    Memory is bounded: each key keeps at most ``policy.failures`` timestamps and at most ``policy.max_keys``
    keys are kept (the least recently failed key is forgotten first). Thread-safe.
    """

    def __init__(self, policy: Policy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after_s(self, key: str) -> float:
        """Seconds until ``key`` may try again; 0 when it may try now."""
        with self._lock:
            times = self._failures.get(key)
            if times is None:
                return 0.0
            now = self._clock()
            while times and times[0] <= now - self.policy.window_s:
                times.popleft()
            if not times:
                del self._failures[key]
                return 0.0
            if len(times) < self.policy.failures:
                return 0.0
            return times[0] + self.policy.window_s - now

    def fail(self, key: str) -> None:
        """Record a failed attempt for ``key``."""
        with self._lock:
            times = self._failures.pop(key, None) or deque(maxlen=self.policy.failures)
            times.append(self._clock())
            self._failures[key] = times  # most recent at the end
            while len(self._failures) > self.policy.max_keys:
                self._failures.popitem(last=False)

    def clear(self, key: str) -> None:
        """Forget ``key``'s failures (after a successful sign-in)."""
        with self._lock:
            self._failures.pop(key, None)

    def __len__(self) -> int:
        return len(self._failures)


class SignInThrottle:
    """The two limiters of the sign-in form: per account and per client address."""

    def __init__(
        self,
        account: Policy = ACCOUNT_POLICY,
        address: Policy = ADDRESS_POLICY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.account = FailureLimiter(account, clock)
        self.address = FailureLimiter(address, clock)

    @staticmethod
    def _account_key(email: str) -> str:
        return email.strip().lower()

    def retry_after_s(self, email: str, address: str) -> float:
        """Seconds before this account may try again from this address (0: now)."""
        return max(self.account.retry_after_s(self._account_key(email)), self.address.retry_after_s(address))

    def failed(self, email: str, address: str) -> None:
        """Count a failed sign-in."""
        self.account.fail(self._account_key(email))
        self.address.fail(address)

    def succeeded(self, email: str) -> None:
        """A successful sign-in clears the account's failures (not the address's)."""
        self.account.clear(self._account_key(email))
