"""Carriers (đơn vị vận chuyển): shipments of producer orders, their tracking, labels and cash-on-delivery
reconciliation, behind one adapter interface (`base.Carrier`). Above orders: a shipment belongs to a part, and a
carrier-confirmed delivery moves that part through `orders.services.move`."""
