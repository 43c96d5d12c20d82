"""The fixed messages a redirect may ask an admin page to show.

A redirect carries only a code (`?notice=product_created`); the text is chosen here,
so nobody can make the login page (or any other) display words of their own by
sending someone a link. An unknown code shows nothing.
"""

from __future__ import annotations

NOTICES = {
    "logged_out": "Logged out.",
    "logged_out_everywhere": "Logged out on every device.",
    "totp_on": "Authenticator codes are now required; every other session has ended.",
    "totp_off": "Authenticator codes turned off; every other session has ended.",
    "password_changed": "Password changed; every other session has ended.",
    "user_created": "Account created.",
    "staff_password_set": "New password set; that account's sessions have ended.",
    "product_created": "Product created.",
    "product_saved": "Saved. Not yet live: publish to update the site.",
    "image_added": "Image added.",
    "prices_changed": "Prices changed. Not yet live: publish to update the site.",
    "restocked": "Bottle added to stock.",
    "stock_adjusted": "Stock adjusted.",
    "order_moved": "Order status changed.",
    "order_cancelled": "Cancelled; stock is back.",
    "order_refunded": "Refund sent.",
    "build_queued": "Build queued; the site updates when it finishes.",
    "rolled_back": "Rolled back to the previous build.",
    "discount_created": "Discount code created.",
    "discount_saved": "Discount code saved.",
    "discount_disabled": "Discount code disabled.",
    "set_created": "Set created. Not yet live: publish to update the site.",
    "set_saved": "Saved. Not yet live: publish to update the site.",
}


def notice_text(code: str | None) -> str | None:
    """The message for a code, or None for no code or one not in the list."""
    return NOTICES.get(code or "")
