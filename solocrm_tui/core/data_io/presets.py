"""What other tools export, recognised from the header line: Google, Outlook, HubSpot, Shopify, Stripe.

An owner moving to SoloCRM brings files written by the tools they used before, and
those files name their columns their own way ("E-mail 1 - Value", "Business
Country/Region", "Lineitem quantity", "Created (UTC)"). Synonyms alone cannot read
them: "Name" in a Shopify orders file is the order number, "id" in a Stripe export is
Stripe's id, and Google writes up to ten phone columns. A preset is the column map of
one tool's export, recognised by the headers only that tool writes together
(`signature`). `--preset` forces one (or `none`), and `--map` still wins over it.

Columns a preset does not name fall back to the ordinary synonyms (and, for
customers, to custom fields), so a column the owner added to an export still
arrives; the tools' bookkeeping columns (labels of labels, yomi spellings, photo URLs)
are named `ignore` so they do not clutter the profile as custom fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from solocrm_tui.core.data_io.reading import normalise
from solocrm_tui.core.errors import ValidationError

IGNORE = "ignore"


@dataclass(frozen=True)
class Preset:
    key: str  # what --preset takes
    name: str  # what the report says
    kind: str  # the import kind its files hold
    signature: frozenset[str]  # normalised headers a file of this tool always has
    columns: dict[str, str] = field(default_factory=dict)  # normalised header -> field
    patterns: tuple[tuple[re.Pattern[str], str], ...] = ()  # for numbered columns ("Phone 3 - Value")

    def field_for(self, key: str) -> str | None:
        if key in self.columns:
            return self.columns[key]
        for pattern, name in self.patterns:
            if pattern.fullmatch(key):
                return name
        return None


def _columns(spec: str) -> dict[str, str]:
    """"First Name=first_name; Zip=postcode" -> {"firstname": "first_name", "zip": "postcode"}."""
    out = {}
    for item in spec.split(";"):
        if item.strip():
            header, _, name = item.rpartition("=")
            out[normalise(header)] = name.strip()
    return out


def _patterns(*pairs: tuple[str, str]) -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(regex), name) for regex, name in pairs)


_GOOGLE_COMMON = _patterns(
    (r"email\d+value", "email"), (r"phone\d+value", "phone"),
    (r"(email|phone|address|website|relation|event|im|custom|externalid)\d+(label|type)", IGNORE),
    (r"address1(street|streetaddress)", "street"), (r"address1(extendedaddress|pobox)", "street"),
    (r"address1city", "city"), (r"address1(region)", "region"), (r"address1postalcode", "postcode"),
    (r"address1country", "country"), (r"address\d+(formatted|countrycode)", IGNORE),
    (r"address[2-9](street|streetaddress|extendedaddress|pobox|city|region|postalcode|country)", IGNORE),
    (r"phonetic.*|.*yomi.*", IGNORE),
)

PRESETS: tuple[Preset, ...] = (
    Preset("google", "Google Contacts", "customers",
           frozenset({"firstname", "lastname", "labels", "organizationname"}),
           _columns("First Name=first_name; Middle Name=middle_name; Last Name=last_name; "
                    "Organization Name=company; Name Prefix=ignore; Name Suffix=ignore; File As=ignore; Photo=ignore; "
                    "Birthday=birthday; Notes=notes; Labels=labels"),
           _GOOGLE_COMMON),
    Preset("google-legacy", "Google Contacts, Google CSV", "customers",
           frozenset({"name", "givenname", "familyname", "groupmembership"}),
           _columns("Name=name; Given Name=first_name; Additional Name=middle_name; Family Name=last_name; "
                    "Organization 1 - Name=company; Organization 1 - Title=ignore; Organization 1 - Type=ignore; "
                    "Name Prefix=ignore; Name Suffix=ignore; Nickname=ignore; Short Name=ignore; Initials=ignore; "
                    "Maiden Name=ignore; File As=ignore; Photo=ignore; Gender=ignore; Location=ignore; "
                    "Billing Information=ignore; Directory Server=ignore; Mileage=ignore; Occupation=ignore; "
                    "Hobby=ignore; Sensitivity=ignore; Priority=ignore; Subject=ignore; Language=ignore; "
                    "Birthday=birthday; Notes=notes; Group Membership=labels; "
                    "Address 1 - Street=street; Address 1 - PO Box=street; Address 1 - Extended Address=street; "
                    "Address 1 - City=city; Address 1 - Region=region; Address 1 - Postal Code=postcode; "
                    "Address 1 - Country=country; Organization 1 - Department=ignore"),
           _GOOGLE_COMMON + _patterns((r"organization\d+.*", IGNORE))),
    Preset("outlook", "Outlook", "customers",
           frozenset({"firstname", "lastname", "emailaddress", "email2address", "mobilephone"}),
           _columns("First Name=first_name; Middle Name=middle_name; Last Name=last_name; Title=ignore; "
                    "Suffix=ignore; Nickname=ignore; Given Yomi=ignore; Surname Yomi=ignore; Company Yomi=ignore; "
                    "E-mail Address=email; E-mail 2 Address=email; E-mail 3 Address=email; "
                    "E-mail Type=ignore; E-mail Display Name=ignore; E-mail 2 Type=ignore; "
                    "E-mail 2 Display Name=ignore; E-mail 3 Type=ignore; E-mail 3 Display Name=ignore; "
                    "Mobile Phone=phone; Primary Phone=phone; Business Phone=phone; Business Phone 2=phone; "
                    "Home Phone=phone; Home Phone 2=phone; Other Phone=phone; Company Main Phone=phone; "
                    "Car Phone=phone; Callback=ignore; Radio Phone=ignore; Telex=ignore; TTY/TDD Phone=ignore; "
                    "ISDN=ignore; Company=company; "
                    "Business Street=street; Business Street 2=street; Business Street 3=street; "
                    "Business City=city; Business State=region; Business Postal Code=postcode; "
                    "Business Country/Region=country; Business Country=country; Business PO Box=ignore; "
                    "Home Street=home_street; Home Street 2=home_street; Home Street 3=home_street; "
                    "Home City=home_city; Home State=home_region; Home Postal Code=home_postcode; "
                    "Home Country/Region=home_country; Home Country=home_country; Home PO Box=ignore; "
                    "Other Street=ignore; Other Street 2=ignore; Other Street 3=ignore; "
                    "Other City=ignore; Other State=ignore; Other Postal Code=ignore; Other Country/Region=ignore; "
                    "Other Country=ignore; Other PO Box=ignore; Initials=ignore; "
                    "Mileage=ignore; Billing Information=ignore; Directory Server=ignore; Internet Free Busy=ignore; "
                    "Organizational ID Number=ignore; Account=ignore; Government ID Number=ignore; "
                    "Priority=ignore; Private=ignore; Sensitivity=ignore; Referred By=source; "
                    "User 1=ignore; User 2=ignore; User 3=ignore; User 4=ignore; "
                    "Birthday=birthday; Notes=notes; Categories=labels")),
    Preset("hubspot", "HubSpot contacts", "customers",
           frozenset({"recordid", "firstname", "lastname", "email"}),
           _columns("Record ID=external_id; First Name=first_name; Last Name=last_name; Email=email; "
                    "Phone Number=phone; Mobile Phone Number=phone; Company Name=company; "
                    "Street Address=street; City=city; State/Region=region; Postal Code=postcode; "
                    "Country/Region=country; Lead Source=source; Original Source=source; "
                    "Contact owner=ignore; Create Date=ignore; Last Activity Date=ignore; "
                    "Marketing contact status=ignore; Associated Company=ignore; Associated Company IDs=ignore; "
                    "Associated Deals=ignore; Associated Deal IDs=ignore; Notes=notes; "
                    "Unsubscribed from all email=opt_out")),
    Preset("hubspot-deals", "HubSpot deals", "deals",
           frozenset({"recordid", "dealname", "dealstage"}),
           _columns("Record ID=external_id; Deal Name=title; Deal Stage=stage; Amount=value; Close Date=expected_close; "
                    "Create Date=created_at; Associated Contact IDs=customer_external_id; "
                    "Associated Contact=customer_name; Pipeline=ignore; Deal owner=ignore; "
                    "Last Activity Date=last_activity_at; Associated Company=ignore; Associated Company IDs=ignore")),
    Preset("shopify", "Shopify customers", "customers",
           frozenset({"email", "totalspent", "totalorders"}),
           _columns("Customer ID=external_id; First Name=first_name; Last Name=last_name; Email=email; "
                    "Accepts Email Marketing=accepts_marketing; Accepts Marketing=accepts_marketing; "
                    "Accepts SMS Marketing=ignore; Company=company; Default Address Company=company; "
                    "Address1=street; Address2=street; Default Address Address1=street; "
                    "Default Address Address2=street; City=city; Default Address City=city; Province=region; "
                    "Province Code=ignore; Default Address Province Code=region; Country=country; "
                    "Country Code=ignore; Default Address Country Code=country; Zip=postcode; "
                    "Default Address Zip=postcode; Phone=phone; Default Address Phone=phone; "
                    "Total Spent=ignore; Total Orders=ignore; Tags=labels; Note=notes; Tax Exempt=ignore")),
    Preset("shopify-orders", "Shopify orders", "orders",
           frozenset({"name", "financialstatus", "lineitemname", "total"}),
           _columns("Name=order_id; Email=customer_email; Financial Status=status; Paid at=ignore; "
                    "Fulfillment Status=ignore; Fulfilled at=ignore; Accepts Marketing=ignore; Currency=currency; "
                    "Subtotal=ignore; Shipping=ignore; Taxes=ignore; Total=amount; Discount Code=ignore; "
                    "Discount Amount=ignore; Shipping Method=ignore; Created at=ordered_at; "
                    "Lineitem quantity=line_quantity; Lineitem name=line_name; Lineitem price=line_price; "
                    "Lineitem sku=line_sku; Billing Name=customer_name; Billing Phone=customer_phone; "
                    "Phone=customer_phone; Cancelled at=cancelled_at; Refunded Amount=refunded; Id=ignore; "
                    "Notes=ignore; Tags=ignore; Source=ignore; Vendor=ignore"),
           _patterns((r"lineitem.*|billing.*|shipping.*|tax\d*(name|value)|payment.*|discount.*|fulfill.*", IGNORE),
                     (r"outstandingbalance|employee|location|deviceid|risklevel|receiptnumber|duties|nextpaymentdueat"
                      r"|paidat|acceptsmarketing|subtotal|taxes|noteattributes", IGNORE))),
    Preset("stripe", "Stripe customers", "customers",
           frozenset({"id", "description", "email", "createdutc"}),
           _columns("id=external_id; Name=name; Description=notes; Email=email; Phone=phone; "
                    "Created (UTC)=ignore; Address Line1=street; Address Line2=street; Address City=city; "
                    "Address State=region; Address Postal Code=postcode; Address Zip=postcode; Address Country=country; "
                    "Shipping Name=ignore; Shipping Address Line1=ignore; Shipping Address Line2=ignore; "
                    "Shipping Address City=ignore; Shipping Address State=ignore; "
                    "Shipping Address Postal Code=ignore; Shipping Address Country=ignore; Delinquent=ignore; "
                    "Balance=ignore; Currency=ignore; Card ID=ignore; Business Vat ID=ignore; "
                    "Default Source=ignore; Coupon=ignore; Discount=ignore; Account Balance=ignore; "
                    "Plan=ignore; Status=ignore; Cancel At Period End=ignore; Quantity=ignore; "
                    "Total Spend=ignore; Payment Count=ignore; Refunded Volume=ignore; Dispute Losses=ignore; "
                    "Tax Exempt=ignore; Preferred Locales=ignore; Language=ignore")),
    Preset("stripe-payments", "Stripe payments", "orders",
           frozenset({"id", "amount", "amountrefunded", "currency", "status"}),
           _columns("id=order_id; Created (UTC)=ordered_at; Created date (UTC)=ordered_at; Amount=amount; "
                    "Amount Refunded=refunded; Currency=currency; Captured=captured; Status=status; "
                    "Description=description; Customer ID=customer_external_id; Customer Email=customer_email; "
                    "Customer Description=ignore; Customer Name=customer_name; Card Name=customer_name; "
                    "Customer Phone=customer_phone; "
                    "Converted Amount=ignore; Converted Amount Refunded=ignore; Converted Currency=ignore; "
                    "Decline Reason=ignore; Fee=ignore; Refunded date (UTC)=ignore; Statement Descriptor=ignore; "
                    "Seller Message=ignore; Taxes On Fee=ignore; Card ID=ignore; Invoice ID=ignore; "
                    "Transfer=ignore; PaymentIntent ID=ignore; Payment Source Type=ignore"),
           _patterns((r"card.*|tax|taxes|disputed.*|dispute.*", IGNORE))),
    Preset("shopify-products", "Shopify products", "products",
           frozenset({"handle", "title", "variantsku", "variantprice"}),
           _columns("Title=name; Variant SKU=sku; Variant Price=price; Cost per item=cost; Status=active; "
                    "Published=ignore; Handle=handle; Option1 Value=option1; Option2 Value=option2; "
                    "Option3 Value=option3; Type=ignore; Tags=ignore; Vendor=ignore"),
           _patterns((r"variant.*|option\d.*|image.*|seo.*|giftcard|googleshopping.*|body.*|productcategory"
                      r"|includedin.*|pricein.*|compareatpricein.*", IGNORE))),
    Preset("woocommerce-products", "WooCommerce products", "products",
           frozenset({"sku", "name", "regularprice", "published"}),
           _columns("Name=name; SKU=sku; Regular price=price; Published=active; Sale price=ignore; ID=ignore; "
                    "Type=ignore")),
    Preset("contacts", "contacts (first/last name)", "customers", frozenset({"firstname", "lastname"})),
)
BY_KEY = {preset.key: preset for preset in PRESETS}
NONE = "none"


def detect(headers: tuple[str, ...]) -> Preset | None:
    """The preset whose signature the headers carry, the most specific first."""
    keys = {normalise(h) for h in headers} | {_SYNONYM_KEYS.get(normalise(h), "") for h in headers}
    found = [p for p in PRESETS if p.signature <= keys]
    return max(found, key=lambda p: len(p.signature)) if found else None


# The generic preset is about meaning, not spelling: "Given name" and "Surname" are first and last names too.
_SYNONYM_KEYS = {"givenname": "firstname", "forename": "firstname", "first": "firstname",
                 "surname": "lastname", "familyname": "lastname", "last": "lastname"}


def choose(kind: str, headers: tuple[str, ...], forced: str | None, file: str) -> Preset | None:
    """The preset to read the file with: `forced` (a key, or "none"), else the detected one.

    A file detected as another kind's export (a Shopify orders file given to `import
    customers`) is refused with the command that reads it, instead of being imported as
    the wrong thing."""
    if forced is not None:
        key = forced.strip().casefold()
        if key == NONE:
            return None
        if key not in BY_KEY:
            raise ValidationError(f'--preset: no preset "{forced}"; use one of {", ".join(BY_KEY)} or {NONE}')
        preset = BY_KEY[key]
        if preset.kind != kind:
            raise ValidationError(f"--preset {preset.key} reads {preset.kind}, not {kind}: "
                                  f"use `solocrm import {preset.kind} --preset {preset.key} {file}`")
        return preset
    preset = detect(headers)
    if preset is None:
        return None
    if preset.kind != kind:
        if preset.key == "contacts":
            return None
        raise ValidationError(f"{file} holds {preset.kind}, by its headers ({preset.name}): "
                              f"import it with `solocrm import {preset.kind} {file}` (or --preset none)")
    return preset
