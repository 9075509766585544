"""Tests of `logtool.py dump --events`, the decoder of event payloads (docs/event-codec.md).

The logs are built here by a small encoder written from docs/log-format.md and
docs/event-codec.md (not from the Swift code), so the decoder is checked against the documents.
Run with:

    python3 -m unittest discover -s Tests/python -p 'test_logtool_events.py' -v

Optional cross-check: with CLUSTERCTL=/path/to/clusterctl in the environment, the well-formed
test log is also read by `clusterctl log dump --log LOG [filters]` (the Swift decoder), whose
output must be byte-for-byte the same as that of `logtool.py dump LOG --events [filters]`.
With the real log of the smoke test at /tmp/smoke/state/events.log (or $LOGTOOL_SMOKE_LOG),
the whole of it must decode.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LOGTOOL = REPO / "Scripts" / "logtool.py"

_spec = importlib.util.spec_from_file_location("logtool", LOGTOOL)
logtool = importlib.util.module_from_spec(_spec)
sys.modules["logtool"] = logtool
_spec.loader.exec_module(logtool)


# --- An encoder, from docs/event-codec.md --------------------------------------------------


def varint(value: int) -> bytes:
    assert 0 <= value < 1 << 64, value
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def zigzag(value: int) -> int:
    assert -(1 << 63) <= value < 1 << 63, value
    return ((value << 1) ^ (value >> 63)) & ((1 << 64) - 1)


def key(number: int, wire: int) -> bytes:
    return varint(number << 3 | wire)


def f_uint(number: int, value: int) -> bytes:
    return key(number, 0) + varint(value)


def f_sint(number: int, value: int) -> bytes:
    return key(number, 0) + varint(zigzag(value))


def f_bytes(number: int, value: bytes) -> bytes:
    return key(number, 2) + varint(len(value)) + value


def f_text(number: int, value: str) -> bytes:
    return f_bytes(number, value.encode("utf-8"))


def f_time(number: int, microseconds: int, offset_minutes: int) -> bytes:
    return f_bytes(number, f_sint(1, microseconds) + f_sint(2, offset_minutes))


def event(
    type_number: int,
    *fields: bytes,
    version: int = 1,
    recorded_at: int = 1_795_743_248_625_123,
    peer_uid: int = 1000,
    request_id: str | None = None,
) -> bytes:
    """A payload: version, type, the envelope (1 recorded at, 2 peer uid, 3 request id), fields."""
    envelope = f_sint(1, recorded_at) + f_uint(2, peer_uid)
    if request_id is not None:
        envelope += f_text(3, request_id)
    return bytes([version]) + varint(type_number) + envelope + b"".join(fields)


def question(
    qid: str,
    text: str,
    kind: str,
    required: bool,
    options: tuple[str, ...] = (),
    minimum: int | None = None,
    maximum: int | None = None,
    extra: bytes = b"",
) -> bytes:
    body = f_text(1, qid) + f_text(2, text) + f_text(3, kind)
    body += b"".join(f_text(4, option) for option in options)
    if minimum is not None:
        body += f_sint(5, minimum)
    if maximum is not None:
        body += f_sint(6, maximum)
    body += f_uint(7, 1 if required else 0) + extra
    return f_bytes(12, body)


def answer_yes_no(qid: str, yes: bool) -> bytes:
    return f_bytes(11, f_text(1, qid) + f_uint(5, 1) + f_uint(2, 1 if yes else 0))


def answer_choice(qid: str, option: str) -> bytes:
    return f_bytes(11, f_text(1, qid) + f_uint(5, 2) + f_text(3, option))


def answer_choices(qid: str, options: list[str]) -> bytes:
    return f_bytes(11, f_text(1, qid) + f_uint(5, 3) + b"".join(f_text(4, o) for o in options))


def answer_integer(qid: str, value: int) -> bytes:
    return f_bytes(11, f_text(1, qid) + f_uint(5, 4) + f_sint(6, value))


# --- A log writer, from docs/log-format.md -------------------------------------------------

COMMIT_TIME = 1_795_743_248_625_123  # 2026-11-27T01:34:08.625123Z
COMMIT_TIME_TEXT = "2026-11-27T01:34:08.625123Z"


def build_log(
    batches: list[list[bytes]], commit_time: int = COMMIT_TIME
) -> tuple[bytes, list[bytes]]:
    """The bytes of a log with these batches of payloads, and the chain hash of each record."""
    header = bytearray(64)
    header[0:8] = b"CLSTRLOG"
    struct.pack_into("<HHI", header, 8, 1, 64, 0)
    header[16:32] = bytes(range(16))
    struct.pack_into("<qQ", header, 32, commit_time - 1_000_000, 1)
    struct.pack_into("<I", header, 60, logtool.crc32c(bytes(header[:60])))
    out = bytearray(header)
    chain = hashlib.sha256(bytes(header)).digest()
    chains = []
    seq = 1
    for batch in batches:
        for index, payload in enumerate(batch):
            flags = 1 if index == len(batch) - 1 else 0
            hashed = struct.pack("<QqIB3x", seq, commit_time, len(payload), flags) + payload
            chain = hashlib.sha256(chain + hashed).digest()
            chains.append(chain)
            body = hashed + chain
            body += bytes(-len(body) % 8)
            out += struct.pack("<II", len(body), logtool.crc32c(body)) + body
            seq += 1
    return bytes(out), chains


# --- The events of the test log ------------------------------------------------------------

NAME_WITH_QUOTES = 'Pôle "Vallée" d’Azur\n— ligne 2\t\\ 🚀'

E_CLUSTER_FULL = event(
    1,
    f_text(8, "glass-valley"),
    f_text(9, NAME_WITH_QUOTES),
    f_text(10, "28"),
    f_text(10, "32"),
    f_text(11, "76"),
    f_text(11, "80"),
    f_text(12, "C"),
    f_sint(13, 13_676),  # 2007-06-12
    request_id="req-1",
)
E_CLUSTER_MINIMAL = event(2, f_text(8, "bare"), f_text(9, "Bare"), peer_uid=0)
E_CLUSTER_DISSOLVED = event(3, f_text(8, "glass-valley"), f_sint(9, -1))  # 1969-12-31
E_COMPANY_FULL = event(
    4,
    f_uint(8, 300_000_379),
    f_text(9, "Entreprise « 1 »"),
    f_text(10, "10.86Z"),
    f_text(11, "2A"),
    f_uint(12, 4),
    f_sint(13, -518_964),
    f_text(14, "pme"),
    request_id="",
)
E_COMPANY_MINIMAL = event(
    5,
    f_uint(8, 5_405),  # a SIREN with leading zeros: 000005405
    f_text(9, "Petite"),
    f_text(10, "01.11Z"),
    f_text(11, "971"),
    f_uint(12, 0),
)
E_MEMBERSHIP_STARTED = event(
    6, f_text(8, "glass-valley"), f_uint(9, 300_000_379), f_sint(10, 11_016)
)
E_MEMBERSHIP_ENDED = event(
    7, f_text(8, "glass-valley"), f_uint(9, 300_000_379), f_sint(10, 11_060),
    f_text(11, "moved\nout"),
)
E_MEMBERSHIP_ENDED_NO_REASON = event(7, f_text(8, "other"), f_uint(9, 5_405), f_sint(10, 0))
E_PARTNER = event(
    8, f_text(8, "glass-valley"), f_text(9, "banque-0"), f_text(10, "Banque \"populaire\""),
    f_text(11, "bank"),
)
E_SURVEY_DEFINED = event(
    9,
    f_text(8, "crisis-2020-11"),
    f_text(9, "La crise \"2020\"\nsuite"),
    f_time(10, 1_604_876_400_000_000, 60),  # 2020-11-09T00:00:00+01:00
    f_time(11, 1_605_481_199_123_456, -330),  # 2020-11-15T17:29:59.123456-05:30
    question("q-yes", "Oui ou non ?", "yes_no", True),
    question("q-choice", "Laquelle ?", "single_choice", False, options=("a", "b \"c\"")),
    question("q-int", "Combien ?", "number", True, minimum=-5, maximum=1_000_000),
    question("q-min", "Au moins", "scale", False, minimum=0),
    question("q-choices", "Lesquelles ?", "multiple_choice", False, options=("x", "y", "z"),
             maximum=2),
    request_id="définir",
)
E_SURVEY_CLOSED = event(10, f_text(8, "crisis-2020-11"))
E_SNAPSHOT_TAKEN = event(12, f_uint(8, 3), f_bytes(9, bytes(range(32))), peer_uid=998)
E_RESPONSE = event(
    11,
    f_text(8, "crisis-2020-11"),
    f_uint(9, 300_000_379),
    f_time(10, -1, 0),  # 1969-12-31T23:59:59.999999Z
    answer_yes_no("q-yes", True),
    answer_yes_no("q-no", False),
    answer_choice("q-choice", "b \"c\""),
    answer_choices("q-choices", ["x", "z"]),
    answer_choices("q-none", []),
    answer_integer("q-int", -3),
    answer_integer("q-big", 1_000_000),
)
E_UNKNOWN_FIELDS = event(
    4,
    f_uint(99, 7),  # unknown varint field, before the known ones
    f_uint(8, 999_999_998),  # the largest SIREN that passes the Luhn check
    f_bytes(15, b"\xff\x00 not text"),  # unknown length-delimited field (not even UTF-8)
    f_text(9, "first"),
    f_text(9, "Dernier"),  # a non-repeated field twice: the last counts
    f_text(10, "62.01Z"),
    f_text(11, "75"),
    f_uint(12, 250),
    f_bytes(2000, f_uint(1, 1) + f_text(2, "nested")),  # a big field number
)

# People (events 13-16): person ids of 16 bytes, personal fields sealed (opaque bytes here).
PERSON_A = bytes(range(1, 17))
PERSON_B = bytes([0xFF] * 16)


def sealed(name: str, size: int) -> bytes:
    return f_bytes(13, f_text(1, name) + f_bytes(2, b"\x01" + bytes(size)))


E_TESTER = event(
    13,
    f_bytes(8, PERSON_A),
    f_text(9, "glass-valley"),
    f_text(10, "92"),
    f_sint(11, 18_000),  # 2019-04-14
    f_text(12, "70-74"),
    sealed("name", 40),
    sealed("birth_year", 33),
    sealed("email", 50),
    f_bytes(14, f_text(1, "Tests d’usage") + f_text(2, "v2") + f_sint(3, 17_990) + f_text(4, "in_person")),
)
E_CONTACT = event(14, f_bytes(8, PERSON_B), f_uint(9, 300_000_379), sealed("role", 30), sealed("name", 31))
E_RECTIFIED = event(15, f_bytes(8, PERSON_A), f_text(10, "93"), f_text(12, "75-79"), sealed("phone", 40),
                    sealed("birth_year", 33))
E_ERASED = event(16, f_bytes(8, PERSON_B), f_text(9, "asked by letter"))
E_CAMPAIGN = event(17, f_text(8, "loupe-2020"), f_text(9, "glass-valley"), f_text(10, "support"), f_uint(11, 300_000_379),
                   f_text(12, "Leçons \"numériques\""), f_sint(13, 18_338), f_sint(14, 18_393))
E_PARTICIPATED = event(18, f_bytes(8, PERSON_A), f_text(9, "loupe-2020"), f_sint(10, 18_354), f_text(11, "70-74"),
                       f_uint(12, 5), sealed("comment", 60))
E_PARTICIPATED_BARE = event(18, f_bytes(8, PERSON_A), f_text(9, "other"), f_sint(10, 18_354), f_text(11, "75-79"))
E_WITHDRAWN = event(19, f_bytes(8, PERSON_A), f_sint(9, 18_372), f_text(10, "phone"))
E_REQUEST = event(20, f_bytes(8, PERSON_A), f_text(9, "erasure"), f_sint(10, 18_586), f_text(11, "paper"))
E_ANSWERED = event(21, f_bytes(8, PERSON_A), f_uint(9, 24), f_text(10, "refused"), f_text(11, "identity not confirmed"))

# Projects and money (events 22-26), and the SIRETs partners and clusters may carry.
E_PARTNER_SIRET = event(8, f_text(8, "glass-valley"), f_text(9, "anct"), f_text(10, "ANCT"), f_text(11, "agency"),
                        f_text(12, "13002603200016"))
E_CLUSTER_SIRET = event(2, f_text(8, "glass-valley"), f_text(9, "Glass"), f_text(10, "28"), f_text(14, "55210055400013"))
E_PROJECT = event(
    22, f_text(8, "verre-4-0"), f_text(9, "Verre « 4.0 »"), f_text(10, "glass-valley"), f_text(11, "other"),
    f_text(12, "28"), f_text(12, "32"), f_text(13, "76"), f_sint(14, 19_723), f_sint(15, 20_819),
    f_text(16, "Fours\nélectriques"),
    f_bytes(17, f_uint(1, 300_000_379) + f_text(2, "coordinator")),
    f_bytes(18, f_text(1, "anct") + f_text(2, "ANCT") + f_text(3, "agency") + f_text(4, "funder") + f_text(5, "13002603200016")),
    f_bytes(18, f_text(1, "univ") + f_text(2, "Université") + f_text(3, "university") + f_text(4, "advisor")),
    f_sint(19, 19_601),
)
E_PROJECT_BARE = event(22, f_text(8, "p2"), f_text(9, "P2"), f_text(10, "other"), f_text(12, "11"), f_sint(14, 0),
                       f_sint(15, 1), f_sint(19, -1))
E_PROJECT_STATUS = event(23, f_text(8, "verre-4-0"), f_text(9, "withdrawn"), f_sint(10, 19_800), f_text(11, "partner left"))
E_COMMITTED = event(
    24, f_text(8, "anct-1"), f_text(9, "verre-4-0"), f_text(10, "grant"),
    f_bytes(11, f_text(1, "ANCT") + f_text(2, "13002603200016") + f_text(3, "agency")),
    f_uint(12, 123_456_789), f_sint(13, 19_700), f_text(14, "D-2024-01"), f_text(15, "Four \"hybride\""),
    f_text(16, "in_kind"), f_bytes(17, f_text(1, "other") + f_text(2, "30 % à la signature")),
    f_sint(18, 19_710), f_sint(19, 20_000), f_uint(20, 1),
    f_bytes(21, f_text(1, "company") + f_text(2, "73282932000017") + f_uint(6, 45)),
    f_bytes(21, f_text(1, "cluster") + f_text(3, "glass-valley") + f_uint(6, 30)),
    f_bytes(21, f_text(1, "association") + f_text(4, "W313000001") + f_text(5, "Aéro Club") + f_text(2, "55210055400021") + f_uint(6, 25)),
    f_text(22, "12345"), f_text(23, "AAP 2024"),
)
E_COMMITTED_BARE = event(
    24, f_text(8, "k2"), f_text(9, "p2"), f_text(10, "loan"),
    f_bytes(11, f_text(1, "Banque") + f_text(2, "55210055400013") + f_text(3, "bank")),
    f_uint(12, 1), f_sint(13, 0), f_text(14, "R"), f_text(15, "O"), f_text(16, "cash"), f_bytes(17, f_text(1, "single")),
    f_sint(18, 0), f_bytes(21, f_text(1, "company") + f_text(2, "73282932000017") + f_uint(6, 100)),
)
E_REVISED = event(25, f_text(8, "anct-1"), f_uint(9, 0), f_sint(10, 19_750), f_text(11, "cancelled"))
E_DISBURSED = event(26, f_text(8, "anct-1"), f_uint(9, 1_000_000_000_000), f_sint(10, 19_760), f_text(11, "VIR-1"))
E_DISBURSED_BARE = event(26, f_text(8, "k2"), f_uint(9, 1), f_sint(10, 1))

EXPECTED = [
    ("ClusterRegistered", 1000, "req-1", {
        "id": "glass-valley", "name": NAME_WITH_QUOTES, "regions": ["28", "32"],
        "departments": ["76", "80"], "naf_section": "C", "founded": "2007-06-12"}),
    ("ClusterUpdated", 0, None, {"id": "bare", "name": "Bare", "regions": [], "departments": []}),
    ("ClusterDissolved", 1000, None, {"id": "glass-valley", "date": "1969-12-31"}),
    ("CompanyRegistered", 1000, "", {
        "siren": "300000379", "name": "Entreprise « 1 »", "naf": "10.86Z", "department": "2A",
        "employees": 4, "turnover_eur": -518_964, "declared_category": "pme"}),
    ("CompanyUpdated", 1000, None, {
        "siren": "000005405", "name": "Petite", "naf": "01.11Z", "department": "971",
        "employees": 0}),
    ("MembershipStarted", 1000, None, {
        "cluster": "glass-valley", "siren": "300000379", "date": "2000-02-29"}),
    ("MembershipEnded", 1000, None, {
        "cluster": "glass-valley", "siren": "300000379", "date": "2000-04-13",
        "reason": "moved\nout"}),
    ("MembershipEnded", 1000, None, {
        "cluster": "other", "siren": "000005405", "date": "1970-01-01"}),
    ("PartnerLinked", 1000, None, {
        "cluster": "glass-valley", "partner_id": "banque-0", "name": "Banque \"populaire\"",
        "kind": "bank"}),
    ("SurveyDefined", 1000, "définir", {
        "id": "crisis-2020-11",
        "title": "La crise \"2020\"\nsuite",
        "opens_at": "2020-11-09T00:00:00+01:00",
        "closes_at": "2020-11-15T17:29:59.123456-05:30",
        "questions": [
            {"id": "q-yes", "text": "Oui ou non ?", "kind": "yes_no", "required": True},
            {"id": "q-choice", "text": "Laquelle ?", "kind": "single_choice", "required": False,
             "options": ["a", "b \"c\""]},
            {"id": "q-int", "text": "Combien ?", "kind": "number", "required": True,
             "min": -5, "max": 1_000_000},
            {"id": "q-min", "text": "Au moins", "kind": "scale", "required": False, "min": 0},
            {"id": "q-choices", "text": "Lesquelles ?", "kind": "multiple_choice",
             "required": False, "options": ["x", "y", "z"], "max": 2},
        ]}),
    ("SurveyClosed", 1000, None, {"id": "crisis-2020-11"}),
    ("ResponseSubmitted", 1000, None, {
        "survey": "crisis-2020-11", "siren": "300000379",
        "submitted_at": "1969-12-31T23:59:59.999999Z",
        "answers": {"q-yes": "yes", "q-no": "no", "q-choice": "b \"c\"",
                    "q-choices": ["x", "z"], "q-none": [], "q-int": -3, "q-big": 1_000_000}}),
    ("CompanyRegistered", 1000, None, {
        "siren": "999999998", "name": "Dernier", "naf": "62.01Z", "department": "75",
        "employees": 250}),
    ("SnapshotTaken", 998, None, {"snapshot_seq": 3, "sha256": bytes(range(32)).hex()}),
    # The 128-bit ids in base32 (docs/event-codec.md), the field names, never the sealed bytes.
    ("TesterEnrolled", 1000, None, {
        "person": "p-abaibqibiga4eascqlbqgq4dyq", "cluster": "glass-valley", "department": "92",
        "enrolled_on": "2019-04-14", "age_band_at_enrolment": "70-74",
        "consent": {"purpose": "Tests d’usage", "text_version": "v2", "given_on": "2019-04-04",
                    "channel": "in_person"},
        "personal_fields": ["birth_year", "email", "name"]}),
    ("ContactAdded", 1000, None, {
        "person": "p-h7777777777777777777777777", "siren": "300000379",
        "personal_fields": ["name", "role"]}),
    ("PersonRectified", 1000, None, {
        "person": "p-abaibqibiga4eascqlbqgq4dyq", "department": "93",
        "age_band_at_enrolment": "75-79", "personal_fields": ["birth_year", "phone"]}),
    ("PersonErased", 1000, None, {"person": "p-h7777777777777777777777777", "reason": "asked by letter"}),
    ("CampaignOpened", 1000, None, {
        "id": "loupe-2020", "cluster": "glass-valley", "kind": "support", "siren": "300000379",
        "title": "Leçons \"numériques\"", "starts_on": "2020-03-17", "ends_on": "2020-05-11"}),
    ("TesterParticipated", 1000, None, {
        "person": "p-abaibqibiga4eascqlbqgq4dyq", "campaign": "loupe-2020", "on": "2020-04-02",
        "age_band": "70-74", "rating": 5, "personal_fields": ["comment"]}),
    ("TesterParticipated", 1000, None, {
        "person": "p-abaibqibiga4eascqlbqgq4dyq", "campaign": "other", "on": "2020-04-02",
        "age_band": "75-79", "personal_fields": []}),
    ("ConsentWithdrawn", 1000, None, {"person": "p-abaibqibiga4eascqlbqgq4dyq", "on": "2020-04-20", "channel": "phone"}),
    ("PrivacyRequestReceived", 1000, None, {
        "person": "p-abaibqibiga4eascqlbqgq4dyq", "right": "erasure", "received_on": "2020-11-20", "channel": "paper"}),
    ("PrivacyRequestAnswered", 1000, None, {
        "person": "p-abaibqibiga4eascqlbqgq4dyq", "request": 24, "outcome": "refused", "reason": "identity not confirmed"}),
    ("PartnerLinked", 1000, None, {
        "cluster": "glass-valley", "partner_id": "anct", "name": "ANCT", "kind": "agency", "siret": "13002603200016"}),
    ("ClusterUpdated", 1000, None, {
        "id": "glass-valley", "name": "Glass", "regions": ["28"], "departments": [], "siret": "55210055400013"}),
    ("ProjectProposed", 1000, None, {
        "id": "verre-4-0", "title": "Verre « 4.0 »", "lead_cluster": "glass-valley", "clusters": ["other"],
        "regions": ["28", "32"], "departments": ["76"], "starts_on": "2024-01-01", "ends_on": "2027-01-01",
        "description": "Fours\nélectriques", "proposed_on": "2023-09-01",
        "companies": [{"siren": "300000379", "role": "coordinator"}],
        "partners": [
            {"partner_id": "anct", "name": "ANCT", "kind": "agency", "role": "funder", "siret": "13002603200016"},
            {"partner_id": "univ", "name": "Université", "kind": "university", "role": "advisor"}]}),
    ("ProjectProposed", 1000, None, {
        "id": "p2", "title": "P2", "lead_cluster": "other", "clusters": [], "regions": ["11"], "departments": [],
        "starts_on": "1970-01-01", "ends_on": "1970-01-02", "proposed_on": "1969-12-31", "companies": [], "partners": []}),
    ("ProjectStatusChanged", 1000, None, {"project": "verre-4-0", "status": "withdrawn", "on": "2024-03-18", "reason": "partner left"}),
    ("FundingCommitted", 1000, None, {
        "id": "anct-1", "project": "verre-4-0", "instrument": "grant",
        "grantor": {"name": "ANCT", "siret": "13002603200016", "kind": "agency"},
        "amount_cents": 123_456_789, "agreed_on": "2023-12-09", "decision_reference": "D-2024-01",
        "object": "Four \"hybride\"", "nature": "in_kind", "payment_terms": "other",
        "payment_terms_text": "30 % à la signature", "planned_payment_from": "2023-12-19",
        "planned_payment_to": "2024-10-04", "notified_eu": True,
        "beneficiaries": [
            {"kind": "company", "siret": "73282932000017", "share_percent": 45},
            {"kind": "cluster", "cluster": "glass-valley", "share_percent": 30},
            {"kind": "association", "rna": "W313000001", "name": "Aéro Club", "siret": "55210055400021", "share_percent": 25}],
        "rae_id": "12345", "aid_scheme": "AAP 2024"}),
    ("FundingCommitted", 1000, None, {
        "id": "k2", "project": "p2", "instrument": "loan",
        "grantor": {"name": "Banque", "siret": "55210055400013", "kind": "bank"},
        "amount_cents": 1, "agreed_on": "1970-01-01", "decision_reference": "R", "object": "O", "nature": "cash",
        "payment_terms": "single", "planned_payment_from": "1970-01-01", "notified_eu": False,
        "beneficiaries": [{"kind": "company", "siret": "73282932000017", "share_percent": 100}]}),
    ("CommitmentRevised", 1000, None, {"commitment": "anct-1", "amount_cents": 0, "on": "2024-01-28", "reason": "cancelled"}),
    ("FundingDisbursed", 1000, None, {"commitment": "anct-1", "amount_cents": 1_000_000_000_000, "on": "2024-02-07", "reference": "VIR-1"}),
    ("FundingDisbursed", 1000, None, {"commitment": "k2", "amount_cents": 1, "on": "1970-01-02"}),
]

# Three batches: the batch boundaries must not matter to the events.
GOOD_BATCHES = [
    [E_CLUSTER_FULL, E_CLUSTER_MINIMAL, E_CLUSTER_DISSOLVED],
    [E_COMPANY_FULL, E_COMPANY_MINIMAL, E_MEMBERSHIP_STARTED, E_MEMBERSHIP_ENDED,
     E_MEMBERSHIP_ENDED_NO_REASON, E_PARTNER],
    [E_SURVEY_DEFINED],
    [E_SURVEY_CLOSED, E_RESPONSE, E_UNKNOWN_FIELDS],
    [E_SNAPSHOT_TAKEN],
    [E_TESTER, E_CONTACT, E_RECTIFIED, E_ERASED],
    [E_CAMPAIGN, E_PARTICIPATED, E_PARTICIPATED_BARE, E_WITHDRAWN, E_REQUEST, E_ANSWERED],
    [E_PARTNER_SIRET, E_CLUSTER_SIRET, E_PROJECT, E_PROJECT_BARE, E_PROJECT_STATUS, E_COMMITTED, E_COMMITTED_BARE,
     E_REVISED, E_DISBURSED, E_DISBURSED_BARE],
]


class LogCase(unittest.TestCase):
    def setUp(self) -> None:
        self._dir = tempfile.TemporaryDirectory()
        self.dir = Path(self._dir.name)

    def tearDown(self) -> None:
        self._dir.cleanup()

    def write_log(self, batches, name="events.log", tail=b"") -> tuple[Path, list[bytes]]:
        data, chains = build_log(batches)
        path = self.dir / name
        path.write_bytes(data + tail)
        return path, chains

    def run_tool(self, *args) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, str(LOGTOOL), *map(str, args)],
            capture_output=True, text=True, encoding="utf-8",
        )

    def dump_events(self, path, *args):
        """stdout lines parsed, stderr, exit status of 'dump PATH --events ARGS'."""
        result = self.run_tool("dump", path, "--events", *args)
        lines = result.stdout.splitlines()
        return [json.loads(line) for line in lines], result.stderr, result.returncode


class DecodeEveryType(LogCase):
    def test_every_event_type_field_by_field(self) -> None:
        path, chains = self.write_log(GOOD_BATCHES)
        events, stderr, status = self.dump_events(path)
        self.assertEqual(status, 0, stderr)
        self.assertEqual(stderr, "")
        self.assertEqual(len(events), len(EXPECTED))
        for index, (obj, expected) in enumerate(zip(events, EXPECTED)):
            type_name, peer_uid, request_id, body = expected
            with self.subTest(seq=index + 1, type=type_name):
                keys = {"seq", "commit_time", "type", "peer_uid", "chain_hash", "event"}
                if request_id is not None:
                    keys.add("request_id")
                    self.assertEqual(obj["request_id"], request_id)
                self.assertEqual(set(obj), keys)
                self.assertEqual(obj["seq"], index + 1)
                self.assertEqual(obj["commit_time"], COMMIT_TIME_TEXT)
                self.assertEqual(obj["type"], type_name)
                self.assertEqual(obj["peer_uid"], peer_uid)
                self.assertEqual(obj["chain_hash"], chains[index].hex())
                self.assertEqual(set(obj["event"]), set(body))
                for field, value in body.items():
                    self.assertEqual(obj["event"][field], value, field)
                    self.assertIs(type(obj["event"][field]), type(value), field)
                if type_name == "SurveyDefined":
                    for got, want in zip(obj["event"]["questions"], body["questions"]):
                        self.assertIs(type(got["required"]), bool)
                        self.assertEqual(list(got), sorted(want))

    def test_exact_bytes_of_a_line(self) -> None:
        """sort_keys, no spaces, UTF-8 not escaped, quotes / newlines / tabs escaped by JSON."""
        path, chains = self.write_log([[E_CLUSTER_FULL]])
        result = self.run_tool("dump", path, "--events")
        self.assertEqual(result.returncode, 0, result.stderr)
        expected = (
            '{"chain_hash":"' + chains[0].hex() + '","commit_time":"' + COMMIT_TIME_TEXT + '",'
            '"event":{"departments":["76","80"],"founded":"2007-06-12","id":"glass-valley",'
            '"naf_section":"C","name":"Pôle \\"Vallée\\" d’Azur\\n— ligne 2\\t\\\\ 🚀",'
            '"regions":["28","32"]},"peer_uid":1000,"request_id":"req-1","seq":1,'
            '"type":"ClusterRegistered"}\n'
        )
        self.assertEqual(result.stdout, expected)

    def test_raw_dump_is_unchanged(self) -> None:
        path, chains = self.write_log(GOOD_BATCHES)
        result = self.run_tool("dump", path)
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = [json.loads(line) for line in result.stdout.splitlines()]
        self.assertEqual([line["payload_hex"] for line in lines],
                         [p.hex() for batch in GOOD_BATCHES for p in batch])

    @unittest.skipUnless(os.environ.get("CLUSTERCTL"), "CLUSTERCTL is not set")
    def test_same_bytes_as_clusterctl(self) -> None:
        path, _ = self.write_log(GOOD_BATCHES)
        for filters in ([], ["--type", "MembershipEnded"], ["--siren", "300 000 379"],
                        ["--cluster", "glass-valley"], ["--from-seq", "5", "--to-seq", "9"],
                        ["--type", "TesterEnrolled"], ["--siren", "300000379", "--type", "ContactAdded"],
                        ["--siren", "300000379", "--cluster", "glass-valley"]):
            with self.subTest(filters=filters):
                ours = self.run_tool("dump", path, "--events", *filters)
                theirs = subprocess.run(
                    [os.environ["CLUSTERCTL"], "log", "dump", "--log", str(path), *filters],
                    capture_output=True, text=True, encoding="utf-8", timeout=300,
                )
                self.assertEqual(theirs.returncode, 0, theirs.stderr)
                self.assertEqual(ours.returncode, 0, ours.stderr)
                self.assertTrue(ours.stdout)
                self.assertEqual(ours.stdout, theirs.stdout)


class Times(unittest.TestCase):
    def test_offsets_and_microseconds(self) -> None:
        cases = {
            (0, 0): "1970-01-01T00:00:00Z",
            (0, 1): "1970-01-01T00:01:00+00:01",
            (0, -330): "1969-12-31T18:30:00-05:30",
            (1_605_481_199_000_001, -330): "2020-11-15T17:29:59.000001-05:30",
            (1_605_481_199_500_000, 345): "2020-11-16T04:44:59.500000+05:45",
            (-1, 0): "1969-12-31T23:59:59.999999Z",
            (-1_000_000, 60): "1970-01-01T00:59:59+01:00",
            (951_782_400_000_000, -60): "2000-02-28T23:00:00-01:00",
            (951_782_400_000_000, 24 * 60 - 1): "2000-02-29T23:59:00+23:59",
            (-62_135_596_800_000_000, 0): "0001-01-01T00:00:00Z",
            (253_402_300_799_999_999, 0): "9999-12-31T23:59:59.999999Z",
        }
        for (microseconds, offset), text in cases.items():
            with self.subTest(microseconds=microseconds, offset=offset):
                self.assertEqual(logtool.format_offset_time(microseconds, offset), text)

    def test_dates(self) -> None:
        cases = {0: "1970-01-01", -1: "1969-12-31", 11_016: "2000-02-29", -25_508: "1900-03-01",
                 -719_162: "0001-01-01", -719_528: "0000-01-01", 2_932_896: "9999-12-31",
                 13_676: "2007-06-12"}
        for days, text in cases.items():
            with self.subTest(days=days):
                self.assertEqual(logtool.format_date(days), text)

    def test_unwritable_times_are_refused(self) -> None:
        for call in (lambda: logtool.format_date(2_932_897), lambda: logtool.format_date(-719_529),
                     lambda: logtool.format_offset_time(0, 24 * 60),
                     lambda: logtool.format_offset_time(0, -24 * 60)):
            with self.assertRaises(ValueError):
                call()


class Errors(LogCase):
    def assert_fails_at(self, bad_payload: bytes, reason_part: str, seq: int = 3) -> None:
        """A log of two good events, the bad one, then a good one: the first two are printed."""
        path, _ = self.write_log([[E_CLUSTER_FULL, E_SURVEY_CLOSED], [bad_payload, E_PARTNER]])
        result = self.run_tool("dump", path, "--events")
        self.assertEqual(result.returncode, 1, result.stdout)
        lines = [json.loads(line) for line in result.stdout.splitlines()]
        self.assertEqual([line["seq"] for line in lines], [1, 2])
        self.assertTrue(result.stderr.startswith(f"error: record {seq}: "), result.stderr)
        self.assertIn(reason_part, result.stderr)
        self.assertEqual(result.stderr.count("\n"), 1)

    def test_a_request_fingerprint_is_16_bytes(self) -> None:
        self.assert_fails_at(
            event(10, f_text(8, "s"), request_id="r") + f_bytes(4, bytes(15)),
            "the request fingerprint is 15 bytes long, not 16")

    def test_unknown_event_type_is_named(self) -> None:
        self.assert_fails_at(event(42, f_text(8, "x")), "unknown event type 42 ")

    def test_unknown_partner_kind(self) -> None:
        self.assert_fails_at(
            event(8, f_text(8, "c"), f_text(9, "p"), f_text(10, "n"), f_text(11, "Bank")),
            "field 11 (kind) is 'Bank', not one of bank, university, local_authority, agency, "
            "other")

    def test_unknown_event_type_with_a_long_varint(self) -> None:
        self.assert_fails_at(event(300, f_text(8, "x")), "unknown event type 300")

    def test_event_type_zero(self) -> None:
        self.assert_fails_at(event(0), "unknown event type 0")

    def test_unknown_version(self) -> None:
        self.assert_fails_at(
            event(10, f_text(8, "x"), version=2), "unknown event encoding version 2")

    def test_empty_payload(self) -> None:
        self.assert_fails_at(b"", "empty")

    def test_unknown_wire_type(self) -> None:
        self.assert_fails_at(event(10, f_text(8, "x"), key(20, 5) + b"\0\0\0\0"),
                             "unknown wire type 5")

    def test_known_field_with_the_wrong_wire_type(self) -> None:
        self.assert_fails_at(event(10, f_uint(8, 7)), "field 8 (id) has wire type 0")

    def test_missing_field(self) -> None:
        self.assert_fails_at(
            event(6, f_text(8, "c"), f_uint(9, 300_000_379)), "field 10 (date) is missing")

    def test_missing_envelope_field(self) -> None:
        self.assert_fails_at(
            b"\x01\x0a" + f_uint(2, 0) + f_text(8, "x"), "field 1 (recorded at) is missing")

    def test_invalid_utf8(self) -> None:
        self.assert_fails_at(event(10, f_bytes(8, b"caf\xe9")), "not valid UTF-8")

    def test_siren_of_ten_digits(self) -> None:
        self.assert_fails_at(
            event(6, f_text(8, "c"), f_uint(9, 1_000_000_000), f_sint(10, 0)),
            "more than nine digits")

    def test_truncated_length(self) -> None:
        self.assert_fails_at(event(10) + key(8, 2) + varint(50) + b"short", "claims 50 bytes")

    def test_truncated_varint(self) -> None:
        self.assert_fails_at(event(10, f_text(8, "x")) + key(9, 0) + b"\x80", "cut short")

    def test_varint_over_64_bits(self) -> None:
        self.assert_fails_at(
            event(10, f_text(8, "x")) + key(9, 0) + b"\xff" * 9 + b"\x02", "64 bits")

    def test_bad_flag_and_answer_kind(self) -> None:
        self.assert_fails_at(
            event(9, f_text(8, "s"), f_text(9, "t"), f_time(10, 0, 0), f_time(11, 0, 0),
                  f_bytes(12, f_text(1, "q") + f_text(2, "t") + f_text(3, "yes_no")
                          + f_uint(7, 2))),
            "not 0 or 1")
        self.assert_fails_at(
            event(11, f_text(8, "s"), f_uint(9, 1), f_time(10, 0, 0),
                  f_bytes(11, f_text(1, "q") + f_uint(5, 9))),
            "unknown answer kind 9")

    def test_bad_time_message(self) -> None:
        self.assert_fails_at(
            event(11, f_text(8, "s"), f_uint(9, 1), f_bytes(10, f_sint(1, 0))),
            "field 2 (offset in minutes) is missing")
        self.assert_fails_at(
            event(11, f_text(8, "s"), f_uint(9, 1), f_time(10, 0, 1440)), "24 hours or more")

    def test_error_in_the_first_record(self) -> None:
        path, _ = self.write_log([[event(77)]])
        result = self.run_tool("dump", path, "--events")
        self.assertEqual((result.returncode, result.stdout), (1, ""))
        self.assertEqual(
            result.stderr,
            "error: record 1: unknown event type 77 (this reader knows types 1 to 26; the log "
            "may have been written by a newer clusterd)\n")

    def test_undecodable_event_outside_the_range_is_not_read(self) -> None:
        path, _ = self.write_log([[E_CLUSTER_FULL], [event(77)], [E_PARTNER]])
        events, stderr, status = self.dump_events(path, "--to-seq", 1)
        self.assertEqual((status, stderr, [e["seq"] for e in events]), (0, "", [1]))
        events, stderr, status = self.dump_events(path, "--from-seq", 3)
        self.assertEqual((status, stderr, [e["seq"] for e in events]), (0, "", [3]))

    def test_undecodable_event_in_a_torn_tail_was_never_written(self) -> None:
        data, _ = build_log([[E_CLUSTER_FULL], [event(77), E_PARTNER]])
        path = self.dir / "torn.log"
        path.write_bytes(data[:-16])  # the last record is cut short: its batch is incomplete
        events, stderr, status = self.dump_events(path)
        self.assertEqual(status, 0)
        self.assertEqual([e["seq"] for e in events], [1])
        self.assertIn("incomplete write", stderr)
        self.assertNotIn("unknown event type", stderr)

    def test_damage_behaves_as_in_the_raw_dump(self) -> None:
        data, _ = build_log([[E_CLUSTER_FULL], [E_SURVEY_CLOSED], [E_PARTNER]])
        damaged = bytearray(data)
        second = 64 + 8 + struct.unpack_from("<I", data, 64)[0]
        damaged[second + 8 + 30] ^= 0xFF  # a payload byte of record 2: its CRC fails
        path = self.dir / "damaged.log"
        path.write_bytes(bytes(damaged))
        events, stderr, status = self.dump_events(path)
        raw = self.run_tool("dump", path)
        self.assertEqual(status, 1)
        self.assertEqual([e["seq"] for e in events], [1])
        self.assertEqual(stderr, raw.stderr)
        self.assertIn("record 2", stderr)


class RequestFingerprint(LogCase):
    def test_the_fingerprint_beside_a_request_id_is_printed_in_hex(self) -> None:
        fingerprint = bytes(range(16))
        payload = event(10, f_text(8, "s"), request_id="r") + f_bytes(4, fingerprint)
        path, _ = self.write_log([[payload]])
        events, stderr, status = self.dump_events(path)
        self.assertEqual((status, stderr), (0, ""))
        self.assertEqual(events[0]["request_id"], "r")
        self.assertEqual(events[0]["request_fingerprint"], fingerprint.hex())


class Filters(LogCase):
    def setUp(self) -> None:
        super().setUp()
        self.path, _ = self.write_log(GOOD_BATCHES)

    def seqs(self, *args) -> list[int]:
        events, stderr, status = self.dump_events(self.path, *args)
        self.assertEqual((status, stderr), (0, ""))
        return [e["seq"] for e in events]

    def test_type(self) -> None:
        self.assertEqual(self.seqs("--type", "CompanyRegistered"), [4, 13])
        self.assertEqual(self.seqs("--type", "MembershipEnded"), [7, 8])
        self.assertEqual(self.seqs("--type", "ClusterDissolved"), [3])

    def test_siren(self) -> None:
        self.assertEqual(self.seqs("--siren", "300000379"), [4, 6, 7, 12, 16, 19])
        self.assertEqual(self.seqs("--siren", "300 000 379"), [4, 6, 7, 12, 16, 19])
        self.assertEqual(self.seqs("--siren", "000005405"), [5, 8])
        self.assertEqual(self.seqs("--siren", "111111111"), [])

    def test_cluster(self) -> None:
        self.assertEqual(self.seqs("--cluster", "glass-valley"), [1, 3, 6, 7, 9, 15, 19, 25, 26])
        self.assertEqual(self.seqs("--cluster", "bare"), [2])
        self.assertEqual(self.seqs("--cluster", "crisis-2020-11"), [])  # a survey, not a cluster

    def test_combined(self) -> None:
        self.assertEqual(self.seqs("--siren", "300000379", "--cluster", "glass-valley"), [6, 7, 19])
        self.assertEqual(
            self.seqs("--siren", "300000379", "--type", "MembershipEnded", "--from-seq", 7,
                      "--to-seq", 7), [7])
        self.assertEqual(self.seqs("--from-seq", 5, "--to-seq", 9), [5, 6, 7, 8, 9])
        self.assertEqual(self.seqs("--type", "SurveyDefined", "--to-seq", 9), [])

    def test_unknown_type_is_a_usage_error(self) -> None:
        result = self.run_tool("dump", self.path, "--events", "--type", "CompanyDeleted")
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stdout, "")
        for name in logtool.EVENT_TYPES.values():
            self.assertIn(name, result.stderr)

    def test_bad_siren_is_a_usage_error(self) -> None:
        for siren in ("12345678", "1234567890", "abc"):
            result = self.run_tool("dump", self.path, "--events", "--siren", siren)
            self.assertEqual(result.returncode, 2, siren)

    def test_filters_need_events(self) -> None:
        for option, value in (("--type", "SurveyClosed"), ("--siren", "300000379"),
                              ("--cluster", "x")):
            result = self.run_tool("dump", self.path, option, value)
            self.assertEqual(result.returncode, 2, option)
            self.assertIn("needs --events", result.stderr)


class InProcess(unittest.TestCase):
    """The decoder as a function, and the writer in dump_log."""

    def test_decode_event(self) -> None:
        decoded = logtool.decode_event(E_RESPONSE)
        self.assertEqual(decoded.type_name, "ResponseSubmitted")
        self.assertEqual(decoded.recorded_at_us, 1_795_743_248_625_123)
        self.assertEqual(decoded.peer_uid, 1000)
        self.assertIsNone(decoded.request_id)
        self.assertEqual(decoded.body, EXPECTED[11][3])

    def test_extreme_integers(self) -> None:
        payload = event(4, f_uint(8, 0), f_text(9, "n"), f_text(10, "x"), f_text(11, "y"),
                        f_uint(12, (1 << 64) - 1), f_sint(13, -(1 << 63)),
                        recorded_at=(1 << 63) - 1, peer_uid=(1 << 32) - 1)
        decoded = logtool.decode_event(payload)
        self.assertEqual(decoded.body["siren"], "000000000")
        self.assertEqual(decoded.body["employees"], (1 << 64) - 1)
        self.assertEqual(decoded.body["turnover_eur"], -(1 << 63))
        self.assertEqual(decoded.recorded_at_us, (1 << 63) - 1)

    def test_dump_log_writes_to_the_given_streams(self) -> None:
        data, _ = build_log([[E_SURVEY_CLOSED], [event(77)]])
        out, err = io.StringIO(), io.StringIO()
        status = logtool.dump_log(data, None, None, out, err, logtool.EventFilter())
        self.assertEqual(status, 1)
        self.assertEqual(len(out.getvalue().splitlines()), 1)
        self.assertTrue(err.getvalue().startswith("error: record 2: unknown event type 77 ("))


class WrittenByClusterd(unittest.TestCase):
    """Payloads copied from a log written by clusterd (through its Varlink API), and the event
    objects that `clusterctl --log LOG watch --json` printed for them."""

    GOLDEN = [
        (  # RegisterCluster with request_id, unicode, quotes, a backslash
            "010108b0e2a9ed96ceb00610001a057265712d31420267764a1f50c3b46c65202256616c6cc3a96522"
            "2064e28099417a757220f09f9a80205c52023238520233325a0237365a023830620143689272",
            "ClusterRegistered", 0, "req-1",
            '{"departments":["76","80"],"founded":"1990-01-01","id":"gv","naf_section":"C",'
            '"name":"Pôle \\"Vallée\\" d’Azur 🚀 \\\\","regions":["28","32"]}',
        ),
        (  # RegisterCompany with turnover 0 and a declared category
            "0104088c9faaed96ceb006100040e6cb868f014a024532520633322e31335a5a023736600c6800720370"
            "6d65",
            "CompanyRegistered", 0, None,
            '{"declared_category":"pme","department":"76","employees":12,"naf":"32.13Z",'
            '"name":"E2","siren":"300000742","turnover_eur":0}',
        ),
        (  # the MembershipEnded that DissolveCluster writes
            "010708c4deaced96ceb00610004202677648fbc8868f0150dec4025a11636c757374657220646973736f"
            "6c766564",
            "MembershipEnded", 0, None,
            '{"cluster":"gv","date":"2026-11-26","reason":"cluster dissolved","siren":"300000379"}',
        ),
        (  # DefineSurvey: every question kind, required true and false, negative min, offsets
            "010908c2cd96f596ceb0061000420273324a085375727665792032520c0880a1e4a7bbe9d90510930"
            "55a0c0880bb82e795e1c70e10b20562140a02713112045965733f1a067965735f6e6f3800621d0a0271"
            "32120d5965733f2072657175697265641a067965735f6e6f380162240a02713312034f6e651a0d7369"
            "6e676c655f63686f69636522016122056220226322380162260a02713412044d616e791a0f6d756c7469"
            "706c655f63686f69636522017822017922017a380062190a02713512034e756d1a066e756d6265722809"
            "3080897a380162180a02713612055363616c651a057363616c652802300a380162180a02713712084e75"
            "6d20667265651a066e756d626572380062240a02713812054d616e79321a0f6d756c7469706c655f6368"
            "6f6963652201782201793800",
            "SurveyDefined", 0, None,
            '{"closes_at":"2099-11-15T23:59:59+05:45","id":"s2",'
            '"opens_at":"2020-11-09T00:00:00.123456-05:30","questions":['
            '{"id":"q1","kind":"yes_no","required":false,"text":"Yes?"},'
            '{"id":"q2","kind":"yes_no","required":true,"text":"Yes? required"},'
            '{"id":"q3","kind":"single_choice","options":["a","b \\"c\\""],"required":true,'
            '"text":"One"},'
            '{"id":"q4","kind":"multiple_choice","options":["x","y","z"],"required":false,'
            '"text":"Many"},'
            '{"id":"q5","kind":"number","max":1000000,"min":-5,"required":true,"text":"Num"},'
            '{"id":"q6","kind":"scale","max":5,"min":1,"required":true,"text":"Scale"},'
            '{"id":"q7","kind":"number","required":false,"text":"Num free"},'
            '{"id":"q8","kind":"multiple_choice","options":["x","y"],"required":false,'
            '"text":"Many2"}],"title":"Survey 2"}',
        ),
        (  # SubmitResponse: every answer kind, a negative integer, an empty list of choices
            "010b08ccd396f596ceb00610004202733248fbc8868f01520c0882b8f6acddadb0061093055a080a0271"
            "31280110005a080a027132280110015a0d0a02713328021a0562202263225a0c0a027134280322017822"
            "017a5a080a027135280430055a080a0271362804300a5a060a0271382803",
            "ResponseSubmitted", 0, None,
            '{"answers":{"q1":"no","q2":"yes","q3":"b \\"c\\"","q4":["x","z"],"q5":-3,"q6":5,'
            '"q8":[]},"siren":"300000379","submitted_at":"2026-11-20T10:00:00.000001-05:30",'
            '"survey":"s2"}',
        ),
    ]

    def test_golden_payloads(self) -> None:
        for payload_hex, type_name, peer_uid, request_id, body_json in self.GOLDEN:
            with self.subTest(type=type_name):
                decoded = logtool.decode_event(bytes.fromhex(payload_hex))
                self.assertEqual(decoded.type_name, type_name)
                self.assertEqual(decoded.peer_uid, peer_uid)
                self.assertEqual(decoded.request_id, request_id)
                self.assertEqual(
                    json.dumps(decoded.body, sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False),
                    body_json)

    def test_golden_log_lines(self) -> None:
        """The whole line: the record's keys around the event, in sorted order."""
        payloads = [bytes.fromhex(golden[0]) for golden in self.GOLDEN]
        data, chains = build_log([payloads])
        out, err = io.StringIO(), io.StringIO()
        self.assertEqual(logtool.dump_log(data, None, None, out, err, logtool.EventFilter()), 0)
        lines = out.getvalue().splitlines()
        for seq, (line, golden, chain) in enumerate(zip(lines, self.GOLDEN, chains), start=1):
            _, type_name, peer_uid, request_id, body_json = golden
            request = "" if request_id is None else f',"request_id":"{request_id}"'
            self.assertEqual(
                line,
                f'{{"chain_hash":"{chain.hex()}","commit_time":"{COMMIT_TIME_TEXT}",'
                f'"event":{body_json},"peer_uid":{peer_uid}{request},"seq":{seq},'
                f'"type":"{type_name}"}}')


