import Varlink

/// An aligned text table for people: a header row, then rows; numbers aligned right.
struct Table {
    var headers: [String]
    var rows: [[String]] = []
    /// Columns whose cells are aligned right.
    var rightAligned: Set<Int> = []

    init(_ headers: String...) {
        self.headers = headers
    }

    mutating func add(_ cells: String...) {
        rows.append(cells)
    }

    mutating func add(_ cells: [String]) {
        rows.append(cells)
    }

    func render() -> String {
        let all = [headers] + rows
        let widths = headers.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (column, width) in widths.enumerated() {
                let cell = cells.indices.contains(column) ? cells[column] : ""
                let padding = String(repeating: " ", count: width - cell.count)
                parts.append(rightAligned.contains(column) ? padding + cell : cell + padding)
            }
            var text = parts.joined(separator: "  ")
            while text.last == " " { text.removeLast() }
            return text
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }
}

extension JSONValue {
    /// The value as a table cell: strings bare, numbers as written, lists joined, absent as "-".
    var cell: String {
        switch self {
        case .null: return "-"
        case .string(let text): return text
        case .array(let items): return items.map(\.cell).joined(separator: ",")
        default: return description
        }
    }
}

extension Dictionary where Key == String, Value == JSONValue {
    func cell(_ key: String) -> String { self[key]?.cell ?? "-" }
}

/// Thousands separated by a thin space-like comma: 1000000 → 1,000,000.
func grouped(_ text: String) -> String {
    guard let value = Int64(text) else { return text }
    let digits = String(value.magnitude)
    var result = ""
    for (index, character) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { result += "," }
        result.append(character)
    }
    return (value < 0 ? "-" : "") + result
}
