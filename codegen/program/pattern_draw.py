"""The functions pasted into a starting program to fill its pattern columns.

``codegen.program.patterns`` turns a column's regular expression into ``parts`` (plain tuples and
lists) and writes a call to one of these; their source is copied into the program as it stands.
So they use only numpy, the standard library and, in ``realistic_strings``, Faker (imported where
it is used), and they read as ordinary code: the user keeps and re-runs the program.
"""

import numpy as np


def strings_from_pattern(rng, n, parts, unique=False, part=None):
    """n random strings made from parts; with unique=True all distinct, or ValueError says why.

    A part (what, low, high) is what repeated low..high times (high None: low or more, at a
    natural length). what is an alphabet (a string: one of its characters each time) or a list of
    options (one of them each time: a literal string, or a list of parts). E.g.
    [("ABC", 2, 2), (["-", "/"], 1, 1), ("0123456789", 1, None)] gives "CA-7", "BB/20", ...

    part: (k, parts, total) when these n rows are part k of a table of total rows made in
    parts: unique values are then distinct over every part, not only these n (see below).
    """
    import math

    n = int(n)
    spare = 0  # room added to open parts when unique values need more than their natural length

    def top(part):
        """The most repeats a part gets."""
        what, low, high = part
        if high is not None:
            return high
        return (max(low, 2) + 8 if isinstance(what, str) else low + 2) + spare

    def width(parts):
        """The longest string the parts can give."""
        total = 0
        for what, low, high in parts:
            if isinstance(what, str):
                unit = 1
            else:
                unit = max(len(o) if isinstance(o, str) else width(o) for o in what)
            total += top((what, low, high)) * unit
        return total

    def choices(what):
        """How many ways one repeat of what can go (each option counted by its own ways)."""
        if isinstance(what, str):
            return len(what)
        return sum(1 if isinstance(o, str) else count(o) for o in what)

    def count(parts):
        """How many ways the parts can go: the distinct strings, or more when two ways spell the
        same string ([a-z]{1,2}[a-z]{1,2} spells "abc" twice)."""
        total = 1
        for part in parts:
            ways, low, most = choices(part[0]), part[1], top(part)
            # ways**low + ... + ways**most, in whole numbers of any size
            total *= most - low + 1 if ways == 1 else (ways ** (most + 1) - ways**low) // (ways - 1)
        return total

    def codes_of(text):
        return np.array([ord(c) for c in text], dtype=np.uint32)

    def by_ways(logs, size):
        """Indices drawn in proportion to exp(logs): to ways too many for floats."""
        weights = np.exp(logs - logs.max())
        return rng.choice(len(logs), size=size, p=weights / weights.sum())

    def repeats(part, m, by_count):
        """How many times each of m rows repeats the part."""
        what, low, high = part
        most = top(part)
        if by_count:  # as often as the strings of that length: re-draws reach the unused ones
            return low + by_ways(np.arange(low, most + 1) * math.log(choices(what)), m)
        if high is not None:
            return rng.integers(low, high + 1, size=m)
        if not isinstance(what, str):  # an open group: now and then once more
            return low + rng.binomial(2, 0.35, size=m)
        if low >= 2:  # {n,}: about n, now and then a little more
            return low + rng.binomial(3, 0.3, size=m)
        if set(what) <= set("0123456789"):  # a number: 1 to 3 digits, mostly 1 or 2
            return np.maximum(low, 1 + rng.binomial(2, 0.3, size=m))
        return np.maximum(low, 2 + rng.binomial(8, 0.5, size=m))  # a word: 2 to 10 characters

    def letters(part, m, by_count, before):
        """(m, top) characters for a part of one alphabet; before: each row's last character."""
        what, low, high = part
        most = top(part)
        table = codes_of(what)
        varying = high != low and not by_count  # re-draws reach every string, words or not
        lower = "abcdefghijklmnopqrstuvwxyz"
        if varying and most >= 3 and set(lower) <= set(what):
            # A run of lower-case letters of varying length reads as a word: consonants and
            # vowels in turn ("kamelo@vitaru.de", "Lisomu"); codes ("XQZ4") stay uniform.
            vowels = codes_of("aeiou")
            consonants = codes_of([c for c in lower if c not in "aeiou"])
            after_vowel = np.isin(before, codes_of("aeiouAEIOU"))
            after_consonant = np.isin(before, codes_of(lower + lower.upper())) & ~after_vowel
            first = np.where(after_vowel, 0, np.where(after_consonant, 1, rng.integers(0, 2, m)))
            turn = (np.arange(most) + first[:, None]) % 2 == 0
            return np.where(
                turn,
                consonants[rng.integers(0, len(consonants), size=(m, most))],
                vowels[rng.integers(0, len(vowels), size=(m, most))],
            )
        picks = table[rng.integers(0, len(table), size=(m, most))]
        if varying and set(what) <= set("0123456789") and len(what) > 1 and "0" in what:
            # A number of varying length does not start with 0 ("07" is no amount).
            nonzero = codes_of(what.replace("0", ""))
            picks[:, 0] = nonzero[rng.integers(0, len(nonzero), size=m)]
        return picks

    def place(codes, end, rows, piece, length):
        """Write each row's piece where the row ends so far, and move its end on. Zeros written
        past a row's length are overwritten by the next piece or stay as padding at the end."""
        position = np.arange(piece.shape[1])
        kept = np.where(position < length[:, None], piece, 0)
        codes[rows[:, None], end[rows][:, None] + position] = kept
        end[rows] += length

    def literal(option, m):
        return np.tile(codes_of(option), (m, 1)), np.full(m, len(option))

    def draw(parts, m, by_count=False):
        """(codes, lengths): m strings as a (m, width) matrix of code points, zero-padded."""
        codes = np.zeros((m, width(parts)), dtype=np.uint32)
        end = np.zeros(m, dtype=np.int64)
        every = np.arange(m)
        for part in parts:
            what = part[0]
            times = repeats(part, m, by_count)
            if isinstance(what, str):
                before = codes[every, np.maximum(end - 1, 0)] * (end > 0)
                place(codes, end, every, letters(part, m, by_count, before), times)
                continue
            logs = np.array([0.0 if isinstance(o, str) else math.log(count(o)) for o in what])
            for repeat in range(top(part)):
                rows = every[times > repeat]
                if by_count:
                    picked = by_ways(logs, len(rows))
                else:
                    picked = rng.integers(0, len(what), size=len(rows))
                for number, option in enumerate(what):
                    chosen = rows[picked == number]
                    if isinstance(option, str):
                        piece, size = literal(option, len(chosen))
                    else:
                        piece, size = draw(option, len(chosen), by_count)
                    place(codes, end, chosen, piece, size)
        return codes, end

    def unrank(parts, index):
        """(codes, lengths) for the index-th ways of the parts (0 <= index < count(parts)):
        distinct indices give distinct ways to go, spelled as draw() spells them."""
        m = len(index)
        codes = np.zeros((m, width(parts)), dtype=np.uint32)
        end = np.zeros(m, dtype=np.int64)
        every = np.arange(m)
        for part in parts:
            what, low, _ = part
            ways = choices(what)  # all below 4 * n here: int64 holds them
            powers = ways ** np.arange(top(part) + 1, dtype=np.int64)
            sizes = powers[low:]
            digit = index % sizes.sum()
            index = index // sizes.sum()
            starts = np.cumsum(sizes) - sizes
            times = np.searchsorted(starts, digit, side="right") - 1
            within = digit - starts[times]
            times = times + low
            if isinstance(what, str):
                piece = codes_of(what)[(within[:, None] // powers[:-1]) % ways]
                place(codes, end, every, piece, times)
                continue
            option_ways = [1 if isinstance(o, str) else count(o) for o in what]
            option_starts = np.cumsum(option_ways) - np.array(option_ways)
            for repeat in range(top(part)):
                rows = every[times > repeat]
                step = (within[rows] // powers[repeat]) % ways
                picked = np.searchsorted(option_starts, step, side="right") - 1
                for number, option in enumerate(what):
                    chosen = rows[picked == number]
                    if isinstance(option, str):
                        piece, size = literal(option, len(chosen))
                    else:
                        inner = step[picked == number] - option_starts[number]
                        piece, size = unrank(option, inner)
                    place(codes, end, chosen, piece, size)
        return codes, end

    def as_strings(codes):
        # Code points in a (rows, width) uint32 matrix are a fixed-width numpy str array; numpy
        # drops the zero padding after each string's end.
        return codes.view(f"U{codes.shape[1]}").ravel()

    def many(m, by_count=False):
        """m strings, drawn in blocks of rows so that memory stays small at any m."""
        block = max(1, 2**22 // max(1, width(parts)))
        starts = np.arange(0, m, block)
        drawn = [as_strings(draw(parts, min(block, m - s), by_count)[0]) for s in starts]
        return np.concatenate(drawn) if drawn else np.array([], dtype=f"U{width(parts)}")

    def one_length(what):
        return isinstance(what, str) or (
            all(isinstance(o, str) for o in what) and len({len(o) for o in what}) == 1
        )

    def alphabet(what):
        """Every character a part may write."""
        if isinstance(what, str):
            return set(what)
        found = set()
        for option in what:
            if isinstance(option, str):
                found |= set(option)
            else:
                found |= set().union(*(alphabet(inner[0]) for inner in option))
        return found

    def spelled_from(prefix, goal):
        """(head, tail, space): the last parts of ``prefix`` (or their last characters) at one
        length each, as few as give ``goal`` ways, and what is left before them."""
        head, tail, space = list(prefix), [], 1
        while head and space < goal and one_length(head[-1][0]):
            what, low, high = head[-1]
            ways = choices(what)
            most = high if high is not None else max(low, 1) + 24
            take = 1
            while take < most and space * ways**take < goal:
                take += 1  # only as many characters as the count needs: the rest stay words
            if space * ways**take >= 2**62:
                break
            # The part's first characters stay as drawn (a word); its last are spelled.
            rest_low = max(low - take, 0)
            rest_high = None if high is None else high - take
            head[-1:] = [] if rest_high == 0 else [(what, rest_low, rest_high)]
            tail.insert(0, (what, take, take))
            space *= ways**take
        return head, tail, space

    def across_parts(k, parts_count, total):
        """n values distinct over all parts of the table: some characters of each value are the
        index-th way of spelling them, for indices that leave k when divided by the number of
        parts (so no two parts share one), distinct within this part; the others are drawn as
        usual. Those characters have one length and end the value, or end the part before a
        character no earlier part may write (the local part of an email, before its "@"), so
        equal values mean equal indices."""
        # How the values split among the parts must not depend on how many this part draws
        # (a check may filter a larger draw): room for 256 times the table's rows, always.
        goal = 256 * total
        cut = len(parts)
        last = parts[-1] if parts else None
        if last is not None and last[1] != last[2]:  # an open end (a domain's ".com"): drawn
            for at in range(len(parts) - 1):  # the first such place: the local part of an email
                what, low, high = parts[at + 1]
                before = set().union(*(alphabet(p[0]) for p in parts[: at + 1]))
                if isinstance(what, str) and len(what) == 1 and low == high == 1:
                    if what not in before and isinstance(parts[at][0], str):
                        cut = at + 1
                        break
        head, tail, space = spelled_from(parts[:cut], goal)
        after = list(parts[cut:])
        if space < 2 * total:
            return by_hash(k, parts_count)
        members = (space - k + parts_count - 1) // parts_count
        if members < n:
            raise ValueError(
                f"strings_from_pattern: the pattern {parts!r} cannot give {n} values distinct "
                f"in part {k} of {parts_count} of the table; drop unique or widen the pattern"
            )
        index = k + parts_count * rng.choice(members, size=n, replace=False).astype(np.int64)
        values = as_strings(unrank(tail, index)[0]).astype(str)
        if head:
            values = np.char.add(as_strings(draw(head, n)[0]).astype(str), values)
        if after:
            values = np.char.add(values, as_strings(draw(after, n)[0]).astype(str))
        return values.astype(object)

    def by_hash(k, parts_count):
        """n values distinct over all parts where no ending can be spelled by index (groups
        within groups): distinct values drawn as usual, keeping those whose hash falls to part
        k (so no two parts share one). It draws about parts_count times n values."""
        import pandas as pd

        kept = np.array([], dtype=object)
        for size in (n * parts_count * 5 // 4 + 64) * 2 ** np.arange(4):
            drawn = strings_from_pattern(rng, size, parts, unique=True)
            bucket = pd.util.hash_array(drawn, categorize=False) % np.uint64(parts_count)
            kept = drawn[bucket == k]
            if len(kept) >= n:
                return kept[:n]
        raise ValueError(
            f"strings_from_pattern: the pattern {parts!r} cannot give {n} values distinct "
            f"over {parts_count} parts of the table; drop unique or widen the pattern"
        )

    if unique and part is not None and int(part[1]) > 1:
        return across_parts(int(part[0]), int(part[1]), int(part[2]))
    if not unique:
        return many(n).astype(object)  # Python strings, as pandas keeps them
    space = count(parts)
    for room in (8, 16, 32, 64):  # open parts may grow longer until the space is ample
        if space >= 2 * n:
            break
        spare = room
        space = count(parts)
    if space < n:
        raise ValueError(
            f"strings_from_pattern: the pattern {parts!r} cannot give {n} distinct values "
            f"(at most {space}); drop unique or widen the pattern"
        )
    if space <= 4 * n:
        # Nearly every string is needed: re-drawing duplicates would take ever longer, so take
        # n distinct ways below space and spell each one.
        values = as_strings(unrank(parts, rng.choice(space, size=n, replace=False))[0])
    else:
        values = many(n)
    seen, first = np.unique(values, return_index=True)  # sorted, for searchsorted
    redo = np.ones(n, dtype=bool)
    redo[first] = False
    redo = np.flatnonzero(redo)
    # Each round leaves a duplicate with chance below (values so far) / space, so a few rounds do;
    # 40 ends the hopeless cases (two ways to spell most strings, say) quickly.
    for _ in range(40):
        if redo.size == 0:
            return values.astype(object)
        fresh = many(redo.size, by_count=True)
        fresh_sorted, fresh_first = np.unique(fresh, return_index=True)
        where = np.searchsorted(seen, fresh_sorted)
        taken = seen[np.minimum(where, seen.size - 1)] == fresh_sorted
        keep = np.sort(fresh_first[~taken])  # in draw order, not sorted order
        values[redo[: keep.size]] = fresh[keep]
        redo = redo[keep.size :]
        seen = np.insert(seen, where[~taken], fresh_sorted[~taken])
    raise ValueError(
        f"strings_from_pattern: the pattern {parts!r} cannot give {n} distinct values "
        f"({redo.size} still repeat after 40 rounds); drop unique or widen the pattern"
    )


def realistic_strings(rng, n, parts, pattern, providers, locale="en_US", unique=False, part=None):
    """n strings that match pattern in full, real-looking where Faker can make them.

    Values come from the one of Faker's providers (method names; "date:%d.%m.%Y" passes an
    argument, "e164" gives +31201234567) whose values match pattern most often, each checked
    against it; the other rows from strings_from_pattern(rng, n, parts, unique). With
    unique=True all n are distinct; with part (k, parts, total) too, distinct over every part of
    the table: drawn from parts alone, as Faker's values could repeat another part's.
    """
    import re

    if unique and part is not None and int(part[1]) > 1:
        return strings_from_pattern(rng, n, parts, unique=True, part=part)

    from faker import Faker

    n = int(n)
    drawn = strings_from_pattern(rng, n, parts, unique=unique)
    fake = Faker(locale)
    fake.seed_instance(int(rng.integers(2**32)))
    try:  # \d, \w and \s as the validator (RE2) reads them
        matches = re.compile(pattern, re.ASCII).fullmatch
    except (re.error, ValueError):
        matches = re.compile(pattern).fullmatch

    person = [p for p in fake.get_providers() if p.__module__.startswith("faker.providers.person")]
    formats = getattr(person[0], "formats", ()) if person else ()
    weighted = formats if isinstance(formats, dict) else dict.fromkeys(formats, 1.0)
    # Faker's names carry salutations and degrees ("Dipl.-Ing. Walter Oderwald B.A." is 38% of
    # de_DE's, "Mr Scott Hardy" 29% of en_GB's): a name column holds the name alone.
    plain = {f: w for f, w in weighted.items() if "prefix" not in f and "suffix" not in f}
    # Faker makes a fifth of de_DE, en_GB, it_IT and da_DK names double-barrelled
    # ("Rüdiger Wesack-Kostolzin"); in a real customer list they are a few in a hundred.
    hyphenated = 0.05
    joined = sum(w for f, w in plain.items() if "}}-{{" in f)
    alone = sum(plain.values()) - joined
    if joined and alone:
        scale = hyphenated * alone / ((1 - hyphenated) * joined)
        plain = {f: w * scale if "}}-{{" in f else w for f, w in plain.items()}
    plain_formats, plain_sums = list(plain), list(np.cumsum(list(plain.values())))

    def name():
        """A person's name in the locale's forms (Spanish double surnames, Dutch "van der"),
        without a salutation or a degree."""
        if not plain_formats:
            return fake.name()
        return fake.parse(fake.random.choices(plain_formats, cum_weights=plain_sums)[0])

    # Faker has no Irish phone numbers: en_IE gives en_US's ("+1-520-421-4335x422").
    mobiles = [f"08{k} ### ####" for k in (3, 5, 6, 7, 9)]
    own_phones = {
        "en_IE": ("353", mobiles * 2 + ["01 ### ####", "021 ### ####", "091 ### ####"]),
    }.get(locale)

    def phone_number():
        """A phone number as the locale writes it."""
        if own_phones:
            return fake.numerify(fake.random.choice(own_phones[1]))
        return fake.phone_number()

    def e164():
        """A phone number in international form (+31201234567), where Faker writes one with +
        (or the locale's own numbers are known)."""
        if own_phones:
            return f"+{own_phones[0]}" + re.sub(r"\D", "", phone_number())[1:]
        number = fake.phone_number().split("x")[0].replace("(0)", "")
        return "+" + re.sub(r"\D", "", number) if number.startswith("+") else ""

    def version(numbers="3"):
        """A software version as releases number them, "2.4.1" (or "2.4"): a low major, most
        minors and patches small; not "940.7.3"."""
        major = fake.random.choices(range(6), weights=(1, 4, 4, 3, 2, 1))[0]
        minor = int(fake.random.random() ** 1.5 * 16)
        patch = int(fake.random.random() ** 2 * 20)
        return ".".join(str(v) for v in (major, minor, patch)[: int(numbers)])

    def car_park_name():
        """A car park as its town names it, for its street: "Parking Rue de la Paix",
        "Parkhaus Goethestraße", "Queen Street Car Park"."""
        before = {
            "fr": "Parking",
            "de": "Parkhaus",
            "nl": "Parkeergarage",
            "it": "Parcheggio",
            "es": "Parking",
            "pt": "Parque",
            "da": "P-hus",
            "sv": "P-hus",
            "no": "P-hus",
            "pl": "Parking",
            "cs": "Parkoviště",
        }.get(locale[:2])
        street = fake.street_name()
        return f"{before} {street}" if before else f"{street} Car Park"

    def club_name():
        """A sports club as clubs of the locale are named, for a town: "TSV Bad Hersfeld",
        "Leeds Harriers", "AS Villeurbanne"; the embedded model listed "Germany" and "Realistic
        values" as a Berlin marathon's running clubs."""
        forms = {
            "de": ("TSV {}", "SC {}", "LG {}", "SV {}", "TuS {}", "Laufteam {}"),
            "en": ("{} Harriers", "{} Running Club", "{} Athletic Club", "{} AC", "{} Striders"),
            "fr": ("AS {}", "US {}", "Stade {}", "Athlé {}"),
            "nl": ("AV {}", "Atletiek {}"),
            "es": ("CA {}", "Club Atletismo {}"),
            "it": ("Atletica {}", "ASD {}"),
            "da": ("{} IF", "{} Løbeklub"),
            "sv": ("{} IK", "{} FK"),
            "pl": ("KS {}",),
        }
        chosen = forms.get(locale[:2], forms["en"])
        return chosen[fake.random.randrange(len(chosen))].format(fake.city())

    def made(provider, count):
        """The values of count calls to a provider that match the pattern."""
        method, _, argument = provider.partition(":")
        made_here = {"e164": e164, "name": name, "phone_number": phone_number, "version": version}
        made_here["stop_name"] = fake.street_name  # a stop of a bike or bus scheme
        made_here["car_park_name"] = car_park_name
        made_here["club_name"] = club_name
        if own_phones:  # in digits alone: 0871234567
            made_here["basic_phone_number"] = lambda: re.sub(r"\D", "", phone_number())
        make = made_here.get(method) or getattr(fake, method)
        values = [make(argument) if argument else make() for _ in range(count)]
        return [v for v in values if isinstance(v, str) and v.isprintable() and matches(v)]

    if "country_code" in providers:  # "DEU" where the pattern asks for three letters
        providers = [*providers, "country_code:alpha-3"]
    probes = {}
    for provider in providers:
        try:
            probes[provider] = made(provider, 50)
        except (AttributeError, TypeError, ValueError):  # not in this locale, or other arguments
            continue
    if not probes or not max(len(found) for found in probes.values()):
        return drawn
    # The first provider (they come likeliest first) whose values often match: a UK phone
    # column of digits takes "+441414960932" (e164, 40% match) over msisdn's 13 random digits
    # (all match); else the one that matches most, the first of equals.
    often = [provider for provider in probes if len(probes[provider]) >= 10]
    best = often[0] if often else max(probes, key=lambda provider: len(probes[provider]))
    # Enough calls for every row, with a margin for a lucky probe and for repeats (at most
    # 10,000: Faker makes some 10,000 values a second).
    calls = min(10_000, max(50, int(1.25 * n * 50 / len(probes[best])) + 1))
    found = probes[best] + made(best, calls - 50)
    if unique:
        found = list(dict.fromkeys(found))
        share = min(n, len(found))
        real = np.array(found[:share], dtype=object)
    else:  # beyond 10,000 rows values repeat, in the share the pattern let through
        share = min(n, round(len(found) * max(1.0, n / calls)))
        real = np.array(found, dtype=object)
        real = real[:share] if share <= len(real) else rng.choice(real, size=share)
    rows = rng.permutation(n)
    values = drawn.copy()
    values[rows[:share]] = real
    if unique:  # the drawn values that no real one repeats fill the other rows
        rest = drawn[~np.isin(drawn.astype(str), real.astype(str))]
        values[rows[share:]] = rest[: n - share]
    elif best.startswith("country_code"):
        from faker.config import AVAILABLE_LOCALES
        from faker.providers.address import Provider as Addresses

        alpha_2, alpha_3 = Addresses.alpha_2_country_codes, Addresses.alpha_3_country_codes
        # Faker's codes are every country alike: a Berlin marathon's runners came from
        # Turkmenistan and Monaco as often as from France. People travel from a few countries
        # more than the rest: the countries Faker has a locale of, the largest sources of
        # international travellers first, each next one less often.
        travellers = "DE US GB FR IT NL ES CH CN CA BE AT PL SE DK JP AU KR NO IE".split()
        others = sorted({loc[-2:] for loc in AVAILABLE_LOCALES if loc[-2:] in alpha_2})
        others = [code for code in others if code not in travellers]
        pool = travellers + list(rng.permutation(others))
        if best.endswith("alpha-3"):
            pool = [alpha_3[alpha_2.index(code)] for code in pool]
        pool = [code for code in pool if matches(code)]
        if pool:
            order = 1.0 / np.arange(1, len(pool) + 1)  # a few countries most of the rows
            picked = rng.choice(np.array(pool, dtype=object), size=share, p=order / order.sum())
            values[rows[:share]] = picked
        # The people of a dataset of one country (runners in Berlin, a Dutch shop's customers)
        # are mostly of it. (en_US is also the default locale of a dataset that names none: no
        # country is raised there.)
        home = fake.current_country_code()
        if best.endswith("alpha-3") and home in alpha_2:
            home = alpha_3[alpha_2.index(home)]
        if locale != "en_US" and matches(home):  # as codegen.pipeline.typical.HOME_SHARE does
            values[rng.random(n) < 0.6] = home
    return values
