"""Orders (đơn hàng): cart, checkout, one sub-order per producer, stock, state machine."""
