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

  logtool.py selftest
      Check the CRC-32C implementation and the timestamp formatting, exit 0 if they are right.

Output of verify (stdout): one line, 'intact: N records, last seq S, head S:HASH', or
'damaged: at byte offset O, record Q: REASON' for the first problem ('damaged: at byte offset 0,
header: REASON' when the header is refused); with --checkpoint a second line, 'checkpoint SEQ
holds', 'checkpoint SEQ does not hold: ...' or 'checkpoint SEQ cannot be checked: ...'.

Exit status: 0 all right, 1 the log is damaged (or a checkpoint does not hold), 2 usage error or
a file that cannot be read.

Decisions taken where docs/log-format.md is ambiguous are marked "SPEC:" in the comments below.
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


def dump_log(data, from_seq: Optional[int], to_seq: Optional[int], out, err) -> int:
    """Print the records of complete batches in range; stop at damage; note a torn tail.

    Records are held back until their batch is complete, because the records of an incomplete
    final batch count as never written. At damage (a problem with a valid record after it) the
    held-back records before the damaged one are printed, as they are intact. Reading stops
    once a batch ends at or after --to-seq; problems further on are not looked for.
    """
    header, problem = parse_header(data)
    if header is None:
        print(f"error: the log is damaged at byte offset 0, header: {problem}", file=err)
        return EXIT_DAMAGED
    batches = BatchTracker(header.first_seq)
    held: list[Record] = []
    for item in walk_records(data, header.first_seq):
        if isinstance(item, Record):
            batches.add(item)
            if in_range(item.seq, from_seq, to_seq):
                held.append(item)
            if item.ends_batch:
                write_records(held, out)
                held = []
                if to_seq is not None and item.seq >= to_seq:
                    return EXIT_OK
            continue
        if isinstance(item, LogEnd):
            torn = classify_clean_end(item, batches)
        else:
            torn = classify_problem(data, item, batches)
        if isinstance(torn, Damage):
            write_records(held, out)
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


def write_records(records: list[Record], out) -> None:
    for record in records:
        out.write(record_to_json(record) + "\n")


def run_dump(log: LogFile, from_seq: Optional[int], to_seq: Optional[int]) -> int:
    return dump_log(log.data, from_seq, to_seq, sys.stdout, sys.stderr)


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
        "commit_time_us, ends_batch, chain_hash, payload_hex). Does not verify the chain; "
        "stops with exit 1 at damage; leaves out an incomplete final batch with a note.",
    )
    dump.add_argument("path", metavar="PATH", help="the log file (events.log)")
    dump.add_argument("--from-seq", metavar="N", type=parse_sequence_number,
                      help="first sequence number to print")
    dump.add_argument("--to-seq", metavar="M", type=parse_sequence_number,
                      help="last sequence number to print")

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
    try:
        log = LogFile(args.path)
    except OSError as error:
        print(f"{PROGRAM}: cannot read {args.path}: {error.strerror or error}", file=sys.stderr)
        return EXIT_USAGE
    with log:
        if args.command == "verify":
            return run_verify(log, args.checkpoint)
        return run_dump(log, args.from_seq, args.to_seq)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # e.g. 'logtool.py dump events.log | head'
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(EXIT_DAMAGED)
