"""E-mails of the trade terms to buyers, through the outbox, each in the recipient's language: a
weighed line settled, an invoice issued, a monthly statement issued or overdue."""

from __future__ import annotations

from marketplace.mail.services import queue_mail
from marketplace.web import absolute_url


def weighed(order, weighing, line, actual: str) -> None:
    buyer = order.buyer
    queue_mail(buyer.email, "order_weighed", locale=buyer.locale, order=order, recipient=buyer, line=line,
               weighing=weighing, actual=actual, link=absolute_url("orders.order_detail", order_id=order.id))


def invoice_issued(invoice) -> None:
    order = invoice.order
    buyer = order.buyer
    queue_mail(buyer.email, "invoice_issued", locale=buyer.locale, order=order, recipient=buyer, invoice=invoice,
               link=absolute_url("orders.order_detail", order_id=order.id))


def statement_moved(statement) -> None:
    """Issued (please pay by the due date) or overdue (new credit orders are held)."""
    buyer = statement.buyer
    queue_mail(buyer.email, "statement_issued", locale=buyer.locale, statement=statement, recipient=buyer,
               overdue=statement.status.value == "overdue",
               link=absolute_url("payments.my_statement", statement_id=statement.id))
