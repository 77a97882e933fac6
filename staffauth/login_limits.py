"""Login limits: how many times an account, and an address, may try a password or a code.

Every attempt is counted BEFORE the password or code is checked, with one atomic increment per
window (Redis INCR when DESK_REDIS_URL is set, else a locked counter in this process), so that
parallel guesses are counted exactly and none is checked past the limit. The windows grow
(`LOGIN_LIMITS_ACCOUNT`, default 5 a minute, 10 in 15 minutes, 20 an hour): a lockout ends by
itself when its window does, so nobody can lock a colleague out for good. A successful login
clears its account's counters and gives its attempt back to its address. If Redis does not
answer, counting goes on in memory.
"""

from __future__ import annotations

import logging
import threading
import time

from limits import parse_many
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

log = logging.getLogger("desk.auth")

DEFAULT_ACCOUNT_LIMITS = "5/minute;10/15minutes;20/hour"
DEFAULT_ADDRESS_LIMITS = "30/minute;100/hour"


class LoginLimits:
    """The counters of one app (`app.extensions["login_limits"]`)."""

    def __init__(self, storage_uri: str, account_limits: str, address_limits: str, prefix: str):
        self.storage = storage_from_string(storage_uri)
        self.fallback = MemoryStorage()
        self.account_limits = parse_many(account_limits)
        self.address_limits = parse_many(address_limits)
        self.prefix = prefix
        # The memory storage's increment reads its result after releasing its lock, so two
        # parallel attempts may both see the later count; one lock here makes it exact.
        self.lock = threading.Lock()

    def _strategy(self, storage):
        return FixedWindowRateLimiter(storage)

    def _run(self, fn):
        """Run `fn(strategy)` on the configured storage, or in memory when it fails."""
        try:
            if isinstance(self.storage, MemoryStorage):
                with self.lock:
                    return fn(self._strategy(self.storage))
            return fn(self._strategy(self.storage))
        except Exception as exc:  # noqa: BLE001 - Redis down must not stop the login page
            log.warning("login counters in memory: storage failed: %s", exc)
            with self.lock:
                return fn(self._strategy(self.fallback))

    def count_attempt(self, account: str | None, address: str | None) -> int:
        """Count one attempt of `account` (an email or a pending login) from `address`.

        Returns 0 when the attempt may be checked, else the seconds until the longest exceeded
        window ends (the attempt is counted all the same and must be refused unchecked).
        """

        def hit(strategy) -> int:
            now = time.time()
            wait = 0
            for family, key, items in (
                ("account", account, self.account_limits),
                ("address", address, self.address_limits),
            ):
                if not key:
                    continue
                for item in items:
                    if not strategy.hit(item, self.prefix, family, key):
                        reset = strategy.get_window_stats(item, self.prefix, family, key)[0]
                        wait = max(wait, int(reset - now) + 1)
            return wait

        return self._run(hit)

    def attempts(self, account: str) -> int:
        """The attempts of `account` counted in its shortest window (for tests and operators)."""
        item = self.account_limits[0]

        def count(strategy) -> int:
            return int(strategy.storage.get(item.key_for(self.prefix, "account", account)))

        return self._run(count)

    def refund_address(self, address: str | None) -> None:
        """Give back the attempt of a successful login to its address: a whole office behind one
        address logging in at 08:00 is not an attack; only failures use its allowance up."""
        if not address:
            return

        def refund(strategy) -> None:
            for item in self.address_limits:
                key = item.key_for(self.prefix, "address", address)
                if strategy.storage.get(key) > 0:
                    strategy.storage.incr(key, item.get_expiry(), amount=-1)

        self._run(refund)

    def clear_account(self, account: str) -> None:
        """Forget the attempts of `account` (after its successful login)."""

        def clear(strategy) -> None:
            for item in self.account_limits:
                strategy.clear(item, self.prefix, "account", account)

        self._run(clear)
