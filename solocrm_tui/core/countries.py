"""Country names as address books write them -> the region code their phone numbers belong to.

A contact's country says where a number written without a country code is dialled:
"(217) 555-3344" in a row whose country is "United States" is +1 217…, even when
the owner's own numbers are German. Exports write the country as a name in English
or in the country's own language, or as its ISO code; this table covers the common
ones (the EU/EEA, Europe's neighbours and the largest markets elsewhere). It is used
for that lookup only: the country a customer has is stored as typed.
"""

from __future__ import annotations

import unicodedata

_NAMES = {  # region -> names, compared casefolded, accents and dots dropped (see `_folded`)
    # the EU
    "AT": ("Austria", "Österreich", "Oesterreich"),
    "BE": ("Belgium", "België", "Belgique", "Belgien"),
    "BG": ("Bulgaria", "България", "Bulgariya"),
    "HR": ("Croatia", "Hrvatska"),
    "CY": ("Cyprus", "Κύπρος", "Kypros", "Kıbrıs"),
    "CZ": ("Czechia", "Czech Republic", "Česko", "Česká republika"),
    "DK": ("Denmark", "Danmark"),
    "EE": ("Estonia", "Eesti"),
    "FI": ("Finland", "Suomi"),
    "FR": ("France",),
    "DE": ("Germany", "Deutschland", "Federal Republic of Germany", "Bundesrepublik Deutschland", "DEU"),
    "GR": ("Greece", "Ελλάδα", "Ellada", "Hellas"),
    "HU": ("Hungary", "Magyarország"),
    "IE": ("Ireland", "Éire", "Republic of Ireland"),
    "IT": ("Italy", "Italia"),
    "LV": ("Latvia", "Latvija"),
    "LT": ("Lithuania", "Lietuva"),
    "LU": ("Luxembourg", "Lëtzebuerg", "Luxemburg"),
    "MT": ("Malta",),
    "NL": ("Netherlands", "The Netherlands", "Nederland", "Holland"),
    "PL": ("Poland", "Polska"),
    "PT": ("Portugal",),
    "RO": ("Romania", "România"),
    "SK": ("Slovakia", "Slovensko"),
    "SI": ("Slovenia", "Slovenija"),
    "ES": ("Spain", "España"),
    "SE": ("Sweden", "Sverige"),
    # the rest of the EEA, and Europe around it
    "IS": ("Iceland", "Ísland"),
    "LI": ("Liechtenstein",),
    "NO": ("Norway", "Norge", "Noreg"),
    "CH": ("Switzerland", "Schweiz", "Suisse", "Svizzera", "Svizra"),
    "GB": ("United Kingdom", "UK", "Great Britain", "Britain", "England", "Scotland", "Wales", "Northern Ireland",
           "United Kingdom of Great Britain and Northern Ireland", "GBR"),
    "UA": ("Ukraine", "Україна", "Ukraina"),
    "TR": ("Turkey", "Türkiye", "Turkiye"),
    "RS": ("Serbia", "Србија", "Srbija"),
    "BA": ("Bosnia and Herzegovina", "Bosna i Hercegovina"),
    "AL": ("Albania", "Shqipëria"),
    "MK": ("North Macedonia", "Северна Македонија"),
    "ME": ("Montenegro", "Crna Gora"),
    "MD": ("Moldova",),
    "RU": ("Russia", "Russian Federation", "Россия"),
    "BY": ("Belarus", "Беларусь"),
    "MC": ("Monaco",),
    "AD": ("Andorra",),
    "SM": ("San Marino",),
    # elsewhere
    "US": ("United States", "United States of America", "USA", "US of A", "America"),
    "CA": ("Canada",),
    "MX": ("Mexico", "México"),
    "BR": ("Brazil", "Brasil"),
    "AR": ("Argentina",),
    "CL": ("Chile",),
    "CO": ("Colombia",),
    "PE": ("Peru", "Perú"),
    "AU": ("Australia",),
    "NZ": ("New Zealand", "Aotearoa"),
    "JP": ("Japan", "日本", "Nippon", "Nihon"),
    "CN": ("China", "中国", "People's Republic of China", "Zhongguo"),
    "HK": ("Hong Kong", "香港"),
    "TW": ("Taiwan", "台灣"),
    "KR": ("South Korea", "Korea", "Republic of Korea", "대한민국"),
    "IN": ("India", "Bharat", "भारत"),
    "SG": ("Singapore",),
    "ID": ("Indonesia",),
    "MY": ("Malaysia",),
    "TH": ("Thailand", "ประเทศไทย"),
    "VN": ("Vietnam", "Viet Nam", "Việt Nam"),
    "PH": ("Philippines", "Pilipinas"),
    "IL": ("Israel", "ישראל"),
    "AE": ("United Arab Emirates", "UAE"),
    "SA": ("Saudi Arabia",),
    "EG": ("Egypt", "مصر"),
    "ZA": ("South Africa", "Suid-Afrika"),
    "NG": ("Nigeria",),
    "KE": ("Kenya",),
    "MA": ("Morocco", "Maroc"),
}


def _folded(name: str) -> str:
    """The name without what exports vary on: case, accents, dots (`U.S.A.`), extra spaces."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c))
    return " ".join(plain.replace(".", "").split())


COUNTRY_REGIONS = {_folded(name): region for region, names in _NAMES.items() for name in names}


def region_named(country: str) -> str | None:
    """The region a country name in the table stands for, None for one it lacks."""
    return COUNTRY_REGIONS.get(_folded(country))
