"""The hub area (khu vực điểm bán, /trung-tam/, issue 12 §3): a hub member sees the orders and listings of the
households linked to its hubs, moves their orders through the producer's own order services (each step naming
the hub), and enters orders for buyers who phone or walk in. A page that composes catalog and orders, so it sits
with the other composing pages; who may act for which household is `catalog.hubs`'."""
