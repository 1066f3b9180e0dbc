"""The canonical schema: the tables connectors fill and shipped specs read (contract).

Types are logical; each warehouse maps them to its own DDL. Money is ``decimal``
(18, 4); timestamps are UTC without a zone; ``date`` columns are calendar days in the
store's timezone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LOGICAL_TYPES = ("string", "integer", "decimal", "float", "boolean", "timestamp", "date")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str = ""
    nullable: bool = True


@dataclass(frozen=True)
class Table:
    name: str
    grain: str
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...]
    description: str = ""
    input: bool = False  # loaded from files: no common API provides it
    extra: dict = field(default_factory=dict)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


def _t(name: str, grain: str, pk: str | tuple[str, ...], cols: str, description: str = "",
       input: bool = False) -> Table:
    """Build a table from a compact 'name:type name:type' column list."""
    columns = []
    for item in cols.split():
        col, _, typ = item.partition(":")
        columns.append(Column(col, typ or "string"))
    key = (pk,) if isinstance(pk, str) else pk
    return Table(name, grain, key, tuple(columns), description, input)


_MONEY = "decimal"
TABLES: dict[str, Table] = {t.name: t for t in [
    _t("orders", "one order", ("source", "order_id"),
       f"order_id source channel customer_id created_at:timestamp currency subtotal:{_MONEY} "
       f"discounts:{_MONEY} shipping:{_MONEY} tax:{_MONEY} total:{_MONEY} refunded:{_MONEY} "
       "status is_test:boolean utm_source utm_medium utm_campaign landing_page "
       "updated_at:timestamp presentment_currency",
       "Orders; status is one of pending, paid, fulfilled, cancelled, refunded."),
    _t("order_lines", "one order line", ("source", "order_id", "line_id"),
       f"order_id line_id source product_id variant_id sku quantity:integer "
       f"unit_price:{_MONEY} discount:{_MONEY} unit_cost:{_MONEY}"),
    _t("refunds", "one refund", ("source", "refund_id"),
       f"refund_id source order_id created_at:timestamp amount:{_MONEY}"),
    _t("customers", "one customer", ("source", "customer_id"),
       "customer_id source created_at:timestamp country segment"),
    _t("products", "one variant", ("source", "product_id", "variant_id"),
       f"product_id variant_id source sku title category price:{_MONEY} unit_cost:{_MONEY}"),
    _t("inventory_snapshots", "product x location x time",
       ("source", "snapshot_at", "product_id", "variant_id", "location_id"),
       "snapshot_at:timestamp source product_id variant_id location_id on_hand:integer"),
    _t("checkouts", "one cart or checkout", ("source", "checkout_id"),
       f"checkout_id source created_at:timestamp completed_at:timestamp customer_id "
       f"value:{_MONEY} order_id"),
    _t("sessions", "one web session", ("session_id",),
       "session_id user_id started_at:timestamp duration_seconds:float pageviews:integer "
       "engaged:boolean is_new_user:boolean source medium channel_group campaign "
       "device_category country landing_page added_to_cart:boolean began_checkout:boolean "
       f"purchased:boolean revenue:{_MONEY}"),
    _t("tickets", "one support ticket", ("source", "ticket_id"),
       "ticket_id source created_at:timestamp channel status priority category product_id "
       "requester_id assignee_id first_response_at:timestamp solved_at:timestamp "
       "reopens:integer escalated:boolean updated_at:timestamp",
       "Support tickets; channel is email, phone, chat, web or social."),
    _t("survey_responses", "one answer", ("source", "response_id"),
       "response_id source responded_at:timestamp kind score:float scale_max:float "
       "ticket_id customer_id", "kind is csat or nps."),
    _t("ad_spend", "day x platform x campaign", ("date", "platform", "campaign"),
       f"date:date platform campaign campaign_type spend:{_MONEY} impressions:integer "
       f"clicks:integer conversions:float conversion_value:{_MONEY}",
       "campaign_type is search, display, social, video, shopping, affiliate or email."),
    _t("email_campaigns", "day x campaign", ("date", "campaign"),
       "date:date campaign sent:integer delivered:integer opens:integer clicks:integer "
       "unsubscribes:integer"),
    _t("expenses", "day x category", ("date", "category"),
       f"date:date category amount:{_MONEY}",
       "Operating expenses; category such as marketing, payroll, sales, operations, tax."),
]}


def table(name: str) -> Table | None:
    return TABLES.get(name)


def register_table(t: Table) -> None:
    """Add a table to the canonical schema (used for input tables and by plugins)."""
    TABLES[t.name] = t


from .input_tables import register_input_tables  # noqa: E402

register_input_tables()
