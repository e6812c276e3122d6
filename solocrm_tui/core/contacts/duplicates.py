"""Likely duplicate customers, found without comparing every pair.

Exact evidence first: the same email (ignoring case and a `+tag`) or the same phone
(its last nine digits, so `+49 151 …` and `0151 …` meet). Then similar names, but
only inside blocks that already share something: the same company, or the same city
and the same first letter of the sorted name. Names are compared with rapidfuzz's
token-sort ratio (word order ignored) in C, block by block, so 100k customers take
seconds instead of the hours an all-pairs comparison would.

A similar name in the same city is common ("Anna Müller", Berlin), so such a pair
is only listed when their emails and phones do not differ; at the same company a
similar name is suspicious even with two emails (work and private). At most
MAX_NAME_PAIRS name-only pairs are collected, so a book full of namesakes cannot
exhaust memory.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from solocrm_tui.core.storage.models import database

THRESHOLD = 90
MAX_BLOCK = 1000  # larger blocks are split again by the next letter of the name
MAX_NAME_PAIRS = 100_000
_RANK = {"same email": 3, "same phone": 2}


@dataclass(frozen=True)
class DuplicatePair:
    first_id: int
    first_name: str
    second_id: int
    second_name: str
    reasons: tuple[str, ...]
    score: int  # name similarity 0-100 (100 for exact evidence)


def _email_key(email_norm: str | None) -> str | None:
    if not email_norm or "@" not in email_norm:
        return None
    local, _, domain = email_norm.rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def _phone_key(phone_norm: str | None) -> str | None:
    digits = re.sub(r"\D", "", phone_norm or "")
    return digits[-9:] if len(digits) >= 6 else None


def find_duplicates(*, threshold: int = THRESHOLD, limit: int | None = None) -> list[DuplicatePair]:
    """Pairs of active customers that are probably one person, strongest evidence first."""
    from rapidfuzz import utils

    rows = database.connection().execute(
        "SELECT id, name, company, email_norm, phone_norm, city FROM customer WHERE archived_at IS NULL ORDER BY id"
    ).fetchall()
    names = {r[0]: r[1] for r in rows}
    found: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    for reason, key in (("same email", lambda r: _email_key(r[3])), ("same phone", lambda r: _phone_key(r[4]))):
        groups: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            value = key(row)
            if value:
                groups[value].append(row[0])
        for ids in groups.values():
            for i, a in enumerate(ids):
                for b in ids[i + 1:]:
                    found[(a, b)][reason] = 100
    processed = {r[0]: utils.default_process(r[1] or "") for r in rows}
    blocks: dict[tuple, list[int]] = defaultdict(list)
    for cid, _name, company, _e, _p, city in rows:
        sorted_name = " ".join(sorted(processed[cid].split()))
        if not sorted_name:
            continue
        if company and company.strip():
            blocks[("company", utils.default_process(company))].append(cid)
        if city and city.strip():
            blocks[("city", utils.default_process(city), sorted_name[:1])].append(cid)
    codes: dict[str, int] = {}
    contact = {r[0]: (codes.setdefault(_email_key(r[3]) or "", len(codes)) if r[3] else -1,
                      codes.setdefault(_phone_key(r[4]) or "", len(codes)) if r[4] else -1) for r in rows}
    name_pairs = 0
    for (where, *_), ids in blocks.items():
        reason = "similar name at the same company" if where == "company" else "similar name in the same city"
        for a, b, score in _similar(ids, processed, threshold, contact if where == "city" else None):
            if (a, b) not in found:
                if name_pairs >= MAX_NAME_PAIRS:
                    break
                name_pairs += 1
            found[(a, b)].setdefault(reason, score)
        if name_pairs >= MAX_NAME_PAIRS:
            break
    pairs = [DuplicatePair(a, names[a], b, names[b], tuple(sorted(why, key=lambda r: -_RANK.get(r, 1))),
                           max(why.values())) for (a, b), why in found.items()]
    pairs.sort(key=lambda p: (-max(_RANK.get(r, 1) for r in p.reasons), -p.score, p.first_id, p.second_id))
    return pairs[:limit] if limit is not None else pairs


def _similar(ids: list[int], processed: dict[int, str], threshold: int, contact: dict | None, depth: int = 1):
    """(a, b, score) for the pairs in one block whose names are at least `threshold` similar.

    Each distinct name is compared once (namesakes are paired without rapidfuzz). With
    `contact` ({id: (email code, phone code)}, -1 for none), pairs whose emails or phones
    differ are dropped, vectorised, before any Python sees them.
    """
    if len(ids) < 2:
        return
    groups: dict[str, list[int]] = defaultdict(list)
    for position, cid in enumerate(ids):
        groups[processed[cid]].append(position)
    if len(groups) > MAX_BLOCK and depth < 4:
        sub: dict[str, list[int]] = defaultdict(list)
        for cid in ids:
            sub[" ".join(sorted(processed[cid].split()))[:depth + 1]].append(cid)
        for part in sub.values():
            yield from _similar(part, processed, threshold, contact, depth + 1)
        return
    import numpy as np
    from rapidfuzz import fuzz, process

    members = [np.array(p, dtype=np.int64) for p in groups.values()]
    codes = np.array([contact[cid] for cid in ids], dtype=np.int64) if contact is not None else None
    for group in members:
        if len(group) > 1:
            first, second = np.triu_indices(len(group), 1)
            yield from _pairs(ids, group[first], group[second], np.full(len(first), 100), codes)
    if len(members) > 1:
        names = list(groups)
        matrix = process.cdist(names, names, scorer=fuzz.token_sort_ratio, score_cutoff=threshold, dtype=np.uint8)
        for i, j in zip(*np.nonzero(np.triu(matrix, 1))):
            left, right = np.meshgrid(members[i], members[j], indexing="ij")
            yield from _pairs(ids, left.ravel(), right.ravel(), np.full(left.size, matrix[i, j]), codes)


def _pairs(ids: list[int], left, right, scores, codes):
    if codes is not None:
        keep = None
        for k in (0, 1):
            x, y = codes[left, k], codes[right, k]
            same = (x < 0) | (y < 0) | (x == y)
            keep = same if keep is None else keep & same
        left, right, scores = left[keep], right[keep], scores[keep]
    for i, j, score in zip(left.tolist(), right.tolist(), scores.tolist()):
        a, b = (ids[i], ids[j]) if ids[i] < ids[j] else (ids[j], ids[i])
        yield a, b, int(score)
