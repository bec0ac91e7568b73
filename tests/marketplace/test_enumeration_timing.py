"""Issue 12, finding 10: registering a taken address and a new one, and logging in as nobody or
with a wrong password, do the same password-hashing work, so the time of the answer does not tell
which addresses have accounts. Counted on argon2's hasher itself (not timed by the clock)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from marketplace.accounts import services as svc

PASSWORD = "correct horse 42"


@pytest.fixture
def argon2_calls(monkeypatch):
    """Counts of PasswordHasher.hash and .verify calls (the real functions still run)."""
    calls = {"hash": 0, "verify": 0}
    for name in calls:
        real = getattr(PasswordHasher, name)

        def counted(self, *args, _real=real, _name=name, **kwargs):
            calls[_name] += 1
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(PasswordHasher, name, counted)

    def take() -> dict:
        seen = dict(calls)
        calls.update(dict.fromkeys(calls, 0))
        return seen

    return take


def _register(client, email):
    return client.post("/account/register", data={"email": email, "name": "", "password": "brave new pass 9",
                                                   "confirm": "brave new pass 9", "consent": "y"})


def test_registering_a_taken_address_hashes_like_a_new_one(app, make_user, argon2_calls):
    make_user(email="taken@example.com")
    argon2_calls()
    assert _register(app.test_client(), "taken@example.com").status_code == 302
    taken = argon2_calls()
    assert _register(app.test_client(), "fresh@example.com").status_code == 302
    fresh = argon2_calls()
    assert taken == fresh
    assert fresh["hash"] == 1  # the one real hash of the new password


def test_register_service_hashes_on_both_paths(app, make_user, argon2_calls):
    make_user(email="taken@example.com")
    argon2_calls()
    assert svc.register_user("taken@example.com", "brave new pass 9", consent=True) is None
    taken = argon2_calls()
    assert svc.register_user("fresh@example.com", "brave new pass 9", consent=True) is not None
    assert argon2_calls() == taken == {"hash": 1, "verify": 0}


def test_login_as_nobody_verifies_like_a_wrong_password(app, make_user, argon2_calls):
    user = make_user()
    svc.authenticate("warm-up@example.com", PASSWORD)  # the stand-in hash is made once per process
    argon2_calls()
    assert svc.authenticate(user.email, "wrong password 1") is None
    wrong = argon2_calls()
    assert svc.authenticate("nobody@example.com", "wrong password 1") is None
    nobody = argon2_calls()
    assert wrong == nobody == {"hash": 0, "verify": 1}


def test_login_of_a_deactivated_account_verifies_like_the_others(app, make_user, argon2_calls):
    user = make_user(active=False)
    svc.authenticate("warm-up@example.com", PASSWORD)
    argon2_calls()
    assert svc.authenticate(user.email, PASSWORD) is None
    assert argon2_calls() == {"hash": 0, "verify": 1}


def test_the_stand_in_hash_follows_the_configured_cost(app, argon2_calls):
    from marketplace.accounts.passwords import dummy_hash

    first = dummy_hash()
    assert "t=1" in first and dummy_hash() == first
    app.config["ARGON2_TIME_COST"] = 2
    assert "t=2" in dummy_hash()
