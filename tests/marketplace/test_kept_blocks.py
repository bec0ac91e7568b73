"""A listing's blocks kept for signed-in readers (marketplace.kept_blocks): the same page as rendered,
each reader's own header and CSRF token, a catalogue change shown at once, and who is never served."""

from __future__ import annotations

import re
import urllib.parse

import pytest

from marketplace.extensions import db as _db
from tests.conftest import csrf_token_from
from tests.marketplace.perf_helpers import count_statements

PAGES = ["/", "/c/agri", "/c/agri?sort=price_asc", "/county/411423", "/search?q=" + urllib.parse.quote("酥梨")]


@pytest.fixture
def app_config(app_config):
    app_config.update(PAGE_CACHE_SECONDS=30, WTF_CSRF_ENABLED=True)
    return app_config


@pytest.fixture
def listing(app, db, regions, make_shop, make_product):
    from catalog.categories import load_categories

    load_categories()
    import sqlalchemy as sa

    from marketplace.regions.models import Region

    shop = make_shop(name="宁陵酥梨合作社", county="宁陵县", slug="ningling-pear")
    ningling = db.session.scalar(sa.select(Region).where(Region.code == "411423"))
    products = [make_product(shop, title=f"宁陵酥梨 {n} 号", category="农产品/水果", origin=ningling) for n in range(3)]
    from search.backend import current_backend

    current_backend().rebuild("products")
    return shop, products


def _signed_in(app, email: str):
    client = app.test_client()
    html = client.get("/account/login").get_data(as_text=True)
    response = client.post("/account/login", data={"email": email, "password": "correct horse 42",
                                                    "csrf_token": csrf_token_from(html)})
    assert response.status_code in (302, 303)
    return client


def _get(client, url):
    _db.session.remove()  # as in a server: every request starts with an empty identity map
    return client.get(url)


def _same(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', html)


@pytest.mark.parametrize("url", PAGES)
def test_a_signed_in_reader_gets_the_page_as_rendered_with_his_own_header(app, listing, make_user, url):
    merchant = listing[0].members[0].user
    buyer_email, merchant_email, merchant_name = make_user(name="饭店采购老王").email, merchant.email, merchant.name
    client = _signed_in(app, buyer_email)
    first = _get(client, url)
    second = _get(client, url)
    assert first.status_code == second.status_code == 200
    assert first.headers.get("X-Page-Cache") is None and second.headers["X-Page-Cache"] == "blocks"
    assert _same(first.get_data(as_text=True)) == _same(second.get_data(as_text=True))
    assert "饭店采购老王" in second.get_data(as_text=True) and " 1 号" in second.get_data(as_text=True)
    # another reader: the kept blocks, his own header (his name, his shop's menu), not the first one's
    other = _get(_signed_in(app, merchant_email), url)
    html = other.get_data(as_text=True)
    assert other.headers["X-Page-Cache"] == "blocks" and "饭店采购老王" not in html
    assert merchant_name in html and " 1 号" in html


@pytest.mark.parametrize("url", [*PAGES, "/shops/ningling-pear", "product"])
def test_the_kept_layout_is_the_page_as_render_template_makes_it(app, listing, make_user, url):
    """A miss renders the blocks once and the layout around them (render_page): the same page, byte
    for byte but the CSRF tokens, as the template rendered whole for the same reader."""
    url = f"/p/{listing[1][0].id}" if url == "product" else url
    client = _signed_in(app, make_user(name="饭店采购老王").email)
    kept = [_get(client, url) for _n in range(2)]
    assert [r.headers.get("X-Page-Cache") for r in kept] == [None, "blocks"]
    app.config["PAGE_CACHE_SECONDS"] = 0  # every page rendered whole by render_template
    whole = _get(client, url)
    assert whole.headers.get("X-Page-Cache") is None
    assert _same(whole.get_data(as_text=True)) == _same(kept[0].get_data(as_text=True)) == _same(
        kept[1].get_data(as_text=True))


def test_the_header_forms_carry_the_readers_own_token(app, listing, make_user):
    client = _signed_in(app, make_user().email)
    _get(client, "/c/agri")
    page = _get(client, "/c/agri")
    assert page.headers["X-Page-Cache"] == "blocks"
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post("/language", data={"locale": "en", "next": "/c/agri", "csrf_token": token})
    assert response.status_code in (302, 303)  # accepted: the token is this session's
    english = _get(client, "/c/agri")
    assert english.headers.get("X-Page-Cache") is None and 'lang="en"' in english.get_data(as_text=True)


def test_a_catalogue_change_shows_at_once(app, listing, make_user):
    from catalog.models import ProductStatus
    from catalog.services import set_status

    shop, products = listing
    product_id, owner_id = products[1].id, shop.members[0].user.id
    client = _signed_in(app, make_user().email)
    _get(client, "/c/agri")
    assert _get(client, "/c/agri").headers["X-Page-Cache"] == "blocks"
    from catalog.models import Product
    from marketplace.accounts.models import User

    set_status(_db.session.get(Product, product_id), ProductStatus.HIDDEN, _db.session.get(User, owner_id))
    page = _get(client, "/c/agri")
    assert page.headers.get("X-Page-Cache") is None and "宁陵酥梨 1 号" not in page.get_data(as_text=True)


def test_never_with_a_flash_waiting_or_with_the_page_cache_off(app, listing, make_user):
    client = _signed_in(app, make_user().email)
    _get(client, "/c/agri")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "已保存")]
    page = _get(client, "/c/agri")
    assert page.headers.get("X-Page-Cache") is None and "已保存" in page.get_data(as_text=True)
    app.config["PAGE_CACHE_SECONDS"] = 0
    _get(client, "/c/agri")
    assert _get(client, "/c/agri").headers.get("X-Page-Cache") is None


