"""Word segmentation and the small hand-made word lists the grouping logic relies on.

jieba is used read-only through its default tokenizer so that the bot holds a single copy
of the dictionary in memory (about 70 MB) whichever module segments text first.
"""

from __future__ import annotations

import logging
import threading
import zlib
from array import array
from bisect import bisect_left
from enum import Enum

import jieba


class WordClass(Enum):
    """How a dictionary word behaves at the edge of a place name."""

    STOP = "stop"
    VERB = "verb"
    PROPER = "proper"
    OTHER = "other"


_init_lock = threading.RLock()  # re-entered: loading word classes initialises jieba
_word_classes: _ClassTable | None = None

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
    [
        "投诉",
        "反映",
        "举报",
        "咨询",
        "关于",
        "请问",
        "请求",
        "恳请",
        "建议",
        "希望",
        "要求",
        "申请",
        "询问",
        "求助",
        "求",
        "请",
        "望",
        "问题",
        "情况",
        "事宜",
        "事情",
        "事项",
        "一事",
        "相关",
        "有关",
        "部门",
        "相关部门",
        "有关部门",
        "政府",
        "领导",
        "书记",
        "市长",
        "局长",
        "为什么",
        "为何",
        "何时",
        "什么",
        "什么时候",
        "怎么",
        "怎么办",
        "如何",
        "能否",
        "是否",
        "能不能",
        "可否",
        "可以",
        "何去何从",
        "解决",
        "处理",
        "落实",
        "答复",
        "回复",
        "整改",
        "严查",
        "查处",
        "管管",
        "管一管",
        "帮忙",
        "帮助",
        "给予",
        "尽快",
        "早日",
        "急需",
        "急",
        "严重",
        "非常",
        "十分",
        "特别",
        "长期",
        "一直",
        "多次",
        "再次",
        "屡次",
        "仍然",
        "依然",
        "还是",
        "还",
        "又",
        "再",
        "已经",
        "终于",
        "竟然",
        "我们",
        "我",
        "你们",
        "您",
        "他们",
        "大家",
        "本人",
        "网友",
        "市民",
        "居民",
        "业主",
        "群众",
        "百姓",
        "老百姓",
        "的",
        "了",
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "嘛",
        "么",
        "和",
        "与",
        "及",
        "或",
        "并",
        "在",
        "对",
        "把",
        "被",
        "给",
        "向",
        "从",
        "到",
        "是",
        "有",
        "没有",
        "无",
        "不",
        "没",
        "一个",
        "一些",
        "这个",
        "那个",
        "这些",
        "这样",
        "那样",
        "该",
        "此",
        "本",
        "其",
        "之",
        "等",
        "个",
        "位",
        "请问一下",
        "一下",
        "下",
        "看法",
        "想法",
        "意见",
        "几点",
        "一点",
        "疑问",
        "疑惑",
        "呼吁",
        "心声",
        "诉求",
        "反馈",
        "留言",
    ]
)

# Place-name stems that only point at "some place" rather than a specific one.
GENERIC_PLACE_NAMES = frozenset(
    [
        "本",
        "该",
        "此",
        "这",
        "那",
        "我",
        "我们",
        "我家",
        "我们家",
        "自家",
        "附近",
        "周边",
        "周围",
        "旁边",
        "对面",
        "门口",
        "楼下",
        "楼上",
        "隔壁",
        "当地",
        "小",
        "大",
        "老",
        "新",
        "旧",
        "各",
        "每",
        "某",
        "一",
        "几",
        "多",
        "全",
        "整个",
        "所在",
        "所属",
        "一个",
        "这个",
        "那个",
        "有的",
        "部分",
        "各个",
        "有些",
        "居民",
        "业主",
        "农村",
        "城市",
        "城镇",
        "城区",
        "城乡",
        "乡村",
        "市区",
        "县城",
        "街头",
        "路边",
        "马路",
        "道路",
        "公路",
        "公共",
        "农民",
        "学生",
        "整条",
        "一条",
        "这条",
        "那条",
        "每条",
        "全部",
        "所有",
    ]
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


class _ClassTable:
    """Word classes keyed by crc32 of the word, in two flat arrays.

    A dict of 116,000 words costs about 15 MB (the word strings dominate); sorted
    32-bit hashes with one class byte each cost under 1 MB. A collision between an
    unknown word and a dictionary word has odds of about 1 in 40,000 and only moves a
    place-name boundary, so it is accepted. A small cache keeps frequent words fast.
    """

    __slots__ = ("_cache", "_classes", "_hashes")

    _CODES = (WordClass.OTHER, WordClass.STOP, WordClass.VERB, WordClass.PROPER)

    def __init__(self, hashes: array[int], classes: bytearray) -> None:
        # Sort both by hash without building per-word Python objects.
        order = sorted(range(len(hashes)), key=hashes.__getitem__)
        self._hashes = array("I", (hashes[i] for i in order))
        self._classes = bytes(classes[i] for i in order)
        self._cache: dict[str, WordClass] = {}

    def get(self, word: str) -> WordClass:
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        h = zlib.crc32(word.encode("utf-8"))
        i = bisect_left(self._hashes, h)
        code = self._classes[i] if i < len(self._hashes) and self._hashes[i] == h else 0
        cls = self._CODES[code]
        if len(self._cache) < 8192:
            self._cache[word] = cls
        return cls


def _load_word_classes() -> _ClassTable:
    hashes: array[int] = array("I")
    classes = bytearray()
    with tokenizer().get_dict_file() as fh:
        for raw in fh:
            parts = raw.split()
            if len(parts) != 3:
                continue
            pos = parts[2].decode("ascii", "replace")
            if pos in _STOP_POS:
                code = 1
            elif pos in _VERB_POS:
                code = 2
            elif pos in _PROPER_POS:
                code = 3
            else:
                continue
            hashes.append(zlib.crc32(parts[0]))
            classes.append(code)
    return _ClassTable(hashes, classes)


def word_class(word: str) -> WordClass:
    """Classify a segmented word for place-name boundary decisions."""
    global _word_classes
    if word in REQUEST_WORDS or not any(ch.isalnum() for ch in word):
        return WordClass.STOP
    if _word_classes is None:
        with _init_lock:
            if _word_classes is None:
                _word_classes = _load_word_classes()
    return _word_classes.get(word)


def in_dictionary(word: str) -> bool:
    """True when jieba knows ``word`` as a word of its own (not just a prefix)."""
    return int(tokenizer().FREQ.get(word, 0)) > 0
