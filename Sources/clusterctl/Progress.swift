#if canImport(Glibc)
import Glibc
#endif

/// A progress bar on standard error, drawn only when it is a terminal.
final class Progress {
    static var isTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    private let total: Int
    private let label: String
    private var lastDrawn = -1

    init(total: Int, label: String) {
        self.total = max(total, 1)
        self.label = label
    }

    func update(_ done: Int) {
        guard Self.isTerminal else { return }
        let percent = done * 100 / total
        guard percent != lastDrawn else { return }
        lastDrawn = percent
        let width = 30
        let filled = percent * width / 100
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        write("\r\(label) \(bar) \(percent) % (\(done)/\(total))")
    }

    func finish() {
        guard Self.isTerminal, lastDrawn >= 0 else { return }
        write("\n")
    }

    private func write(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
