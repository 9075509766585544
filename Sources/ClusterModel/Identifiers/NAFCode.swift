/// A NAF rév. 2 sub-class (`NN.NNL`, one of the 732 official codes), with its section.
public struct NAFCode: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Index into the official table.
    let index: UInt16

    private static let byCode: [String: UInt16] = {
        var map: [String: UInt16] = [:]
        for (index, entry) in NAFTable.subclasses.enumerated() { map[entry.code] = UInt16(index) }
        return map
    }()

    /// Every official code, in order.
    public static var all: [NAFCode] { (0..<NAFTable.subclasses.count).map { NAFCode(index: UInt16($0)) } }

    init(index: UInt16) {
        self.index = index
    }

    /// Validates `text` against the official list (upper-case letter; `2562B` without the dot is accepted).
    public init(_ text: String, field: String = "naf") throws(DomainError) {
        // Already in the official form (`25.62B`): read from the bytes, no normalizing.
        if let code = text.utf8.withContiguousStorageIfAvailable({ FastLookup.naf(UnsafeRawBufferPointer($0)) }) ?? nil {
            self = code
            return
        }
        var normalized = text.trimmingSpaces.uppercased()
        if normalized.count == 5, !normalized.contains(".") {
            normalized.insert(".", at: normalized.index(normalized.startIndex, offsetBy: 2))
        }
        guard normalized.wholeMatchesNAFPattern else {
            throw .invalidArgument(field: field, reason: "'\(text)' is not a NAF code of the form NN.NNL (e.g. 25.62B)")
        }
        guard let index = Self.byCode[normalized] else {
            throw .invalidArgument(field: field, reason: "'\(normalized)' is not one of the 732 NAF rév. 2 sub-classes")
        }
        self.index = index
    }

    public var code: String { NAFTable.subclasses[Int(index)].code }
    public var label: String { NAFTable.subclasses[Int(index)].label }
    public var section: NAFSection { NAFSection(letter: NAFTable.subclasses[Int(index)].section) }
    public var description: String { code }

    public static func < (lhs: NAFCode, rhs: NAFCode) -> Bool { lhs.index < rhs.index }
}

/// One of the 21 NAF sections (A to U).
public struct NAFSection: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let letter: Character

    init(letter: Character) {
        self.letter = letter
    }

    public init(_ text: String, field: String = "naf_section") throws(DomainError) {
        let upper = text.trimmingSpaces.uppercased()
        guard upper.count == 1, let letter = upper.first, NAFTable.sections.contains(where: { $0.letter == letter }) else {
            throw .invalidArgument(field: field, reason: "'\(text)' is not a NAF section (A to U)")
        }
        self.letter = letter
    }

    public static var all: [NAFSection] { NAFTable.sections.map { NAFSection(letter: $0.letter) } }
    public var label: String { NAFTable.sections.first { $0.letter == letter }!.label }
    public var description: String { String(letter) }
    public static func < (lhs: NAFSection, rhs: NAFSection) -> Bool { lhs.letter < rhs.letter }
}

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }

    fileprivate var wholeMatchesNAFPattern: Bool {
        let scalars = Array(unicodeScalars)
        guard scalars.count == 6, scalars[2] == "." else { return false }
        let digits = [0, 1, 3, 4].allSatisfy { ("0"..."9").contains(scalars[$0]) }
        return digits && ("A"..."Z").contains(scalars[5])
    }
}
