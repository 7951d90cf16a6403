"""The one-pass segmenter cuts exactly as jieba does."""

from bot.grouping._jieba_cut import cut
from bot.grouping._lexicon import tokenizer
from tests.bot.grouping.join_table import read_table

SAMPLES = [
    "",
    " ",
    "A市暮云街道丽发新城社区附近搅拌噪音污染严重",
    "，长房半岛小区架空层改门面，油烟噪音扰民",
    "K11县达锐电子科技公司建工地施工安全状况令人担忧!",
    "58车贷恶性退出，投资人血汗钱何时能退还？",
    "abc 12.5% 很好\r\n第二行",
    "魅力之城小区临街门面夜宵摊",
    "请问A7县星沙镇什么时候通地铁",
]


def test_cuts_as_jieba_does() -> None:
    dt = tokenizer()
    texts = SAMPLES + [row[key] for row in read_table() for key in ("text_a", "text_b")]
    for text in texts:
        assert cut(dt, text) == dt.lcut(text, HMM=True), text


def test_hmm_words_are_finalsegs() -> None:
    import random

    from jieba import finalseg

    from bot.grouping._jieba_cut import _hmm_words

    rng = random.Random(0)
    # Common and rare Han characters, the edges of jieba's Han range, letters, digits.
    alphabet = [chr(c) for c in range(0x4E00, 0x4E00 + 3000, 7)] + list("的了区村路ab1.%")
    alphabet += ["\u9fd5", "\u9fd6", "\u3400"]
    runs = {"".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 15))) for _ in range(3000)}
    runs |= {text[i : i + 6] for text in SAMPLES for i in range(len(text))}
    for run in sorted(runs):
        assert list(_hmm_words(run)) == list(finalseg.cut(run)), run
