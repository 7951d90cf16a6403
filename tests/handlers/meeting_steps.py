"""Steps that meeting chat tests share: a staff member creating a meeting through the flow."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import zxingcpp

from bot.i18n import translator
from fake_telegram import BotMessage, SimUser
from handlers.meeting_buttons import SelectTopic
from tests.harness import BotHarness, expect

ZH = translator("zh_Hans")
WHERE = (
    "Where? Type the address (the deliberation room, or a village square). You can also send "
    "a location pin first, so invitees get it on a map."
)
WHEN_QUESTION = (
    "When does the meeting start? Type the date and time, for example "
    "12月5日晚上7点 or 下周三下午三点, or pick a day."
)
SEATS = "How many seats are there? Type a number — or press “No limit”."
MEMBERS = (
    "The raisers and supporters of the topics' issues are invited. Invite the township's "
    "CPPCC members too? (You can add or remove people later.)"
)


async def create_meeting(
    harness: BotHarness,
    staff: SimUser,
    topic_id: int,
    *,
    when: str = "12月5日晚上7点",
    capacity: str | None = None,
) -> BotMessage:
    """From "select for deliberation" on the topic to the created meeting's card."""
    await staff.command("help")
    await expect(staff, "使用说明")
    await staff.press(SelectTopic(topic_id).data(), staff.bot_messages()[-1], check=False)
    await expect(staff, ZH._("{number} is selected for deliberation.", number="YT-2026-0001"))
    await staff.press_button(ZH._("📅 Schedule a meeting"))
    topics = await expect(
        staff, ZH._("Which topics will the meeting deliberate? Press to choose, then “Next”.")
    )
    assert topics.buttons[0].startswith("✓ YT-2026-0001")
    await staff.press_button(ZH._("Next ›"))
    # Each question, once answered, becomes its answer (after the next question is sent).
    await expect(staff, ZH._(WHEN_QUESTION))
    await expect(staff, ZH._("Topics: {topics}", topics="YT-2026-0001 东门路灯"))
    await staff.send(when)
    echo = await expect(staff, "2026年12月5日 星期六 19:00")
    await staff.press(echo.inline_keyboard[0][0][1] or "", echo)
    await expect(staff, ZH._("How long will it take? Press, or type the minutes."))
    await expect(staff, ZH._("Time: {when}", when="2026年12月5日 星期六 19:00"))
    await staff.press_button(ZH._("{minutes} min", minutes=90))
    await expect(staff, ZH._("On site, online, or both?"))
    await expect(staff, ZH._("Length: about {minutes} minutes", minutes=90))
    await staff.press_button(ZH._("On site"))
    await expect(staff, ZH._(WHERE))
    await expect(staff, ZH._("Format: {format}", format=ZH._("On site")))
    await staff.send_location(30.5, 114.3)
    await expect(staff, ZH._("Location saved. Now type the address or the name of the place."))
    await staff.send("东风镇协商议事室（镇政府二楼）")
    await expect(
        staff, ZH._("Type the agenda, one item per line — or skip, and the topics are the agenda.")
    )
    await staff.send("通报东门路灯情况\n听取居民意见\n商定维修方案")
    await expect(staff, ZH._(SEATS))
    if capacity is None:
        await staff.press_button(ZH._("No limit"))
    else:
        await staff.send("0")
        await expect(staff, ZH._("The number of seats must be a whole number of at least 1."))
        await staff.send(capacity)
    await expect(
        staff, ZH._("A short note for the invitees (what to bring, who may come) — or skip.")
    )
    if capacity is None:
        await expect(staff, ZH._("Seats: {seats}", seats=ZH._("no limit")))
    await staff.send("请带上身份证")
    await expect(staff, ZH._(MEMBERS))
    await staff.press_button(ZH._("Yes, all members"))
    summary = await expect(
        staff,
        ZH._("<b>Please check the meeting before it is created:</b>")
        .replace("<b>", "")
        .replace("</b>", ""),
    )
    await expect(staff, ZH._("CPPCC members: invited"))
    assert "东风镇协商议事室" in summary.text and "商定维修方案" in summary.text
    await staff.press_button(ZH._("✅ Create and invite"))
    card = await expect(staff, "HY-2026-0001")
    await expect(staff, "已邀请")  # the summary, rewritten into what was done
    return card


def png_pixels(png: bytes) -> np.ndarray:
    """A greyscale PNG of at most 8 bits per pixel (as segno writes it) as a uint8 array."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    position, data, width, height, depth = 8, b"", 0, 0, 0
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        body = png[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height, depth = struct.unpack(">IIB", body[:9])
        elif kind == b"IDAT":
            data += body
        position += 12 + length
    raw = zlib.decompress(data)
    stride = (width * depth + 7) // 8
    previous = bytearray(stride)
    rows = []
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for x in range(stride):  # PNG's filters, one byte per pixel step at these depths
            left = line[x - 1] if x else 0
            up, corner = previous[x], previous[x - 1] if x else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                guess = left + up - corner
                best = min(
                    (abs(guess - left), 0, left),
                    (abs(guess - up), 1, up),
                    (abs(guess - corner), 2, corner),
                )
                line[x] = (line[x] + best[2]) & 0xFF
        previous = line
        bits = np.unpackbits(np.frombuffer(bytes(line), dtype=np.uint8))
        rows.append(
            bits[:width] * 255 if depth == 1 else np.frombuffer(bytes(line), dtype=np.uint8)
        )
    return np.array(rows, dtype=np.uint8)


def decode_qr(png: bytes) -> str:
    [found] = zxingcpp.read_barcodes(png_pixels(png))
    return str(found.text)
