"""Search as officials type: without accents and in any case, for units, users and the queue."""
from app.search import fold, matcher


def test_fold_drops_accents_case_and_d_stroke():
    assert fold("  Huyện  MƯỜNG Nhé ") == "huyen muong nhe"
    assert fold("Điện Biên Đông") == "dien bien dong"
    assert matcher("thanh nua")("Xã Thanh Nưa") and not matcher("thanh nua")("Xã Thanh Luông")


def test_units_found_without_accents(as_user):
    client = as_user("province_admin", "dienbien")
    for q in ("muong nhe", "MUONG NHÉ", "Mường nhe"):
        page = client.get(f"/units?q={q}").get_data(as_text=True)
        assert "Mường Nhé" in page, q
    assert "Thanh Nưa" in client.get("/units?q=Thanh+Nua").get_data(as_text=True)


def test_users_search_and_filter(as_user):
    client = as_user("province_admin", "dienbien")
    page = client.get("/users?q=so+thong+tin").get_data(as_text=True)
    assert "unit_user.dienbien@demo.chiso.vn" in page
    assert "appraiser.dienbien@demo.chiso.vn" not in page
    none = client.get("/users?q=khong+co+ai+ten+nay").get_data(as_text=True)
    assert "Không có tài khoản nào khớp bộ lọc." in none
    by_role = client.get("/users?role=appraiser").get_data(as_text=True)
    assert "appraiser.dienbien@demo.chiso.vn" in by_role
    assert "unit_user.dienbien@demo.chiso.vn" not in by_role.split('id="user-rows"')[1]


def test_user_unit_picker_is_grouped_by_kind(as_user):
    page = as_user("province_admin", "dienbien").get("/users/new").get_data(as_text=True)
    assert '<optgroup label="' in page and 'data-filter-select="unit"' in page


def test_a_unit_chosen_from_a_group_creates_the_account(as_user):
    client = as_user("province_admin", "dienbien")
    made = client.post("/users/new", data={
        "email": "moi@dienbien.gov.vn", "full_name": "Lò Văn Mới", "role": "unit_user",
        "unit": "dienbien.so-tttt", "password": "mat-khau-dai-du"}, follow_redirects=True)
    assert "Đã tạo tài khoản moi@dienbien.gov.vn" in made.get_data(as_text=True)
    listed = client.get("/users?q=lo+van+moi").get_data(as_text=True)
    assert "moi@dienbien.gov.vn" in listed and "Sở Thông tin và Truyền thông" in listed

