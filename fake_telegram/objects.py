"""Builders for Telegram JSON objects (users, chats, files) shared by the bot and user sides."""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

from fake_telegram.state import FileRecord, JsonDict

# Tiny but well-formed headers, so code that sniffs downloaded bytes sees the right type.
SAMPLE_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
SAMPLE_OGG = b"OggS\x00\x02" + bytes(20)
SAMPLE_PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SAMPLE_WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8 " + bytes(14)
SAMPLE_MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(12)

PHOTO_SIZES = ((90, 67), (320, 240), (800, 600), (1280, 960))

_KIND_DIRS = {
    "photo": ("photos", ".jpg", "image/jpeg"),
    "voice": ("voice", ".oga", "audio/ogg"),
    "document": ("documents", "", "application/octet-stream"),
    "video": ("videos", ".mp4", "video/mp4"),
    "video_note": ("video_notes", ".mp4", "video/mp4"),
    "audio": ("music", ".mp3", "audio/mpeg"),
    "animation": ("animations", ".mp4", "video/mp4"),
    "sticker": ("stickers", ".webp", "image/webp"),
    "thumbnail": ("thumbnails", ".jpg", "image/jpeg"),
}
_PREFIXES = {
    "photo": "AgAC",
    "voice": "AwAC",
    "document": "BQAC",
    "video": "BAAC",
    "video_note": "DQAC",
    "audio": "CQAC",
    "animation": "CgAC",
    "sticker": "CAAC",
    "thumbnail": "AAMC",
}


