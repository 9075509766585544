import HashTreeCollections

/// What a `LayeredTable` holds by SIREN: a value with a packed form of its own.
public protocol PackedRow: Sendable, Hashable {
    /// Decodes what `encodePacked` wrote for the row of `siren`.
    static func decodePacked(_ bytes: UnsafeRawBufferPointer, siren: SIREN) throws(EventDecodingError) -> Self
    /// Appends the row's packed form to `bytes`.
    func encodePacked(into bytes: inout [UInt8])
}

/// The projection's companies: each one's record, clusters, history and headcounts.
public typealias CompanyTable = LayeredTable<CompanyState>
/// A cluster's members: each one's membership periods.
public typealias MemberTable = LayeredTable<InlineList<MembershipPeriod>>
/// A survey's responses: each company's answers.
public typealias ResponseTable = LayeredTable<SurveyResponse>

/// A table by SIREN in two layers: `packed`, rows as bytes sorted by SIREN (what a snapshot holds,
/// taken whole at load without a step per row, and what `compact()` makes), and `changed`, a hash
/// trie of the rows added or changed since, whose entries shadow their packed form. A copy costs
/// O(1): the packed layer is immutable and shared, the trie shares structure between copies.
///
/// A packed row is read by decoding its bytes on each access (docs/log-format.md, "Snapshots"):
/// about a microsecond for a company, against 300 bytes per company held decoded.
public struct LayeredTable<Row: PackedRow>: Sendable {
    private var packed: PackedRows<Row>
    private var changed: TreeDictionary<SIREN, Row> = [:]
    /// Entries of `changed` that are not in `packed`.
    private var added = 0

    public init() {
        packed = PackedRows()
    }

    init(packed: PackedRows<Row>) {
        self.packed = packed
    }

    public var count: Int { packed.count + added }
    public var isEmpty: Bool { count == 0 }

    /// Rows held decoded: added or changed since the packed layer was made.
    public var unpackedCount: Int { changed.count }
    /// Rows held packed (some of them shadowed by a changed one).
    public var packedCount: Int { packed.count }

    public func contains(_ siren: SIREN) -> Bool {
        changed.index(forKey: siren) != nil || packed.index(of: siren) != nil
    }

    public subscript(siren: SIREN) -> Row? {
        get {
            if let row = changed[siren] { return row }
            return packed.index(of: siren).map { packed.row(at: $0) }
        }
        set {
            guard let newValue else { preconditionFailure("rows are never removed from the projection") }
            if changed.updateValue(newValue, forKey: siren) == nil, packed.index(of: siren) == nil { added += 1 }
        }
    }

    /// Mutates the row of `siren`, if there is one, and returns what `body` returns; a packed
    /// row moves to the trie.
    @inline(__always)
    mutating func modifyExisting<Result>(_ siren: SIREN, _ body: (inout Row) -> Result) -> Result? {
        if let result = changed.modifyExisting(siren, body) { return result }
        guard let index = packed.index(of: siren) else { return nil }
        var row = packed.row(at: index)
        let result = body(&row)
        changed[siren] = row
        return result
    }

    /// Mutates the row of `siren`, made from `defaultValue` if there is none.
    mutating func update(_ siren: SIREN, default defaultValue: @autoclosure () -> Row, _ body: (inout Row) -> Void) {
        if changed.modifyExisting(siren, body) != nil { return }
        var row: Row
        if let index = packed.index(of: siren) {
            row = packed.row(at: index)
        } else {
            row = defaultValue()
            added += 1
        }
        body(&row)
        changed[siren] = row
    }

    /// Packs every row, the changed ones encoded, the others' bytes copied as they are.
    mutating func compact() {
        guard !changed.isEmpty else { return }
        packed = PackedRows(merging: packed, with: changed)
        changed = [:]
        added = 0
    }

    /// The packed form of every row (what `compact()` would hold), as a snapshot writes it.
    func packedBytes() -> [UInt8] {
        changed.isEmpty ? packed.encoded : PackedRows(merging: packed, with: changed).encoded
    }

    public var keys: [SIREN] { map(\.key) }
    public var values: [Row] { map(\.value) }
}

extension LayeredTable: Sequence {
    public typealias Element = (key: SIREN, value: Row)

    /// Packed rows in SIREN order (those changed since skipped), then the changed ones.
    public struct Iterator: IteratorProtocol {
        private let table: LayeredTable
        private var packedIndex = 0
        private var trie: TreeDictionary<SIREN, Row>.Iterator

        init(_ table: LayeredTable) {
            self.table = table
            trie = table.changed.makeIterator()
        }

