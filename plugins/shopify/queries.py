"""The GraphQL Admin API queries the connector sends, for one pinned API version.

Shopify supports each quarterly API version for a year; the version is pinned so a
field that moves in a later version cannot change the numbers silently. Field names and
shapes follow https://shopify.dev/docs/api/admin-graphql/2025-01.
"""

from __future__ import annotations

API_VERSION = "2025-01"
GRAPHQL_PATH = f"admin/api/{API_VERSION}/graphql.json"

_MONEY = "shopMoney { amount currencyCode } presentmentMoney { amount currencyCode }"

# Fields of an Order shared by the paged query and the bulk query (the bulk query may
# nest connections but not connections inside a list, so refunds carry none there).
_ORDER_FIELDS = f"""
      id name createdAt processedAt updatedAt cancelledAt test
      displayFinancialStatus displayFulfillmentStatus sourceName
      currencyCode presentmentCurrencyCode
      customer {{ id }}
      customerJourneySummary {{ firstVisit {{
        landingPage utmParameters {{ source medium campaign }} }} }}
      totalDiscountsSet {{ {_MONEY} }}
      totalShippingPriceSet {{ {_MONEY} }}
      totalTaxSet {{ {_MONEY} }}
      totalPriceSet {{ {_MONEY} }}
      totalRefundedSet {{ {_MONEY} }}"""

_LINE_FIELDS = f"""
          id sku quantity
          product {{ id }}
          variant {{ id inventoryItem {{ unitCost {{ amount currencyCode }} }} }}
          originalUnitPriceSet {{ {_MONEY} }}
          originalTotalSet {{ {_MONEY} }}
          discountAllocations {{ allocatedAmountSet {{ {_MONEY} }} }}"""

_SHIPPING_FIELDS = f"""
          id title
          originalPriceSet {{ {_MONEY} }}
          discountedPriceSet {{ {_MONEY} }}"""

# A refund's parts: refunded line items, order adjustments (refund discrepancies) and
# refunded shipping lines, each as a connection on Refund (2024-10 and later). The
# amounts are MoneyBags; refund_mapping.py says which of them make refunds.amount.
# A connection with more than its first page is read on with REFUND_PART (nested.py).
MAX_REFUND_LINES = 50
REFUND_PARTS = {
    "refundLineItems": f"""quantity lineItem {{ id }}
            subtotalSet {{ {_MONEY} }} totalTaxSet {{ {_MONEY} }}""",
    "orderAdjustments": f"""id reason
            amountSet {{ {_MONEY} }} taxAmountSet {{ {_MONEY} }}""",
    "refundShippingLines": f"""id shippingLine {{ id }}
            subtotalAmountSet {{ {_MONEY} }} taxAmountSet {{ {_MONEY} }}""",
}
REFUND_PART_SIZES = {"refundLineItems": MAX_REFUND_LINES, "orderAdjustments": 10,
                     "refundShippingLines": 5}
_PAGE_INFO = "pageInfo { hasNextPage endCursor }"
_REFUND_FIELDS = f"id createdAt totalRefundedSet {{ {_MONEY} }}" + "".join(
    f"\n        {name}(first: {REFUND_PART_SIZES[name]}) {{ {_PAGE_INFO}\n"
    f"          nodes {{ {fields} }} }}" for name, fields in REFUND_PARTS.items())


def refund_part_query(name: str) -> str:
    """The next page of one connection of a Refund (``node(id:)``, ``after`` its
    ``pageInfo.endCursor``)."""
    return f"""
query RefundPart($id: ID!, $first: Int!, $after: String) {{
  node(id: $id) {{
    ... on Refund {{
      {name}(first: $first, after: $after) {{ {_PAGE_INFO}
        nodes {{ {REFUND_PARTS[name]} }} }}
    }}
  }}
}}"""


# Order.refunds is a list, not a connection: ``first`` truncates it and there is no
# next page. An order that fills it has all its refunds listed again without the cap
# (no nested connections: cheap), their parts then read by id (REFUND_DETAILS).
MAX_REFUNDS = 20
ORDER_REFUNDS = f"""
query OrderRefunds($id: ID!) {{
  order(id: $id) {{
    refunds {{ id createdAt totalRefundedSet {{ {_MONEY} }} }}
  }}
}}"""

