"""What the back-office pages share: template filters, upload limits and paging.

The pages themselves are split by area (dashboard, products, stock, orders,
publishing, audit_log, offers, owner_operations, login), each registering its routes
on the one `admin` blueprint so endpoint names stay `admin.<view>`; errors become
pages in functions.admin.errors.
"""

from __future__ import annotations

from typing import Any

from flask import request

from decant.errors import ValidationError
from decant.money import format_money
from functions.admin import forms
from functions.admin.blueprints import pages
from functions.admin.notices import notice_text
from functions.web.runtime import settings

UPLOAD_LIMIT = 12 * 1024 * 1024
IMPORT_LIMIT = 5 * 1024 * 1024


def money(cents: int | None) -> str:
    if cents is None:
        return "—"
    return format_money(cents, settings().currency)


pages.add_app_template_filter(money, "admin_money")
pages.add_app_template_global(notice_text, "admin_notice")


MAX_PAGE = 100_000


def page_number() -> int:
    value = request.args.get("page", "")
    return forms.whole_number(value, "page", minimum=1, maximum=MAX_PAGE) if value else 1


def last_page(total: int, per_page: int) -> int:
    return max((total + per_page - 1) // per_page, 1)


def in_range(page: int, rows: list[Any]) -> None:
    """A page past the last one is a wrong link, answered like any bad field. (The
    count comes with the rows, so past the end it is not known: no number is named.)"""
    if page > 1 and not rows:
        raise ValidationError("no such page", {"page": "past the last page of this list"})