def test_visitors_still_get_whole_pages(app, listing):
    client = app.test_client()
    _get(client, "/c/agri")
    assert _get(client, "/c/agri").headers["X-Page-Cache"] == "hit"


def test_a_search_kept_before_the_index_applied_a_change_is_not_served_after(app, listing, make_user):
    """The whoosh backend applies a change after the catalogue's commit; a search page rendered in
    between showed the old index. The apply bumps the index's group, which the search page's key holds."""
    from marketplace.cache import version
    from search import index_group
    from search.backend import current_backend

    if current_backend().name != "whoosh":
        pytest.skip("the postgres backend writes documents in the changing transaction")
    shop, products = listing
    product_id, owner_id = products[1].id, shop.members[0].user.id
    before = version(index_group("products"))
    from catalog.models import Product, ProductStatus
    from catalog.services import set_status
    from marketplace.accounts.models import User

    set_status(_db.session.get(Product, product_id), ProductStatus.HIDDEN, _db.session.get(User, owner_id))
    assert version(index_group("products")) != before  # applied, and the pages that show it moved on


def test_a_shop_page_is_kept_for_buyers_and_rendered_whole_for_its_own_members(app, listing, make_user):
    shop = listing[0]
    owner_email = shop.members[0].user.email
    buyer = _signed_in(app, make_user(name="饭店采购老王").email)
    _get(buyer, "/shops/ningling-pear")
    kept = _get(buyer, "/shops/ningling-pear")
    assert kept.headers["X-Page-Cache"] == "blocks"
    assert "联系商家" in kept.get_data(as_text=True) and " 1 号" in kept.get_data(as_text=True)
    # the owner: his own page, whole (no 联系商家 to himself), and nothing of his is kept
    owner = _signed_in(app, owner_email)
    for _n in range(2):
        mine = _get(owner, "/shops/ningling-pear")
        assert mine.headers.get("X-Page-Cache") is None and "联系商家" not in mine.get_data(as_text=True)
    assert _get(buyer, "/shops/ningling-pear").headers["X-Page-Cache"] == "blocks"


def test_a_shop_only_its_members_and_admins_see_is_never_kept(app, listing, make_user):
    from marketplace.accounts.models import Role
    from marketplace.shops.models import Shop, ShopStatus

    shop_id = listing[0].id
    admin = _signed_in(app, make_user(roles=[Role.ADMIN]).email)
    buyer = _signed_in(app, make_user().email)
    _get(buyer, "/shops/ningling-pear")
    assert _get(buyer, "/shops/ningling-pear").headers["X-Page-Cache"] == "blocks"
    _db.session.get(Shop, shop_id).status = ShopStatus.SUSPENDED
    _db.session.commit()
    for _n in range(2):  # the admin sees it, marked; it is not kept for anyone
        page = _get(admin, "/shops/ningling-pear")
        assert page.status_code == 200 and page.headers.get("X-Page-Cache") is None
    assert _get(buyer, "/shops/ningling-pear").status_code == 404


