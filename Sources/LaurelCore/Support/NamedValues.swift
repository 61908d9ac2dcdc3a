/// A small map from names to values, kept in name order: an entry's fields, a campaign's metric
/// values, the metrics recorded with a transition.
///
/// A campaign holds one per entry and one per transition, each with a handful of names, and the
/// store decodes and encodes them on every load and save. A sorted array is cheaper than a hash
/// table to build, copy and compare at that size (no hashing, one allocation), and its order is
/// the order of the encoded form, so saving needs no sort. Lookups are a binary search.
public struct NamedValues<Element: Sendable & Hashable>: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public struct Pair: Sendable, Hashable {
        public let name: String
        public var value: Element

        @inlinable public init(name: String, value: Element) {
            self.name = name
            self.value = value
        }
    }

    // Inlinable, with the storage usable from inlined code, so other modules (plugins, the
    // benchmark) get code specialised for their element type instead of generic calls.
    @usableFromInline var storage: [Pair]

    /// The pairs in name order.
    @inlinable public var pairs: [Pair] { storage }

    @inlinable public init() { storage = [] }

    @inlinable public init(dictionaryLiteral elements: (String, Element)...) {
        storage = []
        storage.reserveCapacity(elements.count)
        for (name, value) in elements { self[name] = value }
    }

    /// Later values of a repeated name replace earlier ones, as in a dictionary.
    @inlinable public init<S: Sequence>(_ elements: S) where S.Element == (String, Element) {
        storage = []
        for (name, value) in elements { self[name] = value }
    }

    @inlinable public init(_ dictionary: [String: Element]) {
        storage = dictionary.map { Pair(name: $0.key, value: $0.value) }.sorted { $0.name < $1.name }
    }

    /// Builds from pairs already in strictly increasing name order (a decoder's fast path);
    /// returns nil when they are not.
    @inlinable public init?(sortedPairs: [Pair]) {
        for index in sortedPairs.indices.dropFirst() where !(sortedPairs[index - 1].name < sortedPairs[index].name) {
            return nil
        }
        storage = sortedPairs
    }

    @inlinable public var count: Int { storage.count }
    @inlinable public var isEmpty: Bool { storage.isEmpty }
    @inlinable public var names: [String] { storage.map(\.name) }
    @inlinable public var dictionary: [String: Element] {
        Dictionary(uniqueKeysWithValues: storage.map { ($0.name, $0.value) })
    }

    /// Where `name` is, or where it would be inserted.
    @inlinable func position(of name: String) -> (index: Int, found: Bool) {
        var low = 0
        var high = storage.count
        while low < high {
            let middle = (low + high) / 2
            let candidate = storage[middle].name
            if candidate == name { return (middle, true) }
            if candidate < name { low = middle + 1 } else { high = middle }
        }
        return (low, false)
    }

    @inlinable public subscript(name: String) -> Element? {
        get {
            let (index, found) = position(of: name)
            return found ? storage[index].value : nil
        }
        set {
            let (index, found) = position(of: name)
            switch (found, newValue) {
            case (true, let value?): storage[index].value = value
            case (true, nil): storage.remove(at: index)
            case (false, let value?): storage.insert(Pair(name: name, value: value), at: index)
            case (false, nil): break
            }
        }
    }

    @inlinable public subscript(name: String, default defaultValue: @autoclosure () -> Element) -> Element {
        get { self[name] ?? defaultValue() }
        set { self[name] = newValue }
    }

    @inlinable public func makeIterator() -> some IteratorProtocol<(name: String, value: Element)> {
        storage.lazy.map { (name: $0.name, value: $0.value) }.makeIterator()
    }
}

extension NamedValues: Codable where Element: Codable {
    /// Encoded as an object, like the dictionary it stands for, its names in order (a
    /// dictionary hands its keys to an encoder in an order that changes from run to run).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: NameKey.self)
        for pair in pairs { try container.encode(pair.value, forKey: NameKey(stringValue: pair.name)) }
    }

    public init(from decoder: any Decoder) throws {
        self.init(try [String: Element](from: decoder))
    }
}

/// A name as a coding key.
private struct NameKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }

    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
