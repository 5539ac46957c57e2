"""What a pattern column holds, read from its name and description: Faker's providers for it.

A column called ``email`` with the pattern ``^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$`` should hold
``lisa.meyer@gmail.com``, not ``kamelo@vitaru.qxsof``, though both match. ``providers_for`` names
the Faker providers that make such values (the program keeps only those that match the pattern,
and draws the rest from it), ``locale_named`` the Faker locale of a country a description names.
Both are plain word lookups: a column they do not recognise simply keeps the drawn values.
"""

from __future__ import annotations

import re

# (words in the column's name or description, Faker providers to try), the more specific first:
# `email_address` is an email, `ip_address` an IP address, `company_name` a company. A provider
# "method:argument" is called with that argument (a date format).
_KINDS: list[tuple[tuple[str, ...], list[str]]] = [
    (("email", "emailaddress", "e-mail", "mail"), ["free_email", "email", "company_email"]),
    (("iban",), ["iban"]),
    (("bic", "swift"), ["swift"]),
    (("ipv6",), ["ipv6"]),
    (("ip", "ipv4", "ipaddress"), ["ipv4"]),
    (("mac",), ["mac_address"]),
    (("url", "website", "homepage", "link", "uri"), ["url"]),
    (("domain", "hostname", "host"), ["domain_name"]),
    (("uuid", "guid"), ["uuid4"]),
    (
        ("phone", "phonenumber", "telephone", "tel", "mobile", "cell", "msisdn", "fax"),
        ["phone_number", "basic_phone_number", "e164", "msisdn"],
    ),
    (("postcode", "postalcode", "postal", "zip", "zipcode", "plz"), ["postcode", "zipcode_plus4"]),
    (("city", "town", "municipality"), ["city"]),
    (("street", "address"), ["street_address", "street_name"]),
    (("company", "employer", "organisation", "organization", "business", "firm"), ["company"]),
    (("club", "clubname"), ["club_name"]),  # a sports club, named for its town
    (("username", "login", "handle", "nickname"), ["user_name"]),
    (("firstname", "forename", "givenname", "middlename"), ["first_name"]),
    (("lastname", "surname", "familyname"), ["last_name"]),
    (("fullname",), ["name"]),
    (("countrycode",), ["country_code"]),
    (("country",), ["country"]),
    (("state", "province", "region", "county"), ["administrative_unit", "state"]),
    (("currency",), ["currency_code"]),
    (("language",), ["language_name"]),
    (("isbn",), ["isbn13", "isbn10"]),
    (("ean", "gtin", "barcode"), ["ean13", "ean8"]),
    (("plate", "licenseplate", "numberplate"), ["license_plate"]),
    (("creditcard", "cardnumber"), ["credit_card_number"]),
    (("ssn",), ["ssn"]),
    (("job", "jobtitle", "occupation", "profession"), ["job"]),
    (("colour", "color"), ["hex_color", "color_name"]),
    (("time",), ["time:%H:%M", "time"]),
    (
        ("date", "dob", "birthday", "birthdate", "day"),
        ["date", "date:%d.%m.%Y", "date:%d/%m/%Y", "date:%m/%d/%Y"],
    ),
    (("year",), ["year"]),
    # last, so that a version's date stays a date; made by the program (Faker has none)
    (("version", "firmware", "semver"), ["version", "version:2"]),
]
# A bare `name` is a person's only where the table or description is about people: a product's
# or a file's name is not "Andrew Russell".
PEOPLE = set(
    "person people customer customers client clients patient patients employee employees staff "
    "user users member members doctor doctors author authors student students teacher teachers "
    "contact contacts owner owners driver drivers passenger passengers guest guests player "
    "players subscriber subscribers applicant applicants candidate candidates volunteer "
    "volunteers manager managers agent agents nurse nurses buyer buyers seller sellers tenant "
    "tenants worker workers athlete athletes guardian guardians parent parents spouse partner "
    "beneficiary beneficiaries recipient recipients sender senders holder holders engineer "
    "engineers developer developers researcher researchers instructor instructors learner "
    "learners pilot pilots crew "
    # people who make things, whose names are people's names too: an artist, an author
    "artist artists singer singers composer composers musician musicians performer performers "
    "director directors writer writers painter painters photographer photographers speaker "
    "speakers presenter presenters".split()
)
# Country names and adjectives to Faker locales; "European" or no country at all: en_US.
_LOCALES: list[tuple[tuple[str, ...], str]] = [
    (("netherlands", "dutch", "holland"), "nl_NL"),
    (("belgium", "belgian", "flemish"), "nl_BE"),
    (("germany", "german"), "de_DE"),
    (("austria", "austrian"), "de_AT"),
    (("switzerland", "swiss"), "de_CH"),
    (("france", "french"), "fr_FR"),
    (("united kingdom", "uk", "britain", "british", "england", "scotland", "wales"), "en_GB"),
    (("ireland", "irish"), "en_IE"),
    (("united states", "usa", "u.s.", "america", "american"), "en_US"),
    (("canada", "canadian"), "en_CA"),
    (("australia", "australian"), "en_AU"),
    (("new zealand",), "en_NZ"),
    (("india", "indian"), "en_IN"),
    (("spain", "spanish"), "es_ES"),
    (("mexico", "mexican"), "es_MX"),
    (("argentina", "argentinian", "argentine"), "es_AR"),
    (("italy", "italian"), "it_IT"),
    (("portugal", "portuguese"), "pt_PT"),
    (("brazil", "brazilian"), "pt_BR"),
    (("poland", "polish"), "pl_PL"),
    (("sweden", "swedish"), "sv_SE"),
    (("norway", "norwegian"), "no_NO"),
    (("denmark", "danish"), "da_DK"),
    (("finland", "finnish"), "fi_FI"),
    (("czech", "czechia"), "cs_CZ"),
    (("greece", "greek"), "el_GR"),
    (("turkey", "turkish"), "tr_TR"),
    (("romania", "romanian"), "ro_RO"),
    (("hungary", "hungarian"), "hu_HU"),
    (("japan", "japanese"), "ja_JP"),
    (("china", "chinese"), "zh_CN"),
]
# Large cities, which say the country too (a fitness club in Lyon: French names).
_CITY_LOCALES: list[tuple[tuple[str, ...], str]] = [
    (("amsterdam", "rotterdam", "utrecht", "the hague", "eindhoven", "groningen"), "nl_NL"),
    (("brussels", "antwerp", "ghent", "leuven", "bruges"), "nl_BE"),
    (("berlin", "munich", "hamburg", "cologne", "frankfurt", "stuttgart", "leipzig"), "de_DE"),
    (("vienna", "graz", "salzburg", "innsbruck"), "de_AT"),
    (("zurich", "basel", "bern"), "de_CH"),
    (("paris", "lyon", "marseille", "toulouse", "bordeaux", "lille", "nantes"), "fr_FR"),
    (("london", "manchester", "birmingham", "edinburgh", "glasgow", "bristol", "leeds"), "en_GB"),
    (("dublin", "cork", "galway", "limerick"), "en_IE"),
    (("madrid", "barcelona", "valencia", "seville", "bilbao", "malaga", "zaragoza"), "es_ES"),
    (("rome", "milan", "naples", "turin", "florence", "bologna", "venice"), "it_IT"),
    (("lisbon", "porto", "coimbra"), "pt_PT"),
    (("warsaw", "krakow", "wroclaw", "gdansk", "poznan"), "pl_PL"),
    (("stockholm", "gothenburg", "malmo", "uppsala"), "sv_SE"),
    (("oslo", "bergen", "trondheim"), "no_NO"),
    (("copenhagen", "aarhus", "odense"), "da_DK"),
    (("helsinki", "tampere", "turku"), "fi_FI"),
    (("prague", "brno"), "cs_CZ"),
    (("athens", "thessaloniki"), "el_GR"),
]
# Kinds also found inside a longer word of a column's name (customeremail, billingphone); short
# or common words are not (template is no plate, velocity no city).
_INSIDE = {"email", "phone", "postcode", "zipcode", "iban", "website", "username", "hostname"}
_INSIDE |= {"firstname", "lastname", "surname", "fullname", "telephone", "company"}
_SPLIT = re.compile(r"[^a-z0-9]+")


