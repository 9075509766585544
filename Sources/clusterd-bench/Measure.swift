import Foundation

/// One figure of a benchmark, printed as a line of JSON for Scripts/bench to collect.
struct Figure {
    var name: String
    var value: Double
    var unit: String
    var baselineName: String? = nil
    var baseline: Double? = nil
    var note: String? = nil

    func printed() {
        var object: [String: Any] = ["name": name, "value": value, "unit": unit]
        if let baselineName { object["baseline_name"] = baselineName }
        if let baseline { object["baseline"] = baseline }
        if let note { object["note"] = note }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}

enum Clock {
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
    static func seconds(since start: UInt64) -> Double { Double(now() - start) / 1e9 }
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let index = min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
    return sorted[index]
}

func median(_ values: [Double]) -> Double { percentile(values, 50) }

/// Resident memory of this process in bytes.
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    return (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// A raw write + fdatasync loop: what the log engine is compared with.
final class RawSyncFile {
    let descriptor: Int32
    var offset = 0

    init(path: String) {
        descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        precondition(descriptor >= 0, "cannot open \(path)")
    }

    /// Writes `bytes` at the end and makes them durable; returns the seconds it took.
    func append(_ bytes: [UInt8]) -> Double {
        let start = Clock.now()
        let written = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
        precondition(written == bytes.count)
        precondition(fdatasync(descriptor) == 0)
        offset += bytes.count
        return Clock.seconds(since: start)
    }

    deinit { close(descriptor) }
}
