"""The guess limiter keeps a bounded memory by forgetting the least recently used buckets,
never by forgetting everyone at once."""
from webapp.security import GuessLimiter


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limit(limiter: GuessLimiter, address: str, agent: str = "phone") -> None:
    while not limiter.wait_seconds(address, agent):
        limiter.failed(address, agent)


def test_many_addresses_do_not_reset_a_limited_one():
    limiter = GuessLimiter(clock=Clock())
    limit(limiter, "10.0.0.66")
    for n in range(120_000):
        limiter.failed(f"fd00::{n:x}", "bot")
        if n % 5_000 == 0:
            assert limiter.wait_seconds("10.0.0.66", "phone"), f"forgotten after {n} other addresses"
    assert limiter.wait_seconds("10.0.0.66", "phone")
    assert len(limiter) <= 2 * limiter.max_entries


def test_the_bound_holds_and_the_least_recently_used_go_first():
    limiter = GuessLimiter(max_entries=100, clock=Clock())
    limit(limiter, "10.0.0.1")          # limited, then never seen again
    limit(limiter, "10.0.0.2")          # limited, and keeps trying
    for n in range(1_000):
        limiter.failed(f"10.1.{n // 250}.{n % 250}", "bot")
        assert len(limiter) <= 200
        if n % 20 == 0:
            assert limiter.wait_seconds("10.0.0.2", "phone")
    assert limiter.wait_seconds("10.0.0.2", "phone")
    assert not limiter.wait_seconds("10.0.0.1", "phone")  # evicted: the idle one goes first


def test_many_browsers_on_one_address_cannot_push_out_address_limits():
    limiter = GuessLimiter(max_entries=50, clock=Clock())
    for n in range(60):  # sixty phones behind one access point use up the address's bucket
        limiter.failed("10.0.0.9", f"phone {n}")
    assert limiter.wait_seconds("10.0.0.9", "a new phone")
    for n in range(5_000):  # elsewhere, one address claims a new browser every time
        limiter.failed("10.0.0.200", f"agent {n}")
    assert limiter.wait_seconds("10.0.0.9", "a new phone")
    assert limiter.wait_seconds("10.0.0.200", "a new agent")
    assert len(limiter) <= 100


def test_buckets_still_refill_with_time():
    clock = Clock()
    limiter = GuessLimiter(clock=clock)
    limit(limiter, "10.0.0.5")
    wait = limiter.wait_seconds("10.0.0.5", "phone")
    assert 0 < wait <= 21
    clock.now += wait
    assert limiter.wait_seconds("10.0.0.5", "phone") == 0
