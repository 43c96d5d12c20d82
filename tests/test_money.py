"""One money formatter for pages, mail and the admin: integer cents in, never a float."""

from __future__ import annotations

import pytest

from decant.money import format_money


@pytest.mark.parametrize(
    ("cents", "currency", "shown"),
    [
        (1250, "EUR", "€12.50"),
        (0, "EUR", "€0.00"),
        (5, "EUR", "€0.05"),
        (-250, "EUR", "-€2.50"),
        (-5, "USD", "-$0.05"),
        (123456, "GBP", "£1,234.56"),
        (99, "CHF", "CHF 0.99"),
        (100, "usd", "$1.00"),
        (-250, "SEK", "-2.50 SEK"),
        (123_456_789_012_345_678, "EUR", "€1,234,567,890,123,456.78"),
    ],
)
def test_format_money_shows_each_amount_as_a_shopper_reads_it(
    cents: int, currency: str, shown: str
) -> None:
    assert format_money(cents, currency) == shown


def test_large_amounts_keep_every_cent_a_float_would_lose() -> None:
    # 2**53 + 1 has no float: the old float formatter printed €90,071,992,547,409.94.
    cents = 2**53 + 1  # 9007199254740993
    assert format_money(cents, "EUR") == "€90,071,992,547,409.93"


def test_amounts_a_float_would_round_wrongly_come_out_exact() -> None:
    # 0.285 as a float is 0.28499999...: float formatting of x/100 rounds such values
    # by binary representation; integer cents never round at all.
    for cents in (1, 10, 28, 29, 105, 115, 1005, 1015, 100_000_001):
        assert format_money(cents, "EUR") == f"€{cents // 100:,}.{cents % 100:02d}"


def test_mail_and_the_build_use_the_same_formatter() -> None:
    from decant.mail import composing
    from decant.site import planner

    assert composing.money is format_money
    assert planner.format_money is format_money
