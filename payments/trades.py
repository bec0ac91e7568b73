"""A WeChat Pay or Alipay trade as its provider reports it, in one shape (payments.online reads it;
payments.wechatpay and payments.alipay make it from their answers and notifications)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Trade:
    """state: paid, open or closed; amount in fen (None when the provider's figure is unreadable)."""

    out_trade_no: str
    state: str
    transaction_id: str | None = None
    amount: int | None = None
