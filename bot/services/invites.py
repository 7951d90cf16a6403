"""Invite links for roles: `/start inv-…` grants a role once, without typing Telegram ids.

The link carries its own proof (an HMAC of township, role, expiry and a nonce), so no
table is needed; the audit log remembers used nonces, which makes each link single-use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.errors import DomainError
from bot.domain.roles import RoleName
from bot.services.roles import grant_role
from storage.uow import UnitOfWork

PREFIX = "inv-"
VALIDITY = timedelta(days=7)
_ROLE_CODES = {RoleName.STAFF: 1, RoleName.MEMBER: 2, RoleName.ADMIN: 3}
_ROLES_BY_CODE = {code: role for role, code in _ROLE_CODES.items()}
_LAYOUT = ">IBI4s"  # township id, role code, expiry (unix hours), nonce
_MAC_BYTES = 10


class InvalidInvite(DomainError):
    """Forged, expired or already used."""


@dataclass(frozen=True)
class Invite:
    township_id: int
    role: RoleName
    expires_at: datetime
    nonce: str


def _mac(secret: bytes, body: bytes) -> bytes:
    return hmac.new(secret, body, hashlib.sha256).digest()[:_MAC_BYTES]


def make_invite(secret: bytes, township_id: int, role: RoleName, now: datetime) -> str:
    """A deep-link payload (at most 64 URL-safe characters, as Telegram requires)."""
    expiry_hours = int((now + VALIDITY).timestamp() // 3600)
    body = struct.pack(
        _LAYOUT, township_id, _ROLE_CODES[role], expiry_hours, secrets.token_bytes(4)
    )
    token = base64.urlsafe_b64encode(body + _mac(secret, body)).decode().rstrip("=")
    return PREFIX + token


def read_invite(secret: bytes, payload: str, now: datetime) -> Invite:
    if not payload.startswith(PREFIX):
        raise InvalidInvite("not an invite")
    raw = payload[len(PREFIX) :]
    try:
        data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except ValueError as exc:
        raise InvalidInvite("malformed") from exc
    size = struct.calcsize(_LAYOUT)
    body, mac = data[:size], data[size:]
    if len(body) != size or not hmac.compare_digest(mac, _mac(secret, body)):
        raise InvalidInvite("bad signature")
    township_id, role_code, expiry_hours, nonce = struct.unpack(_LAYOUT, body)
    expires_at = datetime.fromtimestamp(expiry_hours * 3600, tz=now.tzinfo)
    if expires_at < now or role_code not in _ROLES_BY_CODE:
        raise InvalidInvite("expired")
    return Invite(township_id, _ROLES_BY_CODE[role_code], expires_at, nonce.hex())


async def redeem(
    uow: UnitOfWork, secret: bytes, payload: str, *, telegram_id: int, now: datetime
) -> Invite:
    """Grant the invite's role to whoever opened it, once."""
    invite = read_invite(secret, payload, now)
    if await uow.audit.exists(action="invite.used", object_type="invite", object_id=invite.nonce):
        raise InvalidInvite("used")
    await uow.audit.record(
        at=now,
        actor_id=None,
        action="invite.used",
        object_type="invite",
        object_id=invite.nonce,
        details={"telegram_id": telegram_id},
    )
    # They read "you are now …" in the greeting; a push saying it again is not needed.
    await grant_role(
        uow,
        township_id=invite.township_id,
        telegram_id=telegram_id,
        role=invite.role,
        now=now,
        tell=False,
    )
    return invite
