"""Candidate topics: one matter at one place, with stable keys."""

import hashlib
from datetime import datetime, timedelta

from bot.grouping import Candidate, IssueDoc, cluster

_T0 = datetime(2024, 5, 1, 9, 0)


def _doc(
    key: str, title: str, body: str = "", village: str | None = None, day: int = 0
) -> IssueDoc:
    return IssueDoc(key, title, body, village, _T0 + timedelta(days=day))


# Background issues about unrelated matters and places, so that word statistics are
# not computed from the handful of issues under test alone.
_BACKGROUND = [
    _doc("z01", "明德中学门口早晚堵车", "上学放学时间车辆乱停，交通拥堵"),
    _doc("z02", "希望增开到县城的公交班次", "现在一小时才一班车，出行很不方便"),
    _doc("z03", "青石镇卫生院排队时间太长", "看病要排两个小时的队"),
    _doc("z04", "和平路的下水道堵塞污水外溢", "下雨天污水漫到路面上"),
    _doc("z05", "农贸市场卫生脏乱差", "地面到处是垃圾和污水，气味难闻"),
    _doc("z06", "申请增设老年活动中心", "村里老人多，没有活动的地方"),
    _doc("z07", "工地拖欠农民工工资", "干了三个月活一直没发工资"),
    _doc("z08", "学校食堂饭菜质量差", "孩子反映饭菜经常是冷的"),
]


def _groups(cands: list[Candidate]) -> list[set[str]]:
    return [set(c.members) for c in cands]


def test_same_place_different_matters_are_split() -> None:
    docs = [
        *_BACKGROUND,
        _doc("a1", "翠湖花园小区电梯经常停运", "小区3栋电梯三天两头停运，老人上下楼困难"),
        _doc("a2", "翠湖花园小区的电梯又坏了", "电梯经常坏，停运好几天没人修"),
        _doc("a3", "投诉翠湖花园小区电梯频繁停运", "电梯停运，物业不管"),
        _doc("b1", "翠湖花园小区门口垃圾堆积发臭", "垃圾几天没人清运，臭气熏天"),
        _doc("b2", "翠湖花园小区垃圾没人清运", "门口垃圾堆成山，气味难闻"),
    ]
    groups = _groups(cluster(docs))
    assert {"a1", "a2", "a3"} in groups
    assert {"b1", "b2"} in groups


def test_same_matter_at_different_places_is_split() -> None:
    docs = [
        *_BACKGROUND,
        _doc("a1", "翠湖花园小区电梯经常停运", "小区电梯三天两头停运"),
        _doc("a2", "翠湖花园小区电梯又停运了", "电梯经常停运没人修"),
        _doc("c1", "金桂苑小区电梯经常停运", "小区电梯三天两头停运"),
        _doc("c2", "金桂苑小区电梯又停运了", "电梯经常停运没人修"),
    ]
    groups = _groups(cluster(docs))
    assert {"a1", "a2"} in groups
    assert {"c1", "c2"} in groups


def test_reworded_same_matter_at_same_place_is_grouped() -> None:
    docs = [
        *_BACKGROUND,
        _doc("r1", "翠湖花园小区楼下烧烤店油烟扰民", "楼下烧烤店每天营业到凌晨，油烟直排进屋"),
        _doc("r2", "翠湖花园底层烧烤摊油烟太大", "烧烤摊的油烟飘到楼上，窗户都不敢开"),
        _doc("r3", "反映翠湖花园小区烧烤油烟问题", "底层商铺开烧烤店，油烟严重影响居民"),
    ]
    groups = _groups(cluster(docs))
    assert {"r1", "r2", "r3"} in groups


def test_village_field_is_evidence_for_and_against() -> None:
    docs = [
        *_BACKGROUND,
        _doc("v1", "村口路灯坏了一个月没人修", "晚上村口一片漆黑", village="taoyuan"),
        _doc("v2", "村口的路灯坏了好久了", "路灯不亮，晚上出行不安全", village="taoyuan"),
        _doc("v3", "村口路灯坏了一个月没人修", "晚上村口一片漆黑", village="shiqiao"),
    ]
    cands = cluster(docs)
    groups = _groups(cands)
    assert {"v1", "v2"} in groups
    assert not any("v3" in g for g in groups)
    lamp = next(c for c in cands if "v1" in c.members)
    assert lamp.villages == ("taoyuan",)
    assert lamp.shared_place == "taoyuan"


def test_candidate_fields_and_stable_keys() -> None:
    docs = [
        *_BACKGROUND,
        _doc("a1", "翠湖花园小区电梯经常停运", "小区电梯三天两头停运", day=1),
        _doc("a2", "翠湖花园小区的电梯又坏了", "电梯经常坏，停运好几天没人修", day=5),
        _doc("a3", "投诉翠湖花园小区电梯频繁停运", "电梯停运，物业不管", day=3),
    ]
    first = cluster(docs)
    again = cluster(list(reversed(docs)))
    assert [c.key for c in first] == [c.key for c in again]
    lift = next(c for c in first if "a1" in c.members)
    assert lift.key == "c" + hashlib.sha1(b"a1").hexdigest()[:12]
    assert lift.size == 3 and lift.members == ("a1", "a2", "a3")
    assert lift.first_at == _T0 + timedelta(days=1)
    assert lift.last_at == _T0 + timedelta(days=5)
    assert set(lift.representatives) <= set(lift.members)
    assert len(lift.representatives) == 3
    assert lift.shared_place is not None and "翠湖花园" in lift.shared_place
    assert "电梯" in lift.key_terms
    assert "翠湖花园" in lift.title and "电梯" in lift.title


def test_singletons_only_when_asked() -> None:
    docs = [*_BACKGROUND]
    assert cluster(docs) == []
    everyone = cluster(docs, min_size=1)
    assert sorted(m for c in everyone for m in c.members) == sorted(d.key for d in docs)
    assert all(c.size == 1 for c in everyone)
