"""Normalisation: traditional/simplified, width variants and boilerplate compare equal."""

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.grouping import analyse, normalize_text, to_simplified
from bot.grouping.normalize import _BOILERPLATE, _MAYBE_BOILERPLATE


def test_traditional_and_simplified_normalise_to_the_same_text() -> None:
    traditional = "翠湖花園小區門口垃圾堆積，臭氣熏天，請盡快處理"
    simplified = "翠湖花园小区门口垃圾堆积，臭气熏天，请尽快处理"
    assert normalize_text(traditional) == normalize_text(simplified)
    assert to_simplified("後來頭髮乾了") == "后来头发干了"


def test_full_width_letters_digits_and_punctuation_are_folded() -> None:
    assert normalize_text("Ｂ３区１２栋电梯坏了！") == normalize_text("B3区12栋电梯坏了!")


def test_phone_numbers_and_salutations_are_removed() -> None:
    text = "尊敬的领导：您好！我家电话138****5678，小区路灯不亮。谢谢！"
    out = normalize_text(text)
    assert "138" not in out
    assert "领导" not in out
    assert "谢谢" not in out
    assert "小区路灯不亮" in out


def test_traditional_issue_is_analysed_like_its_simplified_twin() -> None:
    a = analyse("青石鎮桃源村路燈壞了", "村口的路燈已經壞了一個月")
    b = analyse("青石镇桃源村路灯坏了", "村口的路灯已经坏了一个月")
    assert a.title == b.title
    assert [m.text for m in a.title_mentions] == [m.text for m in b.title_mentions]
    assert a.terms == b.terms


def test_a_batch_normalises_every_text_as_normalize_text_does() -> None:
    from bot.grouping._normalize_batch import normalize_many

    texts = [
        "",
        "Ｂ３区１２栋电梯坏了！",
        "翠湖花園小區門口垃圾堆積，臭氣熏天",
        "尊敬的领导：您好！我家电话138****5678，小区路灯不亮。谢谢！",
        "\u3000\u3000全角空格开头",
        # Characters a table cannot fold: composing Hangul jamo, combining accents,
        # ligatures that expand, enclosed numbers, characters beyond the BMP.
        "\u1100\u1161\u11a8",
        "e\u0301 A\u030a \u212b",
        "ﬁ…①㈱",
        "𠀀字𠮷野家",
    ]
    # Enough texts for the numpy path, with the hard ones among ordinary ones; a text
    # holding the separator the batch joins texts with sends its batch the slow way.
    ordinary = [f"第{i}号：小区门口路灯坏了，" for i in range(40)]
    for batch in ([*texts, *ordinary, *texts], [*ordinary, "含有\x00分隔符"]):
        assert normalize_many(batch) == [normalize_text(t) for t in batch]


def test_a_batch_finds_phone_numbers_as_normalize_text_does() -> None:
    from bot.grouping._normalize_batch import normalize_many

    texts = [
        "电话13812345678请回电",
        "座机0731-88888888，手机１３９１２３４５６７８",
        "编号1234567和123456",
        "星号*一个，三个***，号码138****5678",
        # Other decimal digits: the phone pattern's \d matches them too.
        "١٢٣٤٥٦٧ 和 ١٢٣٤٥٦",
        "末尾七位数1234567",
        "1234567",
        "12345",
        "*",
    ]
    ordinary = [f"第{i}号：小区门口路灯坏了，" for i in range(20)]
    for batch in ([*texts, *ordinary], [*ordinary, *texts], [*texts, *texts, "", "", *texts]):
        assert normalize_many(batch) == [normalize_text(t) for t in batch]
    assert normalize_many(["", "1"] * 10) == ["", "1"] * 10


@settings(max_examples=300, deadline=None)
@given(st.from_regex(_BOILERPLATE))
def test_every_boilerplate_phrase_holds_a_character_of_the_quick_check(text: str) -> None:
    # The quick check skips the phrases in text without any of its characters.
    found = _BOILERPLATE.search(text)
    assert found is not None
    assert _MAYBE_BOILERPLATE.search(found.group()) is not None