        public mutating func next() -> Element? {
            while packedIndex < table.packed.count {
                let index = packedIndex
                packedIndex += 1
                let siren = table.packed.siren(at: index)
                if table.changed.index(forKey: siren) == nil { return (siren, table.packed.row(at: index)) }
            }
            return trie.next()
        }
    }

    public func makeIterator() -> Iterator { Iterator(self) }
    public var underestimatedCount: Int { count }
}

extension LayeredTable: Hashable {
    /// Equal when they hold the same rows, however they hold them.
    public static func == (lhs: LayeredTable, rhs: LayeredTable) -> Bool {
        lhs.count == rhs.count && lhs.allSatisfy { rhs[$0.key] == $0.value }
    }

    /// Independent of the order and the layer the rows are in.
    public func hash(into hasher: inout Hasher) {
        var combined = 0
        for (siren, row) in self {
            var one = Hasher()
            one.combine(siren)
            one.combine(row)
            combined ^= one.finalize()
        }
        hasher.combine(count)
        hasher.combine(combined)
    }
}

/// Rows as bytes, sorted by SIREN: a table of SIRENs and of where each one's bytes end, then the
/// bytes (docs/log-format.md, "Snapshots"). Immutable.
final class PackedRows<Row: PackedRow>: Sendable {
    /// The layout's bytes, held in `storage` from `start` (a snapshot's payload, shared, not
    /// copied): count `n` (4 bytes), `n` SIRENs ascending (4 bytes each), `n` ends (4 bytes
    /// each, from the start of the companies' bytes), the companies' bytes.
    private let storage: [UInt8]
    private let start: Int
    let count: Int
    private let bytesStart: Int

    init() {
        storage = [0, 0, 0, 0]
        start = 0
        count = 0
        bytesStart = 4
    }

