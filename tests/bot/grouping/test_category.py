"""CategoryModel: keyword cold start, a fitted model on a tiny sample, serialisation."""

import pytest

from bot.grouping import DEFAULT_CATEGORIES, PRESELECT_CONFIDENCE, CategoryModel

_SAMPLES = {
    "环境保护": [
        "小区旁边的工厂排放废气，气味刺鼻",
        "河道里有人偷排污水，水都变黑了",
        "搅拌站粉尘太大，窗户都不敢开",
        "烧烤店油烟直排扰民",
        "工地夜间施工噪音太大影响休息",
        "垃圾焚烧冒黑烟污染空气",
    ],
    "交通运输": [
        "希望增开到县城的公交班次",
        "出租车拒载还绕路",
        "路口红绿灯时间太短过不去",
        "渣土车超速超载很危险",
        "地铁站出口太少很拥挤",
        "长途客运站班车经常晚点",
    ],
    "教育文体": [
        "学校强制学生参加有偿补课",
        "幼儿园学费一年涨了两次",
        "孩子入学被要求交赞助费",
        "老师上课时间推销教辅资料",
        "村里没有图书室希望建一个",
        "中学食堂饭菜质量太差",
    ],
    "劳动和社会保障": [
        "工地拖欠农民工工资三个月",
        "公司不给员工缴纳社保",
        "退休后养老金迟迟没有发放",
        "被公司无故辞退没有补偿",
        "工伤认定一直办不下来",
        "失业保险金怎么申请",
    ],
}


def _data() -> tuple[list[str], list[str]]:
    texts = [t for ts in _SAMPLES.values() for t in ts]
    labels = [lab for lab, ts in _SAMPLES.items() for _ in ts]
    return texts, labels


def test_cold_start_uses_keyword_rules() -> None:
    model = CategoryModel()
    assert not model.is_trained
    label, conf = model.predict("楼下饭店油烟和噪音污染严重，晚上无法休息")
    assert label == "环境保护"
    assert 0.0 < conf <= 1.0
    assert model.predict("幼儿园收费太高")[0] == "教育文体"
    unknown, low = model.predict("随便说点什么")
    assert unknown == "其他" and low < PRESELECT_CONFIDENCE
    assert set(model.labels) == set(DEFAULT_CATEGORIES)


def test_too_few_examples_keep_the_rules() -> None:
    texts, labels = _data()
    model = CategoryModel().fit(texts[:5], labels[:5])
    assert not model.is_trained


def test_fitted_model_on_a_tiny_sample() -> None:
    texts, labels = _data()
    model = CategoryModel(min_examples=10).fit(texts, labels)
    assert model.is_trained
    assert set(model.labels) == set(_SAMPLES)
    assert model.predict("公交车班次太少，等车要一个小时")[0] == "交通运输"
    assert model.predict("老板拖欠工资不给")[0] == "劳动和社会保障"
    batch = model.predict_many(["河里有人排污水", "学校乱收费"])
    assert [lab for lab, _ in batch] == ["环境保护", "教育文体"]
    assert all(0.0 <= c <= 1.0 for _, c in batch)


def test_serialisation_round_trip() -> None:
    texts, labels = _data()
    model = CategoryModel(min_examples=10).fit(texts, labels)
    restored = CategoryModel.from_bytes(model.to_bytes())
    probe = ["河道污水横流", "孩子补课费太贵", "公司不交社保"]
    assert restored.predict_many(probe) == model.predict_many(probe)
    cold = CategoryModel.from_bytes(CategoryModel().to_bytes())
    assert not cold.is_trained


def test_rejects_foreign_bytes() -> None:
    import pickle

    with pytest.raises(ValueError, match="format"):
        CategoryModel.from_bytes(pickle.dumps({"version": 99}))
