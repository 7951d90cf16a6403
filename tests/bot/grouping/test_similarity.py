"""SimilarityIndex: suggestions for a new issue with the shared place and terms."""

from bot.grouping import JOIN_SUGGESTION_THRESHOLD, IssueDoc, SimilarityIndex

_OPEN = [
    IssueDoc("e1", "翠湖花园小区电梯经常停运", "3栋电梯三天两头停运，老人上下楼困难"),
    IssueDoc("e2", "翠湖花园小区门口垃圾堆积发臭", "垃圾几天没人清运，臭气熏天"),
    IssueDoc("e3", "金桂苑小区电梯经常停运", "小区电梯三天两头停运"),
    IssueDoc("e4", "明德中学门口早晚堵车", "上学放学时间车辆乱停，交通拥堵"),
    IssueDoc("e5", "村口路灯坏了一个月没人修", "晚上村口一片漆黑", village="taoyuan"),
    IssueDoc("e6", "青石镇卫生院排队时间太长", "看病要排两个小时的队"),
    IssueDoc("e7", "和平路的下水道堵塞污水外溢", "下雨天污水漫到路面上"),
    IssueDoc("e8", "工地拖欠农民工工资", "干了三个月活一直没发工资"),
]


def test_query_finds_same_matter_at_same_place_with_explanation() -> None:
    index = SimilarityIndex(_OPEN)
    matches = index.query("翠湖花園小區的電梯又停運了", "電梯壞了好幾天", None, k=3)
    best = matches[0]
    assert best.key == "e1"
    assert best.score >= JOIN_SUGGESTION_THRESHOLD
    assert best.shared_place is not None and "翠湖花园" in best.shared_place
    assert "电梯" in best.shared_terms
    # Same matter elsewhere is ranked below and not offered.
    other = [m for m in matches if m.key == "e3"]
    assert all(m.score < JOIN_SUGGESTION_THRESHOLD for m in other)
    # Same place, different matter is not offered either.
    assert all(m.score < JOIN_SUGGESTION_THRESHOLD for m in matches if m.key == "e2")


def test_village_field_links_issues_without_written_place() -> None:
    index = SimilarityIndex(_OPEN)
    same = index.query("村口的路灯不亮了", "", "taoyuan", k=1)
    other = index.query("村口的路灯不亮了", "", "shiqiao", k=1)
    assert same[0].key == "e5"
    assert same[0].shared_place == "taoyuan"
    assert other[0].score < same[0].score


def test_add_and_discard_without_rebuild() -> None:
    index = SimilarityIndex(_OPEN)
    index.add(IssueDoc("n1", "明德中学门口的斑马线不清楚", "学生过马路很危险"))
    assert "n1" in index
    hits = index.query("明德中学门口斑马线看不清", "", None, k=2)
    assert hits[0].key == "n1"
    index.discard("n1")
    assert all(m.key != "n1" for m in index.query("明德中学门口斑马线看不清", "", None, k=5))
    assert len(index) == len(_OPEN)


def test_exclude_and_min_score() -> None:
    index = SimilarityIndex(_OPEN)
    hits = index.query(_OPEN[0].title, _OPEN[0].body, None, k=5, exclude="e1")
    assert all(m.key != "e1" for m in hits)
    assert index.query("完全无关的内容", "", None, min_score=0.99) == []


def test_empty_index_answers_nothing() -> None:
    index = SimilarityIndex()
    assert index.query("翠湖花园小区电梯经常停运") == []
    index.add(_OPEN[0])
    assert index.query("翠湖花园小区电梯停运", k=1)[0].key == "e1"


def test_many_adds_refresh_statistics_and_drop_discarded() -> None:
    index = SimilarityIndex(_OPEN[:2])
    for i in range(6):
        index.add(IssueDoc(f"x{i}", f"和平路{i}号门口的井盖破损", "井盖破了很危险"))
    index.discard("x0")
    for i in range(6, 10):
        index.add(IssueDoc(f"x{i}", f"明德中学门口{i}号摊贩占道", "摊贩占道经营"))
    assert "x0" not in index
    assert len(index) == 2 + 9
    hit = index.query("和平路的井盖破损了", "", None, k=1)[0]
    assert hit.key.startswith("x") and hit.key != "x0"


def test_a_copy_refreshed_elsewhere_answers_as_a_refresh_in_place() -> None:
    """Adding without refreshing leaves the index serving (stale); a refreshed copy then
    answers exactly as the index refreshed in place, and the original is untouched."""
    in_place = SimilarityIndex(_OPEN[:2])
    kept = SimilarityIndex(_OPEN[:2])
    for doc in _OPEN[2:]:
        if doc.key == "e8":  # a closed issue leaves before the collection doubles
            kept.discard("e4")
            in_place.discard("e4")
        in_place.add(doc)
        kept.add(doc, refresh=False)
    assert kept.stale and not in_place.stale
    before = kept.query("金桂苑小区电梯又停运了", "", None, k=3)
    fresh = kept.copy()
    fresh.refresh()
    assert not fresh.stale and kept.stale
    assert kept.query("金桂苑小区电梯又停运了", "", None, k=3) == before
    for title in ("金桂苑小区电梯又停运了", "和平路下水道又堵了", "明德中学门口堵车"):
        assert fresh.query(title, "", None, k=3) == in_place.query(title, "", None, k=3)
    assert len(fresh) == len(in_place) == len(_OPEN) - 1


def test_document_frequencies_count_the_same_for_one_issue_and_for_many() -> None:
    """One new issue is counted bucket by bucket, a batch in one pass: same counts."""
    from bot.grouping._vectors import DocumentFrequencies, family_counts
    from bot.grouping.analysis import analyse

    analyses = [analyse(doc.title, doc.body) for doc in _OPEN]
    batch, one_by_one = DocumentFrequencies(), DocumentFrequencies()
    batch.add(family_counts(analyses))
    for a in analyses:
        one_by_one.add(family_counts([a]))
    assert one_by_one.n_docs == batch.n_docs == len(_OPEN)
    assert (one_by_one.idf() == batch.idf()).all()
