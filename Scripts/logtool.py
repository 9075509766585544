#!/usr/bin/env python3
"""logtool.py - an independent second reader of the clusterd log format (events.log).

This tool is written from docs/log-format.md alone, without looking at the Swift
implementation, so that the specification and the Swift code can be checked against each
other. It uses only the Python 3.11 standard library.

Commands:

  logtool.py verify PATH [--checkpoint SEQ:HASH]
      Check the header, every record (lengths, body CRC-32C, sequence numbers, payload length,
      flags, reserved bytes, padding, commit-time order), the batch rule, the end-of-log rule
      and the whole SHA-256 hash chain. Optionally check an auditor's checkpoint SEQ:chain(SEQ).

  logtool.py dump PATH [--from-seq N] [--to-seq M]
      Print the records as JSON lines. Does not verify the hash chain.

  logtool.py dump PATH --events [--from-seq N] [--to-seq M] [--type NAME] [--siren S]
                                [--cluster C]
      Decode the payloads (written from docs/event-codec.md alone) and print one JSON line per
      event: seq, commit_time, type, peer_uid, request_id and request_fingerprint (only when
      the event has them),
      chain_hash and event (the type's fields). The filters combine (all must match): --type
      an event type name, --siren the events about that company (Company*, Membership*,
      ResponseSubmitted), --cluster the events about that cluster (Cluster*, Membership*,
      PartnerLinked). At an event that cannot be decoded (unknown encoding version or event
      type, malformed field) the events before it are printed, then 'error: record SEQ: REASON'
      on stderr, exit 1.

  logtool.py selftest
      Check the CRC-32C implementation and the timestamp formatting, exit 0 if they are right.

Output of verify (stdout): one line, 'intact: N records, last seq S, head S:HASH', or
'damaged: at byte offset O, record Q: REASON' for the first problem ('damaged: at byte offset 0,
header: REASON' when the header is refused); with --checkpoint a second line, 'checkpoint SEQ
holds', 'checkpoint SEQ does not hold: ...' or 'checkpoint SEQ cannot be checked: ...'.

Exit status: 0 all right, 1 the log is damaged (or a checkpoint does not hold), 2 usage error or
a file that cannot be read.

Decisions taken where docs/log-format.md is ambiguous are marked "SPEC:" in the comments below,
those where docs/event-codec.md is, "EVENT-CODEC:".
"""

from __future__ import annotations

import argparse
import hashlib
import json
import mmap
import os
import re
import struct
import sys
from dataclasses import dataclass
from typing import Iterator, Optional, Union

# --- Constants from docs/log-format.md -----------------------------------------------------

MAGIC = b"CLSTRLOG"
FORMAT_VERSION = 1
HEADER_LENGTH = 64
RECORD_PREFIX_LENGTH = 8  # body length (4) + body CRC (4); the body follows
MIN_BODY_LENGTH = 56
MAX_BODY_LENGTH = 64 * 1024 * 1024 + 56
BODY_FIXED_LENGTH = 24  # sequence number, commit time, payload length, flags, reserved
CHAIN_HASH_LENGTH = 32
FLAG_ENDS_BATCH = 0x01
KNOWN_RECORD_FLAGS = FLAG_ENDS_BATCH

CRC32C_CHECK_INPUT = b"123456789"
CRC32C_CHECK_VALUE = 0xE3069283

EXIT_OK = 0
EXIT_DAMAGED = 1
EXIT_USAGE = 2

PROGRAM = "logtool.py"

_NON_ZERO_BYTE = re.compile(rb"[^\x00]")


# --- CRC-32C (Castagnoli) ------------------------------------------------------------------