def providers_for(name: str, description: str = "", context: str = "") -> list[str]:
    """Faker providers for a column from its name and description (its name first), or [].

    ``context``: the table's name and description, which say whether a ``name`` is a person's."""
    found = _kind(name, inside=True) or _kind(description or "", inside=False)
    if found:
        return found
    words = set(_words(name))
    if not words & {"name", "names"}:
        return []
    others = words - {"name", "names", "full", "display", "contact"}
    if others:  # customer_name is a person's, product_name is not
        return ["name"] if others <= PEOPLE else []
    if _whose(context) & STOPS and not RAIL & set(_words(context)):
        return ["stop_name"]  # a bike or bus stop is named for its street: "Havnegade"
    if is_car_parks(context):
        return ["car_park_name"]  # "Parking Rue de la Paix", "Queen Street Car Park"
    animals = _whose(context) & ANIMALS
    if animals:  # a cow is called Bertha or Klaartje: a first name, not "Cows1"
        return ["first_name_female" if animals & FEMALE_ANIMALS else "first_name"]
    return ["name"] if PEOPLE & (set(_words(description)) | _whose(context)) else []


# Tables of farm animals people name: by a first name of the locale's, a female one for cows,
# mares, ewes and hens, as farmers name them (a dairy's cows had been "Cows1", "Cows2"). Pets are
# left to the model's lists by species, which name a dog as dogs are named.
ANIMALS = set(
    "horse horses pony ponies cow cows cattle heifer heifers mare mares ewe ewes sheep goat "
    "goats hen hens".split()
)
FEMALE_ANIMALS = set("cow cows cattle heifer heifers mare mares ewe ewes hen hens".split())

