"""Scheme titles as people read them: sentence case, short, the code beside."""
from app.web.labels import sentence_case, short_title


def test_scheme_titles_typed_in_capitals_read_as_a_sentence():
    title = "BỘ CHỈ SỐ CHUYỂN ĐỔI SỐ CÁC CƠ QUAN CHUYÊN MÔN THUỘC ỦY BAN NHÂN DÂN TỈNH"
    assert sentence_case(title) == ("Bộ chỉ số chuyển đổi số các cơ quan chuyên môn thuộc "
                                    "Ủy ban nhân dân tỉnh")
    assert short_title(title) == "Bộ chỉ số CĐS các cơ quan chuyên môn thuộc UBND tỉnh"
    assert sentence_case("Bộ chỉ tiêu đánh giá Chuyển đổi số") == "Bộ chỉ tiêu đánh giá Chuyển đổi số"