    /// Takes the layout at `range` of `storage`, after checking its structure: SIRENs strictly
    /// ascending and valid, ends ascending within the bytes.
    init(storage: [UInt8], range: Range<Int>) throws(EventDecodingError) {
        guard range.count >= 4 else { throw EventDecodingError("a snapshot's packed rows are cut short") }
        let count = storage.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: range.lowerBound, as: UInt32.self).littleEndian) }
        guard 4 + 8 * count <= range.count else { throw EventDecodingError("a snapshot's packed rows are cut short") }
        self.storage = storage
        self.start = range.lowerBound
        self.count = count
        self.bytesStart = range.lowerBound + 4 + 8 * count
        let length = range.upperBound - bytesStart
        let problem: String? = storage.withUnsafeBytes { raw in
            var previousSIREN: UInt32 = 0
            var previousEnd = 0
            for index in 0..<count {
                let siren = raw.loadUnaligned(fromByteOffset: range.lowerBound + 4 + 4 * index, as: UInt32.self).littleEndian
                guard siren > previousSIREN || index == 0, siren <= 999_999_999 else { return "SIRENs out of order" }
                let end = Int(raw.loadUnaligned(fromByteOffset: range.lowerBound + 4 + 4 * count + 4 * index, as: UInt32.self).littleEndian)
                guard end > previousEnd, end <= length else { return "row bytes out of bounds" }
                previousSIREN = siren
                previousEnd = end
            }
            return count == 0 || previousEnd == length ? nil : "bytes after the last row"
        }
        if let problem { throw EventDecodingError("a snapshot's packed rows are malformed: \(problem)") }
    }

    /// Takes the layout at `slice`, a part of `storage` (a snapshot's payload) whose bytes start
    /// at `base`: kept where it is, not copied. An empty slice is refused as cut short.
    convenience init(slice: UnsafeRawBufferPointer, of storage: [UInt8], at base: UnsafeRawPointer?) throws(EventDecodingError) {
        let start = base.flatMap { base in slice.baseAddress.map { base.distance(to: $0) } } ?? 0
        try self.init(storage: storage, range: start..<(start + slice.count))
    }

    /// Packs `packed`'s rows with `changed`'s, which replace theirs.
    convenience init(merging packed: PackedRows, with changed: TreeDictionary<SIREN, Row>) {
        var fresh = changed.map { (siren: $0.key, row: $0.value) }
        fresh.sort { $0.siren < $1.siren }
        var sirens: [UInt32] = []
        var ends: [UInt32] = []
        let total = packed.count + fresh.count
        sirens.reserveCapacity(total)
        ends.reserveCapacity(total)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(packed.storage.count - packed.bytesStart + 96 * fresh.count)
        var old = 0
        var new = 0
        func appendOld() {
            sirens.append(packed.siren(at: old).value)
            packed.withBytes(at: old) { bytes.append(contentsOf: $0) }
            ends.append(UInt32(bytes.count))
        }
        func appendNew() {
            sirens.append(fresh[new].siren.value)
            fresh[new].row.encodePacked(into: &bytes)
            ends.append(UInt32(bytes.count))
        }
        while old < packed.count || new < fresh.count {
            if new == fresh.count {
                appendOld()
                old += 1
            } else if old == packed.count || fresh[new].siren.value < packed.siren(at: old).value {
                appendNew()
                new += 1
            } else if fresh[new].siren.value == packed.siren(at: old).value {
                appendNew()
                new += 1
                old += 1
            } else {
                appendOld()
                old += 1
            }
        }
        precondition(bytes.count <= Int(UInt32.max), "more than 4 GiB of packed rows")
        var layout: [UInt8] = []
        layout.reserveCapacity(4 + 8 * sirens.count + bytes.count)
        withUnsafeBytes(of: UInt32(sirens.count).littleEndian) { layout.append(contentsOf: $0) }
        for siren in sirens { withUnsafeBytes(of: siren.littleEndian) { layout.append(contentsOf: $0) } }
        for end in ends { withUnsafeBytes(of: end.littleEndian) { layout.append(contentsOf: $0) } }
        layout.append(contentsOf: bytes)
        // Written just now from valid rows: its structure holds.
        try! self.init(storage: layout, range: 0..<layout.count)
    }

    /// The layout's bytes, as `init(storage:range:)` reads them.
    var encoded: [UInt8] { Array(storage[start..<(bytesStart + end(of: count - 1))]) }

    func siren(at index: Int) -> SIREN {
        SIREN(trusted: storage.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: start + 4 + 4 * index, as: UInt32.self).littleEndian })
    }

    private func end(of index: Int) -> Int {
        guard index >= 0 else { return 0 }
        return Int(storage.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: start + 4 + 4 * count + 4 * index, as: UInt32.self).littleEndian })
    }

    /// The index of `siren`, by binary search.
    func index(of siren: SIREN) -> Int? {
        storage.withUnsafeBytes { raw in
            var low = 0
            var high = count
            while low < high {
                let middle = (low + high) / 2
                let found = raw.loadUnaligned(fromByteOffset: start + 4 + 4 * middle, as: UInt32.self).littleEndian
                if found == siren.value { return middle }
                if found < siren.value { low = middle + 1 } else { high = middle }
            }
            return nil
        }
    }

    func withBytes<Result>(at index: Int, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        let from = bytesStart + end(of: index - 1)
        let to = bytesStart + end(of: index)
        return storage.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[from..<to])) }
    }

    /// The row at `index`, decoded. Its bytes were written by clusterd and are bound to the log
    /// by the snapshot's SHA-256 (or packed in this process): they decode, or clusterd is wrong.
    func row(at index: Int) -> Row {
        let siren = siren(at: index)
        return withBytes(at: index) { bytes in
            do {
                return try Row.decodePacked(bytes, siren: siren)
            } catch {
                fatalError("the packed row of \(siren) does not decode: \(error)")
            }
        }
    }
}

extension RegistryState {
    /// Packs every company (see `CompanyTable`), as loading a snapshot of the projection would.
    mutating func compactCompanies() {
        companies.compact()
    }
}

/// A company packed, in the compact form this build writes (docs/log-format.md, "Snapshots"):
/// the byte 1, then the `CompanyRegistered` event that would register it as it is now (a varint
/// length and its bytes), its clusters (a count, then each id as a length and UTF-8), its history
/// (a count, the first sequence number, then each one's difference from the one before, all
/// varints, each difference at least 1), and its headcounts (the byte 0 when they never changed,
/// else 1, the registered count, how many changes, then each change's day — the first as a zigzag
/// varint of days since 1970-01-01, the others as days after the one before — and employees).
/// Rows written by payload version 3 (the message form of `decodeCompany`, whose first byte is
/// a message key, 0x0A) still decode.
extension CompanyState: PackedRow {
    static let compactRowFormat: UInt8 = 1

    public static func decodePacked(_ bytes: UnsafeRawBufferPointer, siren: SIREN) throws(EventDecodingError) -> CompanyState {
        let company = bytes.first == compactRowFormat ? try decodeCompact(bytes, siren: siren) : try RegistryState.decodeCompany(bytes)
        guard company.record.siren == siren else { throw EventDecodingError("the packed company of \(siren) is \(company.record.siren)") }
        return company
    }