def _make_crc32c_table() -> tuple[int, ...]:
    """The 256-entry table for the reflected polynomial 0x82F63B78."""
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC32C_TABLE = _make_crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C of data: initial value 0xFFFFFFFF, final XOR 0xFFFFFFFF, table-driven."""
    table = _CRC32C_TABLE
    crc = 0xFFFFFFFF
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


# --- Small helpers -------------------------------------------------------------------------


def round_up_to_8(value: int) -> int:
    return (value + 7) // 8 * 8


def expected_body_length(payload_length: int) -> int:
    """SPEC: 'L = 56 + P rounded up to a multiple of 8 ... a reader accepts only that length'.

    The record table also says '32 + P + 32 <= L', which mixes record offsets with the body
    length and would reject every record whose P is a multiple of 8; this reader follows the
    exact rule L = roundup8(56 + P), which implies the (correct) bound 24 + P + 32 <= L.
    """
    return round_up_to_8(MIN_BODY_LENGTH + payload_length)


def first_non_zero_offset(data, start: int) -> Optional[int]:
    """Offset of the first non-zero byte at or after start, or None if all are zero."""
    match = _NON_ZERO_BYTE.search(data, start)
    return match.start() if match else None


def _civil_from_days(days: int) -> tuple[int, int, int]:
    """Proleptic Gregorian (year, month, day) of a day count since 1970-01-01 (H. Hinnant)."""
    z = days + 719468
    era = z // 146097
    day_of_era = z - era * 146097
    year_of_era = (
        day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146096
    ) // 365
    year = year_of_era + era * 400
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted_month = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = shifted_month + 3 if shifted_month < 10 else shifted_month - 9
    if month <= 2:
        year += 1
    return year, month, day


def format_utc_microseconds(microseconds: int) -> str:
    """RFC 3339 UTC time with exactly 6 fractional digits and 'Z', by integer arithmetic.

    SPEC: times are signed 64-bit microsecond counts, which reach years far outside RFC 3339's
    0000-9999. Such years are written in the ISO 8601 expanded form with a sign and six digits
    (as JavaScript does, e.g. '+294247-01-10T04:00:54.775807Z'); they are not RFC 3339.
    """
    seconds, fraction = divmod(microseconds, 1_000_000)
    days, second_of_day = divmod(seconds, 86_400)
    year, month, day = _civil_from_days(days)
    hour, rest = divmod(second_of_day, 3600)
    minute, second = divmod(rest, 60)
    if 0 <= year <= 9999:
        year_text = f"{year:04d}"
    else:
        year_text = f"{'+' if year > 0 else '-'}{abs(year):06d}"
    return (
        f"{year_text}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
        f".{fraction:06d}Z"
    )


# --- Opening the file ----------------------------------------------------------------------


class LogFile:
    """The bytes of a log file, memory-mapped read-only (or read whole for special files)."""

    def __init__(self, path: str) -> None:
        self._file = open(path, "rb")
        self._map: Optional[mmap.mmap] = None
        try:
            self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
            self.data = self._map
        except (ValueError, OSError):  # empty file, pipe, ...
            try:
                self.data = self._file.read()
            except OSError:
                self._file.close()
                raise

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
        self._file.close()

    def __enter__(self) -> "LogFile":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


# --- Header --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    raw: bytes
    version: int
    flags: int
    log_id: bytes
    creation_time_us: int
    first_seq: int

    def chain_zero(self) -> bytes:
        """chain(0): the SHA-256 of the 64 header bytes."""
        return hashlib.sha256(self.raw).digest()


def parse_header(data) -> tuple[Optional[Header], Optional[str]]:
    """The header, or None and the reason it is refused."""
    if len(data) < HEADER_LENGTH:
        return None, f"the file has {len(data)} bytes, fewer than the {HEADER_LENGTH}-byte header"
    raw = bytes(data[:HEADER_LENGTH])
    if raw[0:8] != MAGIC:
        return None, f"bad magic {raw[0:8]!r}, expected {MAGIC!r}"
    version, header_length, flags = struct.unpack_from("<HHI", raw, 8)
    if version != FORMAT_VERSION:
        return None, (
            f"unknown format version {version} (this reader knows version {FORMAT_VERSION})"
        )
    if header_length != HEADER_LENGTH:
        return None, f"header length {header_length}, expected {HEADER_LENGTH}"
    (stored_crc,) = struct.unpack_from("<I", raw, 60)
    computed_crc = crc32c(raw[0:60])
    if stored_crc != computed_crc:
        return None, (
            f"header CRC mismatch: stored 0x{stored_crc:08x}, computed 0x{computed_crc:08x}"
        )
    if flags != 0:
        return None, f"unknown header flags 0x{flags:08x}"
    if any(raw[48:60]):
        return None, "reserved header bytes 48 to 59 are not zero"
    (creation_time_us,) = struct.unpack_from("<q", raw, 32)
    (first_seq,) = struct.unpack_from("<Q", raw, 40)
    # SPEC: the header table gives the first sequence number the value 1, while the record
    # table says 'the first record has the header's first sequence number'. This reader uses
    # the header's value, refusing only 0 (chain(0) is the header's hash, and 'records 1 to N'
    # elsewhere suggests numbering from 1).
    if first_seq == 0:
        return None, "the first sequence number is 0"
    return Header(raw, version, flags, raw[16:32], creation_time_us, first_seq), None


# --- Records -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    offset: int
    body_length: int
    seq: int
    commit_time_us: int
    payload_length: int
    flags: int
    hashed_bytes: bytes  # body bytes [0, 24 + P): what the chain hashes after chain(n - 1)
    chain_hash: bytes

    @property
    def payload(self) -> bytes:
        return self.hashed_bytes[BODY_FIXED_LENGTH:]

    @property
    def ends_batch(self) -> bool:
        return bool(self.flags & FLAG_ENDS_BATCH)

    @property
    def end_offset(self) -> int:
        return self.offset + RECORD_PREFIX_LENGTH + self.body_length


@dataclass(frozen=True)
class LogEnd:
    """Reading stopped cleanly (end of file, or a zero body length followed by zeros)."""

    offset: int
    expected_seq: int


@dataclass(frozen=True)
class ReadProblem:
    """Reading stopped at a problem: reading rules 1 (non-zero bytes), 2, 3 or 4."""

    offset: int
    expected_seq: int
    reason: str


def body_length_problem(body_length: int) -> Optional[str]:
    """Reading rule 2: the reason a body length is not plausible, or None."""
    if body_length % 8:
        return f"body length {body_length} is not a multiple of 8"
    if body_length < MIN_BODY_LENGTH:
        return f"body length {body_length} is less than {MIN_BODY_LENGTH}"
    if body_length > MAX_BODY_LENGTH:
        return f"body length {body_length} is more than 64 MiB + 56"
    return None


def check_end_of_log(data, offset: int, expected_seq: int) -> Union[LogEnd, ReadProblem]:
    """Reading rule 1: the log ends at offset; whatever bytes remain must be zero."""
    non_zero = first_non_zero_offset(data, offset)
    if non_zero is None:
        return LogEnd(offset, expected_seq)
    return ReadProblem(
        offset, expected_seq, f"the log should end here, but byte offset {non_zero} is not zero"
    )


def parse_body(offset: int, body: bytes, expected_seq: int) -> Union[Record, ReadProblem]:
    """Reading rule 4 after the CRC: sequence number, P, flags, reserved bytes, padding."""
    seq, commit_time_us, payload_length, flags = struct.unpack_from("<QqIB", body, 0)
    if seq != expected_seq:
        return ReadProblem(offset, expected_seq, f"sequence number {seq}, expected {expected_seq}")
    if expected_body_length(payload_length) != len(body):
        return ReadProblem(
            offset,
            expected_seq,
            f"payload length {payload_length} is inconsistent with body length {len(body)} "
            f"(expected body length {expected_body_length(payload_length)})",
        )
    if flags & ~KNOWN_RECORD_FLAGS:
        return ReadProblem(offset, expected_seq, f"unknown record flags 0x{flags:02x}")
    if any(body[21:24]):
        return ReadProblem(offset, expected_seq, "reserved record bytes 29 to 31 are not zero")
    hash_start = BODY_FIXED_LENGTH + payload_length
    padding_start = hash_start + CHAIN_HASH_LENGTH
    if any(body[padding_start:]):
        return ReadProblem(offset, expected_seq, "padding bytes are not zero")
    return Record(
        offset=offset,
        body_length=len(body),
        seq=seq,
        commit_time_us=commit_time_us,
        payload_length=payload_length,
        flags=flags,
        hashed_bytes=body[:hash_start],
        chain_hash=body[hash_start:padding_start],
    )


def read_record(data, offset: int, expected_seq: int) -> Union[Record, LogEnd, ReadProblem]:
    """Apply the reading rules 1 to 4 at one record offset."""
    remaining = len(data) - offset
    if remaining < RECORD_PREFIX_LENGTH:
        return check_end_of_log(data, offset, expected_seq)
    body_length, stored_crc = struct.unpack_from("<II", data, offset)
    if body_length == 0:
        return check_end_of_log(data, offset, expected_seq)
    problem = body_length_problem(body_length)
    if problem:
        return ReadProblem(offset, expected_seq, problem)
    if offset + RECORD_PREFIX_LENGTH + body_length > len(data):
        return ReadProblem(
            offset,
            expected_seq,
            f"the record is incomplete: it needs {RECORD_PREFIX_LENGTH + body_length} bytes, "
            f"{remaining} remain",
        )
    body = bytes(data[offset + RECORD_PREFIX_LENGTH : offset + RECORD_PREFIX_LENGTH + body_length])
    computed_crc = crc32c(body)
    if computed_crc != stored_crc:
        return ReadProblem(
            offset,
            expected_seq,
            f"body CRC mismatch: stored 0x{stored_crc:08x}, computed 0x{computed_crc:08x}",
        )
    return parse_body(offset, body, expected_seq)


def walk_records(data, first_seq: int) -> Iterator[Union[Record, LogEnd, ReadProblem]]:
    """Yield the records from offset 64 on, then one LogEnd or ReadProblem."""
    offset = HEADER_LENGTH
    expected_seq = first_seq
    while True:
        item = read_record(data, offset, expected_seq)
        yield item
        if not isinstance(item, Record):
            return
        offset = item.end_offset
        expected_seq += 1


def is_valid_record_at(data, offset: int) -> bool:
    """'a plausible length and a matching CRC' at offset (the torn-tail test)."""
    if offset + RECORD_PREFIX_LENGTH > len(data):
        return False
    body_length, stored_crc = struct.unpack_from("<II", data, offset)
    if body_length_problem(body_length) is not None:
        return False
    end = offset + RECORD_PREFIX_LENGTH + body_length
    if end > len(data):
        return False
    return crc32c(data[offset + RECORD_PREFIX_LENGTH : end]) == stored_crc


def find_valid_record_after(data, problem_offset: int) -> Optional[int]:
    """The first multiple-of-8 offset after problem_offset holding a valid record, or None.

    SPEC: 'after the problem' is read as any multiple-of-8 offset greater than the offset of
    the problem record, including offsets inside that record's claimed extent (its length may
    be what is damaged). Runs of zero bytes are skipped quickly: a zero length is not plausible.
    """
    offset = problem_offset + 8
    size = len(data)
    while offset + RECORD_PREFIX_LENGTH <= size:
        non_zero = first_non_zero_offset(data, offset)
        if non_zero is None:
            return None
        offset = max(offset, non_zero - non_zero % 8)
        if is_valid_record_at(data, offset):
            return offset
        offset += 8
    return None


# --- Batches and the outcome of a walk -----------------------------------------------------


class BatchTracker:
    """Where the last complete batch ends, and how many records came after it."""

    def __init__(self, first_seq: int) -> None:
        self.batch_end_offset = HEADER_LENGTH  # offset just after the last complete batch
        self.next_batch_seq = first_seq  # sequence number of the first record after it
        self.pending = 0  # records read after the last complete batch

    def add(self, record: Record) -> None:
        self.pending += 1
        if record.ends_batch:
            self.batch_end_offset = record.end_offset
            self.next_batch_seq = record.seq + 1
            self.pending = 0


@dataclass(frozen=True)
class Damage:
    """Something other than an interrupted append broke the file."""

    offset: int
    seq: int
    reason: str


@dataclass(frozen=True)
class TornTail:
    """The last write was interrupted: everything from offset on was never written."""

    offset: int  # where the torn tail starts (just after the last complete batch)
    seq: int  # sequence number of the first record lost
    lost_records: int  # intact records of the incomplete batch
    reason: str


def classify_problem(data, problem: ReadProblem, batches: BatchTracker) -> Union[Damage, TornTail]:
    """Torn tail if no valid record follows the problem, damage otherwise."""
    follower = find_valid_record_after(data, problem.offset)
    if follower is not None:
        return Damage(
            problem.offset,
            problem.expected_seq,
            f"{problem.reason}; a valid record follows at byte offset {follower}, "
            "so this is not a torn tail",
        )
    if problem.offset == batches.batch_end_offset:
        detail = problem.reason
    else:
        detail = f"record {problem.expected_seq} at byte offset {problem.offset}: {problem.reason}"
    return TornTail(batches.batch_end_offset, batches.next_batch_seq, batches.pending, detail)


def classify_clean_end(end: LogEnd, batches: BatchTracker) -> Optional[TornTail]:
    """The batch rule at a clean end: the last record must end a batch."""
    if batches.pending == 0:
        return None
    last_seq = end.expected_seq - 1
    return TornTail(
        batches.batch_end_offset,
        batches.next_batch_seq,
        batches.pending,
        f"the last record, {last_seq}, does not end a batch",
    )


# --- verify --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    chain_hash: bytes

    @property
    def text(self) -> str:
        return f"{self.seq}:{self.chain_hash.hex()}"


@dataclass
class VerifyResult:
    header: Optional[Header] = None
    header_problem: Optional[str] = None
    records: int = 0
    last_seq: int = 0
    head: bytes = b""  # chain(last_seq)
    failure: Union[Damage, TornTail, None] = None
    checkpoint_chain: Optional[bytes] = None  # recomputed chain(checkpoint seq), if reached


def check_record_against_history(
    record: Record, previous_chain: bytes, previous_time: Optional[int]
) -> tuple[bytes, Optional[str]]:
    """The recomputed chain(n) and the reason the record breaks the history, if it does."""
    computed = hashlib.sha256(previous_chain + record.hashed_bytes).digest()
    if computed != record.chain_hash:
        return computed, (
            f"chain hash mismatch: stored {record.chain_hash.hex()}, recomputed {computed.hex()}"
        )
    # SPEC: the record table says the commit time is 'never less than the previous record's',
    # but the reading rules do not list it; verify treats a decrease as damage.
    if previous_time is not None and record.commit_time_us < previous_time:
        return computed, (
            f"commit time {record.commit_time_us} is less than the previous record's "
            f"{previous_time}"
        )
    return computed, None


def verify_log(data, checkpoint_seq: Optional[int] = None) -> VerifyResult:
    """Walk the whole log, checking everything; stop at the first problem."""
    result = VerifyResult()
    result.header, result.header_problem = parse_header(data)
    if result.header is None:
        return result
    header = result.header
    chain = header.chain_zero()
    previous_time: Optional[int] = None
    batches = BatchTracker(header.first_seq)
    result.last_seq, result.head = header.first_seq - 1, chain
    for item in walk_records(data, header.first_seq):
        if isinstance(item, ReadProblem):
            result.failure = classify_problem(data, item, batches)
            break
        if isinstance(item, LogEnd):
            result.failure = classify_clean_end(item, batches)
            break
        chain, reason = check_record_against_history(item, chain, previous_time)
        if reason:
            result.failure = Damage(item.offset, item.seq, reason)
            break
        if item.seq == checkpoint_seq:
            result.checkpoint_chain = chain
        batches.add(item)
        previous_time = item.commit_time_us
        result.records += 1
        result.last_seq, result.head = item.seq, chain
    return result


def describe_verify_result(result: VerifyResult) -> str:
    if result.header is None:
        return f"damaged: at byte offset 0, header: {result.header_problem}"
    failure = result.failure
    if failure is None:
        return (
            f"intact: {result.records} records, last seq {result.last_seq}, "
            f"head {result.last_seq}:{result.head.hex()}"
        )
    if isinstance(failure, TornTail):
        return (
            f"damaged: at byte offset {failure.offset}, record {failure.seq}: the log ends with "
            f"an incomplete write (torn tail, {failure.lost_records} intact records of an "
            f"incomplete batch): {failure.reason}"
        )
    return f"damaged: at byte offset {failure.offset}, record {failure.seq}: {failure.reason}"


def judge_checkpoint(result: VerifyResult, checkpoint: Checkpoint) -> tuple[bool, str]:
    """Whether the checkpoint holds, and the line that says so.

    What is provable: the checkpoint is a single hash, chain(SEQ). If the recomputed chain(SEQ)
    differs from it, the header or some record 1..SEQ differs from the history the auditor saw,
    but one hash cannot say which. So R, the record the history 'differs from ... on', is:

      * the first record at which the file itself shows evidence of change: the first record
        (at or before SEQ) whose stored chain hash does not match the recomputed one, or which
        is damaged (bad CRC, wrong sequence number, bad padding, a commit time going back ...)
        with a valid record after it. A correct writer never leaves such a record, so the file
        provably differs from the written history at that record; the records before it are
        consistent with each other, although (as a rewritten chain would also be consistent)
        not individually proven equal to the checkpointed ones;
      * otherwise, when every stored hash recomputes correctly but chain(SEQ) != HASH, the
        header's first sequence number (1): the whole chain was rewritten consistently and the
        change could be anywhere from the header to record SEQ. 'From record 1 on' is the only
        claim that is provable.

    Records of a torn tail (an incomplete last batch) count as never written: a checkpoint on
    one of them, or past the end of the log, does not hold because the log does not reach it.
    A stored hash that is wrong while the recomputed chain(SEQ) equals HASH still makes the
    checkpoint fail (the record's bytes are not the ones written), with R at that record.
    """
    seq = checkpoint.seq
    prefix = f"checkpoint {seq}"
    header = result.header
    if header is None:
        return False, f"{prefix} cannot be checked: the log header is not valid"
    if seq < header.first_seq:
        return False, (
            f"{prefix} does not hold: the log does not contain record {seq} "
            f"(it starts at record {header.first_seq})"
        )
    failure = result.failure
    if isinstance(failure, Damage) and failure.seq <= seq:
        return False, f"{prefix} does not hold: the history differs from record {failure.seq} on"
    last_present = failure.seq - 1 if failure is not None else result.last_seq
    if seq > last_present:
        return False, (
            f"{prefix} does not hold: the log does not reach record {seq} "
            f"(its last complete record is {last_present})"
        )
    if result.checkpoint_chain == checkpoint.chain_hash:
        return True, f"{prefix} holds"
    return False, f"{prefix} does not hold: the history differs from record {header.first_seq} on"


def run_verify(log: LogFile, checkpoint: Optional[Checkpoint]) -> int:
    result = verify_log(log.data, checkpoint.seq if checkpoint else None)
    print(describe_verify_result(result))
    intact = result.header is not None and result.failure is None
    if checkpoint is None:
        return EXIT_OK if intact else EXIT_DAMAGED
    holds, line = judge_checkpoint(result, checkpoint)
    print(line)
    return EXIT_OK if intact and holds else EXIT_DAMAGED


# --- Event payloads (docs/event-codec.md) --------------------------------------------------
#
# Written from docs/event-codec.md alone. A payload is a version byte (1), the event type (a
# varint) and fields (key = field number << 3 | wire type, then a varint for wire type 0 or a
# length and that many bytes for wire type 2).
#
# EVENT-CODEC: decisions where docs/event-codec.md is silent (this reader refuses rather than
# guesses; every refusal is 'error: record SEQ: REASON' and exit 1):
#   * every field of an event's row, the envelope's recorded at (1) and peer uid (2), and both
#     fields of a time are required; optional are only the request id, NAF section, founded,
#     turnover, declared size category, reason, min and max (and the repeated fields);
#   * a known field number with another wire type than the documented one is refused, not
#     skipped as unknown;
#   * a 0/1 field (required, yes) holding anything else is refused; a varint above 2^64 - 1 is;
#   * min, max and integer answers are signed (zigzag), like every integer a user gives;
#   * a date or local time outside the years 0000-9999, or an offset of 24 hours or more,
#     cannot be written as YYYY-MM-DD / RFC 3339 and is refused;
#   * of two answers to one question, the last counts; fields that do not belong to an
#     answer's kind are ignored;
#   * values are not checked against domain rules the document does not state (NAF codes,
#     departments, regions, size categories, question kinds, identifiers, SIREN check digit);
#     the partner kind and the answer kind, whose values the document lists, are.

EVENT_CODEC_VERSION = 1
WIRE_VARINT = 0
WIRE_LENGTH_DELIMITED = 2
_WIRE_NAMES = {WIRE_VARINT: "varint", WIRE_LENGTH_DELIMITED: "length-delimited"}
_UINT64_LIMIT = 1 << 64

# Event type numbers and names, in the order of the table in docs/event-codec.md.
EVENT_TYPES: dict[int, str] = {
    1: "ClusterRegistered",
    2: "ClusterUpdated",
    3: "ClusterDissolved",
    4: "CompanyRegistered",
    5: "CompanyUpdated",
    6: "MembershipStarted",
    7: "MembershipEnded",
    8: "PartnerLinked",
    9: "SurveyDefined",
    10: "SurveyClosed",
    11: "ResponseSubmitted",
    12: "SnapshotTaken",
    13: "TesterEnrolled",
    14: "ContactAdded",
    15: "PersonRectified",
    16: "PersonErased",
    17: "CampaignOpened",
    18: "TesterParticipated",
    19: "ConsentWithdrawn",
    20: "PrivacyRequestReceived",
    21: "PrivacyRequestAnswered",
    22: "ProjectProposed",
    23: "ProjectStatusChanged",
    24: "FundingCommitted",
    25: "CommitmentRevised",
    26: "FundingDisbursed",
}
EVENT_TYPE_NUMBERS: dict[str, int] = {name: number for number, name in EVENT_TYPES.items()}

# The kinds of partner the table lists for PartnerLinked (field 11): a closed set.
PARTNER_KINDS = ("bank", "university", "local_authority", "agency", "other")

# The closed sets of the people's events: personal field names (field 13, 1), age bands (12),
# consent channels (consent field 4).
PERSONAL_FIELDS = ("name", "email", "phone", "birth_year", "role", "comment")
CAMPAIGN_KINDS = ("innovation", "support")
AGE_BANDS = ("60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+")
CONSENT_CHANNELS = ("paper", "online", "phone", "in_person")
PRIVACY_RIGHTS = ("access", "portability", "rectification", "erasure", "restriction", "objection")
PRIVACY_OUTCOMES = ("done", "refused")

# The closed sets of projects and money (events 22 to 26).
PROJECT_STATUSES = ("proposed", "approved", "running", "completed", "withdrawn", "rejected")
PROJECT_ROLES = ("coordinator", "partner", "subcontractor", "beneficiary", "funder", "advisor")
FUNDING_INSTRUMENTS = ("grant", "loan", "equity", "guarantee", "private_contribution")
FUNDING_NATURES = ("cash", "in_kind")
PAYMENT_TERMS = ("single", "staged", "other")
BENEFICIARY_KINDS = ("company", "cluster", "association")
MAXIMUM_CENTS = 1_000_000_000_000
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"

# Answer kinds of ResponseSubmitted (answer field 5).
ANSWER_YES_NO, ANSWER_CHOICE, ANSWER_CHOICES, ANSWER_INTEGER = 1, 2, 3, 4


class EventDecodeError(Exception):
    """A payload that this reader cannot decode: the message says why."""


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    """An unsigned LEB128 varint of at most 64 bits at pos, and the position after it."""
    result = 0
    shift = 0
    while True:
        if pos >= len(buf):
            raise EventDecodeError("a varint is cut short by the end of its message")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            if result >= _UINT64_LIMIT:
                raise EventDecodeError("a varint does not fit in 64 bits")
            return result, pos
        shift += 7
        if shift > 63:
            raise EventDecodeError("a varint is longer than 10 bytes")


def zigzag_decode(value: int) -> int:
    """The signed integer of a zigzag-encoded one: 0, -1, 1, -2, ... from 0, 1, 2, 3, ..."""
    return (value >> 1) ^ -(value & 1)


class Fields:
    """The fields of one message: number -> list of (wire type, value) in the order written.

    Every accessor takes the field's name for error messages. A known field with another wire
    type than the one documented is an error; a non-repeated field that appears more than once
    takes its last value; fields that no accessor asks for are skipped (unknown fields).
    """

    def __init__(self, buf: bytes, what: str) -> None:
        self.what = what
        self.fields: dict[int, list[tuple[int, Union[int, bytes]]]] = {}
        pos = 0
        while pos < len(buf):
            key, pos = read_varint(buf, pos)
            number, wire = key >> 3, key & 7
            if wire == WIRE_VARINT:
                value, pos = read_varint(buf, pos)
            elif wire == WIRE_LENGTH_DELIMITED:
                length, pos = read_varint(buf, pos)
                if length > len(buf) - pos:
                    raise EventDecodeError(
                        f"{what}: field {number} claims {length} bytes, "
                        f"{len(buf) - pos} remain"
                    )
                value = bytes(buf[pos : pos + length])
                pos += length
            else:
                raise EventDecodeError(f"{what}: field {number} has unknown wire type {wire}")
            self.fields.setdefault(number, []).append((wire, value))

    def _values(self, number: int, wire: int, name: str) -> list:
        entries = self.fields.get(number, [])
        for entry_wire, _ in entries:
            if entry_wire != wire:
                raise EventDecodeError(
                    f"{self.what}: field {number} ({name}) has wire type {entry_wire}, "
                    f"expected {wire} ({_WIRE_NAMES[wire]})"
                )
        return [value for _, value in entries]

    def _last(self, number: int, wire: int, name: str, required: bool):
        values = self._values(number, wire, name)
        if not values:
            if required:
                raise EventDecodeError(f"{self.what}: field {number} ({name}) is missing")
            return None
        return values[-1]

    def _text(self, raw: bytes, number: int, name: str) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise EventDecodeError(
                f"{self.what}: field {number} ({name}) is not valid UTF-8: {error.reason}"
            ) from None

    def text(self, number: int, name: str, required: bool = True) -> Optional[str]:
        raw = self._last(number, WIRE_LENGTH_DELIMITED, name, required)
        return None if raw is None else self._text(raw, number, name)

    def raw(self, number: int, name: str) -> Optional[bytes]:
        """The bytes of an optional length-delimited field, as written."""
        return self._last(number, WIRE_LENGTH_DELIMITED, name, False)

    def texts(self, number: int, name: str) -> list[str]:
        return [
            self._text(raw, number, name)
            for raw in self._values(number, WIRE_LENGTH_DELIMITED, name)
        ]

    def uint(self, number: int, name: str, required: bool = True) -> Optional[int]:
        return self._last(number, WIRE_VARINT, name, required)

    def sint(self, number: int, name: str, required: bool = True) -> Optional[int]:
        value = self._last(number, WIRE_VARINT, name, required)
        return None if value is None else zigzag_decode(value)

    def flag(self, number: int, name: str) -> bool:
        """A 0/1 varint (required / yes)."""
        value = self._last(number, WIRE_VARINT, name, True)
        if value not in (0, 1):
            raise EventDecodeError(f"{self.what}: field {number} ({name}) is {value}, not 0 or 1")
        return value == 1

    def message(self, number: int, name: str, required: bool = True) -> Optional["Fields"]:
        raw = self._last(number, WIRE_LENGTH_DELIMITED, name, required)
        return None if raw is None else Fields(raw, f"{self.what}, {name}")

    def messages(self, number: int, name: str) -> list["Fields"]:
        raws = self._values(number, WIRE_LENGTH_DELIMITED, name)
        return [Fields(raw, f"{self.what}, {name} {index + 1}") for index, raw in enumerate(raws)]

    def siren(self, number: int, name: str = "SIREN") -> str:
        """'SIRENs are varints of the nine-digit number': written back with nine digits."""
        value = self.uint(number, name)
        if value > 999_999_999:
            raise EventDecodeError(
                f"{self.what}: field {number} ({name}) is {value}, more than nine digits"
            )
        return f"{value:09d}"

    def date(self, number: int, name: str, required: bool = True) -> Optional[str]:
        days = self.sint(number, name, required)
        return None if days is None else self._format_or_fail(format_date, days, number, name)

    def time(self, number: int, name: str) -> str:
        nested = self.message(number, name)
        microseconds = nested.sint(1, "microseconds since the epoch")
        offset_minutes = nested.sint(2, "offset in minutes")
        return self._format_or_fail(
            lambda value: format_offset_time(*value), (microseconds, offset_minutes), number, name
        )

    def _format_or_fail(self, formatter, value, number: int, name: str) -> str:
        try:
            return formatter(value)
        except ValueError as error:
            raise EventDecodeError(f"{self.what}: field {number} ({name}): {error}") from None


def format_date(days: int) -> str:
    """YYYY-MM-DD of a signed day count since 1970-01-01 (proleptic Gregorian).

    EVENT-CODEC: the document does not bound dates; years outside 0000-9999 cannot be written
    with the four digits of YYYY-MM-DD, so they are refused as malformed.
    """
    year, month, day = _civil_from_days(days)
    if not 0 <= year <= 9999:
        raise ValueError(f"day {days} is in year {year}, outside 0000-9999")
    return f"{year:04d}-{month:02d}-{day:02d}"


def format_offset_time(microseconds: int, offset_minutes: int) -> str:
    """RFC 3339 in the offset the time was given with: local date and time, '.ffffff' only
    when the microseconds are not zero, then 'Z' for offset 0 or '+HH:MM' / '-HH:MM'.

    EVENT-CODEC: the document does not bound offsets or years; an offset of 24 hours or more
    (not writable as HH:MM) or a local year outside 0000-9999 is refused as malformed.
    """
    if abs(offset_minutes) >= 24 * 60:
        raise ValueError(f"offset {offset_minutes} minutes is 24 hours or more")
    local = microseconds + offset_minutes * 60_000_000
    seconds, fraction = divmod(local, 1_000_000)
    days, second_of_day = divmod(seconds, 86_400)
    year, month, day = _civil_from_days(days)
    if not 0 <= year <= 9999:
        raise ValueError(f"local year {year} is outside 0000-9999")
    hour, rest = divmod(second_of_day, 3600)
    minute, second = divmod(rest, 60)
    text = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
    if fraction:
        text += f".{fraction:06d}"
    if offset_minutes == 0:
        return text + "Z"
    sign = "+" if offset_minutes > 0 else "-"
    offset_hours, offset_rest = divmod(abs(offset_minutes), 60)
    return f"{text}{sign}{offset_hours:02d}:{offset_rest:02d}"


def _decode_cluster(f: Fields) -> dict:
    event = {
        "id": f.text(8, "id"),
        "name": f.text(9, "name"),
        "regions": f.texts(10, "region"),
        "departments": f.texts(11, "department"),
    }
    naf_section = f.text(12, "NAF section", required=False)
    if naf_section is not None:
        event["naf_section"] = naf_section
    founded = f.date(13, "founded", required=False)
    if founded is not None:
        event["founded"] = founded
    siret = f.text(14, "SIRET", required=False)
    if siret is not None:
        event["siret"] = _siret(siret, f)
    return event


def _decode_cluster_dissolved(f: Fields) -> dict:
    return {"id": f.text(8, "id"), "date": f.date(9, "date")}


def _decode_company(f: Fields) -> dict:
    event = {
        "siren": f.siren(8),
        "name": f.text(9, "name"),
        "naf": f.text(10, "NAF code"),
        "department": f.text(11, "department"),
        "employees": f.uint(12, "employees"),
    }
    turnover = f.sint(13, "turnover in euros", required=False)
    if turnover is not None:
        event["turnover_eur"] = turnover
    category = f.text(14, "declared size category", required=False)
    if category is not None:
        event["declared_category"] = category
    return event


def _decode_company_updated(f: Fields) -> dict:
    event = _decode_company(f)
    effective_on = f.date(15, "effective date", required=False)
    if effective_on is not None:
        event["effective_on"] = effective_on
    return event


def _decode_membership_started(f: Fields) -> dict:
    return {"cluster": f.text(8, "cluster"), "siren": f.siren(9), "date": f.date(10, "date")}


def _decode_membership_ended(f: Fields) -> dict:
    event = _decode_membership_started(f)
    reason = f.text(11, "reason", required=False)
    if reason is not None:
        event["reason"] = reason
    return event


def _decode_partner_linked(f: Fields) -> dict:
    kind = f.text(11, "kind")
    if kind not in PARTNER_KINDS:
        raise EventDecodeError(
            f"{f.what}: field 11 (kind) is {kind!r}, not one of {', '.join(PARTNER_KINDS)}"
        )
    body = {
        "cluster": f.text(8, "cluster"),
        "partner_id": f.text(9, "partner id"),
        "name": f.text(10, "name"),
        "kind": kind,
    }
    siret = f.text(12, "SIRET", required=False)
    if siret is not None:
        body["siret"] = _siret(siret, f)
    return body


def _luhn(digits: str) -> bool:
    total = 0
    for index, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if index % 2 == 1 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _siret(text: str, f: Fields) -> str:
    """A SIRET: 14 digits, the first nine a SIREN; Luhn over all 14 (La Poste: digit sum % 5)."""
    if len(text) != 14 or not text.isascii() or not text.isdigit() or not _luhn(text[:9]):
        raise EventDecodeError(f"{f.what}: '{text}' is no SIRET")
    if text[:9] == "356000000":
        if sum(int(d) for d in text) % 5 != 0:
            raise EventDecodeError(f"{f.what}: '{text}' is no SIRET of La Poste")
    elif not _luhn(text):
        raise EventDecodeError(f"{f.what}: '{text}' fails the Luhn check")
    return text


def _cents(value: int, f: Fields) -> int:
    if value > MAXIMUM_CENTS:
        raise EventDecodeError(f"{f.what}: an amount of {value} cents is above the most one amount may state")
    return value


def _partner(message: Fields, f: Fields) -> dict:
    partner = {
        "partner_id": message.text(1, "partner id"),
        "name": message.text(2, "name"),
        "kind": _closed(message.text(3, "kind"), PARTNER_KINDS, f, "partner kind"),
        "role": _closed(message.text(4, "role"), PROJECT_ROLES, f, "role"),
    }
    siret = message.text(5, "SIRET", required=False)
    if siret is not None:
        partner["siret"] = _siret(siret, f)
    return partner


def _decode_project_proposed(f: Fields) -> dict:
    body = {
        "id": f.text(8, "id"),
        "title": f.text(9, "title"),
        "lead_cluster": f.text(10, "lead cluster"),
        "clusters": f.texts(11, "cluster"),
        "regions": f.texts(12, "region"),
        "departments": f.texts(13, "department"),
        "starts_on": f.date(14, "starts on"),
        "ends_on": f.date(15, "ends on"),
        "proposed_on": f.date(19, "proposed on"),
        "companies": [
            {"siren": m.siren(1), "role": _closed(m.text(2, "role"), PROJECT_ROLES, f, "role")}
            for m in f.messages(17, "company")
        ],
        "partners": [_partner(m, f) for m in f.messages(18, "partner")],
    }
    description = f.text(16, "description", required=False)
    if description is not None:
        body["description"] = description
    return body


def _decode_project_status_changed(f: Fields) -> dict:
    body = {
        "project": f.text(8, "project"),
        "status": _closed(f.text(9, "status"), PROJECT_STATUSES, f, "status"),
        "on": f.date(10, "on"),
    }
    reason = f.text(11, "reason", required=False)
    if reason is not None:
        body["reason"] = reason
    return body


def _beneficiary(m: Fields, f: Fields) -> dict:
    kind = _closed(m.text(1, "kind"), BENEFICIARY_KINDS, f, "beneficiary kind")
    share = m.uint(6, "share")
    if not 1 <= share <= 100:
        raise EventDecodeError(f"{f.what}: a beneficiary's share (field 6) is 1 to 100 percent, not {share}")
    body = {"kind": kind, "share_percent": share}
    siret = m.text(2, "SIRET", required=kind == "company")
    if siret is not None and kind != "cluster":
        body["siret"] = _siret(siret, f)
    if kind == "cluster":
        body["cluster"] = m.text(3, "cluster")
    if kind == "association":
        rna = m.text(4, "RNA")
        if not re.fullmatch(r"W[0-9]{9}", rna):
            raise EventDecodeError(f"{f.what}: '{rna}' is no RNA number")
        body["rna"] = rna
        body["name"] = m.text(5, "name")
    return body


def _decode_funding_committed(f: Fields) -> dict:
    grantor = f.message(11, "grantor")
    terms = f.message(17, "payment terms")
    kind = _closed(terms.text(1, "kind"), PAYMENT_TERMS, f, "payment terms")
    text = terms.text(2, "text", required=False)
    if (kind == "other") != (text is not None):
        raise EventDecodeError(f"{f.what}: payment terms 'other', and only they, have a text")
    body = {
        "id": f.text(8, "id"),
        "project": f.text(9, "project"),
        "instrument": _closed(f.text(10, "instrument"), FUNDING_INSTRUMENTS, f, "instrument"),
        "grantor": {
            "name": grantor.text(1, "name"),
            "siret": _siret(grantor.text(2, "SIRET"), f),
            "kind": _closed(grantor.text(3, "kind"), PARTNER_KINDS, f, "grantor kind"),
        },
        "amount_cents": _cents(f.uint(12, "amount"), f),
        "agreed_on": f.date(13, "agreed on"),
        "decision_reference": f.text(14, "decision reference"),
        "object": f.text(15, "object"),
        "nature": _closed(f.text(16, "nature"), FUNDING_NATURES, f, "nature"),
        "payment_terms": kind,
        "planned_payment_from": f.date(18, "planned payment from"),
        "notified_eu": (f.uint(20, "notified to the EU", required=False) or 0) != 0,
        "beneficiaries": [_beneficiary(m, f) for m in f.messages(21, "beneficiary")],
    }
    if text is not None:
        body["payment_terms_text"] = text
    for number, key, name in ((22, "rae_id", "RAE id"), (23, "aid_scheme", "aid scheme")):
        value = f.text(number, name, required=False)
        if value is not None:
            body[key] = value
    planned_to = f.date(19, "planned payment to", required=False)
    if planned_to is not None:
        body["planned_payment_to"] = planned_to
    return body


def _decode_commitment_revised(f: Fields) -> dict:
    return {
        "commitment": f.text(8, "commitment"),
        "amount_cents": _cents(f.uint(9, "amount"), f),
        "on": f.date(10, "on"),
        "reason": f.text(11, "reason"),
    }


def _decode_funding_disbursed(f: Fields) -> dict:
    body = {
        "commitment": f.text(8, "commitment"),
        "amount_cents": _cents(f.uint(9, "amount"), f),
        "on": f.date(10, "on"),
    }
    reference = f.text(11, "reference", required=False)
    if reference is not None:
        body["reference"] = reference
    return body


def _decode_question(q: Fields) -> dict:
    question = {
        "id": q.text(1, "id"),
        "text": q.text(2, "text"),
        "kind": q.text(3, "kind"),
        "required": q.flag(7, "required"),
    }
    options = q.texts(4, "option")
    if options:
        question["options"] = options
    # EVENT-CODEC: the document does not say whether min and max are signed: read as zigzag.
    for number, key in ((5, "min"), (6, "max")):
        value = q.sint(number, key, required=False)
        if value is not None:
            question[key] = value
    return question


def _decode_survey_defined(f: Fields) -> dict:
    return {
        "id": f.text(8, "id"),
        "title": f.text(9, "title"),
        "opens_at": f.time(10, "opens at"),
        "closes_at": f.time(11, "closes at"),
        "questions": [_decode_question(q) for q in f.messages(12, "question")],
    }


def _decode_survey_closed(f: Fields) -> dict:
    return {"id": f.text(8, "id")}


def _decode_answer(a: Fields) -> tuple[str, Union[str, list, int]]:
    question_id = a.text(1, "question id")
    kind = a.uint(5, "answer kind")
    if kind == ANSWER_YES_NO:
        value: Union[str, list, int] = "yes" if a.flag(2, "yes") else "no"
    elif kind == ANSWER_CHOICE:
        value = a.text(3, "option")
    elif kind == ANSWER_CHOICES:
        value = a.texts(4, "option")
    elif kind == ANSWER_INTEGER:
        # EVENT-CODEC: signedness not stated either: read as zigzag.
        value = a.sint(6, "integer")
    else:
        raise EventDecodeError(f"{a.what}: unknown answer kind {kind}")
    return question_id, value


def _decode_response_submitted(f: Fields) -> dict:
    answers: dict[str, Union[str, list, int]] = {}
    for a in f.messages(11, "answer"):
        question_id, value = _decode_answer(a)
        # EVENT-CODEC: two answers to one question are not addressed; the last one counts.
        answers[question_id] = value
    return {
        "survey": f.text(8, "survey"),
        "siren": f.siren(9),
        "submitted_at": f.time(10, "submitted at"),
        "answers": answers,
    }


def _decode_snapshot_taken(f: Fields) -> dict:
    digest = f.raw(9, "snapshot SHA-256")
    if digest is None or len(digest) != 32:
        raise EventDecodeError(f"{f.what}: a snapshot's SHA-256 (field 9) must have 32 bytes")
    return {"snapshot_seq": f.uint(8, "snapshot sequence number"), "sha256": digest.hex()}


def _person_id(f: Fields) -> str:
    """Field 8 of the people's events: 16 bytes, written p- and 26 base32 letters."""
    raw = f.raw(8, "person id")
    if raw is None or len(raw) != 16 or not any(raw):
        raise EventDecodeError(f"{f.what}: a person id (field 8) must be 16 bytes, not all zeros")
    number = int.from_bytes(raw, "big")
    letters = []
    for _ in range(26):
        letters.append(_BASE32[number & 31])
        number >>= 5
    return "p-" + "".join(reversed(letters))


def _closed(value: str, allowed: tuple, f: Fields, what: str) -> str:
    if value not in allowed:
        raise EventDecodeError(f"{f.what}: {what} '{value}' is not one of {', '.join(allowed)}")
    return value


def _personal_fields(f: Fields) -> list[str]:
    """The names of the sealed personal fields (field 13); their values are never shown."""
    names = []
    for message in f.messages(13, "personal field"):
        names.append(_closed(message.text(1, "name"), PERSONAL_FIELDS, f, "personal field"))
        if message.raw(2, "sealed value") is None:
            raise EventDecodeError(f"{message.what}: the sealed value (field 2) is missing")
    return sorted(names)


def _decode_tester_enrolled(f: Fields) -> dict:
    consent = f.message(14, "consent")
    return {
        "person": _person_id(f),
        "cluster": f.text(9, "cluster"),
        "department": f.text(10, "department"),
        "enrolled_on": f.date(11, "enrolled on"),
        "age_band_at_enrolment": _closed(f.text(12, "age band"), AGE_BANDS, f, "age band"),
        "consent": {
            "purpose": consent.text(1, "purpose"),
            "text_version": consent.text(2, "text version"),
            "given_on": consent.date(3, "given on"),
            "channel": _closed(consent.text(4, "channel"), CONSENT_CHANNELS, f, "consent channel"),
        },
        "personal_fields": _personal_fields(f),
    }


def _decode_contact_added(f: Fields) -> dict:
    return {"person": _person_id(f), "siren": f.siren(9), "personal_fields": _personal_fields(f)}


def _decode_person_rectified(f: Fields) -> dict:
    body = {"person": _person_id(f), "personal_fields": _personal_fields(f)}
    department = f.text(10, "department", required=False)
    if department is not None:
        body["department"] = department
    band = f.text(12, "age band", required=False)
    if band is not None:
        body["age_band_at_enrolment"] = _closed(band, AGE_BANDS, f, "age band")
    return body


def _decode_person_erased(f: Fields) -> dict:
    body = {"person": _person_id(f)}
    reason = f.text(9, "reason", required=False)
    if reason is not None:
        body["reason"] = reason
    return body


def _decode_campaign_opened(f: Fields) -> dict:
    return {
        "id": f.text(8, "id"),
        "cluster": f.text(9, "cluster"),
        "kind": _closed(f.text(10, "kind"), CAMPAIGN_KINDS, f, "campaign kind"),
        "siren": f.siren(11),
        "title": f.text(12, "title"),
        "starts_on": f.date(13, "starts on"),
        "ends_on": f.date(14, "ends on"),
    }


def _decode_tester_participated(f: Fields) -> dict:
    fields = _personal_fields(f)
    if fields not in ([], ["comment"]):
        raise EventDecodeError(f"{f.what}: a participation's only personal field is one comment")
    body = {
        "person": _person_id(f),
        "campaign": f.text(9, "campaign"),
        "on": f.date(10, "on"),
        "age_band": _closed(f.text(11, "age band"), AGE_BANDS, f, "age band"),
        "personal_fields": fields,
    }
    rating = f.uint(12, "rating", required=False)
    if rating is not None:
        if not 1 <= rating <= 5:
            raise EventDecodeError(f"{f.what}: a rating (field 12) is 1 to 5, not {rating}")
        body["rating"] = rating
    return body


def _decode_consent_withdrawn(f: Fields) -> dict:
    return {
        "person": _person_id(f),
        "on": f.date(9, "withdrawn on"),
        "channel": _closed(f.text(10, "channel"), CONSENT_CHANNELS, f, "consent channel"),
    }


def _decode_privacy_request_received(f: Fields) -> dict:
    return {
        "person": _person_id(f),
        "right": _closed(f.text(9, "right"), PRIVACY_RIGHTS, f, "right"),
        "received_on": f.date(10, "received on"),
        "channel": _closed(f.text(11, "channel"), CONSENT_CHANNELS, f, "channel"),
    }


def _decode_privacy_request_answered(f: Fields) -> dict:
    body = {
        "person": _person_id(f),
        "request": f.uint(9, "request"),
        "outcome": _closed(f.text(10, "outcome"), PRIVACY_OUTCOMES, f, "outcome"),
    }
    reason = f.text(11, "reason", required=False)
    if reason is not None:
        body["reason"] = reason
    return body


_EVENT_DECODERS = {
    1: _decode_cluster,
    2: _decode_cluster,
    3: _decode_cluster_dissolved,
    4: _decode_company,
    5: _decode_company_updated,
    6: _decode_membership_started,
    7: _decode_membership_ended,
    8: _decode_partner_linked,
    9: _decode_survey_defined,
    10: _decode_survey_closed,
    11: _decode_response_submitted,
    12: _decode_snapshot_taken,
    13: _decode_tester_enrolled,
    14: _decode_contact_added,
    15: _decode_person_rectified,
    16: _decode_person_erased,
    17: _decode_campaign_opened,
    18: _decode_tester_participated,
    19: _decode_consent_withdrawn,
    20: _decode_privacy_request_received,
    21: _decode_privacy_request_answered,
    22: _decode_project_proposed,
    23: _decode_project_status_changed,
    24: _decode_funding_committed,
    25: _decode_commitment_revised,
    26: _decode_funding_disbursed,
}


@dataclass(frozen=True)
class Event:
    type_name: str
    recorded_at_us: int
    peer_uid: int
    request_id: Optional[str]
    body: dict
    request_fingerprint: Optional[bytes] = None


def decode_event(payload: bytes) -> Event:
    """The event of a record's payload; EventDecodeError if it cannot be decoded."""
    if not payload:
        raise EventDecodeError("the payload is empty (no event encoding version)")
    version = payload[0]
    if version != EVENT_CODEC_VERSION:
        raise EventDecodeError(
            f"unknown event encoding version {version} "
            f"(this reader knows version {EVENT_CODEC_VERSION})"
        )
    type_number, pos = read_varint(payload, 1)
    type_name = EVENT_TYPES.get(type_number)
    if type_name is None:
        raise EventDecodeError(
            f"unknown event type {type_number} (this reader knows types 1 to {len(EVENT_TYPES)}; "
            "the log may have been written by a newer clusterd)"
        )
    fields = Fields(payload[pos:], type_name)
    recorded_at = fields.sint(1, "recorded at")
    peer_uid = fields.uint(2, "peer uid")
    request_id = fields.text(3, "request id", required=False)
    fingerprint = fields.raw(4, "request fingerprint")
    if fingerprint is not None and len(fingerprint) != 16:
        raise EventDecodeError(f"the request fingerprint is {len(fingerprint)} bytes long, not 16")
    body = _EVENT_DECODERS[type_number](fields)
    return Event(type_name, recorded_at, peer_uid, request_id, body, fingerprint)


def event_to_json(record: Record, event: Event) -> str:
    obj = {
        "seq": record.seq,
        "commit_time": format_utc_microseconds(record.commit_time_us),
        "type": event.type_name,
        "peer_uid": event.peer_uid,
        "chain_hash": record.chain_hash.hex(),
        "event": event.body,
    }
    if event.request_id is not None:
        obj["request_id"] = event.request_id
    if event.request_fingerprint is not None:
        obj["request_fingerprint"] = event.request_fingerprint.hex()
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class EventFilter:
    """The --type, --siren and --cluster filters of 'dump --events' (all must match)."""

    type_name: Optional[str] = None
    siren: Optional[str] = None  # nine digits
    cluster: Optional[str] = None

    def matches(self, event: Event) -> bool:
        if self.type_name is not None and event.type_name != self.type_name:
            return False
        if self.siren is not None and not (
            event.type_name in _SIREN_EVENTS and event.body["siren"] == self.siren
        ):
            return False
        if self.cluster is not None and not self._concerns_cluster(event):
            return False
        return True

    def _concerns_cluster(self, event: Event) -> bool:
        if event.type_name in ("ClusterRegistered", "ClusterUpdated", "ClusterDissolved"):
            return event.body["id"] == self.cluster
        if event.type_name in ("MembershipStarted", "MembershipEnded", "PartnerLinked", "TesterEnrolled", "CampaignOpened"):
            return event.body["cluster"] == self.cluster
        return False


_SIREN_EVENTS = frozenset(
    {"CompanyRegistered", "CompanyUpdated", "MembershipStarted", "MembershipEnded",
     "ResponseSubmitted", "ContactAdded", "CampaignOpened"}
)


class EventWriter:
    """Writes the held-back records of complete batches as decoded events ('dump --events')."""

    def __init__(self, event_filter: EventFilter) -> None:
        self.filter = event_filter
        self.failure: Optional[str] = None  # 'record SEQ: reason' once an event failed

    def __call__(self, records: list[Record], out) -> bool:
        """Write the records' events; False (and self.failure) at the first undecodable one."""
        for record in records:
            try:
                event = decode_event(record.payload)
            except EventDecodeError as error:
                self.failure = f"record {record.seq}: {error}"
                return False
            if self.filter.matches(event):
                out.write(event_to_json(record, event) + "\n")
        return True


# --- dump ----------------------------------------------------------------------------------


def record_to_json(record: Record) -> str:
    obj = {
        "seq": record.seq,
        "commit_time": format_utc_microseconds(record.commit_time_us),
        "commit_time_us": record.commit_time_us,
        "ends_batch": record.ends_batch,
        "chain_hash": record.chain_hash.hex(),
        "payload_hex": record.payload.hex(),
    }
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def in_range(seq: int, from_seq: Optional[int], to_seq: Optional[int]) -> bool:
    return (from_seq is None or seq >= from_seq) and (to_seq is None or seq <= to_seq)


def dump_log(
    data,
    from_seq: Optional[int],
    to_seq: Optional[int],
    out,
    err,
    events: Optional[EventFilter] = None,
) -> int:
    """Print the records of complete batches in range; stop at damage; note a torn tail.

    Records are held back until their batch is complete, because the records of an incomplete
    final batch count as never written. At damage (a problem with a valid record after it) the
    held-back records before the damaged one are printed, as they are intact. Reading stops
    once a batch ends at or after --to-seq; problems further on are not looked for.

    With events (dump --events), each record in range is printed as its decoded event if it
    passes the filter; at the first event that cannot be decoded, the events before it are
    printed, then 'error: record SEQ: REASON', and the exit status is 1. Only the records in
    the --from-seq/--to-seq range of complete batches are decoded.
    """
    header, problem = parse_header(data)
    if header is None:
        print(f"error: the log is damaged at byte offset 0, header: {problem}", file=err)
        return EXIT_DAMAGED
    writer = write_records if events is None else EventWriter(events)

    def flush(records: list[Record]) -> bool:
        if writer(records, out) is False:
            print(f"error: {writer.failure}", file=err)
            return False
        return True

    batches = BatchTracker(header.first_seq)
    held: list[Record] = []
    for item in walk_records(data, header.first_seq):
        if isinstance(item, Record):
            batches.add(item)
            if in_range(item.seq, from_seq, to_seq):
                held.append(item)
            if item.ends_batch:
                if not flush(held):
                    return EXIT_DAMAGED
                held = []
                if to_seq is not None and item.seq >= to_seq:
                    return EXIT_OK
            continue
        if isinstance(item, LogEnd):
            torn = classify_clean_end(item, batches)
        else:
            torn = classify_problem(data, item, batches)
        if isinstance(torn, Damage):
            if not flush(held):
                return EXIT_DAMAGED
            print(
                f"error: the log is damaged at byte offset {torn.offset}, record {torn.seq}: "
                f"{torn.reason}",
                file=err,
            )
            return EXIT_DAMAGED
        if torn is not None:
            print(
                f"note: the log ends with an incomplete write at byte offset {torn.offset}; "
                f"{torn.lost_records} records of it are not shown",
                file=err,
            )
        return EXIT_OK
    return EXIT_OK  # not reached: walk_records always ends with LogEnd or ReadProblem


def write_records(records: list[Record], out) -> bool:
    for record in records:
        out.write(record_to_json(record) + "\n")
    return True


def run_dump(
    log: LogFile,
    from_seq: Optional[int],
    to_seq: Optional[int],
    events: Optional[EventFilter] = None,
) -> int:
    return dump_log(log.data, from_seq, to_seq, sys.stdout, sys.stderr, events)


# --- selftest ------------------------------------------------------------------------------


def selftest() -> int:
    """Check CRC-32C and the time formatting against known values; exit 0 if right."""
    import datetime

    failures = []
    value = crc32c(CRC32C_CHECK_INPUT)
    if value != CRC32C_CHECK_VALUE:
        failures.append(
            f"crc32c(b'123456789') = 0x{value:08x}, expected 0x{CRC32C_CHECK_VALUE:08x}"
        )
    if crc32c(b"") != 0:
        failures.append("crc32c(b'') is not 0")
    known_times = {
        0: "1970-01-01T00:00:00.000000Z",
        -1: "1969-12-31T23:59:59.999999Z",
        1_795_743_248_625_123: "2026-11-27T01:34:08.625123Z",
        951_782_400_000_000: "2000-02-29T00:00:00.000000Z",
        2**63 - 1: "+294247-01-10T04:00:54.775807Z",
        -(2**63): "-290308-12-21T19:59:05.224192Z",
    }
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    for microseconds in range(-62_135_596_800_000_000, 253_402_300_800_000_000, 9_876_543_210_987):
        moment = epoch + datetime.timedelta(microseconds=microseconds)
        known_times[microseconds] = (
            f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:"
            f"{moment.minute:02d}:{moment.second:02d}.{moment.microsecond:06d}Z"
        )
    for microseconds, expected in known_times.items():
        text = format_utc_microseconds(microseconds)
        if text != expected:
            failures.append(f"time {microseconds} formats as {text}, expected {expected}")
    for failure in failures:
        print(f"selftest failed: {failure}", file=sys.stderr)
    if failures:
        return EXIT_DAMAGED
    print("selftest passed")
    return EXIT_OK


# --- Command line --------------------------------------------------------------------------

_CHECKPOINT_PATTERN = re.compile(r"([0-9]+):([0-9a-fA-F]{64})")


def parse_checkpoint(text: str) -> Checkpoint:
    match = _CHECKPOINT_PATTERN.fullmatch(text)
    if not match:
        raise argparse.ArgumentTypeError(
            f"invalid SEQ:HASH {text!r}: expected a decimal sequence number, a colon and "
            "64 hexadecimal digits"
        )
    seq = int(match.group(1))
    if seq < 1:
        raise argparse.ArgumentTypeError(
            f"invalid SEQ:HASH {text!r}: the sequence number must be at least 1"
        )
    return Checkpoint(seq, bytes.fromhex(match.group(2)))


def parse_event_type(text: str) -> str:
    if text not in EVENT_TYPE_NUMBERS:
        raise argparse.ArgumentTypeError(
            f"unknown event type {text!r}; the event types are: {', '.join(EVENT_TYPES.values())}"
        )
    return text


def parse_siren(text: str) -> str:
    """A SIREN as nine digits; spaces (as in '300 000 379') are ignored."""
    digits = text.replace(" ", "")
    if not re.fullmatch(r"[0-9]{9}", digits):
        raise argparse.ArgumentTypeError(
            f"invalid SIREN {text!r}: expected nine digits (spaces are allowed)"
        )
    return digits


def parse_sequence_number(text: str) -> int:
    if not re.fullmatch(r"[0-9]+", text):
        raise argparse.ArgumentTypeError(f"invalid sequence number {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROGRAM,
        description="An independent reader of the clusterd log format, version 1 "
        "(docs/log-format.md).",
        epilog="Exit status: 0 all right, 1 damaged log or failed checkpoint, "
        "2 usage error or unreadable file.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    verify = commands.add_parser(
        "verify",
        help="check the whole log, including the hash chain",
        description="Check the header, every record, the batch rule, the end of the log and "
        "the whole hash chain. Prints 'intact: N records, last seq S, head S:HASH' or "
        "'damaged: at byte offset O, record Q: REASON' for the first problem.",
    )
    verify.add_argument("path", metavar="PATH", help="the log file (events.log)")
    verify.add_argument(
        "--checkpoint",
        metavar="SEQ:HASH",
        type=parse_checkpoint,
        help="also check that record SEQ exists and chain(SEQ) is HASH (64 hex digits)",
    )

    dump = commands.add_parser(
        "dump",
        help="print the records as JSON lines",
        description="Print one JSON object per intact record (keys seq, commit_time, "
        "commit_time_us, ends_batch, chain_hash, payload_hex), or with --events per decoded "
        "event. Does not verify the chain; stops with exit 1 at damage or at an event that "
        "cannot be decoded; leaves out an incomplete final batch with a note. The filters "
        "combine (all must match).",
    )
    dump.add_argument("path", metavar="PATH", help="the log file (events.log)")
    dump.add_argument("--from-seq", metavar="N", type=parse_sequence_number,
                      help="first sequence number to print")
    dump.add_argument("--to-seq", metavar="M", type=parse_sequence_number,
                      help="last sequence number to print")
    dump.add_argument("--events", action="store_true",
                      help="decode the payloads (docs/event-codec.md): one JSON object per event "
                      "(keys seq, commit_time, type, peer_uid, request_id if any, chain_hash, "
                      "event)")
    dump.add_argument("--type", metavar="NAME", type=parse_event_type, dest="event_type",
                      help="with --events: only events of this type (e.g. CompanyRegistered)")
    dump.add_argument("--siren", metavar="S", type=parse_siren,
                      help="with --events: only events about this company (Company*, "
                      "Membership*, ResponseSubmitted); spaces are allowed")
    dump.add_argument("--cluster", metavar="C",
                      help="with --events: only events about this cluster (Cluster*, "
                      "Membership*, PartnerLinked)")

    commands.add_parser(
        "selftest",
        help="check CRC-32C and time formatting",
        description="Check that CRC-32C of b'123456789' is 0xE3069283 and that times format "
        "correctly; exit 0 if so.",
    )
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "selftest":
        return selftest()
    if args.command == "dump" and None not in (args.from_seq, args.to_seq) \
            and args.from_seq > args.to_seq:
        parser.error(f"--from-seq {args.from_seq} is greater than --to-seq {args.to_seq}")
    events: Optional[EventFilter] = None
    if args.command == "dump":
        if not args.events:
            for option, value in (("--type", args.event_type), ("--siren", args.siren),
                                  ("--cluster", args.cluster)):
                if value is not None:
                    parser.error(f"{option} needs --events")
        else:
            events = EventFilter(args.event_type, args.siren, args.cluster)
    try:
        log = LogFile(args.path)
    except OSError as error:
        print(f"{PROGRAM}: cannot read {args.path}: {error.strerror or error}", file=sys.stderr)
        return EXIT_USAGE
    with log:
        if args.command == "verify":
            return run_verify(log, args.checkpoint)
        return run_dump(log, args.from_seq, args.to_seq, events)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # e.g. 'logtool.py dump events.log | head'
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(EXIT_DAMAGED)
