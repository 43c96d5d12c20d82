"""The catalog as CSV: export everything, import with a dry run first.

Export is canonical (products by slug, fixed columns, lists joined by "|", sizes as
"ml:cents"), so exporting, importing that file and exporting again gives the same
bytes. Import checks every row before writing any: one bad row and nothing changes,
and the answer lists each row's problems by line number.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import psycopg

from decant.catalog import editing
from decant.errors import Forbidden, ValidationError
from decant.platform import csv_cells
from decant.staff import audit
from decant.staff.audit import Actor

# The owner-editable fields, in the same order, then the sizes as "ml:cents|ml:cents".
COLUMNS = [*editing.FIELDS, "sizes"]
LIST_COLUMNS = ("top_notes", "heart_notes", "base_notes", "accords")
SEPARATOR = "|"
MAX_ROWS = 5000


def export(conn: psycopg.Connection) -> str:
    rows = conn.execute(
        """
        SELECT p.slug, p.name, p.brand, p.concentration, p.gender::text AS gender, p.description,
               p.top_notes, p.heart_notes, p.base_notes, p.accords, p.launch_year, p.perfumer,
               p.is_active,
               (SELECT string_agg(trim_scale(ps.size_ml)::text || ':' || ps.price_cents, '|'
                                  ORDER BY ps.size_ml)
                  FROM product_sizes ps WHERE ps.product_id = p.id AND ps.is_active) AS sizes
          FROM products p ORDER BY p.slug
        """
    ).fetchall()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        values = []
        for column in COLUMNS:
            value = row[column]
            if column in LIST_COLUMNS:
                value = SEPARATOR.join(value)
            elif column == "is_active":
                value = "true" if value else "false"
            elif value is None:
                value = ""
            values.append(csv_cells.guard(str(value)))
        writer.writerow(values)
    return out.getvalue()


@dataclass
class RowReport:
    line: int
    slug: str
    action: str = "unchanged"
    problems: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "slug": self.slug,
            "action": self.action,
            "problems": self.problems,
        }


def _parse_row(raw: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    problems: dict[str, str] = {}
    data: dict[str, Any] = {}
    for column in COLUMNS:
        value = csv_cells.unguard((raw.get(column) or "").strip())
        if column in LIST_COLUMNS:
            data[column] = [v.strip() for v in value.split(SEPARATOR) if v.strip()]
        elif column == "launch_year":
            if value and not value.isdigit():
                problems[column] = "must be a year such as 2019, or empty"
            data[column] = int(value) if value.isdigit() else None
        elif column == "is_active":
            if value.lower() not in ("true", "false"):
                problems[column] = "must be true or false"
            data[column] = value.lower() == "true"
        elif column == "sizes":
            data[column] = []
            for part in filter(None, (p.strip() for p in value.split(SEPARATOR))):
                size, _, price = part.partition(":")
                try:
                    data[column].append({"size_ml": Decimal(size), "price_cents": int(price)})
                except (InvalidOperation, ValueError):
                    problems[column] = f"{part!r}: write sizes as ml:cents, e.g. 2:600|5:1400"
        elif column == "perfumer":
            data[column] = value or None
        else:
            data[column] = value
    return data, problems


def import_csv(
    conn: psycopg.Connection, actor: Actor, text: str, *, dry_run: bool = True
) -> dict[str, Any]:
    """Check every row; write them all (in one transaction) only when none has a
    problem and `dry_run` is False. Returns {"ok", "applied", "rows": [...]}."""
    if not actor.is_owner:
        raise Forbidden("only the owner may import the catalog")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != COLUMNS:
        raise ValidationError("the header row is not the catalog's", {"header": ",".join(COLUMNS)})
    existing = {
        r["slug"]: r["id"] for r in conn.execute("SELECT id, slug FROM products").fetchall()
    }
    reports: list[RowReport] = []
    parsed: list[tuple[RowReport, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num
        if len(reports) >= MAX_ROWS:
            raise ValidationError("too many rows", {"rows": f"at most {MAX_ROWS}"})
        if None in raw:
            report = RowReport(line, (raw.get("slug") or "").strip())
            report.problems["row"] = "more cells than columns"
            reports.append(report)
            continue
        data, problems = _parse_row(raw)
        report = RowReport(line, data["slug"], problems=problems)
        if data["slug"] in seen:
            report.problems["slug"] = f"also on line {seen[data['slug']]}"
        seen.setdefault(data["slug"], line)
        try:
            editing.parse(data)
        except ValidationError as exc:
            for name, why in (exc.details or {}).items():
                report.problems.setdefault(name, why)
        reports.append(report)
        parsed.append((report, data))
    for report, data in parsed:
        if report.problems:
            continue
        if data["slug"] not in existing:
            report.action = "create"
            continue
        current = editing.get(conn, existing[data["slug"]])
        wanted = editing.parse(data).model_dump(mode="python")
        before = editing.parse(editing.editable(current)).model_dump(mode="python")
        if wanted != before:
            report.action = "update"
    ok = all(not r.problems for r in reports)
    applied = False
    if ok and not dry_run:
        with conn.transaction():
            for report, data in parsed:
                if report.action == "create":
                    editing.create(conn, actor, data)
                elif report.action == "update":
                    editing.update(conn, actor, existing[data["slug"]], data)
            audit.record(
                conn,
                actor,
                "import",
                "catalog",
                None,
                after={
                    "created": sum(r.action == "create" for r in reports),
                    "updated": sum(r.action == "update" for r in reports),
                },
            )
        applied = True
    return {"ok": ok, "applied": applied, "rows": [r.as_dict() for r in reports]}
