"""The session cookie's signer is made once per key (security.SigningOnceSessionInterface), and a key rotation
still works as Flask documents it: a cookie signed with the old key is read while that key is a fallback, and
refused once it is not."""
from __future__ import annotations


def test_a_rotated_key_reads_old_cookies_through_its_fallback_and_refuses_them_without(app):
    client = app.test_client()
    with client.session_transaction() as session:
        session["lang"] = "en"
    old = app.secret_key
    app.config["SECRET_KEY"] = "a-new-key-of-at-least-thirty-two-characters-0001"
    app.config["SECRET_KEY_FALLBACKS"] = [old]
    with client.session_transaction() as session:
        assert session.get("lang") == "en"
    app.config["SECRET_KEY_FALLBACKS"] = []
    with client.session_transaction() as session:
        assert "lang" not in session
    app.config["SECRET_KEY"] = old
    with client.session_transaction() as session:
        assert session.get("lang") == "en"  # the same key again: the same answer as before