SMOKE_LOG = Path(os.environ.get("LOGTOOL_SMOKE_LOG", "/tmp/smoke/state/events.log"))


@unittest.skipUnless(SMOKE_LOG.is_file() and os.access(SMOKE_LOG, os.R_OK), "no smoke-test log")
class SmokeLog(unittest.TestCase):
    """A real log written by the Swift code (the demo network and a survey)."""

    def test_first_records(self) -> None:
        result = subprocess.run(
            [sys.executable, str(LOGTOOL), "dump", str(SMOKE_LOG), "--events", "--to-seq", "5"],
            capture_output=True, text=True, encoding="utf-8",
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = [json.loads(line) for line in result.stdout.splitlines()]
        self.assertEqual([line["seq"] for line in lines], [1, 2, 3, 4, 5])
        for line in lines:
            self.assertEqual(line["type"], "ClusterRegistered")

    def test_whole_log_decodes(self) -> None:
        with open(SMOKE_LOG, "rb") as file:
            data = file.read()
        out, err = io.StringIO(), io.StringIO()
        status = logtool.dump_log(data, None, None, out, err, logtool.EventFilter())
        self.assertEqual(status, 0, err.getvalue())
        types = {json.loads(line)["type"] for line in out.getvalue().splitlines()}
        self.assertLessEqual(
            {"ClusterRegistered", "PartnerLinked", "CompanyRegistered", "MembershipStarted",
             "SurveyDefined", "ResponseSubmitted"}, types)


if __name__ == "__main__":
    unittest.main()
