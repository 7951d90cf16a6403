from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.roles import RoleName
from bot.services.invites import InvalidInvite, make_invite, read_invite

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
KEY = b"k" * 32


def test_round_trip_and_length() -> None:
    payload = make_invite(KEY, 7, RoleName.STAFF, NOW)
    assert len(payload) <= 64
    assert payload.replace("-", "").replace("_", "").isalnum()
    invite = read_invite(KEY, payload, NOW)
    assert (invite.township_id, invite.role) == (7, RoleName.STAFF)


def test_tampered_expired_and_foreign_keys_fail() -> None:
    payload = make_invite(KEY, 7, RoleName.MEMBER, NOW)
    with pytest.raises(InvalidInvite):
        read_invite(b"x" * 32, payload, NOW)
    with pytest.raises(InvalidInvite):
        read_invite(KEY, payload, NOW + timedelta(days=8))
    with pytest.raises(InvalidInvite):
        read_invite(KEY, payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB"), NOW)
    with pytest.raises(InvalidInvite):
        read_invite(KEY, "inv-%%%", NOW)
