"""Country names as the GA4 export writes them (``geo.country``: "Germany") to ISO
3166-1 alpha-2 codes, from the English names Babel ships (CLDR) plus the names GA4
writes differently."""

from __future__ import annotations

from functools import cache

# GA4 spellings that differ from CLDR's English short names.
GA4_NAMES = {
    "Turkey": "TR", "Hong Kong": "HK", "Macao": "MO", "Macau": "MO", "Palestine": "PS",
    "Myanmar": "MM", "Czech Republic": "CZ", "Ivory Coast": "CI", "Cote d'Ivoire": "CI",
    "Côte d'Ivoire": "CI", "Congo - Kinshasa": "CD", "Democratic Republic of the Congo": "CD",
    "Congo - Brazzaville": "CG", "Republic of the Congo": "CG",
    "Bosnia and Herzegovina": "BA", "Trinidad and Tobago": "TT", "Antigua and Barbuda": "AG",
    "Saint Kitts and Nevis": "KN", "St. Kitts & Nevis": "KN", "Saint Lucia": "LC",
    "Saint Vincent and the Grenadines": "VC", "Sao Tome and Principe": "ST",
    "Macedonia": "MK", "Swaziland": "SZ", "Cape Verde": "CV", "East Timor": "TL",
    "Vatican City": "VA", "United States of America": "US", "Russian Federation": "RU",
    "Korea": "KR", "Republic of Korea": "KR", "Viet Nam": "VN",
}


@cache
def country_codes() -> dict[str, str]:
    """Every known country name -> alpha-2 code."""
    from babel import Locale

    names = {name: code for code, name in Locale("en").territories.items()
             if len(code) == 2 and code.isalpha()}
    names.update(GA4_NAMES)
    return names