    private static func decodeCompact(_ bytes: UnsafeRawBufferPointer, siren: SIREN) throws(EventDecodingError) -> CompanyState {
        var reader = BinaryReader(UnsafeRawBufferPointer(rebasing: bytes.dropFirst()))
        func count() throws(EventDecodingError) -> Int {
            let value = try reader.readRawVarint()
            guard value <= UInt64(bytes.count) else { throw EventDecodingError("the packed company of \(siren) is cut short") }
            return Int(value)
        }
        guard case .companyRegistered(let record) = try EventCodec.decode(try reader.readLengthDelimited()).kind else {
            throw EventDecodingError("the packed company of \(siren) does not hold its record")
        }
        var company = CompanyState(record: record)
        for _ in 0..<(try count()) {
            guard let cluster = try? Slug(try reader.readString(), field: "cluster") else {
                throw EventDecodingError("the packed company of \(siren) names a cluster that is not a slug")
            }
            company.clusters.append(cluster)
        }
        var history = SequenceList()
        var sequence: UInt64 = 0
        for _ in 0..<(try count()) {
            let step = try reader.readRawVarint()
            guard step > 0, step <= UInt64.max - sequence else { throw EventDecodingError("the packed history of \(siren) is not in increasing order") }
            sequence += step
            history.append(sequence)
        }
        company.history = history
        switch try reader.readByte() {
        case 0: break
        case 1:
            guard let initial = Int64(exactly: try reader.readRawVarint()) else { throw EventDecodingError("the packed headcount of \(siren) is out of range") }
            var changes: [HeadcountTimeline.Change] = []
            let changeCount = try count()
            changes.reserveCapacity(changeCount)
            var day: Int64 = 0
            for index in 0..<changeCount {
                let value = try reader.readRawVarint()
                day = index == 0 ? BinaryReader.signed(value) : day + Int64(truncatingIfNeeded: min(value, UInt64(Int32.max)))
                guard let days = Int32(exactly: day), let employees = Int64(exactly: try reader.readRawVarint()) else {
                    throw EventDecodingError("the packed headcount of \(siren) is out of range")
                }
                changes.append(HeadcountTimeline.Change(day: CalendarDate(daysSinceEpoch: days), employees: employees))
            }
            guard changes.last?.employees == record.employees else {
                throw EventDecodingError("the packed headcount timeline of \(siren) does not end at its record")
            }
            company.headcounts = HeadcountTimeline(initial: initial, changes: changes)
        case let tag: throw EventDecodingError("the packed company of \(siren) has headcounts of unknown form \(tag)")
        }
        guard reader.isAtEnd else { throw EventDecodingError("the packed company of \(siren) has bytes after its headcounts") }
        return company
    }

    public func encodePacked(into bytes: inout [UInt8]) {
        var writer = BinaryWriter(capacity: 0)
        swap(&writer.bytes, &bytes)
        writer.bytes.append(Self.compactRowFormat)
        let event = EventCodec.encode(Event(kind: .companyRegistered(record), recordedAtMicroseconds: 0, peerUID: 0))
        writer.writeRawVarint(UInt64(event.count))
        writer.bytes += event
        writer.writeRawVarint(UInt64(clusters.count))
        for cluster in clusters { writer.writeRawString(cluster.text) }
        writer.writeRawVarint(UInt64(history.count))
        var previous: UInt64 = 0
        for sequence in history {
            writer.writeRawVarint(sequence - previous)
            previous = sequence
        }
        if let headcounts {
            writer.bytes.append(1)
            writer.writeRawVarint(UInt64(headcounts.initial))
            writer.writeRawVarint(UInt64(headcounts.changes.count))
            var day: Int64 = 0
            for (index, change) in headcounts.changes.enumerated() {
                let days = Int64(change.day.daysSinceEpoch)
                writer.writeRawVarint(index == 0 ? BinaryWriter.zigzag(days) : UInt64(days - day))
                day = days
                writer.writeRawVarint(UInt64(change.employees))
            }
        } else {
            writer.bytes.append(0)
        }
        swap(&writer.bytes, &bytes)
    }
}

/// A member's periods packed: each period's start, then its end (`Int64.min` when open), as
/// signed varints of days since 1970-01-01.
extension InlineList: PackedRow where Element == MembershipPeriod {
    public static func decodePacked(_ bytes: UnsafeRawBufferPointer, siren: SIREN) throws(EventDecodingError) -> InlineList<MembershipPeriod> {
        var reader = BinaryReader(bytes)
        var periods = InlineList<MembershipPeriod>()
        while !reader.isAtEnd {
            let start = BinaryReader.signed(try reader.readRawVarint())
            let end = BinaryReader.signed(try reader.readRawVarint())
            guard let startDay = Int32(exactly: start), end == Int64.min || Int32(exactly: end) != nil else {
                throw EventDecodingError("a packed membership of \(siren) has a day out of range")
            }
            periods.append(MembershipPeriod(start: CalendarDate(daysSinceEpoch: startDay), end: end == Int64.min ? nil : CalendarDate(daysSinceEpoch: Int32(end))))
        }
        guard !periods.isEmpty else { throw EventDecodingError("a packed membership of \(siren) has no period") }
        return periods
    }

