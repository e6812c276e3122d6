"""Which CSV column feeds which field: presets, synonyms, `--map` overrides, required columns.

Headers are compared after `csv_reading.normalise` (case, spaces and punctuation
ignored), so "E-mail", "Email Address" and "MAIL" all mean email. A file another tool
exported is read with that tool's preset (`presets`); an explicit `--map "Source
Column=field"` always wins; `field` may be `ignore`.

Some fields may come from several columns (`MULTI`): Outlook writes three email and
a dozen phone columns, Shopify two street lines. The first such column is the field's
`fields` entry, the others are listed in `more`, and the row cleaning decides how the
values combine (the first phone is the phone, the rest are kept).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from solocrm_tui.core import validate
from solocrm_tui.core.data_io.presets import IGNORE, Preset
from solocrm_tui.core.data_io.reading import normalise
from solocrm_tui.core.errors import ValidationError

KINDS = ("customers", "orders", "interactions", "deals", "products")

_CUSTOMER_REF = {
    "customer_external_id": "customerexternalid customerid externalcustomerid clientid customernumber customerno "
                            "customerref accountid",
    "customer_email": "customeremail email emailaddress mail email1 clientemail contactemail",
    "customer_phone": "customerphone phone mobile tel telephone phonenumber",
    "customer_name": "customername customer name fullname client clientname contact contactname billingname",
}
_SYNONYMS: dict[str, dict[str, str]] = {
    "customers": {
        "name": "name fullname customer customername contact contactname client clientname person",
        "first_name": "firstname givenname forename first",
        "middle_name": "middlename additionalname secondname",
        "last_name": "lastname surname familyname last",
        "company": "company organisation organization org companyname business employer account",
        "email": "email emailaddress mail email1 emailaddr mailaddress",
        "phone": "phone mobile tel telephone phonenumber mobilephone mobilenumber cell cellphone",
        "external_id": "id externalid customerid extid clientid customernumber customerno reference ref",
        "street": "street streetaddress address address1 address2 addressline1 addressline2 street1 street2",
        "postcode": "postcode postalcode zip zipcode plz postcodezip",
        "city": "city town locality",
        "region": "region state province county stateregion stateprovince",
        "country": "country countrycode nation countryregion",
        "birthday": "birthday birthdate dateofbirth dob born",
        "source": "source acquisitionsource leadsource origin referral channel",
        "tags": "tags tag",
        "labels": "labels label categories category groups groupmembership",
        "opt_out": "optout optedout unsubscribed donotcontact donotemail nomarketing",
        "accepts_marketing": "acceptsmarketing acceptsemailmarketing emailoptin marketingoptin newsletteroptin",
        "notes": "notes note comments comment remarks",
        "home_street": "homestreet homeaddress", "home_postcode": "homepostalcode homepostcode homezip",
        "home_city": "homecity", "home_region": "homestate homeregion", "home_country": "homecountry homecountryregion",
        "custom": "custom customfields",
    },
    "orders": {
        **_CUSTOMER_REF,
        "order_id": "orderid ordernumber orderno order id externalid invoice invoiceno invoicenumber transactionid",
        "amount": "amount total price value revenue sum grandtotal totalamount ordertotal",
        "currency": "currency cur currencycode",
        "ordered_at": "date orderedat orderdate purchasedate purchasedat created createdat datetime timestamp when",
        "description": "description product item productname title details",
        "cost": "cost cogs costprice unitcost",
        "line_name": "lineitemname itemname lineitem",
        "line_sku": "sku lineitemsku itemsku productsku articlenumber",
        "line_quantity": "quantity qty lineitemquantity",
        "line_price": "unitprice lineitemprice itemprice priceeach",
        "status": "status financialstatus paymentstatus orderstatus",
        "refunded": "refunded refundedamount amountrefunded refundamount",
        "cancelled_at": "cancelledat canceledat",
        "captured": "captured",
    },
    "interactions": {
        **_CUSTOMER_REF,
        "kind": "kind type activitytype interactiontype channel",
        "direction": "direction inout",
        "body": "body text note notes message content summary details description subject comment",
        "occurred_at": "occurredat date datetime time timestamp when createdat at",
    },
    "deals": {  # HubSpot's deals export: Record ID, Deal Name, Deal Stage, Amount, Close Date, Associated Contact…
        **_CUSTOMER_REF,
        "customer_external_id": f"{_CUSTOMER_REF['customer_external_id']} associatedcontactids associatedcontactid "
                                "contactid contactids",
        "customer_name": f"{_CUSTOMER_REF['customer_name']} associatedcontact associatedcontacts",
        "external_id": "recordid dealid id externalid hsobjectid",
        "title": "dealname title deal subject opportunity opportunityname",
        "value": "amount value dealamount dealvalue total",
        "currency": "currency currencycode dealcurrencycode cur",
        "stage": "dealstage stage status pipelinestage",
        "probability": "probability dealprobability winprobability",
        "expected_close": "closedate expectedclose expectedclosedate closingdate",
        "created_at": "createdate createdat created datecreated createddate",
        "last_activity_at": "lastactivitydate lastactivity lastactivityat",
        "lost_reason": "closedlostreason lostreason",
    },
    "products": {  # Shopify: Title, Variant SKU, Variant Price, Cost per item, Status; WooCommerce: Name, SKU,
        # Regular price; and the usual German, French and Spanish spreadsheet headers
        "name": "name title productname product item itemname bezeichnung artikel artikelname produktname produkt "
                "designation désignation nom nomduproduit produit libelle libellé nombre nombredelproducto producto articulo artículo descripcion descripción",
        "price": "price variantprice regularprice unitprice listprice amount unitamount preis verkaufspreis vkpreis "
                 "einzelpreis listenpreis prix prixdevente prixunitaire prixht precio preciodeventa preciounitario pvp",
        "cost": "cost costperitem unitcost costprice cogs kosten einkaufspreis ekpreis selbstkosten cout coût coutunitaire coûtunitaire "
                "prixdachat prixdrevient coste costo preciodecompra",
        "sku": "sku variantsku productsku articlenumber itemsku productcode code artikelnummer artnr artikelnr "
               "reference référence ref codearticle referencia codigo código",
        "active": "active status published enabled aktiv actif activo",
        # Shopify's products export: a handle's rows are one product's variants and images (`products`)
        "handle": "handle", "option1": "option1value", "option2": "option2value", "option3": "option3value",
    },
}
SYNONYMS = {kind: {word: name for name, words in table.items() for word in words.split()}
            for kind, table in _SYNONYMS.items()}
FIELDS = {kind: tuple(table) for kind, table in _SYNONYMS.items()}
# Columns SoloCRM's own export writes that an import must not turn into custom fields.
_EXPORTED = "solocrmid solocrmcustomerid createdat updatedat archivedat revenue ordercount lastorderat " \
            "lastcontactat stage stagechangedat segment churnrisk palive expectedpurchases clv"
_REFS = ("customer_external_id", "customer_email", "customer_phone")
# Fields several columns may feed (see the module docstring); any other field takes one column.
MULTI = frozenset({"name", "company", "email", "phone", "street", "postcode", "city", "region", "country", "source",
                   "labels", "notes", "home_street"})
PRESET_ONLY = frozenset({"handle", "option1", "option2", "option3"})
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "customers": (("name", "first_name", "last_name"),),
    "orders": (("amount",), ("ordered_at",), _REFS),
    "interactions": (("body",), ("occurred_at",), _REFS),
    "deals": (("title",), ("stage",), (*_REFS, "customer_name")),  # HubSpot names contacts as "Ann (ann@x.com)"
    "products": (("name",),),
}


@dataclass
class ColumnMap:
    fields: dict[str, int] = field(default_factory=dict)  # field -> column index
    custom: list[tuple[int, str]] = field(default_factory=list)  # (column index, header) kept as custom fields
    ignored: list[str] = field(default_factory=list)  # human notes on columns not imported
    unread: list[str] = field(default_factory=list)  # headers no field is known by: the owner may mean one
    more: dict[str, list[int]] = field(default_factory=dict)  # MULTI field -> its further columns, in order
    preset: Preset | None = None
    unused: list[str] = field(default_factory=list)  # the preset's bookkeeping columns, left out on purpose
    headers: tuple[str, ...] = ()
    date_order: dict[str, str] = field(default_factory=dict)  # date field -> "dmy" | "mdy" (column_formats)
    decimal: dict[str, str] = field(default_factory=dict)  # amount field -> "comma" | "point" (column_formats)

    def columns_of(self, name: str) -> list[int]:
        """Every column feeding `name`, the primary one first."""
        return [self.fields[name], *self.more.get(name, ())] if name in self.fields else []

    def header_of(self, index: int) -> str:
        return self.headers[index] if index < len(self.headers) else f"column {index + 1}"

    def cell(self, cells: list[str], name: str) -> str:
        """The row's value for field `name`, stripped; "" when the file has no such column."""
        index = self.fields.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def getter(self, name: str) -> Callable[[list[str]], str]:
        """`cell` for one field, looked up once: the per-row cost of a field the file lacks is nil."""
        index = self.fields.get(name)
        if index is None:
            return lambda cells: ""
        return lambda cells: cells[index].strip() if index < len(cells) else ""


