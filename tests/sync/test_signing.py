import pytest

from webapp.sync.signing import KitKeys, SignatureError, new_private_key, public_key, sign, sign_hmac, verify

KEYS = {kit: new_private_key() for kit in ("kit-a", "kit-b", "kit-c")}  # the kits' private keys
# What the hub holds: public keys of kit-a and kit-b (kit-c is not enrolled); kit-old enrolled
# before key pairs, with a shared secret.
HELD = {"kit-a": KitKeys(public_key(KEYS["kit-a"])), "kit-b": KitKeys(public_key(KEYS["kit-b"])),
        "kit-old": KitKeys(None, "s" * 64)}


class Nonces:
    def __init__(self):
        self.seen = set()

    def __call__(self, kit, nonce, ts):
        if (kit, nonce) in self.seen:
            return False
        self.seen.add((kit, nonce))
        return True


def check(headers, body=b"{}", method="POST", path="/hub/v1/batches", now=1_000_000, nonces=None):
    return verify(headers, method, path, body, keys_for=HELD.get, remember_nonce=nonces or Nonces(), now=now)


def test_a_signed_request_verifies():
    headers = sign(KEYS["kit-a"], "kit-a", "POST", "/hub/v1/batches", b"{}", now=1_000_000)
    assert check(headers) == ("kit-a", "ed25519")


def test_an_old_kit_signing_with_its_shared_secret_still_verifies():
    headers = sign_hmac("s" * 64, "kit-old", "POST", "/hub/v1/batches", b"{}", now=1_000_000)
    assert check(headers) == ("kit-old", "hmac")
    # ...but only with HMAC: the hub holds no public key for it, and a kit with one cannot use HMAC.
    with pytest.raises(SignatureError):
        check(sign(KEYS["kit-a"], "kit-old", "POST", "/hub/v1/batches", b"{}", now=1_000_000))
    with pytest.raises(SignatureError):
        check(sign_hmac(HELD["kit-a"].public_key, "kit-a", "POST", "/hub/v1/batches", b"{}", now=1_000_000))


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
    unknown = sign(KEYS["kit-c"], "kit-c", "POST", "/hub/v1/batches", b"{}", now=1_000_000)
    with pytest.raises(SignatureError) as info:
        check(unknown)
    assert info.value.code == "unknown_kit"
    with pytest.raises(SignatureError) as info:
        check({})
    assert info.value.code == "unsigned"


def test_a_bad_signature_does_not_burn_the_nonce():
    nonces = Nonces()
    good = sign(KEYS["kit-a"], "kit-a", "POST", "/p", b"{}", now=1_000_000, nonce="n1")
    bad = dict(good, **{"X-Venuekit-Signature": "ed25519:" + "A" * 86 + "=="})
    with pytest.raises(SignatureError):
        check(bad, path="/p", nonces=nonces)
    assert check(good, path="/p", nonces=nonces) == ("kit-a", "ed25519")


def test_a_signature_is_for_one_kit_only_even_if_two_kits_hold_one_key():
    # A rogue kit enrolled with the victim's public key must not replay the victim's requests.
    shared = {"kit-a": KitKeys(public_key(KEYS["kit-a"])), "kit-rogue": KitKeys(public_key(KEYS["kit-a"]))}
    headers = sign(KEYS["kit-a"], "kit-a", "POST", "/hub/v1/batches", b"{}", now=1_000_000)
    with pytest.raises(SignatureError) as info:
        verify({**headers, "X-Venuekit-Kit": "kit-rogue"}, "POST", "/hub/v1/batches", b"{}",
               keys_for=shared.get, remember_nonce=Nonces(), now=1_000_000)
    assert info.value.code == "bad_signature"
    assert verify(headers, "POST", "/hub/v1/batches", b"{}", keys_for=shared.get, remember_nonce=Nonces(),
                  now=1_000_000) == ("kit-a", "ed25519")


def test_a_non_ascii_signature_for_a_shared_secret_kit_is_refused_not_an_error():
    headers = sign_hmac("s" * 64, "kit-old", "POST", "/hub/v1/batches", b"{}", now=1_000_000)
    with pytest.raises(SignatureError) as info:
        check({**headers, "X-Venuekit-Signature": "\u00e9"})
    assert info.value.code == "bad_signature"
