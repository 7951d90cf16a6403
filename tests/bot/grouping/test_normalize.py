"""Normalisation: traditional/simplified, width variants and boilerplate compare equal."""

from bot.grouping import analyse, normalize_text, to_simplified


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
