

def test_login_page_and_home(client, as_user):
    assert client.get("/login").status_code == 200
    as_user("province_admin", "dienbien")
    page = client.get("/").get_data(as_text=True)
    assert "Điện Biên" in page