# Tables of stops, named for the street they stand in; not a railway's, named for their towns.
STOPS = {"station", "stations", "stop", "stops", "dock", "docks", "docking"}
RAIL = {"rail", "railway", "railways", "train", "trains", "metro", "subway", "underground"}


def is_car_parks(context: str) -> bool:
    """Whether a table (its name, the first word of ``context``) is one of car parks: car_parks,
    parking_garages, parking_lots, parkings (not garages alone: a car repair shop's)."""
    words = _words((context or "").strip().partition(" ")[0])
    head = words[-1] if words else ""
    if head in {"carparks", "carpark", "parkings"}:
        return True
    parked = {"park", "parks", "garage", "garages", "lot", "lots"}
    return head in parked and bool({"car", "parking"} & set(words))


_ROW_IS = re.compile(r"\b(?:one row per|a row per|each row is an?|a row is an?|one per)\s+(\w+)")


def _whose(context: str) -> set[str]:
    """What a table's rows are, from its name (the first word of ``context``) and a phrase of
    its description that says it ("One row per patient"): not any word of the description, as
    "products sold to customers" are no people."""
    table, _, description = (context or "").strip().partition(" ")
    said = _ROW_IS.findall(description.lower())
    return set(_words(table)) | {word for phrase in said for word in _words(phrase)}


def locale_named(text: str) -> str | None:
    """The Faker locale of the first country ``text`` names (``Dutch`` -> nl_NL), or None."""
    named = _named(text)
    return min(named)[2] if named else None


def locale_of_country(value: str) -> str | None:
    """The Faker locale of one country value: its name or adjective ("Germany", "German") or
    its ISO code ("DE"); None for a country not in our lists."""
    said = value.strip().lower()
    for names, locale in _LOCALES:
        if said in names or said == locale[-2:].lower():
            return locale
    return None


def countries_named(text: str) -> set[str]:
    """The ISO codes of every country ``text`` names, by name, adjective or large city."""
    return {locale[-2:] for _, _, locale in _named(text)}


def _named(text: str) -> list[tuple[int, int, str]]:
    """(where, the locale's place in our lists, locale) of each mention of a country in
    ``text``: the first one named wins, of two at one place the one listed first."""
    lowered = (text or "").lower()
    found = []
    for order, (names, locale) in enumerate(_LOCALES + _CITY_LOCALES):
        for country in names:
            match = re.search(rf"(?<![a-z]){re.escape(country)}(?![a-z])", lowered)
            if match:
                found.append((match.start(), order, locale))
    return found


def _kind(text: str, inside: bool) -> list[str]:
    """The providers of the first kind ``text`` names: a word of it (``zip``), two neighbours
    joined (``zip code`` is ``zipcode``), or with ``inside`` (a column's name) one of a few kinds
    inside a longer word (``customeremail``)."""
    words = _words(text)
    pairs = [a + b for a, b in zip(words, words[1:], strict=False)]
    joined = "".join(words)
    for keys, providers in _KINDS:
        for key in keys:
            if key in words or key in pairs or (inside and key in _INSIDE and key in joined):
                return list(providers)
    return []


def _words(text: str) -> list[str]:
    """Lower-case words; camelCase is split (``zipCode`` -> zip, code)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text or "")
    return [w for w in _SPLIT.split(spaced.lower()) if w]