class FileStore:
    """Every file the fake has seen, by file_id and by the path getFile hands out."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self.by_id: dict[str, FileRecord] = {}
        self.by_path: dict[str, FileRecord] = {}

    def create(
        self,
        kind: str,
        content: bytes,
        *,
        mime_type: str | None = None,
        file_name: str | None = None,
    ) -> FileRecord:
        n = next(self._counter)
        digest = hashlib.sha1(f"{kind}:{n}".encode()).hexdigest()
        folder, suffix, default_mime = _KIND_DIRS.get(kind, _KIND_DIRS["document"])
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1]
        # Real file ids never look like JSON numbers; form-data decoding relies on that.
        record = FileRecord(
            file_id=f"{_PREFIXES.get(kind, 'BQAC')}AgIfake{digest[:24]}",
            file_unique_id=f"AQAD{digest[24:36]}",
            file_path=f"{folder}/file_{n}{suffix}",
            content=content,
            kind=kind,
            mime_type=mime_type or default_mime,
            file_name=file_name,
        )
        self.by_id[record.file_id] = record
        self.by_path[record.file_path] = record
        if kind == "photo":
            # The smaller PhotoSize ids must resolve too: bots often pick photo[0].
            for width, _height in PHOTO_SIZES[:-1]:
                self.by_id[f"{record.file_id}_{width}"] = record
        return record

    def get(self, file_id: str) -> FileRecord | None:
        return self.by_id.get(file_id)


def user_object(
    user_id: int,
    first_name: str,
    *,
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = None,
    is_bot: bool = False,
) -> JsonDict:
    user: JsonDict = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
    if last_name:
        user["last_name"] = last_name
    if username:
        user["username"] = username
    if language_code:
        user["language_code"] = language_code
    return user


def private_chat_object(user: JsonDict) -> JsonDict:
    chat: JsonDict = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    for key in ("last_name", "username"):
        if key in user:
            chat[key] = user[key]
    return chat


def group_chat_object(chat_id: int, title: str, chat_type: str = "supergroup") -> JsonDict:
    return {"id": chat_id, "type": chat_type, "title": title}


def photo_sizes(record: FileRecord) -> list[JsonDict]:
    # Telegram returns each size as its own file; the largest one keeps the uploaded bytes.
    sizes: list[JsonDict] = []
    for index, (width, height) in enumerate(PHOTO_SIZES):
        last = index == len(PHOTO_SIZES) - 1
        sizes.append(
            {
                "file_id": record.file_id if last else f"{record.file_id}_{width}",
                "file_unique_id": f"{record.file_unique_id}{index}",
                "file_size": record.size if last else max(1, record.size * (index + 1) // 4),
                "width": width,
                "height": height,
            }
        )
    return sizes


def media_object(kind: str, record: FileRecord, **extra: Any) -> Any:
    """The value of ``message[kind]`` for a file of the given kind."""
    if kind == "photo":
        return photo_sizes(record)
    obj: JsonDict = {
        "file_id": record.file_id,
        "file_unique_id": record.file_unique_id,
        "file_size": record.size,
    }
    if kind in ("voice", "audio", "video", "video_note", "animation"):
        obj["duration"] = int(extra.get("duration") or 1)
    if kind in ("video", "animation"):
        obj.update(width=int(extra.get("width") or 640), height=int(extra.get("height") or 480))
    if kind == "video_note":
        obj["length"] = int(extra.get("length") or 240)
    if kind == "sticker":
        obj.update(
            type="regular",
            width=512,
            height=512,
            is_animated=False,
            is_video=False,
            emoji=extra.get("emoji") or "👍",
        )
    if kind in ("voice", "audio", "video", "document", "animation") and record.mime_type:
        obj["mime_type"] = record.mime_type
    if kind in ("document", "audio", "video", "animation") and record.file_name:
        obj["file_name"] = record.file_name
    return obj


def sample_content(kind: str) -> bytes:
    return {
        "photo": SAMPLE_JPEG,
        "voice": SAMPLE_OGG,
        "sticker": SAMPLE_WEBP,
        "video": SAMPLE_MP4,
        "video_note": SAMPLE_MP4,
        "animation": SAMPLE_MP4,
    }.get(kind, SAMPLE_PDF)


def command_entities(text: str) -> list[JsonDict]:
    """Telegram marks a leading ``/command`` (optionally ``@botname``) as a bot_command."""
    if not text.startswith("/"):
        return []
    head = text.split(maxsplit=1)[0] if text.strip() else text
    if len(head) < 2:
        return []
    return [{"type": "bot_command", "offset": 0, "length": len(head.encode("utf-16-le")) // 2}]


def describe_message(payload: JsonDict) -> str:
    """One readable line for transcripts: the text, or a bracketed tag for media."""
    if "text" in payload:
        return str(payload["text"])
    caption = payload.get("caption")
    suffix = f" {caption}" if caption else ""
    if "photo" in payload:
        return ("[photo (album)]" if payload.get("media_group_id") else "[photo]") + suffix
    if "voice" in payload:
        return f"[voice {payload['voice'].get('duration', 0)}s]{suffix}"
    if "location" in payload:
        loc = payload["location"]
        return f"[location {loc['latitude']}, {loc['longitude']}]"
    if "sticker" in payload:
        return f"[sticker {payload['sticker'].get('emoji', '')}]"
    if "document" in payload:
        return f"[document {payload['document'].get('file_name', '')}]{suffix}"
    if "contact" in payload:
        contact = payload["contact"]
        return f"[contact {contact.get('first_name', '')} {contact.get('phone_number', '')}]"
    for kind in ("video_note", "video", "audio", "animation"):
        if kind in payload:
            return f"[{kind.replace('_', ' ')}]{suffix}"
    if "new_chat_members" in payload:
        names = ", ".join(str(u.get("first_name")) for u in payload["new_chat_members"])
        return f"[joined: {names}]"
    return "[message]"


def button_rows_text(markup: JsonDict | None) -> str:
    """Renders keyboards as ``[a] [b]`` lines, so transcripts show what the user could tap."""
    if not markup:
        return ""
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    lines = []
    for row in rows:
        labels = [b if isinstance(b, str) else str(b.get("text", "")) for b in row]
        lines.append(" ".join(f"[{label}]" for label in labels))
    return "\n".join(lines)


_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
)


def chat_member_object(user: JsonDict, status: str) -> JsonDict:
    """A ChatMember with the fields PTB requires for each status."""
    member: JsonDict = {"status": status, "user": dict(user)}
    if status in ("creator", "administrator"):
        member["is_anonymous"] = False
    if status == "administrator":
        member.update(dict.fromkeys(_ADMIN_RIGHTS, True))
        member["can_be_edited"] = False
    if status == "kicked":
        member["until_date"] = 0
    return member
