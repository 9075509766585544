/// A list that keeps its first element inline and allocates only from the second on.
///
/// Most companies are in one cluster with one membership period and a handful of events; this
/// spares the projection one heap allocation for each of those lists.
public struct InlineList<Element: Sendable & Hashable>: Sendable, Hashable, RandomAccessCollection, MutableCollection,
    ExpressibleByArrayLiteral
{
    private var head: Element?
    private var tail: [Element] = []

    public init() {}

    public init(arrayLiteral elements: Element...) {
        for element in elements { append(element) }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { head == nil ? 0 : 1 + tail.count }

    public subscript(position: Int) -> Element {
        get { position == 0 ? head! : tail[position - 1] }
        set {
            if position == 0 { head = newValue } else { tail[position - 1] = newValue }
        }
    }

    public mutating func append(_ element: Element) {
        if head == nil { head = element } else { tail.append(element) }
    }
}

/// Sequence numbers, ascending, the first two kept inline (0 marks an empty slot: sequences start
/// at 1). A company's history is usually two events, registered and joined: stored this way it
/// needs no heap allocation, in the 24 bytes an `InlineList<UInt64>` takes.
public struct SequenceList: Sendable, Hashable, RandomAccessCollection, ExpressibleByArrayLiteral {
    private var first: UInt64 = 0
    private var second: UInt64 = 0
    private var rest: [UInt64] = []

    public init() {}

    public init(arrayLiteral elements: UInt64...) {
        for element in elements { append(element) }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { first == 0 ? 0 : second == 0 ? 1 : 2 + rest.count }

    public subscript(position: Int) -> UInt64 {
        switch position {
        case 0: return first
        case 1: return second
        default: return rest[position - 2]
        }
    }

    /// Appends a sequence number (never 0).
    public mutating func append(_ sequence: UInt64) {
        precondition(sequence != 0, "sequence numbers start at 1")
        if first == 0 {
            first = sequence
        } else if second == 0 {
            second = sequence
        } else {
            rest.append(sequence)
        }
    }
}

/// An append-only list whose copies share all but its last, partial chunk.
///
/// A cluster's history grows with every membership for ten years. The registry publishes a copy
/// of its state after every write (see `Registry`), and the next append to a plain array would
/// then copy the whole history; appending here copies at most one chunk and the list of chunks.
public struct ChunkedList<Element: Sendable & Hashable>: Sendable, Hashable, RandomAccessCollection, ExpressibleByArrayLiteral {
    /// Elements per chunk: a copied tail costs at most this many elements.
    static var chunkSize: Int { 256 }

    private var chunks: [[Element]] = []
    private var tail: [Element] = []

    public init() {}

    public init(arrayLiteral elements: Element...) {
        for element in elements { append(element) }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { chunks.count * Self.chunkSize + tail.count }

    public subscript(position: Int) -> Element {
        let (chunk, offset) = position.quotientAndRemainder(dividingBy: Self.chunkSize)
        return chunk < chunks.count ? chunks[chunk][offset] : tail[offset]
    }

    public mutating func append(_ element: Element) {
        if tail.isEmpty { tail.reserveCapacity(Self.chunkSize) }
        tail.append(element)
        if tail.count == Self.chunkSize {
            chunks.append(tail)
            tail = []
        }
    }
}
