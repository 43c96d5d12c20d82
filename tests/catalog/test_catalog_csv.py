"""The catalog as CSV: a dry run lists every bad row and writes nothing; a good file
round-trips with the export byte for byte."""

from __future__ import annotations

import csv
import io

from decant.catalog import csv_transfer
from decant.staff.audit import Actor

OWNER = Actor(None, "owner@decant.test", "owner", "127.0.0.1")

GOOD = (
    "slug,name,brand,concentration,gender,description,top_notes,heart_notes,base_notes,accords,"
    "launch_year,perfumer,is_active,sizes\r\n"
    'ambre-lumiere,Ambre Lumière,Maison Claire,Eau de Parfum,unisex,"Warm amber, soft labdanum.\r\n'
    'Second line.",Bergamot|Pink Pepper,Labdanum,Amber|Vanilla,amber|warm,2018,Anne Nez,true,2:690|5:1590\r\n'
    "fig-harbour,Fig Harbour,Maison Neuve,Eau de Toilette,women,Green fig.,Fig Leaf,Fig,Cedar,green,,"
    ",false,1:290|2.5:790|10:2990\r\n"
    "minus-one,'-1 Degree,Maison Neuve,Extrait,men,'=cold,,,Musk,fresh,2024,,true,5:1800\r\n"
)


def test_good_file_round_trips_with_export_byte_for_byte(conn):
    report = csv_transfer.import_csv(conn, OWNER, GOOD, dry_run=False)
    assert report["ok"] and report["applied"]
    assert [r["action"] for r in report["rows"]] == ["create", "create", "create"]
    assert csv_transfer.export(conn) == GOOD
    name = conn.execute(
        "SELECT name, description FROM products WHERE slug = 'minus-one'"
    ).fetchone()
    assert name == {"name": "-1 Degree", "description": "=cold"}  # formula guard undone on import


def test_importing_the_export_again_changes_nothing(conn, shop):
    shop.product("rose-noir", sizes={2: 600, 5: 1400})
    exported = csv_transfer.export(conn)
    conn.execute("DELETE FROM catalog_changes")
    report = csv_transfer.import_csv(conn, OWNER, exported, dry_run=False)
    assert [r["action"] for r in report["rows"]] == ["unchanged"]
    assert shop.count("catalog_changes") == 0
    assert csv_transfer.export(conn) == exported


def test_file_with_bad_rows_changes_nothing_and_lists_each_row(conn, shop):
    shop.product("rose-noir", sizes={2: 600})
    before = csv_transfer.export(conn)
    bad = (
        GOOD.splitlines(keepends=True)[0]
        + "rose-noir,Rose Noir,Maison Test,Eau de Parfum,unisex,,,,,,,,true,2:650\r\n"  # fine
        + "Bad Slug,Name,Brand,EdP,unisex,,,,,,,,true,2:600\r\n"  # line 3: slug
        + "no-sizes,Name,Brand,EdP,martian,,,,,,nineteen,,maybe,\r\n"  # line 4: several
        + "rose-noir,Again,Brand,EdP,unisex,,,,,,,,true,2:abc\r\n"  # line 5: duplicate, price
    )
    report = csv_transfer.import_csv(conn, OWNER, bad, dry_run=False)
    assert not report["ok"] and not report["applied"]
    problems = {r["line"]: set(r["problems"]) for r in report["rows"] if r["problems"]}
    assert problems[3] == {"slug"}
    assert {"gender", "launch_year", "is_active"} <= problems[4]
    assert {"slug", "sizes"} <= problems[5]
    assert 2 not in problems
    assert csv_transfer.export(conn) == before
    assert shop.count("audit_log") == 0


def test_dry_run_reports_what_would_happen_without_writing(conn, shop):
    report = csv_transfer.import_csv(conn, OWNER, GOOD, dry_run=True)
    assert report["ok"] and not report["applied"]
    assert shop.count("products") == 0


def test_admin_export_and_import_pages(owner, shop):
    shop.product("rose-noir")
    exported = owner.get("/admin/products/export.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    text = exported.get_data(as_text=True).replace("Rose Noir", "Rose Noire")
    dry = owner.post(
        "/admin/products/import",
        {"file": (io.BytesIO(text.encode()), "catalog.csv")},
        content_type="multipart/form-data",
    )
    assert dry.status_code == 200 and "Dry run" in dry.get_data(as_text=True)
    assert "Rose Noire" not in owner.get("/admin/products").get_data(as_text=True)
    applied = owner.post(
        "/admin/products/import",
        {"file": (io.BytesIO(text.encode()), "catalog.csv"), "apply": "yes"},
        content_type="multipart/form-data",
    )
    assert applied.status_code == 200 and "Imported" in applied.get_data(as_text=True)
    assert "Rose Noire" in owner.get("/admin/products").get_data(as_text=True)


def test_export_guards_every_formula_start_and_imports_back_unchanged(conn, shop):
    shop.product("rose-noir", sizes={2: 600})
    conn.execute(
        "UPDATE products SET name = '@SUM(A1)', perfumer = '+1 Nose',"
        " description = E'\\tcmd', concentration = E'\\r=x' WHERE slug = 'rose-noir'"
    )
    exported = csv_transfer.export(conn)
    row = next(csv.DictReader(io.StringIO(exported)))
    assert row["name"] == "'@SUM(A1)"
    assert row["perfumer"] == "'+1 Nose"
    assert row["description"] == "'\tcmd"
    assert row["concentration"] == "'\r=x"
    assert row["sizes"] == "2:600"  # numbers are not text: never guarded

    conn.execute("DELETE FROM catalog_changes")
    report = csv_transfer.import_csv(conn, OWNER, exported, dry_run=False)
    assert [r["action"] for r in report["rows"]] == ["unchanged"]
    assert csv_transfer.export(conn) == exported