    public func encodePacked(into bytes: inout [UInt8]) {
        var writer = BinaryWriter(capacity: 0)
        swap(&writer.bytes, &bytes)
        for period in self {
            writer.writeRawVarint(BinaryWriter.zigzag(Int64(period.start.daysSinceEpoch)))
            writer.writeRawVarint(BinaryWriter.zigzag(period.end.map { Int64($0.daysSinceEpoch) } ?? Int64.min))
        }
        swap(&writer.bytes, &bytes)
    }
}

/// A response packed: when it was submitted (microseconds since the epoch and the offset in
/// minutes, signed varints), how many answers, then each answer in the order of its question id:
/// the id (a varint length and its UTF-8), a tag and the value — 1 yes/no (a byte, 0 or 1),
/// 2 one choice (a string), 3 choices (a count, then strings), 4 an integer (a signed varint).
extension SurveyResponse: PackedRow {
    public static func decodePacked(_ bytes: UnsafeRawBufferPointer, siren: SIREN) throws(EventDecodingError) -> SurveyResponse {
        var reader = BinaryReader(bytes)
        let microseconds = BinaryReader.signed(try reader.readRawVarint())
        guard let offset = Int16(exactly: BinaryReader.signed(try reader.readRawVarint())) else {
            throw EventDecodingError("the packed response of \(siren) has an offset out of range")
        }
        let count = try reader.readRawVarint()
        guard count <= UInt64(bytes.count) else { throw EventDecodingError("the packed response of \(siren) is cut short") }
        var answers: [Slug: Answer] = Dictionary(minimumCapacity: Int(count))
        for _ in 0..<count {
            let key = try reader.readString()
            guard let question = try? Slug(key, field: "question") else {
                throw EventDecodingError("the packed response of \(siren) answers a question id that is not a slug")
            }
            let answer: Answer
            switch try reader.readByte() {
            case 1:
                let value = try reader.readByte()
                guard value <= 1 else { throw EventDecodingError("the packed response of \(siren) has a yes/no that is neither") }
                answer = .yesNo(value == 1)
            case 2: answer = .choice(try reader.readString())
            case 3:
                let choices = try reader.readRawVarint()
                guard choices <= UInt64(bytes.count) else { throw EventDecodingError("the packed response of \(siren) is cut short") }
                var list: [String] = []
                for _ in 0..<choices { list.append(try reader.readString()) }
                answer = .choices(list)
            case 4: answer = .integer(BinaryReader.signed(try reader.readRawVarint()))
            case let tag: throw EventDecodingError("the packed response of \(siren) has an answer of unknown kind \(tag)")
            }
            guard answers.updateValue(answer, forKey: question) == nil else {
                throw EventDecodingError("the packed response of \(siren) answers question '\(key)' twice")
            }
        }
        guard reader.isAtEnd else { throw EventDecodingError("the packed response of \(siren) has bytes after its answers") }
        return SurveyResponse(submittedAt: Timestamp(microsecondsSinceEpoch: microseconds, offsetMinutes: offset), answers: answers)
    }

    public func encodePacked(into bytes: inout [UInt8]) {
        var writer = BinaryWriter(capacity: 0)
        swap(&writer.bytes, &bytes)
        writer.writeRawVarint(BinaryWriter.zigzag(submittedAt.microsecondsSinceEpoch))
        writer.writeRawVarint(BinaryWriter.zigzag(Int64(submittedAt.offsetMinutes)))
        writer.writeRawVarint(UInt64(answers.count))
        for question in answers.keys.sorted() {
            writer.writeRawString(question.text)
            switch answers[question]! {
            case .yesNo(let value):
                writer.bytes.append(1)
                writer.bytes.append(value ? 1 : 0)
            case .choice(let value):
                writer.bytes.append(2)
                writer.writeRawString(value)
            case .choices(let values):
                writer.bytes.append(3)
                writer.writeRawVarint(UInt64(values.count))
                for value in values { writer.writeRawString(value) }
            case .integer(let value):
                writer.bytes.append(4)
                writer.writeRawVarint(BinaryWriter.zigzag(value))
            }
        }
        swap(&writer.bytes, &bytes)
    }
}
