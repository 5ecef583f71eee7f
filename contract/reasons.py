"""Reasons people pick from lists; the app shows the labels, the core keeps the codes."""

REJECT_REASONS: dict[str, str] = {
    "out_of_stock": "Item not found on the shelf",
    "damaged": "Item damaged",
    "no_capacity": "Too busy to prepare it in time",
    "store_closing": "Store closing or closed",
    "wrong_data": "Order data looks wrong",
    "other": "Other reason",
}

CANCEL_REASONS: dict[str, str] = {
    "customer_request": "Customer asked to cancel",
    "payment_failed": "Payment failed",
    "fraud_suspected": "Fraud suspected",
    "not_collected": "Not collected in time",
    "out_of_stock": "No stock anywhere",
    "other": "Other reason",
}

RETURN_REASONS: dict[str, str] = {
    "changed_mind": "Customer changed their mind",
    "wrong_size": "Wrong size or fit",
    "not_as_described": "Not as described",
    "defective": "Defective or damaged",
    "wrong_item": "Wrong item received",
    "late": "Arrived too late",
    "other": "Other reason",
}
