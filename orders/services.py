"""The orders domain's public API: the verbs (and the few reads) that views, the JSON API and other
domains call, implemented in cart, checkout, fulfilment, addresses and delivery. Modules inside
orders import from the implementing module; everyone outside imports from here.

    from orders import services
    services.add_item(variant_id, quantity)
    services.place_order(cart, buyer, choices={shop_id: "delivery"}, address_id=.., idempotency_key=..)
    services.mark_paid(order_group_or_order, actor, note)   # payments.services.settle calls this
"""

from orders.addresses import add_address, addresses_of, delete_address, make_default  # noqa: F401
from orders.cart import (  # noqa: F401
    CartError,
    acknowledge_prices,
    add_item,
    add_item_with_view,
    clear,
    current_cart,
    line_for_variant,
    merge_visitor_cart,
    parse_quantity,
    remove_line,
    set_quantity,
)
from orders.cart_view import CartView, build_view  # noqa: F401
from orders.checkout import check_key, existing_group, new_idempotency_key, place_order, quote  # noqa: F401
from orders.delivery import (  # noqa: F401
    DeliveryRuleError,
    ZoneSpec,
    delivery_rule,
    fulfilment_label,
    refusal,
    save_delivery_rule,
    zone_for,
    zone_label,
)
from orders.fulfilment import (  # noqa: F401
    accept,
    cancel_by_buyer,
    cancel_by_merchant,
    complete_delivered,
    confirm_receipt,
    expire_lazily,
    expire_overdue,
    mark_delivered,
    mark_paid,
    ready_for_pickup,
    ship,
)
from orders.status import ORDER_MACHINE, set_status, status_label  # noqa: F401
