"""One template answers both a whole page and an htmx fragment of it (app.web.render)."""
import pytest

FILTERED = [
    ("/units?q=Mường", "<html"),
    ("/users?role=unit_user", "<html"),
]


@pytest.mark.parametrize("url, page_marker", FILTERED)
def test_htmx_filter_answers_a_fragment_and_history_restore_the_whole_page(as_user, url,
                                                                           page_marker):
    client = as_user("province_admin", "dienbien")
    fragment = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert page_marker not in fragment and fragment.strip()
    # Back after htmx pushed the filtered URL, with htmx's history cache gone: the whole page,
    # or the browser would show a bare table without header, menu or styles.
    restored = client.get(url, headers={"HX-Request": "true",
                                        "HX-History-Restore-Request": "true"})
    assert page_marker in restored.get_data(as_text=True)
