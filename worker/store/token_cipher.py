"""How OAuth tokens are kept at rest: Fernet (from ``cryptography``) when the operator gives a
key, else marked plain. Each stored value says which, so a store written with a key is never
read as if it were clear, and a missing or wrong key is an error that names the fix."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken

from worker.exceptions import ConfigError

FERNET = "fernet:"
PLAIN = "plain:"
KEY_HINT = "MEETING_SYNC_OAUTH_KEY"


class TokenCipher:
    def __init__(self, key: str = "") -> None:
        self._fernet: Fernet | None = None
        if key:
            try:
                self._fernet = Fernet(key.encode("ascii"))
            except (ValueError, UnicodeEncodeError):
                # Never echo the key: it is the secret that guards every token.
                raise ConfigError(
                    f"${KEY_HINT} is not a Fernet key (32 url-safe base64-encoded bytes); "
                    "make one with: python -c 'from cryptography.fernet import Fernet; "
                    "print(Fernet.generate_key().decode())'"
                ) from None

    @property
    def encrypts(self) -> bool:
        return self._fernet is not None

    def seal(self, token: str) -> str:
        if self._fernet is None:
            return PLAIN + token
        return FERNET + self._fernet.encrypt(token.encode("utf-8")).decode("ascii")

    def open(self, stored: str) -> str:
        if stored.startswith(PLAIN):
            return stored.removeprefix(PLAIN)
        if not stored.startswith(FERNET):
            raise ConfigError("an oauth_tokens value was not written by meeting-sync")
        if self._fernet is None:
            raise ConfigError(
                f"the OAuth tokens are encrypted: set ${KEY_HINT} to the key they were written with"
            )
        try:
            return self._fernet.decrypt(stored.removeprefix(FERNET).encode("ascii")).decode()
        except InvalidToken:
            raise ConfigError(
                f"the OAuth tokens do not decrypt with ${KEY_HINT}: it is not the key they "
                "were written with"
            ) from None
