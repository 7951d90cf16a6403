"""The office's template reasons for not taking an issue up.

Stored by key, so every person who hears of the rejection reads the reason in their own
language (the office may write in Simplified Chinese to a resident who reads English).
"""

from __future__ import annotations

from bot.i18n import N_

REJECTION_REASONS: dict[str, str] = {
    "remit": N_("Outside the township's remit — please call the 12345 hotline."),
    "resolved": N_("Already resolved."),
    "unclear": N_("Not enough information to act on."),
    "private": N_("A matter between private parties; please turn to mediation."),
}