# Most orders have a few lines; an order with more than MAX_LINES lines (or
# MAX_SHIPPING_LINES shipping lines) is read on with ORDER_LINES (ORDER_SHIPPING_LINES),
# so nothing is lost to the page size.
MAX_LINES = 50
MAX_SHIPPING_LINES = 5

ORDERS = f"""
query Orders($first: Int!, $after: String, $query: String) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{{_ORDER_FIELDS}
      lineItems(first: {MAX_LINES}) {{
        pageInfo {{ hasNextPage endCursor }}
        nodes {{{_LINE_FIELDS}
        }}
      }}
      shippingLines(first: {MAX_SHIPPING_LINES}) {{
        pageInfo {{ hasNextPage endCursor }}
        nodes {{{_SHIPPING_FIELDS}
      }} }}
      refunds(first: {MAX_REFUNDS}) {{ {_REFUND_FIELDS} }}
    }}
  }}
}}"""

ORDER_LINES = f"""
query OrderLines($id: ID!, $first: Int!, $after: String) {{
  order(id: $id) {{
    lineItems(first: $first, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{{_LINE_FIELDS}
      }}
    }}
  }}
}}"""

ORDER_SHIPPING_LINES = f"""
query OrderShippingLines($id: ID!, $first: Int!, $after: String) {{
  order(id: $id) {{
    shippingLines(first: $first, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{{_SHIPPING_FIELDS}
      }}
    }}
  }}
}}"""

CUSTOMERS = """
query Customers($first: Int!, $after: String, $query: String) {
  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { id createdAt updatedAt defaultAddress { countryCodeV2 } }
  }
}"""

PRODUCTS = """
query Products($first: Int!, $after: String, $query: String) {
  products(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id title productType updatedAt
      variants(first: 100) {
        nodes { id title sku price inventoryItem { unitCost { amount currencyCode } } }
      }
    }
  }
}"""

INVENTORY = """
query Inventory($first: Int!, $after: String, $query: String) {
  inventoryItems(first: $first, after: $after, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id updatedAt unitCost { amount currencyCode }
      variant { id title sku price product { id title productType } }
      inventoryLevels(first: 50) {
        nodes { updatedAt location { id } quantities(names: ["on_hand"]) { name quantity } }
      }
    }
  }
}"""

ABANDONED_CHECKOUTS = f"""
query AbandonedCheckouts($first: Int!, $after: String, $query: String) {{
  abandonedCheckouts(first: $first, after: $after, query: $query) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      id createdAt updatedAt completedAt
      customer {{ id }}
      totalLineItemsPriceSet {{ {_MONEY} }}
    }}
  }}
}}"""

# -- bulk operations ------------------------------------------------------------------------
# The bulk query: orders with their lines and shipping lines as nested connections (one
# JSONL line each, with __parentId); refunds are a list field and stay inside the order,
# their parts read afterwards with REFUND_DETAILS (bulk_refunds.py).
BULK_ORDERS = f"""
{{
  orders(query: $QUERY) {{
    edges {{ node {{{_ORDER_FIELDS}
      refunds {{ id createdAt totalRefundedSet {{ {_MONEY} }} }}
      lineItems {{ edges {{ node {{{_LINE_FIELDS}
      }} }} }}
      shippingLines {{ edges {{ node {{{_SHIPPING_FIELDS}
      }} }} }}
    }} }}
  }}
}}"""

# A bulk query cannot nest a connection inside a list field (Order.refunds is a list),
# so after a bulk download the refunds' parts are read by id, a few refunds a request
# (each carries up to MAX_REFUND_LINES lines, which the query cost counts).
REFUNDS_PER_REQUEST = 10
REFUND_DETAILS = f"""
query RefundDetails($ids: [ID!]!) {{
  nodes(ids: $ids) {{
    ... on Refund {{ {_REFUND_FIELDS} }}
  }}
}}"""

BULK_RUN = """
mutation RunBulk($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message }
  }
}"""

BULK_POLL = """
query BulkStatus($id: ID!) {
  node(id: $id) {
    ... on BulkOperation { id status errorCode objectCount fileSize url partialDataUrl }
  }
}"""


def bulk_orders_query(search: str | None) -> str:
    """The bulk orders query with its search filter written in (a bulk query takes no
    variables); the filter is JSON-quoted, so no text of it can end the string."""
    import json

    return BULK_ORDERS.replace("(query: $QUERY)", f"(query: {json.dumps(search)})"
                               if search else "")
