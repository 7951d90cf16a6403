"""Word segmentation and the small hand-made word lists the grouping logic relies on.

jieba is used read-only through its default tokenizer so that the bot holds a single copy
of the dictionary in memory (about 70 MB) whichever module segments text first.
"""

from __future__ import annotations

import logging
import threading
from enum import Enum
from functools import lru_cache

import jieba


class WordClass(Enum):
    """How a dictionary word behaves at the edge of a place name."""

    STOP = "stop"
    VERB = "verb"
    PROPER = "proper"
    OTHER = "other"


_init_lock = threading.Lock()
_word_classes: dict[str, WordClass] | None = None

# Dictionary parts of speech that never belong inside a place name: prepositions,
# conjunctions, particles, pronouns, adverbs, locatives (附近/旁边), modal particles,
# interjections, onomatopoeia, idioms and fixed phrases and measure words.
_STOP_POS = frozenset(
    {"p", "c", "u", "uj", "ul", "uz", "ug", "uv", "ud", "r", "d", "f", "y", "e", "o", "i", "l"}
    | {"q", "ad", "mq"}
)
# Verbs usually end a place name ("附近建搅拌站"), but street and village names are often
# built from them (解放路, 建设村), so places.py lets them through in that one position.
_VERB_POS = frozenset({"v", "vg", "vd"})
# Proper nouns: a dictionary word with one of these tags is a name, not a generic facility.
_PROPER_POS = frozenset({"ns", "nt", "nz"})

# Words that introduce or frame a complaint. They are never part of a place name and
# carry no information about the matter itself, so they are also dropped from terms.
REQUEST_WORDS = frozenset(
    """
    投诉 反映 举报 咨询 关于 请问 请求 恳请 建议 希望 要求 申请 询问 求助 求 请 望
    问题 情况 事宜 事情 事项 一事 相关 有关 部门 相关部门 有关部门 政府 领导 书记 市长 局长
    为什么 为何 何时 什么 什么时候 怎么 怎么办 如何 能否 是否 能不能 可否 可以 何去何从
    解决 处理 落实 答复 回复 整改 严查 查处 管管 管一管 帮忙 帮助 给予 尽快 早日 急需 急
    严重 非常 十分 特别 长期 一直 多次 再次 屡次 仍然 依然 还是 还 又 再 已经 终于 竟然
    我们 我 你们 您 他们 大家 本人 网友 市民 居民 业主 群众 百姓 老百姓
    的 了 吗 呢 吧 啊 呀 嘛 么 和 与 及 或 并 在 对 把 被 给 向 从 到 是 有 没有 无 不 没
    一个 一些 这个 那个 这些 这样 那样 该 此 本 其 之 等 个 位 请问一下 一下 下
    """.split()
)

# Place-name stems that only point at "some place" rather than a specific one.
GENERIC_PLACE_NAMES = frozenset(
    """
    本 该 此 这 那 我 我们 我家 我们家 自家 附近 周边 周围 旁边 对面 门口 楼下 楼上 隔壁 当地
    小 大 老 新 旧 各 每 某 一 几 多 全 整个 所在 所属 一个 这个 那个 有的 部分 各个 有些
    居民 业主 农村 城市 城镇 城区 城乡 乡村 市区 县城 街头 路边 马路 道路 公路 公共 农民 学生
    """.split()
)


def tokenizer() -> jieba.Tokenizer:
    """The shared jieba tokenizer, initialised on first use."""
    dt: jieba.Tokenizer = jieba.dt
    if not dt.initialized:
        with _init_lock:
            if not dt.initialized:
                # jieba logs every initialisation at DEBUG to stderr; that is noise in a bot.
                logging.getLogger("jieba").setLevel(logging.WARNING)
                dt.initialize()
    return dt


def cut(text: str) -> list[str]:
    """Segment text into words (HMM on, so unseen names such as 丽发 stay together)."""
    if not text:
        return []
    words: list[str] = tokenizer().lcut(text, HMM=True)
    return words


def _load_word_classes() -> dict[str, WordClass]:
    classes: dict[str, WordClass] = {}
    with tokenizer().get_dict_file() as fh:
        for raw in fh:
            parts = raw.decode("utf-8").split()
            if len(parts) != 3:
                continue
            pos = parts[2]
            if pos in _STOP_POS:
                classes[parts[0]] = WordClass.STOP
            elif pos in _VERB_POS:
                classes[parts[0]] = WordClass.VERB
            elif pos in _PROPER_POS:
                classes[parts[0]] = WordClass.PROPER
    return classes


@lru_cache(maxsize=65536)
def word_class(word: str) -> WordClass:
    """Classify a segmented word for place-name boundary decisions."""
    global _word_classes
    if word in REQUEST_WORDS or not any(ch.isalnum() for ch in word):
        return WordClass.STOP
    if _word_classes is None:
        with _init_lock:
            if _word_classes is None:
                _word_classes = _load_word_classes()
    return _word_classes.get(word, WordClass.OTHER)


def in_dictionary(word: str) -> bool:
    """True when jieba knows ``word`` as a word of its own (not just a prefix)."""
    return int(tokenizer().FREQ.get(word, 0)) > 0
