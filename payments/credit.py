"""Credit terms (账期 / 月结): a shop grants a verified business buyer a limit and a term; orders on
credit need no payment at checkout; each month's credit orders gather on one statement per shop and
buyer (open -> issued -> paid, or overdue past its due date); an overdue statement or the limit
refuses new credit orders. The buyer pays a statement by bank transfer (or at the stall) and the
merchant confirms it: each order is then booked as an offline payment (payments.ledger).
"""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace import money, uscc
from marketplace.accounts.models import User
from marketplace.db import atomic, utcnow
from marketplace.extensions import db
from marketplace.states import StateMachine
from marketplace.templating import money_filter
from orders import terms_notify
from orders.models import Order, OrderGroup, OrderStatus
from orders.terms_models import BusinessProfile, CreditCharge, CreditLine, Statement, StatementStatus
from payments import ledger
from payments.errors import PaymentError
from payments.models import OFFLINE_METHODS, Payment, PaymentMethod, PaymentStatus
from payments.status import PAYMENT_MACHINE
from payments.stripe_api import currency

T = StatementStatus
STATUS_LABELS = {T.OPEN: _l("本月累计中"), T.ISSUED: _l("待付款"), T.OVERDUE: _l("已逾期"), T.PAID: _l("已结清")}
STATEMENT_MACHINE = StateMachine("statement", {T.OPEN: {T.ISSUED}, T.ISSUED: {T.PAID, T.OVERDUE}, T.OVERDUE: {T.PAID}},
                                 labels=STATUS_LABELS, stamps={T.ISSUED: "issued_at", T.OVERDUE: "overdue_at",
                                                               T.PAID: "paid_at"})
MAX_LIMIT_CENTS = 10**11  # ¥1,000,000,000
MAX_TERM_DAYS = 180


def status_label(status) -> str:
    return str(STATUS_LABELS[StatementStatus(status)])


