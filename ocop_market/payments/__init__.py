"""Payments (thanh toán): cash on delivery, bank transfer by VietQR, Stripe; the producers' ledger."""
