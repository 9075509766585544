import ClusterModel
import Varlink

/// Typed access to call parameters, each failure an `InvalidArgument` naming the field.
///
/// The Varlink layer has already checked JSON types against the interface; this checks values.
struct Parameters<Values: JSONObjectLookup> {
    let values: Values
    /// Prefix for field names in errors (`commands[3].` inside an import).
    let prefix: String

    init(_ values: Values, prefix: String = "") {
        self.values = values
        self.prefix = prefix
    }

    func invalid(_ field: String, _ reason: String) -> DomainError {
        .invalidArgument(field: name(field), reason: reason)
    }

    /// `field` as errors name it. Without a prefix, the name itself: concatenating an empty
    /// prefix still built a new string for every value of every write.
    func name(_ field: String) -> String {
        prefix.isEmpty ? field : prefix + field
    }

    func has(_ field: String) -> Bool {
        if let value = values[field], !value.isNull { return true }
        return false
    }

    func string(_ field: String) throws(DomainError) -> String {
        guard let value = values[field], !value.isNull else { throw invalid(field, "is required") }
        guard let string = value.stringValue else { throw invalid(field, "must be a string") }
        return string
    }

    func optionalString(_ field: String) throws(DomainError) -> String? {
        has(field) ? try string(field) : nil
    }

    func integer(_ field: String) throws(DomainError) -> Int64 {
        guard let value = values[field], !value.isNull else { throw invalid(field, "is required") }
        guard let integer = value.intValue else { throw invalid(field, "must be an integer") }
        return integer
    }

    func optionalInteger(_ field: String) throws(DomainError) -> Int64? {
        has(field) ? try integer(field) : nil
    }

    func optionalBool(_ field: String) throws(DomainError) -> Bool? {
        guard has(field) else { return nil }
        guard let bool = values[field]?.boolValue else { throw invalid(field, "must be true or false") }
        return bool
    }

    func strings(_ field: String) throws(DomainError) -> [String] {
        guard let value = values[field], !value.isNull else { throw invalid(field, "is required") }
        guard let array = value.arrayValue else { throw invalid(field, "must be a list of strings") }
        var result: [String] = []
        for (index, element) in array.enumerated() {
            guard let string = element.stringValue else { throw invalid("\(field)[\(index)]", "must be a string") }
            result.append(string)
        }
        return result
    }

    func optionalStrings(_ field: String) throws(DomainError) -> [String]? {
        has(field) ? try strings(field) : nil
    }

    func sequence(_ field: String) throws(DomainError) -> UInt64? {
        guard let value = try optionalInteger(field) else { return nil }
        guard value >= 0 else { throw invalid(field, "must not be negative") }
        return UInt64(value)
    }

    // Domain values, re-labelled with the prefixed field name.

    func slug(_ field: String) throws(DomainError) -> Slug {
        try Slug(string(field), field: name(field))
    }

    func siren(_ field: String = "siren") throws(DomainError) -> SIREN {
        try SIREN(string(field), field: name(field))
    }

    func date(_ field: String) throws(DomainError) -> CalendarDate {
        try CalendarDate(string(field), field: name(field))
    }

    func optionalDate(_ field: String) throws(DomainError) -> CalendarDate? {
        try optionalString(field).map { text throws(DomainError) in try CalendarDate(text, field: name(field)) }
    }

    func timestamp(_ field: String) throws(DomainError) -> Timestamp {
        try Timestamp(string(field), field: name(field))
    }

    func text(_ field: String, maximum: Int = 200) throws(DomainError) -> String {
        try RecordValidation.text(string(field), field: name(field), maximum: maximum)
    }

    func optionalText(_ field: String, maximum: Int = 200) throws(DomainError) -> String? {
        try optionalString(field).map { text throws(DomainError) in try RecordValidation.text(text, field: name(field), maximum: maximum) }
    }

    func regions(_ field: String) throws(DomainError) -> [Region] {
        var result: [Region] = []
        for (index, code) in try strings(field).enumerated() { result.append(try Region(code, field: "\(prefix)\(field)[\(index)]")) }
        return result
    }

    func departments(_ field: String) throws(DomainError) -> [Department] {
        var result: [Department] = []
        for (index, code) in try strings(field).enumerated() { result.append(try Department(code, field: "\(prefix)\(field)[\(index)]")) }
        return result
    }

    func optionalSection(_ field: String) throws(DomainError) -> NAFSection? {
        try optionalString(field).map { text throws(DomainError) in try NAFSection(text, field: name(field)) }
    }
}
