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
/// Once changed, the entries are held in chunks of ``chunkSize``. The engine applies an event to a
/// copy of the campaign (a refused event leaves the campaign as it was), so the first change an
/// event makes copies the entries it touches: with chunks that is one chunk, not every entry. A
/// cascade that gathers 10,000 children's nominees one report at a time would otherwise copy the
/// whole list 10,000 times (docs/performance.md).
///
/// It behaves as an array of ``Entry`` (a mutable, random-access, range-replaceable collection
/// with value semantics); `array` gives the entries as one.
public struct EntryList: Sendable, Hashable, Codable, RandomAccessCollection, MutableCollection,
                         RangeReplaceableCollection, ExpressibleByArrayLiteral {
    enum Storage: Sendable {
        /// Every chunk but the last holds exactly `chunkSize` entries; the last is not empty.
        case chunks([[Entry]])
        /// As loaded and not changed since.
        case encoded(EncodedEntries)
    }

    /// A power of two, so finding an entry's chunk is a shift.
    static let chunkShift = 8
    static let chunkSize = 1 << chunkShift

    var storage: Storage

    public init() { storage = .chunks([]) }
    public init(_ entries: [Entry]) { storage = .chunks(Self.chunked(entries)) }
    public init(arrayLiteral elements: Entry...) { self.init(elements) }
    init(encoded: EncodedEntries) { storage = .encoded(encoded) }

    /// The entries as an array, decoded on first use after a load. Up to ``chunkSize`` entries
    /// this shares their storage; beyond, it is a new array, so iterate the list itself where
    /// that matters.
    public var array: [Entry] {
        switch storage {
        case .chunks(let chunks): return chunks.count <= 1 ? chunks.first ?? [] : Array(chunks.joined())
        case .encoded(let block): return block.entries
        }
    }

    /// The kinds of the entries, each once, in the order they first appear; known without
    /// decoding the entries.
    public var kinds: [String] {
        switch storage {
        case .chunks:
            var kinds: [String] = []
            for entry in self where !kinds.contains(entry.kind) { kinds.append(entry.kind) }
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

    private static func chunked(_ entries: [Entry]) -> [[Entry]] {
        if entries.isEmpty { return [] }
        if entries.count <= chunkSize { return [entries] }
        return stride(from: 0, to: entries.count, by: chunkSize).map { Array(entries[$0..<Swift.min($0 + chunkSize, entries.count)]) }
    }

    // MARK: Collection

    public var startIndex: Int { 0 }
    public var endIndex: Int {
        switch storage {
        case .chunks(let chunks): return chunks.isEmpty ? 0 : (chunks.count - 1) << Self.chunkShift + chunks[chunks.count - 1].count
        case .encoded(let block): return block.count
        }
    }

    public subscript(position: Int) -> Entry {
        get {
            switch storage {
            case .chunks(let chunks): return chunks[position >> Self.chunkShift][position & (Self.chunkSize - 1)]
            case .encoded(let block): return block.entries[position]
            }
        }
        set {
            withChunks { $0[position >> Self.chunkShift][position & (Self.chunkSize - 1)] = newValue }
        }
        // Changes an entry where it is (`entries[i].score = …` copies no entry).
        _modify {
            var chunks = takeChunks()
            defer { storage = .chunks(chunks) }
            yield &chunks[position >> Self.chunkShift][position & (Self.chunkSize - 1)]
        }
    }

    public struct Iterator: IteratorProtocol {
        var chunks: IndexingIterator<[[Entry]]>
        var current = [Entry]().makeIterator()

        public mutating func next() -> Entry? {
            while true {
                if let entry = current.next() { return entry }
                guard let chunk = chunks.next() else { return nil }
                current = chunk.makeIterator()
            }
        }
    }

    public func makeIterator() -> Iterator {
        switch storage {
        case .chunks(let chunks): return Iterator(chunks: chunks.makeIterator())
        case .encoded(let block): return Iterator(chunks: [block.entries].makeIterator())
        }
    }

    public mutating func replaceSubrange<C: Collection>(_ subrange: Range<Int>, with newElements: C) where C.Element == Entry {
        withArray { $0.replaceSubrange(subrange, with: newElements) }
    }

    public mutating func append(_ entry: Entry) {
        withChunks { chunks in
            if let last = chunks.indices.last, chunks[last].count < Self.chunkSize {
                chunks[last].append(entry)
            } else {
                var chunk: [Entry] = []
                chunk.reserveCapacity(Self.chunkSize)
                chunk.append(entry)
                chunks.append(chunk)
            }
        }
    }

    public mutating func reserveCapacity(_ minimumCapacity: Int) {}

    /// Changes the chunks in place; decodes the entries first if they are as loaded.
    /// The chunk and position within it of the entry with this id.
    static func find(_ id: String, in chunks: [[Entry]]) -> (chunk: Int, position: Int)? {
        for chunk in chunks.indices {
            if let position = chunks[chunk].firstIndex(where: { $0.id == id }) { return (chunk, position) }
        }
        return nil
    }

    mutating func withChunks<Result>(_ body: (inout [[Entry]]) -> Result) -> Result {
        var chunks = takeChunks()
        defer { storage = .chunks(chunks) }
        return body(&chunks)
    }

    /// The chunks, decoded first if the entries are as loaded, leaving this list empty: without
    /// its own reference, uniquely held chunks then change in place.
    private mutating func takeChunks() -> [[Entry]] {
        let chunks: [[Entry]]
        switch storage {
        case .chunks(let held): chunks = held
        case .encoded(let block): chunks = Self.chunked(block.entries)
        }
        storage = .chunks([])
        return chunks
    }

    /// Changes the entries as one array (a copy of every entry beyond one chunk); from then on
    /// they are saved by encoding them.
    mutating func withArray<Result>(_ body: (inout [Entry]) -> Result) -> Result {
        var entries = array
        storage = .chunks([])
        defer { storage = .chunks(Self.chunked(entries)) }
        return body(&entries)
    }

    // MARK: Equality and coding

    public static func == (lhs: EntryList, rhs: EntryList) -> Bool {
        // The encoding is deterministic, so equal blocks hold equal entries (the converse does not
        // hold: 0.0 and -0.0 are equal numbers with different bits).
        if let left = lhs.unchangedBlock, let right = rhs.unchangedBlock, left.bytes == right.bytes { return true }
        return lhs.count == rhs.count && lhs.elementsEqual(rhs)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for entry in self { hasher.combine(entry) }
    }

    public init(from decoder: any Decoder) throws {
        self.init(try [Entry](from: decoder))
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
