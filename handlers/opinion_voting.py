"""Opinions before a meeting, for everyone taking part: give one opinion, vote on the others.

An opinion starts with [✍️ Give my opinion] under the request, or by replying to the request
message; the person then chooses whether others see their name (staff always do) — which
is also the confirmation that the text is meant as their opinion. Voting shows one opinion at
a time, the next one not yet voted on, like Pol.is: nobody has to read a long list first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import filters

from bot.i18n import N_, Translator
from bot.services import opinions
from handlers.deliberation_buttons import BrowseOpinions, ShowOpinion, VoteOpinion, WriteOpinion
from handlers.deliberation_errors import explained
from handlers.keyboards import inline
from handlers.render import esc
from handlers.toolkit import END, BotContext, Flow, FlowButton, Route, button, message

AWAIT_OPINION = "await_opinion"
CONFIRM = "confirm"
TIMEOUT = timedelta(hours=6)
TEXT = filters.TEXT & ~filters.COMMAND

VOTE_LABELS = {"agree": N_("👍 Agree"), "disagree": N_("👎 Disagree"), "pass": N_("Pass")}
VOTE_WORDS = {"agree": N_("agree"), "disagree": N_("disagree"), "pass": N_("pass")}


@dataclass(frozen=True)
class SendOpinion(FlowButton, prefix="op.send"):
    anonymous: bool


def request_replied_to(message_: Message | None) -> int | None:
    """The meeting topic a message replies to: read off the request's [Give my opinion]."""
    replied = message_.reply_to_message if message_ is not None else None
    markup = replied.reply_markup if replied is not None else None
    if markup is None:
        return None
    for row in markup.inline_keyboard:
        for key in row:
            press = WriteOpinion.parse(key.callback_data)
            if press is not None:
                return press.link
    return None


class _RepliesToRequest(filters.MessageFilter):
    def filter(self, message: Message) -> bool:
        return request_replied_to(message) is not None


REPLIES_TO_REQUEST = _RepliesToRequest(name="replies to an opinion request") & TEXT


# -- giving one's opinion ---------------------------------------------------------------------


async def _target(context: BotContext, link: int) -> None:
    target = await opinions.write_target(
        context.reads, person_id=context.me.id, meeting_topic_id=link, now=context.now
    )
    context.flow.data = {
        "link": target.meeting_topic_id,
        "number": target.topic_number,
        "title": target.topic_title,
        "anonymous": target.suggest_anonymous,
    }


@explained
async def begin_opinion(update: Update, context: BotContext, press: WriteOpinion) -> str:
    """[✍️ Give my opinion]: checked first (still gathered, one's own not given yet), then
    the person types it."""
    await _target(context, press.link)
    await ask_opinion(update, context)
    return AWAIT_OPINION


async def ask_opinion(update: Update, context: BotContext) -> None:
    """The question: the person's opinion on the topic, as one message."""
    data = context.flow.data
    context.ui.say(
        context.tr._(
            "Your opinion on {number} {title}, please: one message, at most {limit} "
            "characters (or /cancel).",
            number=esc(data["number"]),
            title=esc(data["title"]),
            limit=opinions.MAX_OPINION_CHARS,
        )
    )


def _take_text(context: BotContext) -> bool:
    text = context.text.strip()
    if len(text) > opinions.MAX_OPINION_CHARS:
        context.ui.say(
            context.tr._(
                "Please keep it under {limit} characters (this was {length}).",
                limit=opinions.MAX_OPINION_CHARS,
                length=len(text),
            )
        )
        return False
    context.flow.data["text"] = text
    return True


async def opinion_typed(update: Update, context: BotContext) -> str | None:
    """The opinion's text: shown back, to be sent with or without the person's name."""
    if not _take_text(context):
        return None
    await ask_confirm(update, context)
    return CONFIRM


@explained
async def opinion_by_reply(update: Update, context: BotContext) -> str | None:
    """A reply to the request message: its text is the opinion."""
    await _target(context, request_replied_to(update.effective_message) or 0)
    if not _take_text(context):
        return AWAIT_OPINION
    await ask_confirm(update, context)
    return CONFIRM


async def ask_confirm(update: Update, context: BotContext) -> None:
    """The opinion shown back, to send with the person's name or anonymously."""
    tr, data = context.tr, context.flow.data
    frame = context.flow.id
    named = inline(tr._("Send with my name"), SendOpinion(frame, False))
    anonymous = inline(tr._("Send anonymously"), SendOpinion(frame, True))
    if data["anonymous"]:  # their issue here is anonymous: suggest the same
        anonymous = inline("✓ " + tr._("Send anonymously"), SendOpinion(frame, True))
        rows = [[anonymous], [named]]
    else:
        rows = [[named], [anonymous]]
    context.ui.say(
        "\n".join(
            [
                tr._("Your opinion on {number}:", number=esc(data["number"])),
                f"<blockquote>{esc(data['text'])}</blockquote>",
                tr._(
                    "Others see your name “{name}”, or — anonymously — only “a resident”. "
                    "The liaison office always sees who wrote it.",
                    name=esc(context.me.first_name),
                ),
            ]
        ),
        InlineKeyboardMarkup(rows),
    )


