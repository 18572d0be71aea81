"""Throttles of the token endpoint (SPEC §8, §9).

Wrong passwords are counted by django-axes (the lockout: five failures lock a username from that
address). Successful logins are counted per address with a generous ceiling, so that an office behind
one address signing in at 8:00 is not refused: `SuccessfulLoginThrottle` only looks at the count when a
request arrives, and the view counts a login when it succeeded.
"""

from rest_framework.throttling import SimpleRateThrottle


class SuccessfulLoginThrottle(SimpleRateThrottle):
    """At most settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token_success"] tokens per address."""

    scope = "token_success"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.throttle_failure()
        return True

    def count_success(self) -> None:
        """Count one successful login of the address seen by allow_request."""
        if self.rate is None:
            return
        self.history.insert(0, self.now)
        self.cache.set(self.key, self.history, self.duration)
