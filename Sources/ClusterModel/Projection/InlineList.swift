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
