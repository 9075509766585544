import Varlink

#if canImport(Glibc)
import Glibc
#endif

/// A table: for people, aligned text that fits the terminal; for programs, CSV (`--csv`).
///
/// Numbers are kept as they are and grouped in thousands (1,000,000) only in the text form, in
/// the `quantities` columns. A text table wider than the terminal cuts its widest text columns,
/// ending a cut cell with `…`; a row is never wrapped.
struct Table {
    var headers: [String]
    var rows: [[String]] = []
    /// Columns aligned right (numbers).
    var rightAligned: Set<Int> = []
    /// Columns of quantities, grouped in thousands in the text form (not sequence numbers or ids).
    var quantities: Set<Int> = []
    /// Columns of prose (names, titles) that may be cut to fit the width; ids, codes, dates and
    /// numbers never are.
    var cuttable: Set<Int> = []

    init(_ headers: String...) {
        self.headers = headers
    }

    init(headers: [String]) {
        self.headers = headers
    }

    mutating func add(_ cells: String...) {
        rows.append(cells)
    }

    mutating func add(_ cells: [String]) {
        rows.append(cells)
    }

    /// The text form, at most `width` characters a line when given.
    func render(width: Int? = Terminal.columns) -> String {
        let shown = ([headers] + rows).enumerated().map { index, cells in
            cells.enumerated().map { column, cell in index > 0 && quantities.contains(column) ? grouped(cell) : cell }
        }
        var widths = headers.indices.map { column in shown.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        if let width { Self.fit(&widths, into: width, cuttable: cuttable.sorted()) }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (column, width) in widths.enumerated() {
                var cell = cells.indices.contains(column) ? cells[column] : ""
                if cell.count > width { cell = width > 0 ? String(cell.prefix(width - 1)) + "…" : "" }
                let padding = String(repeating: " ", count: width - cell.count)
                parts.append(rightAligned.contains(column) ? padding + cell : cell + padding)
            }
            var text = parts.joined(separator: "  ")
            while text.last == " " { text.removeLast() }
            return text
        }
        return shown.map(line).joined(separator: "\n")
    }

    /// Narrows the widest of the `cuttable` columns, one character at a time, until the line
    /// fits `width` or none is wider than 6 characters (then the line stays longer, whole).
    static func fit(_ widths: inout [Int], into width: Int, cuttable: [Int]) {
        func total() -> Int { widths.reduce(0, +) + 2 * max(widths.count - 1, 0) }
        while total() > width, let widest = cuttable.max(by: { widths[$0] < widths[$1] }), widths[widest] > 6 {
            widths[widest] -= 1
        }
    }

    /// RFC 4180 CSV: the header row, then the rows, numbers as they are.
    func csv() -> String {
        ([headers] + rows).map { cells in cells.map(Self.csvField).joined(separator: ",") }.joined(separator: "\n")
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        var quoted = "\""
        for character in text {
            if character == "\"" { quoted += "\"" }
            quoted.append(character)
        }
        return quoted + "\""
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

/// Thousands separated by commas, for people: 1000000 → 1,000,000 (text tables only; CSV and
/// JSON keep numbers as they are).
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
