/// Lookups for the decoder's hot path: codes read straight from UTF-8 bytes, without building a
/// String or normalizing, since the log only holds codes that were validated when written.
enum FastLookup {
    /// NAF index by `NN.NNL` packed as ((NN * 100 + NN) * 26 + letter); 0 means unknown.
    private static let nafIndex: [UInt16] = {
        var table = [UInt16](repeating: 0, count: 10_000 * 26)
        for (index, entry) in NAFTable.subclasses.enumerated() {
            let bytes = Array(entry.code.utf8)
            if let key = nafKey(bytes[...]) { table[key] = UInt16(index + 1) }
        }
        return table
    }()

    private static let departmentIndex: [String: UInt8] = {
        var map: [String: UInt8] = [:]
        for (index, entry) in GeographyTable.departments.enumerated() { map[entry.code] = UInt8(index) }
        return map
    }()

    /// Department index by up to three ASCII bytes packed into an integer.
    private static let departmentByPacked: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (index, entry) in GeographyTable.departments.enumerated() { map[pack(Array(entry.code.utf8)[...])] = UInt8(index) }
        return map
    }()

    private static func pack(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    private static func nafKey(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard bytes.count == 6 else { return nil }
        let b = Array(bytes)
        func digit(_ byte: UInt8) -> Int? { (48...57).contains(byte) ? Int(byte - 48) : nil }
        guard let d0 = digit(b[0]), let d1 = digit(b[1]), b[2] == UInt8(ascii: "."), let d2 = digit(b[3]), let d3 = digit(b[4]),
            (65...90).contains(b[5])
        else { return nil }
        return ((d0 * 1000 + d1 * 100 + d2 * 10 + d3) * 26) + Int(b[5] - 65)
    }

    static func naf(_ bytes: UnsafeRawBufferPointer) -> NAFCode? {
        guard bytes.count == 6 else { return nil }
        func digit(_ byte: UInt8) -> Int? { (48...57).contains(byte) ? Int(byte - 48) : nil }
        guard let d0 = digit(bytes[0]), let d1 = digit(bytes[1]), bytes[2] == UInt8(ascii: "."), let d2 = digit(bytes[3]),
            let d3 = digit(bytes[4]), (65...90).contains(bytes[5])
        else { return nil }
        let index = nafIndex[((d0 * 1000 + d1 * 100 + d2 * 10 + d3) * 26) + Int(bytes[5] - 65)]
        return index == 0 ? nil : NAFCode(index: index - 1)
    }

    static func department(_ bytes: UnsafeRawBufferPointer) -> Department? {
        guard (1...3).contains(bytes.count) else { return nil }
        var packed: UInt32 = 0
        for byte in bytes {
            // Digits and capitals only: a leading NUL would pack like a shorter code ("\0" "69").
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) else { return nil }
            packed = packed << 8 | UInt32(byte)
        }
        return departmentByPacked[packed].map { Department(index: $0) }
    }

    /// A SIREN stored as its number: a range check only (it passed the Luhn check when written).
    static func siren(_ value: UInt64) -> SIREN? {
        guard (1...999_999_999).contains(value) else { return nil }
        // The Luhn check that `SIREN(_:)` makes, on the number's digits from the right: a log
        // handed in may be crafted (the event fuzz target found one that the text path refused).
        var rest = value
        var sum: UInt64 = 0
        for position in 0..<9 {
            let digit = rest % 10
            rest /= 10
            let weighted = position % 2 == 1 ? digit * 2 : digit
            sum += weighted > 9 ? weighted - 9 : weighted
        }
        return sum % 10 == 0 ? SIREN(trusted: UInt32(value)) : nil
    }
}