def missing_fields(kind: str, cmap: ColumnMap) -> tuple[str, ...]:
    """The kind's fields no column gives, those a shop's preset alone reads (Shopify's handle
    and option values) left out: what an unread column might be meant as."""
    return tuple(name for name in FIELDS[kind] if name not in cmap.fields and name not in PRESET_ONLY)


def parse_map(items: list[str] | None) -> dict[str, str]:
    """["E-Mail Addr=email", …] -> {normalised source header: field}."""
    out: dict[str, str] = {}
    for item in items or ():
        source, sep, target = item.rpartition("=")
        if not sep or not source.strip() or not target.strip():
            raise ValidationError(f'--map "{item}" should look like "Source Column=field"')
        out[normalise(source)] = target.strip()
    return out


def _field_name(kind: str, target: str) -> str:
    key = normalise(target)
    if key in ("ignore", "skip", "none"):
        return IGNORE
    for name in FIELDS[kind]:
        if normalise(name) == key:
            return name
    if key in SYNONYMS[kind]:
        return SYNONYMS[kind][key]
    raise ValidationError(f'--map: "{target}" is not a {kind} field: use one of {", ".join(FIELDS[kind])} or ignore')


def map_columns(kind: str, headers: tuple[str, ...], overrides: dict[str, str] | None = None,
                preset: Preset | None = None) -> ColumnMap:
    if kind not in KINDS:
        raise ValidationError(f'cannot import "{kind}": use {", ".join(KINDS)}')
    overrides = dict(overrides or {})
    keys = [normalise(h) for h in headers]
    for source in overrides:
        if source not in keys:
            raise ValidationError(f'--map: the file has no column like "{source}" (columns: {", ".join(headers)})')
    result = ColumnMap(preset=preset, headers=headers)
    explicit = {src: _field_name(kind, target) for src, target in overrides.items()}
    for index, (header, key) in enumerate(zip(headers, keys)):
        if key in explicit and explicit[key] != IGNORE:
            if explicit[key] in result.fields:
                raise ValidationError(f"--map: two columns are mapped to {explicit[key]}")
            result.fields[explicit[key]] = index
    for index, (header, key) in enumerate(zip(headers, keys)):
        if key in explicit:
            if explicit[key] == IGNORE:
                result.ignored.append(f'"{header}" (--map ignore)')
            continue
        name = preset.field_for(key) if preset else None
        if name == IGNORE:
            result.unused.append(header)
            continue
        if name is None or name in explicit.values():
            name = SYNONYMS[kind].get(key)
        if not header:
            result.ignored.append(f"column {index + 1} (no header)")
        elif name and name not in result.fields:
            result.fields[name] = index
        elif name and name in MULTI and name not in explicit.values():
            result.more.setdefault(name, []).append(index)
        elif name:
            result.ignored.append(f'"{header}" (another column already gives {name})')
        elif kind == "customers" and key not in _EXPORTED.split():
            if not validate.control_character(header):
                result.custom.append((index, header))
            else:  # a custom field's name is shown like its value: the same rule applies
                result.ignored.append(f'"{header}" (its name contains a control character)')
        else:
            result.unread.append(header)
    _check_required(kind, headers, result)
    return result


def _check_required(kind: str, headers: tuple[str, ...], result: ColumnMap) -> None:
    for choices in REQUIRED[kind]:
        if not any(name in result.fields for name in choices):
            wanted = " or ".join(choices)
            raise ValidationError(f'the {kind} file has no {wanted} column (columns: {", ".join(headers)}); '
                                  f'name it, or use --map "Your Column={choices[0]}"')
