"""UserSigs: the spec's vector, the official library as an oracle, the verifier's refusals,
and the administrator's cached UserSig."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
import TLSSigAPIv2

from worker.exceptions import ConfigError
from worker.trtc import usersig
from worker.trtc.auth import AdminAuth, TrtcCredentials
from worker.trtc.usersig import UserSigRejected, decode_usersig, make_usersig, verify_usersig

# Spec §2's vector (the official Python code with its clock frozen).
SDKAPPID, KEY, IDENTIFIER = (
    1400000000,
    "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e",
    "xiaojun",
)
EXPIRE, TIME = 15552000, 1700000000
VECTOR_SIG = "LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4="


def own() -> str:
    return make_usersig(SDKAPPID, KEY, IDENTIFIER, expire=EXPIRE, now=TIME)


def test_own_usersig_reproduces_the_spec_vector_and_passes_the_verifier() -> None:
    fields = verify_usersig(own(), sdkappid=SDKAPPID, key=KEY, identifier=IDENTIFIER, now=TIME)
    assert (fields.sig, fields.time, fields.expire) == (VECTOR_SIG, TIME, EXPIRE)
    # The variant alphabet: never '+', '/' or '=' in the string.
    assert not set(own()) & set("+/=")


def test_the_official_library_makes_the_same_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    # Its only clock is the module's `time`: frozen at the vector's instant.
    monkeypatch.setattr(TLSSigAPIv2, "time", SimpleNamespace(time=lambda: TIME))
    official = TLSSigAPIv2.TLSSigAPIv2(SDKAPPID, KEY).gen_sig(IDENTIFIER, EXPIRE)
    assert decode_usersig(official) == decode_usersig(own())
    assert decode_usersig(official).sig == VECTOR_SIG


def test_the_verifier_accepts_an_official_usersig_made_now() -> None:
    official = TLSSigAPIv2.TLSSigAPIv2(SDKAPPID, KEY).gen_sig("admin", 600)
    now = decode_usersig(official).time + 1
    verify_usersig(official, sdkappid=SDKAPPID, key=KEY, identifier="admin", now=now)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"now": TIME + EXPIRE + 1}, usersig.EXPIRED),
        ({"identifier": "someone-else"}, usersig.WRONG_IDENTIFIER),
        ({"sdkappid": SDKAPPID + 1}, usersig.WRONG_SDKAPPID),
        ({"key": KEY.upper()}, usersig.BAD_HMAC),
    ],
)
def test_the_verifier_refuses(change: dict[str, object], code: int) -> None:
    args: dict[str, object] = {
        "sdkappid": SDKAPPID,
        "key": KEY,
        "identifier": IDENTIFIER,
        "now": TIME + EXPIRE,  # the last second it is valid
        **change,
    }
    with pytest.raises(UserSigRejected) as refused:
        verify_usersig(own(), **args)  # type: ignore[arg-type]
    assert refused.value.code == code


@pytest.mark.parametrize("bad", ["", "not-a-sig", "eJzLSM3JyQcABiwCFQ__"])
def test_what_is_no_usersig_is_malformed(bad: str) -> None:
    with pytest.raises(UserSigRejected) as refused:
        decode_usersig(bad)
    assert refused.value.code == usersig.MALFORMED


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_the_admin_usersig_is_cached_and_renewed_well_before_it_expires() -> None:
    clock = Clock(1_800_000_000.0)
    creds = TrtcCredentials(sdkappid=SDKAPPID, key=KEY, admin="administrator")
    auth = AdminAuth(creds, ttl_seconds=3600, clock=clock, rng=random.Random(1))
    first = auth.usersig()
    clock.t += 1799
    assert auth.usersig() == first  # cached for half its life
    clock.t += 1
    renewed = auth.usersig()
    assert renewed != first
    fields = verify_usersig(
        renewed, sdkappid=SDKAPPID, key=KEY, identifier="administrator", now=clock.t
    )
    # Whatever moment a call is made, its UserSig has at least half its life left.
    assert fields.expires_at - clock.t >= 1800


def test_every_call_carries_a_fresh_uint32_random() -> None:
    creds = TrtcCredentials(sdkappid=SDKAPPID, key=KEY, admin="administrator")
    auth = AdminAuth(creds, clock=Clock(1_800_000_000.0), rng=random.Random(3))
    queries = [auth.query() for _ in range(50)]
    randoms = [int(q["random"]) for q in queries]
    assert len(set(randoms)) == 50 and all(0 <= r < 2**32 for r in randoms)
    assert queries[0]["identifier"] == "administrator" and queries[0]["contenttype"] == "json"
    assert queries[0]["sdkappid"] == str(SDKAPPID)


def test_credentials_are_required_and_the_key_is_not_shown() -> None:
    with pytest.raises(ConfigError):
        AdminAuth(TrtcCredentials(sdkappid=SDKAPPID, key="", admin="administrator"))
    assert KEY not in repr(TrtcCredentials(sdkappid=SDKAPPID, key=KEY, admin="a"))
