"""Recalls: a regulator or the shop recalls a batch; its unshipped stock leaves the variant's stock
and is never allocated again; the repacked child batches are recalled with it; every buyer who
received any of them is told exactly once; the report sums who received how much; buyers
acknowledge."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from marketplace.extensions import db

TODAY = dt.date(2026, 9, 20)


def _notices(key):
    from marketplace.notifications.models import Notification

    return sorted(db.session.scalars(sa.select(Notification.user_id).where(Notification.type_key == key)))


@pytest.fixture
def chain_of_sales(make_shop, make_user, traced_variant, record, buy, hand_over):
    """A cooperative's batch A (100 kg): 10 kg to buyer1, 30 kg to a stall that repacks them into a
    child batch B (60 bags), of which 5 go to buyer2 and 2 to buyer1 (who thus holds both)."""
    from trace.transform import repack

    coop, stall = make_shop(name="宁陵酥梨合作社"), make_shop(name="老王水果批发")
    pears = traced_variant(coop)
    parent = record(pears, 100)
    buyer1, buyer2 = make_user(name="王芳"), make_user(name="刘强", email="liu@example.com")
    stall_owner = stall.members[0].user
    hand_over(buy(pears, 10, buyer1))
    hand_over(buy(pears, 30, stall_owner))
    bags = traced_variant(stall, title="酥梨 分装袋", unit="袋")
    child = repack(stall, stall_owner, {"variant": bags.id, "quantity": "60", "plot": "C-016"},
                   [{"batch": parent.id, "quantity": "30"}], today=TODAY + dt.timedelta(days=2))
    hand_over(buy(bags, 5, buyer2))
    hand_over(buy(bags, 2, buyer1))
    return {"coop": coop, "stall": stall, "pears": pears, "bags": bags, "parent": parent, "child": child,
            "buyer1": buyer1, "buyer2": buyer2, "stall_owner": stall_owner}


def test_a_recall_reaches_the_buyers_of_parent_and_child_batches_exactly_once(chain_of_sales, make_user, record,
                                                                              buy, hand_over):
    from catalog.models import StockMovement
    from marketplace.admin.models import AuditEntry
    from marketplace.states import InvalidTransition
    from trace.models import Allocation, BatchStatus
    from trace.recall_models import RecallNotice
    from trace.recalls import recall_batch

    s = chain_of_sales
    regulator = make_user(roles=("food_safety_regulator",))
    recall = recall_batch(s["parent"], regulator, "农药残留超标（毒死蜱）")
    assert recall.by_regulator
    db.session.expire_all()
    assert s["parent"].status == BatchStatus.RECALLED and s["child"].status == BatchStatus.RECALLED
    assert [(rb.batch_id, rb.depth, rb.withdrawn, rb.stock_removed) for rb in recall.batches] == [
        (s["parent"].id, 0, 60, 60), (s["child"].id, 1, 53, 53)]
    assert s["pears"].stock == 0 and s["bags"].stock == 0
    assert db.session.scalar(sa.select(StockMovement.delta).where(StockMovement.kind == "batch_recalled",
                                                                  StockMovement.variant_id == s["pears"].id)) == -60
    told = sorted([s["buyer1"].id, s["buyer2"].id, s["stall_owner"].id])
    assert sorted(n.buyer_id for n in recall.notices) == told
    assert _notices("trace.recall") == told  # buyer1 bought from both batches: one notice
    # the regulator recalled: both shops hear of it
    assert _notices("trace.recall_shop") == sorted([s["coop"].members[0].user_id, s["stall_owner"].id])
    assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.object_id == str(s["parent"].id))) \
        == "batch.recall"

    with pytest.raises(InvalidTransition):  # a second recall: refused, nobody told twice
        recall_batch(s["parent"], regulator, "again")
    with pytest.raises(InvalidTransition):
        recall_batch(s["child"], s["stall_owner"], "again")
    assert db.session.scalar(sa.select(sa.func.count(RecallNotice.id))) == 3
    assert _notices("trace.recall") == told

    # the recalled batch is never allocated again: new stock comes from a new batch
    fresh = record(s["pears"], 20)
    order = hand_over(buy(s["pears"], 5))
    assert db.session.scalars(sa.select(Allocation.batch_id).where(Allocation.order_id == order.id)).all() == [fresh.id]


def _outbox():
    from marketplace.mail.models import OutboxMessage

    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_each_buyer_gets_one_mail_or_text_per_recall_in_his_language(chain_of_sales, make_user, buy, hand_over):
    """The notice goes out as the notification centre's rule says (an account notice): an e-mail to a
    buyer with an address, an SMS to a phone-only one; exactly one per buyer and recall, though
    buyer1 received both the batch and its child; in his own language, with the product, the batch,
    the reason and the recall page."""
    from collections import Counter

    from marketplace.mail.models import Channel
    from trace.recalls import recall_batch

    s = chain_of_sales
    english = make_user(email="chef@example.com", locale="en")
    texted = make_user(mobile="+8613900000066", locale="en")  # an account made with a mobile number only
    hand_over(buy(s["pears"], 3, english))
    hand_over(buy(s["bags"], 1, texted))
    before = {m.id for m in _outbox()}
    recall = recall_batch(s["parent"], make_user(roles=("food_safety_regulator",)), "农药残留超标（毒死蜱）")
    sent = [m for m in _outbox() if m.id not in before]
    code, link = s["parent"].code, f"/recalls/{recall.id}"
    notices = [m for m in sent if m.channel == Channel.EMAIL and ("召回通知" in m.body_text or "Recall: the" in m.body_text)]
    buyers = [s["buyer1"], s["buyer2"], s["stall_owner"], english]
    assert Counter(m.to_addr for m in notices) == Counter(b.email for b in buyers)  # one each, buyer1 included
    mail = {m.to_addr: m for m in notices}
    zh, en = mail[s["buyer1"].email], mail[english.email]
    assert zh.locale == "zh_CN" and zh.subject == "商品召回"
    assert f"召回通知：您收到的“宁陵酥梨”（批次 {code}）已被召回。原因：农药残留超标（毒死蜱）" in zh.body_text
    assert en.locale == "en" and en.subject == "Product recall"
    assert f"Recall: the “宁陵酥梨” you received (batch {code}) is recalled. Reason: 农药残留超标（毒死蜱）" in en.body_text
    assert all(link in m.body_text for m in notices)
    [sms] = [m for m in sent if m.channel == Channel.SMS]  # the phone-only buyer only: no SMS to an address holder
    assert (sms.to_addr, sms.template, sms.locale) == ("+8613900000066", "sms/notice/trace_recall", "en")
    assert sms.body_text.startswith(f"Recall: the “宁陵酥梨” you received (batch {code}) is recalled.")
    assert texted.mobile not in {m.to_addr for m in sent if m.channel == Channel.EMAIL}
    # the shops hear in their own notice, one each (the stall's owner both as buyer and as shop)
    shop_mails = [m for m in sent if m.channel == Channel.EMAIL and "本店批次" in m.body_text]
    assert sorted(m.to_addr for m in shop_mails) == sorted([s["coop"].members[0].user.email, s["stall_owner"].email])
    assert len(sent) == len(notices) + 1 + len(shop_mails)  # nothing else went out
    # a second recall is refused: nobody hears twice
    from marketplace.states import InvalidTransition

    with pytest.raises(InvalidTransition):
        recall_batch(s["child"], s["stall_owner"], "again")
    assert len(_outbox()) == len(before) + len(sent)


def test_the_recall_report_sums_and_buyers_acknowledge(client, login, chain_of_sales, make_user):
    from trace.recall_report import report
    from trace.recalls import recall_batch

    s = chain_of_sales
    recall = recall_batch(s["parent"], s["coop"].members[0].user, "果实有霉变")
    assert not recall.by_regulator
    buyers, totals = report(recall)
    assert totals == {s["parent"].code: (40, "公斤"), s["child"].code: (7, "袋")}
    by_buyer = {row.buyer.id: sorted((code, q) for code, _unit, _n, q in row.lines) for row in buyers}
    assert by_buyer[s["buyer1"].id] == sorted([(s["parent"].code, 10), (s["child"].code, 2)])
    assert by_buyer[s["stall_owner"].id] == [(s["parent"].code, 30)]

    login(s["buyer1"])
    page = client.get(f"/recalls/{recall.id}").get_data(as_text=True)
    assert "果实有霉变" in page and "acknowledge-recall" in page and "刘强" not in page  # his own part only
    assert client.get(f"/recalls/{recall.id}/report.csv").status_code == 404
    client.post(f"/recalls/{recall.id}/acknowledge")
    client.post(f"/recalls/{recall.id}/acknowledge")
    notice = next(n for n in recall.notices if n.buyer_id == s["buyer1"].id)
    db.session.refresh(notice)
    first = notice.acknowledged_at
    assert first is not None
    client.post("/account/logout")

    login(s["coop"].members[0].user)
    page = client.get(f"/recalls/{recall.id}").get_data(as_text=True)
    assert "刘强" in page and "王芳" in page and "已确认" in page and "未确认" in page
    csv = client.get(f"/recalls/{recall.id}/report.csv")
    text = csv.get_data(as_text=True)
    assert csv.headers["Content-Type"].startswith("text/csv") and text.count("\r\n") == 1 + 4
    client.post("/account/logout")
    login(make_user())  # someone without a notice
    assert client.get(f"/recalls/{recall.id}").status_code == 404
    assert client.post(f"/recalls/{recall.id}/acknowledge").status_code == 404


def test_only_the_shop_a_regulator_or_an_admin_recalls(client, login, chain_of_sales, make_shop):
    from trace.models import BatchStatus

    s = chain_of_sales
    login(make_shop().members[0].user)  # another shop: the batch is a foreign id
    assert client.get(f"/trace/batches/{s['parent'].id}/recall").status_code == 404
    assert client.post(f"/trace/batches/{s['parent'].id}/recall", data={"reason": "x"}).status_code == 404
    client.post("/account/logout")
    login(s["buyer1"])
    assert client.post(f"/trace/batches/{s['parent'].id}/recall", data={"reason": "x"}).status_code == 404
    assert client.get("/trace/batches/999999/recall").status_code == 404
    client.post("/account/logout")
    login(s["coop"].members[0].user)
    response = client.post(f"/trace/batches/{s['parent'].id}/recall", data={"reason": " "})
    assert response.status_code == 400
    db.session.expire_all()
    assert s["parent"].status == BatchStatus.ACTIVE
    response = client.post(f"/trace/batches/{s['parent'].id}/recall", data={"reason": "客户投诉异味"})
    assert response.status_code in (302, 303)
    db.session.expire_all()
    assert s["parent"].status == BatchStatus.RECALLED


def test_the_demo_recall_picks_a_sold_and_repacked_batch_once(chain_of_sales, make_user):
    from trace.recall_seed import REGULATOR_EMAIL, seed_recall

    make_user(email=REGULATOR_EMAIL, roles=("food_safety_regulator",))
    assert seed_recall() == {"recalls": 1, "recall notices": 3}
    assert seed_recall() == {}
    assert sorted(_notices("trace.recall")) == sorted([chain_of_sales["buyer1"].id, chain_of_sales["buyer2"].id,
                                                       chain_of_sales["stall_owner"].id])
