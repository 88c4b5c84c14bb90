"""The case-file key ``contacts`` of a conducting part (``solid``, ``cold_plate``): thin
interface layers (a TIM, a bond line) collapsed onto the grid faces between two parts,
``contacts = [{ with = "gpu0_lid", impedance = 5.0e-6 }]`` (K m2/W).

:func:`contacts_key` checks one part's entries; :func:`check_contacts` resolves every
``with`` (a part name, a copy name ``name[k]`` or a glob, as a loop's ``plates``) once
all parts are known; :func:`contact_pairs` gives the runtime (thermo/grid/thermal.py)
the copies on each side of each contact.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from thermo.case.checker import Checker, describe
from thermo.case.coldplates import instance_names, match_plates

CONTACT_KEYS = ("with", "impedance")
# the kinds whose cells conduct as solids: the only parts a contact joins
CONDUCTING_KINDS = ("solid", "cold_plate")
DOC = ("a list of tables { with = 'part', impedance = K m2/W (>= 0) }: `with` a solid or "
       "cold_plate part's name, a copy's name 'name[k]' or a glob such as 'gpu*_lid'")


def contacts_key(c: Checker, t: dict, key: str, p: dict) -> None:
    """Check a part's ``contacts`` and fill ``p["contacts"]`` (a list of
    ``{"with": str, "impedance": K m2/W}``); absent from ``p`` when not given."""
    raw: Any = t.get("contacts")
    if raw is None:
        return
    k = f"{key}.contacts"
    if isinstance(raw, dict) or not isinstance(raw, (list, tuple)):
        raise c.fail(k, f"expected a list of tables, got {describe(raw)}", DOC)
    out = []
    for m, item in enumerate(raw):
        km = f"{k}[{m}]"
        e = c.table(item, km, CONTACT_KEYS)
        out.append({"with": c.name(c.required(e, "with", km, DOC), f"{km}.with"),
                    "impedance": c.number(c.required(e, "impedance", km, "a number >= 0 (K m2/W)"),
                                          f"{km}.impedance", lo=0.0)})
    p["contacts"] = out


def check_contacts(c: Checker, keys: Sequence[str], parts: list[dict]) -> None:
    """Every contact's ``with`` selects at least one copy of a conducting part, and no
    pair of copies is joined by two contacts (``keys``: each part's key path)."""
    conducting = [p for p in parts if p["kind"] in CONDUCTING_KINDS]
    seen: dict[frozenset, str] = {}
    for key, p in zip(keys, parts):
        for m, contact in enumerate(p.get("contacts") or ()):
            k = f"{key}.contacts[{m}].with"
            others = match_plates(contact["with"], conducting)
            if not others:
                names = [q["name"] for q in conducting if q is not p]
                shown = ", ".join(repr(n) for n in names[:8]) + (", ..." if len(names) > 8 else "")
                other_kind = match_plates(contact["with"], parts)
                raise c.fail(k, f"part {p['name']!r}: {contact['with']!r} matches "
                             + (f"only parts of other kinds ({other_kind[0]!r} ...)" if other_kind
                                else "no part"),
                             "the name of a solid or cold_plate part, a copy 'name[k]' or a glob"
                             + (f": {shown}" if shown else " (this case has no other)"))
            for a in instance_names(p):
                for b in others:
                    if a == b:
                        continue
                    pair = frozenset((a, b))
                    if pair in seen:
                        raise c.fail(k, f"the contact between {a!r} and {b!r} is given twice "
                                     f"(also at {seen[pair]})",
                                     "one contact per pair of touching parts, on either of them")
                    seen[pair] = k


def contact_pairs(parts: list[dict]) -> list[dict]:
    """Each contact of the validated ``parts``: ``{"part": index, "index": m, "name":
    part name, "pattern": its ``with``, "own": [copy names], "with": [copy names],
    "impedance": K m2/W}``."""
    conducting = [p for p in parts if p["kind"] in CONDUCTING_KINDS]
    out = []
    for i, p in enumerate(parts):
        for m, contact in enumerate(p.get("contacts") or ()):
            out.append({"part": i, "index": m, "name": p["name"], "pattern": contact["with"],
                        "own": instance_names(p), "with": match_plates(contact["with"], conducting),
                        "impedance": contact["impedance"]})
    return out
