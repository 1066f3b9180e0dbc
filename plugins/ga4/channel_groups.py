"""GA4's default channel group, computed in SQL from a session's source, medium and campaign.

The rules and their order follow Google's published definition of the default channel
group (first match wins; matching ignores case). Google classifies sources with lists of
search, social, shopping and video sites; the lists here are our own short versions
(the names GA4 writes into the export, such as ``google`` or ``m.facebook.com``, and
their domains), checked against a published copy of Google's list in the tests.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

# Site names; a source matches when one of its dot-separated labels is a name
# (``google``, ``www.google.de``, ``de.search.yahoo.com``) or it equals a name with dots.
SEARCH_SITES = (
    "google", "bing", "yahoo", "baidu", "duckduckgo", "yandex", "ecosia", "naver", "ask",
    "aol", "seznam", "qwant", "sogou", "so.com", "360.cn", "daum", "msn", "rambler",
    "dogpile", "lycos", "startsiden", "onet", "biglobe", "kvasir", "najdi", "virgilio",
    "exalead", "excite", "google-play", "search-results", "centrum.cz", "firmy.cz",
)
SOCIAL_SITES = (
    "facebook", "fb", "instagram", "linkedin", "lnkd.in", "pinterest", "reddit", "t.co",
    "twitter", "x.com", "tiktok", "snapchat", "tumblr", "vk", "vk.com", "ok.ru", "weibo",
    "quora", "threads.net", "whatsapp", "telegram", "t.me", "discord", "discordapp",
    "messenger", "line", "wechat", "xing", "meetup", "medium.com", "mastodon",
    "stackoverflow", "stackexchange", "yelp", "tripadvisor", "slack", "flickr", "myspace",
    "plus.google.com", "groups.google.com", "sites.google.com", "blogger", "wordpress",
    "disqus", "foursquare", "glassdoor", "goodreads", "habbo", "hatena", "kakao",
    "naver.jp", "skype", "taringa", "twoo", "viadeo", "zalo", "ig", "igshopping",
)
SHOPPING_SITES = (
    "google shopping", "igshopping", "shopping.google.com", "amazon", "ebay", "etsy",
    "walmart", "alibaba", "aliexpress", "mercadolibre", "shopify", "shop.app", "stripe",
    "shopzilla", "rakuten.co.jp/shopping",
)
VIDEO_SITES = (
    "youtube", "youtu.be", "vimeo", "twitch", "dailymotion", "netflix", "hulu", "wistia",
    "disneyplus", "crackle", "curiositystream", "youku", "iqiyi", "veoh", "utreon", "ted",
    "nicovideo", "d.tube", "justin.tv", "iq.com", "music.youtube.com",
)

# Exact names that override the label rule (Google lists these under another category).
SOURCE_OVERRIDES = {
    "shopping.yahoo.com": "shopping", "shopping.yahoo.co.jp": "shopping",
    "shopping.naver.com": "shopping", "m.shopping.naver.com": "shopping",
    "order.shopping.yahoo.co.jp": "shopping", "store.shopping.yahoo.co.jp": "shopping",
    "cr.shopping.naver.com": "shopping", "cr2.shopping.naver.com": "shopping",
    "checkout.shopify.com": "shopping", "checkout.stripe.com": "shopping",
    "plus.google.com": "social", "groups.google.com": "social", "sites.google.com": "social",
    "docs.google.com": "social", "blogger.com": "social", "news.google.com": "search",
    "mail.yandex.ru": "search", "mail.rambler.ru": "search", "email.seznam.cz": "search",
    "zen.yandex.ru": "search", "s3.amazonaws.com": "shopping",
    "aax.amazon-adsystem.com": "shopping", "aax-us-east.amazon-adsystem.com": "shopping",
    # Community pages of search portals count as social.
    "answers.yahoo.com": "social", "blog.naver.com": "social", "m.blog.naver.com": "social",
    "cafe.naver.com": "social", "m.cafe.naver.com": "social", "kin.naver.com": "social",
    "m.kin.naver.com": "social", "blog.yahoo.co.jp": "social",
    "bookmarks.yahoo.co.jp": "social", "bookmarks.yahoo.com": "social",
    "chiebukuro.yahoo.co.jp": "social", "lifestream.aol.com": "social",
    "messages.google.com": "social", "messages.yahoo.co.jp": "social",
    "plus.url.google.com": "social", "pulse.yahoo.com": "social",
    "msearch.shopping.naver.com": "shopping", "nicovideo.jp": "social",
    "viadeo.journaldunet.com": "video",
}

PAID_MEDIUM = r"^(.*cp.*|ppc|retargeting|paid.*)$"
SHOP_CAMPAIGN = r"^(.*(([^a-df-z]|^)shop|shopping).*)$"
SOCIAL_MEDIUMS = ("social", "social-network", "social-media", "sm", "social network",
                  "social media")
DISPLAY_MEDIUMS = ("display", "banner", "expandable", "interstitial", "cpm")
EMAIL_NAMES = ("email", "e-mail", "e_mail", "e mail")
REFERRAL_MEDIUMS = ("referral", "app", "link")


def site_pattern(names: tuple[str, ...]) -> str:
    """A regular expression matching a host or name whose labels contain one of ``names``."""
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return rf"^(.*[.])?({alternatives})([.].*)?$"


def source_category(source: str | None) -> str | None:
    """search, social, shopping, video or None: the Python twin of the SQL, for tests."""
    if not source:
        return None
    text = source.lower()
    if text in SOURCE_OVERRIDES:
        return SOURCE_OVERRIDES[text]
    for category, names in _CATEGORIES:
        if re.fullmatch(site_pattern(names), text):
            return category
    return None


_CATEGORIES = (("shopping", SHOPPING_SITES), ("video", VIDEO_SITES),
               ("social", SOCIAL_SITES), ("search", SEARCH_SITES))


def _lit(value: str) -> exp.Expression:
    return exp.Literal.string(value)


def _in(column: str, values: tuple[str, ...]) -> str:
    return exp.In(this=exp.column(column), expressions=[_lit(v) for v in values]).sql("duckdb")


def _matches(column: str, pattern: str) -> str:
    return exp.Anonymous(this="regexp_full_match",
                         expressions=[exp.column(column), _lit(pattern)]).sql("duckdb")


def source_category_sql(column: str) -> str:
    """SQL giving the category of the lower-cased source in ``column`` (NULL: none)."""
    # The overrides are few: spelled out as nested CASE WHEN source = ... THEN ....
    override = exp.Case(this=exp.column(column), ifs=[
        exp.If(this=_lit(k), true=_lit(v)) for k, v in SOURCE_OVERRIDES.items()])
    parts = [f"WHEN {_in(column, tuple(SOURCE_OVERRIDES))} THEN {override.sql('duckdb')}"]
    for category, names in _CATEGORIES:
        parts.append(f"WHEN {_matches(column, site_pattern(names))} THEN {_lit(category).sql()}")
    return "CASE " + " ".join(parts) + " END"


def channel_group_sql(source: str, medium: str, campaign: str, category: str) -> str:
    """SQL for GA4's default channel group from lower-cased source, medium and campaign
    columns and the source's category column (see ``source_category_sql``)."""
    paid = _matches(medium, PAID_MEDIUM)
    shop_campaign = _matches(campaign, SHOP_CAMPAIGN)
    cat = exp.column(category).sql("duckdb")
    med = exp.column(medium).sql("duckdb")
    src = exp.column(source).sql("duckdb")
    cmp = exp.column(campaign).sql("duckdb")
    rules = [
        (f"{src} = '(direct)' AND ({med} IN ('(not set)', '(none)') OR {med} IS NULL)",
         "Direct"),
        (f"{cmp} LIKE '%cross-network%'", "Cross-network"),
        (f"({cat} = 'shopping' OR {shop_campaign}) AND {paid}", "Paid Shopping"),
        (f"{cat} = 'search' AND {paid}", "Paid Search"),
        (f"{cat} = 'social' AND {paid}", "Paid Social"),
        (f"{cat} = 'video' AND {paid}", "Paid Video"),
        (_in(medium, DISPLAY_MEDIUMS), "Display"),
        (paid, "Paid Other"),
        (f"{cat} = 'shopping' OR {shop_campaign}", "Organic Shopping"),
        (f"{cat} = 'social' OR {_in(medium, SOCIAL_MEDIUMS)}", "Organic Social"),
        (f"{cat} = 'video' OR {med} LIKE '%video%'", "Organic Video"),
        (f"{cat} = 'search' OR {med} = 'organic'", "Organic Search"),
        (_in(medium, REFERRAL_MEDIUMS), "Referral"),
        (f"{_in(source, EMAIL_NAMES)} OR {_in(medium, EMAIL_NAMES)}", "Email"),
        (f"{med} = 'affiliate'", "Affiliates"),
        (f"{med} = 'audio'", "Audio"),
        (f"{src} = 'sms' OR {med} = 'sms'", "SMS"),
        (f"{med} LIKE '%push' OR {med} LIKE '%mobile%' OR {med} LIKE '%notification%' "
         f"OR {src} = 'firebase'", "Mobile Push Notifications"),
    ]
    whens = " ".join(f"WHEN {cond} THEN {_lit(name).sql()}" for cond, name in rules)
    sql = f"CASE {whens} ELSE 'Unassigned' END"
    sqlglot.parse_one(sql, read="duckdb")  # fail here, not in a sync, if a rule is malformed
    return sql