@explained
async def send_opinion(update: Update, context: BotContext, press: SendOpinion) -> str:
    """Name or anonymous chosen: the opinion is recorded (checked again: the meeting may
    have started meanwhile)."""
    tr, data = context.tr, context.flow.data
    await opinions.submit(
        context.uow,
        person_id=context.me.id,
        meeting_topic_id=int(data["link"]),
        text=str(data["text"]),
        anonymous=press.anonymous,
        now=context.now,
    )
    context.ui.edit(
        tr._("Thank you: your opinion on {number} was added.", number=esc(data["number"]))
        + "\n"
        + (
            tr._("Others see it anonymously.") if press.anonymous else tr._("Others see your name.")
        ),
        InlineKeyboardMarkup(
            [[inline(tr._("🗳 Read and vote on the others"), BrowseOpinions(int(data["link"])))]]
        ),
    )
    return END


def flow() -> Flow:
    return Flow(
        name="opinion",
        title=N_("your opinion before the meeting"),
        timeout=TIMEOUT,
        entry=[
            button(WriteOpinion, begin_opinion),
            message(REPLIES_TO_REQUEST, opinion_by_reply),
        ],
        states={
            AWAIT_OPINION: [message(TEXT, opinion_typed)],
            CONFIRM: [button(SendOpinion, send_opinion)],
        },
        prompts={AWAIT_OPINION: ask_opinion, CONFIRM: ask_confirm},
        restart=True,
    )


# -- reading and voting -----------------------------------------------------------------------


def _card(tr: Translator, card: opinions.OpinionCard) -> tuple[str, InlineKeyboardMarkup]:
    author = esc(card.author) if card.author is not None else tr._("a resident")
    if card.anonymous and card.author is not None:
        author = tr._("{name} (anonymous to others)", name=author)
    lines = [
        tr._(
            "<b>{number} {title}</b> · opinion {position} of {count}",
            number=esc(card.topic_number),
            title=esc(card.topic_title),
            position=card.position + 1,
            count=card.count,
        ),
        f"<blockquote>{esc(card.text)}</blockquote>",
        f"— {author}",
    ]
    rows = []
    if card.own:
        lines.append(tr._("This is your own opinion."))
    else:
        if card.my_vote is not None:
            lines.append(tr._("Your vote: {vote}", vote=tr._(VOTE_WORDS[card.my_vote])))
        rows.append(
            [
                inline(
                    ("✓ " if card.my_vote == vote else "") + tr._(label),
                    VoteOpinion(card.opinion_id, vote),  # type: ignore[arg-type]
                )
                for vote, label in VOTE_LABELS.items()
            ]
        )
    if card.count > 1:
        previous = (card.position - 1) % card.count
        following = (card.position + 1) % card.count
        rows.append(
            [
                inline("‹", ShowOpinion(card.meeting_topic_id, previous)),
                inline("›", ShowOpinion(card.meeting_topic_id, following)),
            ]
        )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _all_seen(tr: Translator, link: int) -> tuple[str, InlineKeyboardMarkup]:
    return (
        tr._(
            "You have seen every opinion on this topic so far. Thank you! You can change a "
            "vote until the meeting starts."
        ),
        InlineKeyboardMarkup([[inline(tr._("From the first one"), ShowOpinion(link, 0))]]),
    )


async def _show(context: BotContext, link: int, position: int | None, *, new: bool) -> None:
    """The card (or why there is none): a new message under a request, which stays as it
    is; in place when moving between cards."""
    tr = context.tr
    show = context.ui.say if new else context.ui.edit
    card = await opinions.card(
        context.reads, person_id=context.me.id, meeting_topic_id=link, position=position
    )
    if card is not None:
        show(*_card(tr, card))
        return
    if position is None:
        everyone = await opinions.card(
            context.reads, person_id=context.me.id, meeting_topic_id=link, position=0
        )
        if everyone is not None:
            show(*_all_seen(tr, link))
            return
    show(
        tr._("Nobody has given an opinion on this topic yet."),
        InlineKeyboardMarkup([[inline(tr._("✍️ Give my opinion"), WriteOpinion(link))]]),
    )


@explained
async def browse(update: Update, context: BotContext, press: BrowseOpinions) -> None:
    """[🗳 Read and vote]: the first opinion the person has not voted on."""
    context.ui.answer()
    await _show(context, press.link, None, new=True)


@explained
async def show(update: Update, context: BotContext, press: ShowOpinion) -> None:
    """‹ and ›: the opinion before or after."""
    await _show(context, press.link, press.position, new=False)


@explained
async def vote(update: Update, context: BotContext, press: VoteOpinion) -> None:
    """A vote (a second one replaces the first); then the next opinion not voted on."""
    link = await opinions.vote(
        context.uow,
        person_id=context.me.id,
        opinion_id=press.opinion,
        vote=press.vote,
        now=context.now,
    )
    tr = context.tr
    context.ui.answer(tr._("Noted: {vote}.", vote=tr._(VOTE_WORDS[press.vote])))
    card = await opinions.card(
        context.uow, person_id=context.me.id, meeting_topic_id=link, position=None
    )
    if card is None:
        context.ui.edit(*_all_seen(tr, link))
    else:
        context.ui.edit(*_card(tr, card))


def routes() -> list[Route]:
    return [
        button(BrowseOpinions, browse),
        button(ShowOpinion, show),
        button(VoteOpinion, vote),
    ]
