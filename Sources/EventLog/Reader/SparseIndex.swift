/// Offsets of every 1024th record, so that reading from a sequence number skips most of the file.
struct SparseIndex: Sendable {
    static let stride: UInt64 = 1024

    private(set) var sequences: [UInt64] = []
    private(set) var offsets: [Int] = []

    static func shouldIndex(_ sequence: UInt64) -> Bool {
        sequence % stride == 1
    }

    mutating func add(sequence: UInt64, offset: Int) {
        if let last = sequences.last, last >= sequence { return }
        sequences.append(sequence)
        offsets.append(offset)
    }

    /// The indexed record at or before `sequence`: where a scan for it may start.
    func start(for sequence: UInt64) -> (sequence: UInt64, offset: Int)? {
        var low = 0
        var high = sequences.count
        while low < high {
            let middle = (low + high) / 2
            if sequences[middle] <= sequence { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return nil }
        return (sequences[low - 1], offsets[low - 1])
    }

    /// The entries up to `sequence`.
    func entries(through sequence: UInt64) -> (sequences: [UInt64], offsets: [Int]) {
        var count = 0
        while count < sequences.count && sequences[count] <= sequence { count += 1 }
        return (Array(sequences[..<count]), Array(offsets[..<count]))
    }

    /// Drops entries at or after `offset` (the file was cut there).
    mutating func truncate(at offset: Int) {
        while let last = offsets.last, last >= offset {
            offsets.removeLast()
            sequences.removeLast()
        }
    }
}
