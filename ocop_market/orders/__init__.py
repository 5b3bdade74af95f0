"""Orders (đơn hàng): cart, checkout, one sub-order per producer, stock, state machine, and fulfilment.

Orders may import payments, never the reverse (see `fulfilment.py` for why). Inside orders, modules import
downwards only: models → rules → history → refunds → services → fulfilment → views (buyer, producer, staff)."""