def local_now() -> dt.datetime:
    return utcnow().astimezone(zoneinfo.ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")))


def period_of(moment: dt.datetime) -> str:
    return f"{moment:%Y-%m}"


# --- business profile and credit lines ---------------------------------------------------------------

def profile_of(user) -> BusinessProfile | None:
    return db.session.scalar(sa.select(BusinessProfile).where(BusinessProfile.user_id == user.id))


def _name(raw) -> str:
    name = raw.strip() if isinstance(raw, str) else ""
    if not name or len(name) > 100:
        raise PaymentError(_("请填写公司名称（最多 100 字）"), field="company_name")
    return name


@atomic()
def save_profile(user, company_name, tax_id) -> BusinessProfile:
    """The buyer's company: name and 统一社会信用代码 (check character validated)."""
    name = _name(company_name)
    code = uscc.normalise(tax_id)
    if code is None:
        raise PaymentError(_("统一社会信用代码不正确：应为 18 位，最后一位是校验码，请核对"), field="tax_id",
                           code="invalid_tax_id")
    profile = profile_of(user) or BusinessProfile(user_id=user.id, company_name=name, tax_id=code)
    profile.company_name, profile.tax_id = name, code
    db.session.add(profile)
    return profile


def find_profile(tax_id) -> BusinessProfile | None:
    code = uscc.normalise(tax_id)
    return db.session.scalar(sa.select(BusinessProfile).where(BusinessProfile.tax_id == code)) if code else None


def _int(raw, label: str, field: str, high: int) -> int:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise PaymentError(_("%(field)s必须是整数", field=label), field=field) from None
    if not 0 <= value <= high:
        raise PaymentError(_("%(field)s超出允许范围", field=label), field=field)
    return value


@atomic()
def grant_credit(shop, actor, tax_id, limit, term_days) -> CreditLine:
    """The shop approves the buyer behind a business profile: a limit (major units, e.g. '20000')
    and a term in days. Granting again updates the line."""
    profile = find_profile(tax_id)
    if profile is None:
        raise PaymentError(_("没有找到这个统一社会信用代码的企业买家：请买家先在“企业信息”中登记"), status=404,
                           code="not_found", field="tax_id")
    try:
        limit_cents = money.parse_amount(str(limit or "").strip())
    except money.MoneyError as exc:
        raise PaymentError(exc.message, field="limit") from None
    if limit_cents > MAX_LIMIT_CENTS:
        raise PaymentError(_("授信额度超出允许范围"), field="limit")
    days = _int(term_days, _("账期天数"), "term_days", MAX_TERM_DAYS)
    line = credit_line(shop.id, profile.user_id, active_only=False) or CreditLine(shop_id=shop.id,
                                                                                   buyer_id=profile.user_id)
    line.limit_cents, line.term_days, line.active = limit_cents, days, True
    line.company_name, line.tax_id, line.approved_by_id = profile.company_name, profile.tax_id, actor.id
    db.session.add(line)
    return line


def credit_line(shop_id: int, buyer_id: int, active_only: bool = True) -> CreditLine | None:
    query = sa.select(CreditLine).where(CreditLine.shop_id == shop_id, CreditLine.buyer_id == buyer_id)
    if active_only:
        query = query.where(CreditLine.active.is_(True))
    return db.session.scalar(query)


def lines_of_shop(shop_id: int) -> list[CreditLine]:
    return list(db.session.scalars(sa.select(CreditLine).where(CreditLine.shop_id == shop_id).order_by(CreditLine.id)))


def outstanding_cents(line: CreditLine) -> int:
    """Credit used: charges not yet paid through a statement."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(CreditCharge.amount_cents), 0))
        .outerjoin(Statement, Statement.id == CreditCharge.statement_id)
        .where(CreditCharge.credit_line_id == line.id,
               sa.or_(Statement.id.is_(None), Statement.status != T.PAID))) or 0


def has_overdue(shop_id: int, buyer_id: int) -> bool:
    today = local_now().date()
    return bool(db.session.scalar(sa.select(sa.func.count(Statement.id)).where(
        Statement.shop_id == shop_id, Statement.buyer_id == buyer_id,
        sa.or_(Statement.status == T.OVERDUE, sa.and_(Statement.status == T.ISSUED, Statement.due_on < today)))))


# --- buying on credit --------------------------------------------------------------------------------

def credit_offer(group: OrderGroup) -> list[tuple[Order, CreditLine]]:
    """The group's unpaid orders whose shop gives this buyer credit."""
    pending = [o for o in group.orders if o.status == OrderStatus.PENDING_PAYMENT]
    found = []
    for order in pending:
        line = credit_line(order.shop_id, group.buyer_id)
        if line is not None:
            found.append((order, line))
    return found


def _statement_for(line: CreditLine, moment: dt.datetime) -> Statement:
    period = period_of(moment)
    found = db.session.scalar(sa.select(Statement).where(Statement.shop_id == line.shop_id,
                                                         Statement.buyer_id == line.buyer_id,
                                                         Statement.period == period))
    if found is None:
        found = Statement(shop_id=line.shop_id, buyer_id=line.buyer_id, period=period, status=T.OPEN,
                          reference_code=f"YJ{moment:%y%m}{line.shop_id % 1000:03d}{secrets.randbelow(10**4):04d}")
        db.session.add(found)
        db.session.flush()
    return found


def buy_on_credit(group: OrderGroup, buyer) -> list[Order]:
    """Put the group's orders from shops that give the buyer credit on this month's statements: they
    become paid (on credit) with no money moving now. Refuses (nothing changed) over the limit or
    with an overdue statement. A double submit changes nothing more."""
    if group.buyer_id != buyer.id:
        raise PaymentError(_("订单不存在"), status=404, code="not_found")
    offer = credit_offer(group)
    if not offer:
        raise PaymentError(_("这些订单没有可用的月结授信"), status=409, code="no_credit")
    from orders import services as orders
    from payments.services import settling_orders

    moment = local_now()
    with atomic():
        for order, line in offer:
            if has_overdue(line.shop_id, buyer.id):
                raise PaymentError(_("%(shop)s 有逾期未付的月结单，请先结清再月结下单", shop=order.shop.name),
                                   status=409, code="statement_overdue")
            # Serialise credit orders of one line (a no-op UPDATE takes its row lock, as refunds do):
            # two concurrent checkouts cannot both fit under the limit.
            db.session.execute(sa.update(CreditLine).where(CreditLine.id == line.id)
                               .values(updated_at=CreditLine.updated_at).execution_options(synchronize_session=False))
            used = outstanding_cents(line)
            if used + order.total_cents > line.limit_cents:
                raise PaymentError(_("超出 %(shop)s 给您的授信额度（额度 %(limit)s，已用 %(used)s）", shop=order.shop.name,
                                     limit=money_filter(line.limit_cents), used=money_filter(used)),
                                   status=422, code="over_limit")
            statement = _statement_for(line, moment)
            db.session.add(CreditCharge(order_id=order.id, credit_line_id=line.id, statement_id=statement.id,
                                        amount_cents=order.total_cents))
            statement.total_cents += order.total_cents
            db.session.flush()
            with settling_orders():
                orders.mark_paid(order, buyer, _("月结（账期）：随 %(period)s 月结单付款", period=statement.period))
    return [order for order, _line in offer]


def charge_of(order: Order) -> CreditCharge | None:
    return db.session.scalar(sa.select(CreditCharge).where(CreditCharge.order_id == order.id))


def open_charge_cents(order: Order) -> int:
    """What an order bought on credit still owes on a statement not paid yet (0: none, or paid)."""
    charge = charge_of(order)
    if charge is None or (charge.statement is not None and charge.statement.status == T.PAID):
        return 0
    return charge.amount_cents


def reduce_charge(order: Order, owed: int) -> int:
    """An order bought on credit owes ``owed`` less (a weighed shortfall, an after-sales credit), as
    far as its charge goes and not once its statement is paid; returns what was taken off."""
    charge = charge_of(order)
    if charge is None or (charge.statement is not None and charge.statement.status == T.PAID):
        return 0
    cut = min(owed, charge.amount_cents)
    charge.amount_cents -= cut
    if charge.statement is not None:
        charge.statement.total_cents -= cut
    return cut


def add_for_weighing(order: Order, extra: int) -> bool:
    """A weighed overage on an order bought on credit goes onto its statement, if not paid yet."""
    charge = charge_of(order)
    if charge is None or (charge.statement is not None and charge.statement.status == T.PAID):
        return False
    charge.amount_cents += extra
    if charge.statement is not None:
        charge.statement.total_cents += extra
    return True


def on_cancelled(order: Order) -> None:
    """A credit order cancelled before its statement is paid owes nothing (a weighed overage included)."""
    charge = charge_of(order)
    if charge is not None:
        reduce_charge(order, charge.amount_cents)


# --- statements --------------------------------------------------------------------------------------

def statements_of_buyer(buyer_id: int) -> list[Statement]:
    return list(db.session.scalars(sa.select(Statement).where(Statement.buyer_id == buyer_id)
                                   .order_by(Statement.period.desc(), Statement.id)))


def statements_of_shop(shop_id: int) -> list[Statement]:
    return list(db.session.scalars(sa.select(Statement).where(Statement.shop_id == shop_id)
                                   .order_by(Statement.period.desc(), Statement.id)))


def issue_and_age(now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic job: issue last months' open statements (due after the line's term) and mark
    issued ones past due as overdue. Idempotent: each move is conditional on the current status."""
    moment = now.astimezone(local_now().tzinfo) if now else local_now()
    period, today = period_of(moment), moment.date()
    issued = overdue = 0
    for statement in db.session.scalars(sa.select(Statement).where(Statement.status == T.OPEN,
                                                                  Statement.period < period).order_by(Statement.id)):
        line = credit_line(statement.shop_id, statement.buyer_id, active_only=False)
        with atomic():
            STATEMENT_MACHINE.move(statement, T.ISSUED,
                                   due_on=today + dt.timedelta(days=line.term_days if line else 0))
            terms_notify.statement_moved(statement)
        issued += 1
    for statement in db.session.scalars(sa.select(Statement).where(Statement.status == T.ISSUED,
                                                                  Statement.due_on < today).order_by(Statement.id)):
        with atomic():
            STATEMENT_MACHINE.move(statement, T.OVERDUE)
            terms_notify.statement_moved(statement)
        overdue += 1
    return {"issued": issued, "overdue": overdue}


def confirm_paid(statement: Statement, actor, method: str = PaymentMethod.BANK_TRANSFER.value) -> Statement:
    """The merchant received the statement's money: each order on it is booked as an offline
    payment of its total; what a weighed shortfall took off goes back as an offline refund, and a
    weighed overage it added is booked as a weighed charge of the same payment."""
    if statement.status == T.PAID:
        return statement  # a double submit
    try:
        method = PaymentMethod(method)
    except ValueError:
        raise PaymentError(_("不支持的付款方式")) from None
    if method not in OFFLINE_METHODS:
        raise PaymentError(_("不支持的付款方式"))

    def payment_for(order: Order) -> Payment:
        payment = Payment(group_id=order.group_id, order_id=order.id, method=method,
                          amount_cents=max(order.total_cents, charge_by_order[order.id].amount_cents),
                          currency=currency(), idempotency_key=f"statement-{statement.id}-o{order.id}",
                          reference_code=statement.reference_code)
        db.session.add(payment)
        db.session.flush()
        PAYMENT_MACHINE.move(payment, PaymentStatus.SUCCEEDED, actor=actor)
        return payment

    charge_by_order = {c.order_id: c for c in statement.charges}
    with atomic():
        STATEMENT_MACHINE.move(statement, T.PAID, actor=actor)
        _book_charges(statement, actor, payment_for, offline=True)
    return statement


def book_online_statement(payment: Payment, note: str):
    """A WeChat Pay / Alipay trade paying a statement succeeded (payments.online, in its
    transaction): the statement is paid and each order on it booked against this one payment, its
    weighed shortfall as a refund that never left the buyer, its overage as a weighed charge. Money
    for a statement paid meanwhile another way, or whose total changed, goes to suspense with a full
    refund (returned, to be sent after the commit)."""
    from payments.services import _to_suspense

    statement = db.session.get(Statement, payment.statement_id)
    db.session.execute(sa.update(Statement).where(Statement.id == statement.id).values(period=Statement.period)
                       .execution_options(synchronize_session=False))  # its row lock: one booking
    db.session.refresh(statement)
    if statement.status not in (T.ISSUED, T.OVERDUE) or statement.total_cents != payment.amount_cents:
        return _to_suspense(payment)
    STATEMENT_MACHINE.move(statement, T.PAID, note=note)
    _book_charges(statement, None, lambda _order: payment, offline=False)
    return None


def _book_charges(statement: Statement, actor, payment_for, *, offline: bool) -> None:
    from orders.weighing import CREDIT, settle_charges
    from payments import refunds

    for charge in statement.charges:
        order = charge.order
        if order.status in (OrderStatus.CANCELLED, OrderStatus.EXPIRED) or charge.amount_cents <= 0:
            continue
        payment = payment_for(order)
        ledger.post_order_payment(order, payment, offline=offline)
        if charge.amount_cents < order.total_cents:
            refunds._create(order, actor, order.total_cents - charge.amount_cents, None,
                            _("称重结算：月结单按实际重量少收"), False, f"refund-statement-o{order.id}", settled=True)
        elif charge.amount_cents > order.total_cents:
            ledger.post_weighed_charge(order, payment, charge.amount_cents - order.total_cents, offline=offline)
        settle_charges(order, CREDIT)


def buyer_name(user_id: int) -> str:
    user = db.session.get(User, user_id)
    return user.display_name if user else ""

