"""Place mentions are found by type suffix and kept apart from the matter."""

import pytest

from bot.grouping import PlaceLevel, analyse, extract_places, normalize_text
from bot.grouping.places import Gazetteer


def _texts(title: str, level: PlaceLevel = PlaceLevel.SITE) -> list[str]:
    return [m.text for m in extract_places(normalize_text(title)) if m.level is level]


def test_estate_village_and_school_are_sites() -> None:
    assert _texts("投诉翠湖花园小区电梯经常停运") == ["翠湖花园小区"]
    assert _texts("青石镇桃源村三组的水渠堵了") == ["桃源村三组"]
    assert _texts("明德中学门口早晚堵车") == ["明德中学"]


def test_township_is_an_area_and_district_codes_are_districts() -> None:
    title = "B3区青石镇桃源村路灯坏了"
    assert _texts(title, PlaceLevel.AREA) == ["青石镇"]
    assert _texts(title, PlaceLevel.DISTRICT) == ["B3区"]


def test_generic_facilities_and_positions_are_not_places() -> None:
    assert _texts("小区附近的搅拌站噪音扰民") == []
    assert _texts("临街的餐馆油烟太大") == []


def test_place_words_do_not_count_as_matter_terms() -> None:
    a = analyse("翠湖花园小区电梯经常停运")
    assert "电梯" in a.terms
    assert all("翠湖" not in t for t in a.terms)
    assert a.sites[0].core == "翠湖花园"


def test_known_places_are_found_without_their_suffix_longest_first() -> None:
    gazetteer = Gazetteer()
    for core in ("丽发", "丽发新城", "魅力之城"):
        gazetteer.add(core)
    found = gazetteer.find_all(["丽发新城门口和丽发旁边", "丽江没有", "万科魅力之城楼板开裂", ""])
    assert [[(m.text, m.start, m.end) for m in ms] for ms in found] == [
        [("丽发新城", 0, 4), ("丽发", 7, 9)],
        [],
        [("魅力之城", 2, 6)],
        [],
    ]


def test_a_batch_finds_places_through_a_table_as_the_search_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import random

    from bot.grouping import _core_codes

    rng = random.Random(4)
    alphabet = "丽发新城魅力之城万科金鼎村桃源花园翠湖明德中学aB3"
    gazetteer = Gazetteer()
    for _ in range(300):
        gazetteer.add("".join(rng.choice(alphabet) for _ in range(rng.randrange(2, 6))))
    texts = ["".join(rng.choice(alphabet + "，的了") for _ in range(60)) for _ in range(50)]

    def spans() -> list[list[tuple[str, int, int]]]:
        return [[(m.text, m.start, m.end) for m in ms] for ms in gazetteer.find_all(texts)]

    by_search = spans()  # a small batch: the binary search
    monkeypatch.setattr(_core_codes, "_DENSE_MIN_CHARS", 0)
    assert spans() == by_search  # the table of character pairs
    monkeypatch.setattr(_core_codes, "_MAX_PAIR_CELLS", 1)
    assert spans() == by_search  # a table too large: the search again
    assert sum(map(len, by_search)) > 50
