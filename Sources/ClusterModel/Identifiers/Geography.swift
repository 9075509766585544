/// One of the 18 French regions, by INSEE code.
public struct Region: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let code: String

    init(trusted code: String) {
        self.code = code
    }

    public init(_ text: String, field: String = "region") throws(DomainError) {
        let code = text.trimmingSpaces
        guard GeographyTable.regions.contains(where: { $0.code == code }) else {
            throw .invalidArgument(field: field, reason: "'\(text)' is not one of the 18 INSEE region codes (e.g. 11, 84, 93)")
        }
        self.code = code
    }

    public static var all: [Region] { GeographyTable.regions.map { Region(trusted: $0.code) } }
    public var name: String { GeographyTable.regions.first { $0.code == code }!.name }
    public var description: String { code }
    public static func < (lhs: Region, rhs: Region) -> Bool { lhs.code < rhs.code }
}

/// One of the 101 departments (01–95 with 2A/2B and no 20, 971–974, 976), with its region.
public struct Department: Sendable, Hashable, Comparable, CustomStringConvertible {
    let index: UInt8

    private static let byCode: [String: UInt8] = {
        var map: [String: UInt8] = [:]
        for (index, entry) in GeographyTable.departments.enumerated() { map[entry.code] = UInt8(index) }
        return map
    }()

    init(index: UInt8) {
        self.index = index
    }

    public init(_ text: String, field: String = "department") throws(DomainError) {
        // Already in the official form (`69`, `2A`, `974`): read from the bytes, no normalizing.
        if let department = text.utf8.withContiguousStorageIfAvailable({ FastLookup.department(UnsafeRawBufferPointer($0)) }) ?? nil {
            self = department
            return
        }
        let code = text.trimmingSpaces.uppercased()
        guard let index = Self.byCode[code] else {
            let hint = code == "20" ? " (Corsica is 2A or 2B since 1976)" : ""
            throw .invalidArgument(field: field, reason: "'\(text)' is not a French department\(hint)")
        }
        self.index = index
    }

    public static var all: [Department] { (0..<GeographyTable.departments.count).map { Department(index: UInt8($0)) } }
    public var code: String { GeographyTable.departments[Int(index)].code }
    public var name: String { GeographyTable.departments[Int(index)].name }
    public var region: Region { Region(trusted: GeographyTable.departments[Int(index)].region) }
    public var description: String { code }
    public static func < (lhs: Department, rhs: Department) -> Bool { lhs.index < rhs.index }
}
