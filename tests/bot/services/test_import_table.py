"""Reading an export: its header found and mapped in Chinese or English, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.services.import_table import ImportFileError, map_header, read_table


def test_headers_in_chinese_and_english_map_to_fields() -> None:
    chinese = ["留言编号", "留言主题", "留言详情", "留言时间", "村社区", "一级标签", "点赞数"]
    assert map_header(chinese) == {
        "id": 0,
        "title": 1,
        "body": 2,
        "time": 3,
        "village": 4,
        "category": 5,
        "likes": 6,
    }
    english = [" ID ", "Title", "user", "Text", "DATE", "Place", "Category", "likes"]
    assert map_header(english) == {
        "id": 0,
        "title": 1,
        "body": 3,
        "time": 4,
        "place": 5,
        "category": 6,
        "likes": 7,
    }
    assert map_header(["工单号", "主题", "诉求内容", "受理时间", "地址", "分类"])["place"] == 4


def test_unreadable_files_are_one_clear_error(tmp_path: Path) -> None:
    no_id = tmp_path / "no_id.csv"
    no_id.write_text("标题,内容,时间\n路灯坏了,村口路灯不亮,2026-01-01\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="no column for id"):
        read_table(no_id)
    no_text = tmp_path / "no_text.csv"
    no_text.write_text("编号,时间,地点\nA1,2026-01-01,村口\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="no column for title or body") as error:
        read_table(no_text)
    assert "title: 留言主题/" in str(error.value) and "body: 留言详情/" in str(error.value)
    with pytest.raises(ImportFileError, match="unsupported file type"):
        read_table(tmp_path.joinpath("export.pdf"))
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    with pytest.raises(ImportFileError, match="not a readable"):
        read_table(broken)
    with pytest.raises(ImportFileError, match="no such file"):
        read_table(tmp_path / "missing.csv")