def test_a_product_page_is_kept_for_buyers_with_each_readers_own_report_form(app, listing, make_user):
    """The product page's blocks are kept; its report form is each reader's own (a reader part): the
    one who reported sees so, another gets the form, and each form carries its reader's token."""
    url = f"/p/{listing[1][0].id}"
    first = _signed_in(app, make_user(name="饭店采购老王").email)
    rendered = _get(first, url)
    with count_statements(_db.engine) as seen:
        kept = _get(first, url)
    assert rendered.headers.get("X-Page-Cache") is None and kept.headers["X-Page-Cache"] == "blocks"
    # the reader (his counts and roles), his privacy consent (this test user has none), his open report
    assert len(seen) <= 3, "\n".join(seen)
    assert _same(rendered.get_data(as_text=True)) == _same(kept.get_data(as_text=True))
    html = kept.get_data(as_text=True)
    assert "宁陵酥梨 0 号" in html and "举报这个商品" in html and "<!--csrf-" not in html
    sent = first.post(f"{url}/report", data={"reason": "counterfeit", "csrf_token": csrf_token_from(html)})
    assert sent.status_code == 303  # the kept page's form works: its token is this reader's
    assert _get(first, url).headers.get("X-Page-Cache") is None  # rendered whole: his flash message waits
    # a report does not bump the catalogue: the blocks stay kept, the reader's part moves
    mine = _get(first, url)
    assert mine.headers["X-Page-Cache"] == "blocks"
    assert "您已举报过这个商品" in mine.get_data(as_text=True) and "举报这个商品" not in mine.get_data(as_text=True)
    other = _get(_signed_in(app, make_user(name="超市采购小李").email), url)
    html = other.get_data(as_text=True)
    assert other.headers["X-Page-Cache"] == "blocks" and "举报这个商品" in html and "您已举报过" not in html
    assert "超市采购小李" in html and "饭店采购老王" not in html


def test_a_product_page_is_rendered_whole_for_shop_members_and_a_hidden_one_never_kept(app, listing, make_user):
    from catalog.models import Product, ProductStatus
    from catalog.services import set_status
    from marketplace.accounts.models import Role, User

    shop, products = listing
    url, product_id, owner_id = f"/p/{products[0].id}", products[0].id, shop.members[0].user.id
    owner = _signed_in(app, shop.members[0].user.email)
    for _n in range(2):  # his own product: no report form, no 联系商家, nothing of his kept
        mine = _get(owner, url)
        assert mine.headers.get("X-Page-Cache") is None and "举报这个商品" not in mine.get_data(as_text=True)
    admin = _signed_in(app, make_user(roles=[Role.ADMIN]).email)
    set_status(_db.session.get(Product, product_id), ProductStatus.HIDDEN, _db.session.get(User, owner_id))
    for _n in range(2):  # the admin sees it, marked; it is kept for no one
        page = _get(admin, url)
        assert page.status_code == 200 and page.headers.get("X-Page-Cache") is None
    assert _get(_signed_in(app, make_user().email), url).status_code == 404


def test_a_reader_part_marker_cannot_be_forged_by_what_a_merchant_writes(app, listing, make_user):
    """Titles are escaped and descriptions sanitised: a merchant's text never becomes a part marker."""
    from marketplace.page_cache import placeholder

    product = listing[1][2]
    with app.test_request_context():
        forged = f"<!--{placeholder().decode()} product_report {{\"product_id\": 1}}-->"
    product.title, product.description = f"酥梨{forged}", f"好梨 {forged} 甜"
    _db.session.commit()
    client = _signed_in(app, make_user().email)
    _get(client, f"/p/{product.id}")
    page = _get(client, f"/p/{product.id}")
    html = page.get_data(as_text=True)
    assert page.headers["X-Page-Cache"] == "blocks"
    assert html.count('id="report"') == 1 and "<!--csrf-" not in html
