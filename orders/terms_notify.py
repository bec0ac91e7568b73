"""Notices of the trade terms to buyers, through the outbox, each in the recipient's language (by
e-mail, or by SMS to an account with a mobile number only): a weighed line settled, an invoice
issued, a monthly statement issued or overdue."""

from __future__ import annotations

from marketplace import money
from marketplace.mail.notices import notify
from marketplace.web import absolute_url


def weighed(order, weighing, line, actual: str) -> None:
    buyer = order.buyer
    sms = {"order": order.number, "product": line.product_title, "actual": f"{actual}{line.unit}",
           "refund": money.format_cents(weighing.refunded_cents) if weighing.refunded_cents else "",
           "extra": money.format_cents(weighing.charged_cents) if weighing.charged_cents else ""}
    notify(buyer, "order_weighed", sms=sms, order=order, recipient=buyer, line=line, weighing=weighing, actual=actual,
           link=absolute_url("orders.order_detail", order_id=order.id))


def invoice_issued(invoice) -> None:
    order = invoice.order
    buyer = order.buyer
    notify(buyer, "invoice_issued", sms={"order": order.number, "shop": order.shop.name}, order=order,
           recipient=buyer, invoice=invoice, link=absolute_url("orders.order_detail", order_id=order.id))


def statement_moved(statement) -> None:
    """Issued (please pay by the due date) or overdue (new credit orders are held)."""
    buyer = statement.buyer
    overdue = statement.status.value == "overdue"
    sms = {"period": statement.period, "shop": statement.shop.name, "amount": money.format_cents(statement.total_cents),
           "due": statement.due_on.isoformat() if statement.due_on else ""}
    notify(buyer, "statement_overdue" if overdue and not buyer.email else "statement_issued", sms=sms,
           statement=statement, recipient=buyer, overdue=overdue,
           link=absolute_url("payments.my_statement", statement_id=statement.id))
