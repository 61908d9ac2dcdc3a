import Synchronization

/// A campaign's entries.
///
/// Entries are most of a stored campaign (54 clips, thousands of initiatives) and rarely change
/// once submitted, while most events a campaign receives (a launch, a report, a deadline) never
/// read them. So a campaign loaded from the store keeps its entries as the encoded block they were
/// saved as, checked for shape but not decoded; they are decoded the first time something reads
/// them, and a save of entries nobody changed copies the block back unchanged. In the lifecycle
/// benchmark this halves the cost of a load and a save (docs/performance.md).
///
/// It behaves as an array of ``Entry`` (a mutable, random-access, range-replaceable collection
/// with value semantics); `array` gives the entries as one.
public struct EntryList: Sendable, Hashable, Codable, RandomAccessCollection, MutableCollection,
                         RangeReplaceableCollection, ExpressibleByArrayLiteral {
    enum Storage: Sendable {
        case decoded([Entry])
        /// As loaded and not changed since.
        case encoded(EncodedEntries)
    }

    var storage: Storage

    public init() { storage = .decoded([]) }
    public init(_ entries: [Entry]) { storage = .decoded(entries) }
    public init(arrayLiteral elements: Entry...) { storage = .decoded(elements) }
    init(encoded: EncodedEntries) { storage = .encoded(encoded) }

    /// The entries as an array, decoded on first use after a load.
    public var array: [Entry] {
        switch storage {
        case .decoded(let entries): return entries
        case .encoded(let block): return block.entries
        }
    }

    /// The kinds of the entries, each once, in the order they first appear; known without
    /// decoding the entries.
    public var kinds: [String] {
        switch storage {
        case .decoded(let entries):
            var kinds: [String] = []
            for entry in entries where !kinds.contains(entry.kind) { kinds.append(entry.kind) }
            return kinds
        case .encoded(let block):
            return block.kinds
        }
    }

    /// The encoded block when the entries are as they were loaded.
    var unchangedBlock: EncodedEntries? {
        if case .encoded(let block) = storage { return block }
        return nil
    }

    // MARK: Collection

    public var startIndex: Int { 0 }
    public var endIndex: Int {
        switch storage {
        case .decoded(let entries): return entries.count
        case .encoded(let block): return block.count
        }
    }

    public subscript(position: Int) -> Entry {
        get { array[position] }
        set { withArray { $0[position] = newValue } }
    }

    public func makeIterator() -> IndexingIterator<[Entry]> { array.makeIterator() }

    public mutating func replaceSubrange<C: Collection>(_ subrange: Range<Int>, with newElements: C) where C.Element == Entry {
        withArray { $0.replaceSubrange(subrange, with: newElements) }
    }

    public mutating func append(_ entry: Entry) {
        withArray { $0.append(entry) }
    }

    public mutating func reserveCapacity(_ minimumCapacity: Int) {
        withArray { $0.reserveCapacity(minimumCapacity) }
    }

    /// Changes the entries as an array; from then on they are saved by encoding them.
    mutating func withArray<Result>(_ body: (inout [Entry]) -> Result) -> Result {
        var entries = array
        // Drop this list's own reference first, so a uniquely held array changes in place.
        storage = .decoded([])
        defer { storage = .decoded(entries) }
        return body(&entries)
    }

    // MARK: Equality and coding

    public static func == (lhs: EntryList, rhs: EntryList) -> Bool {
        // The encoding is deterministic, so equal blocks hold equal entries (the converse does not
        // hold: 0.0 and -0.0 are equal numbers with different bits).
        if let left = lhs.unchangedBlock, let right = rhs.unchangedBlock, left.bytes == right.bytes { return true }
        return lhs.array == rhs.array
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(array) }

    public init(from decoder: any Decoder) throws {
        storage = .decoded(try [Entry](from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try array.encode(to: encoder)
    }
}

/// Entries in their encoded form, as the codec read them from a stored campaign, and their
/// decoded form once something asked for it. Shared between copies of a campaign, so the cache
/// is behind a lock.
final class EncodedEntries: Sendable {
    /// The entries as `CampaignCodec` writes them, one after the other.
    let bytes: ArraySlice<UInt8>
    let count: Int
    /// The distinct kinds, in order of first appearance, found by the check.
    let kinds: [String]
    private let cache = Mutex<[Entry]?>(nil)

    /// `bytes` must have passed `CampaignCodec.checkEntries`, so decoding them cannot fail.
    init(bytes: ArraySlice<UInt8>, count: Int, kinds: [String]) {
        self.bytes = bytes
        self.count = count
        self.kinds = kinds
    }

    var entries: [Entry] {
        cache.withLock { cached in
            if let cached { return cached }
            let decoded = CampaignCodec.decodeCheckedEntries(bytes, count: count)
            cached = decoded
            return decoded
        }
    }
}
