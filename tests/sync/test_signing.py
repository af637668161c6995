import pytest

from webapp.sync.signing import SignatureError, sign, verify

KEYS = {"kit-a": "a" * 64, "kit-b": "b" * 64}


class Nonces:
    def __init__(self):
        self.seen = set()

    def __call__(self, kit, nonce, ts):
        if (kit, nonce) in self.seen:
            return False
        self.seen.add((kit, nonce))
        return True


def check(headers, body=b"{}", method="POST", path="/hub/v1/batches", now=1_000_000, nonces=None):
    return verify(headers, method, path, body, key_for=KEYS.get, remember_nonce=nonces or Nonces(), now=now)


def test_a_signed_request_verifies():
    headers = sign(KEYS["kit-a"], "kit-a", "POST", "/hub/v1/batches", b"{}", now=1_000_000)
    assert check(headers) == "kit-a"


@pytest.mark.parametrize("change,code", [
    (dict(body=b'{"x":1}'), "bad_signature"),
    (dict(method="GET"), "bad_signature"),
    (dict(path="/hub/v1/checkpoint"), "bad_signature"),
    (dict(now=1_000_000 + 301), "stale"),
    (dict(now=1_000_000 - 301), "stale"),
])
def test_altered_or_old_requests_are_refused(change, code):
    headers = sign(KEYS["kit-a"], "kit-a", "POST", "/hub/v1/batches", b"{}", now=1_000_000)
    with pytest.raises(SignatureError) as info:
        check(headers, **change)
    assert info.value.code == code


def test_a_replayed_request_is_refused():
    nonces = Nonces()
    headers = sign(KEYS["kit-a"], "kit-a", "POST", "/hub/v1/batches", b"{}", now=1_000_000)
    check(headers, nonces=nonces)
    with pytest.raises(SignatureError) as info:
        check(headers, nonces=nonces)
    assert info.value.code == "replayed"


def test_wrong_kit_and_unknown_kit_and_unsigned():
    forged = sign(KEYS["kit-b"], "kit-a", "POST", "/hub/v1/batches", b"{}", now=1_000_000)
    with pytest.raises(SignatureError) as info:
        check(forged)
    assert info.value.code == "bad_signature"
    unknown = sign("c" * 64, "kit-c", "POST", "/hub/v1/batches", b"{}", now=1_000_000)
    with pytest.raises(SignatureError) as info:
        check(unknown)
    assert info.value.code == "unknown_kit"
    with pytest.raises(SignatureError) as info:
        check({})
    assert info.value.code == "unsigned"


def test_a_bad_signature_does_not_burn_the_nonce():
    nonces = Nonces()
    good = sign(KEYS["kit-a"], "kit-a", "POST", "/p", b"{}", now=1_000_000, nonce="n1")
    bad = dict(good, **{"X-Venuekit-Signature": "0" * 64})
    with pytest.raises(SignatureError):
        check(bad, path="/p", nonces=nonces)
    assert check(good, path="/p", nonces=nonces) == "kit-a"
