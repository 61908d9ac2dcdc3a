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
/// Once changed, the entries are a flat `base` (as decoded, or as a start submitted them) and the
/// entries appended since, in chunks of ``chunkSize``. The engine applies an event to a copy of the
/// campaign (a refused event leaves the campaign as it was), so the first change an event makes
/// copies what it touches: an append copies at most the last chunk, not every entry. A cascade
/// that gathers 10,000 children's nominees one report at a time would otherwise copy the whole
/// list 10,000 times (docs/performance.md). Plugins read the entries as one array (`array`):
/// that is `base` itself until something is appended.
///
/// Outside LaurelCore it is a read-only, random-access collection of ``Entry`` with value
/// semantics: plugins read the entries, and only the engine changes them (through the steps'
/// reactions), so how they are stored stays the engine's business.
public struct EntryList: Sendable, Hashable, RandomAccessCollection, ExpressibleByArrayLiteral {
    enum Storage: Sendable {
        /// `base` then `appended`: every chunk full but the last, which is not empty.
        case entries(base: [Entry], appended: [[Entry]])
        /// As loaded and not changed since.
        case encoded(EncodedEntries)
    }

    /// A power of two, so finding an appended entry's chunk is a shift.
    static let chunkShift = 8
    static let chunkSize = 1 << chunkShift

    var storage: Storage
    /// The entries joined into one array, once `array` was asked for after appends; shared by
    /// copies of this list, dropped when it changes.
    private var joined: JoinedEntries?

    public init() { storage = .entries(base: [], appended: []) }
    public init(_ entries: [Entry]) { storage = .entries(base: entries, appended: []) }
    public init(arrayLiteral elements: Entry...) { self.init(elements) }
    init(encoded: EncodedEntries) { storage = .encoded(encoded) }

    /// The entries as an array, decoded on first use after a load. Until something is appended
    /// this shares their storage; after, they are joined the first time and the array is shared
    /// until the list changes again.
    public var array: [Entry] {
        switch storage {
        case .entries(let base, let appended):
            if appended.isEmpty { return base }
            if base.isEmpty && appended.count == 1 { return appended[0] }
            return joined!.array(base, appended)
        case .encoded(let block):
            return block.entries
        }
    }

    /// The kinds of the entries, each once, in the order they first appear; known without
    /// decoding the entries.
    public var kinds: [String] {
        switch storage {
        case .entries(let base, let appended):
            var kinds: [String] = []
            // Over the arrays themselves: reading a field there copies no entry.
            for segment in CollectionOfOne(base) + appended {
                for index in segment.indices where !kinds.contains(segment[index].kind) {
                    kinds.append(segment[index].kind)
                }
            }
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
        case .entries(let base, let appended):
            return base.count
                + (appended.isEmpty ? 0 : (appended.count - 1) << Self.chunkShift + appended[appended.count - 1].count)
        case .encoded(let block):
            return block.count
        }
    }

    public internal(set) subscript(position: Int) -> Entry {
        get {
            switch storage {
            case .entries(let base, let appended):
                if position < base.count { return base[position] }
                let offset = position - base.count
                return appended[offset >> Self.chunkShift][offset & (Self.chunkSize - 1)]
            case .encoded(let block):
                return block.entries[position]
            }
        }
        set {
            var (base, appended) = take()
            if position < base.count {
                base[position] = newValue
            } else {
                let offset = position - base.count
                appended[offset >> Self.chunkShift][offset & (Self.chunkSize - 1)] = newValue
            }
            store(base, appended)
        }
        // Changes an entry where it is (`entries[i].score = …` copies no entry).
        _modify {
            var (base, appended) = take()
            defer { store(base, appended) }
            if position < base.count {
                yield &base[position]
            } else {
                let offset = position - base.count
                yield &appended[offset >> Self.chunkShift][offset & (Self.chunkSize - 1)]
            }
        }
    }

    public struct Iterator: IteratorProtocol {
        var current: IndexingIterator<[Entry]>
        var chunks: IndexingIterator<[[Entry]]>

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
        case .entries(let base, let appended):
            return Iterator(current: base.makeIterator(), chunks: appended.makeIterator())
        case .encoded(let block): return Iterator(current: block.entries.makeIterator(), chunks: [].makeIterator())
        }
    }

    /// Calls `body` with the address of each entry in order, for reading the entry where it is
    /// stored and only during the call. Iterating the list hands out a copy of each entry (a
    /// retain of its strings and fields, and a release after), and so does passing an entry read
    /// from storage to a function; writing a campaign reads every entry, so it reads them in place.
    func forEachInPlace(_ body: (UnsafePointer<Entry>) throws -> Void) rethrows {
        func each(_ entries: [Entry]) throws {
            try entries.withUnsafeBufferPointer { buffer in
                guard let start = buffer.baseAddress else { return }
                for offset in 0..<buffer.count { try body(start + offset) }
            }
        }
        switch storage {
        case .entries(let base, let appended):
            try each(base)
            for chunk in appended { try each(chunk) }
        case .encoded(let block):
            try each(block.entries)
        }
    }

    @discardableResult
    mutating func remove(at position: Int) -> Entry {
        withArray { $0.remove(at: position) }
    }

    mutating func append(_ entry: consuming Entry) {
        var (base, appended) = take()
        if let last = appended.indices.last, appended[last].count < Self.chunkSize {
            appended[last].append(consume entry)
        } else {
            var chunk: [Entry] = []
            chunk.reserveCapacity(Self.chunkSize)
            chunk.append(consume entry)
            appended.append(chunk)
        }
        store(base, appended)
    }

    /// Appends to the flat array when nothing was appended in chunks yet; for a list nothing
    /// else holds (a campaign being started), where growing the array copies nothing.
    mutating func appendInPlace(_ entry: consuming Entry) {
        var (base, appended) = take()
        if appended.isEmpty {
            base.append(consume entry)
            store(base, appended)
        } else {
            store(base, appended)
            append(consume entry)
        }
    }

    mutating func reserveCapacity(_ minimumCapacity: Int) {
        guard case .entries(_, let appended) = storage, appended.isEmpty else { return }
        var (base, _) = take()
        base.reserveCapacity(minimumCapacity)
        store(base, [])
    }

    /// The entries as arrays one after the other (`base`, then the appended chunks), to change in
    /// place; `body` may change entries but not how many each array holds.
    mutating func withSegments<Result>(_ body: (inout [[Entry]]) -> Result) -> Result {
        let (base, appended) = take()
        var segments = [base] + appended
        defer { store(segments[0], Array(segments.dropFirst())) }
        return body(&segments)
    }

    /// The segment and position within it of the entry with this id.
    static func find(_ id: String, in segments: [[Entry]]) -> (segment: Int, position: Int)? {
        for segment in segments.indices {
            if let position = segments[segment].firstIndex(where: { $0.id == id }) { return (segment, position) }
        }
        return nil
    }

    /// The entries, decoded first if they are as loaded, leaving this list empty: without its
    /// own references, uniquely held arrays then change in place.
    private mutating func take() -> (base: [Entry], appended: [[Entry]]) {
        let parts: (base: [Entry], appended: [[Entry]])
        switch storage {
        case .entries(let base, let appended): parts = (base, appended)
        case .encoded(let block): parts = (block.entries, [])
        }
        storage = .entries(base: [], appended: [])
        joined = nil
        return parts
    }

    private mutating func store(_ base: [Entry], _ appended: [[Entry]]) {
        storage = .entries(base: base, appended: appended)
        joined = appended.isEmpty || (base.isEmpty && appended.count == 1) ? nil : JoinedEntries()
    }

    /// Changes the entries as one array (a copy of every entry once something was appended);
    /// from then on they are saved by encoding them.
    mutating func withArray<Result>(_ body: (inout [Entry]) -> Result) -> Result {
        var entries = array
        storage = .entries(base: [], appended: [])
        joined = nil
        defer { store(entries, []) }
        return body(&entries)
    }

    // MARK: Equality and coding

    public static func == (lhs: EntryList, rhs: EntryList) -> Bool {
        // The encoding is deterministic, so equal blocks hold equal entries (the converse does not
        // hold: 0.0 and -0.0 are equal numbers with different bits).
        if let left = lhs.unchangedBlock, let right = rhs.unchangedBlock, left.compactNumbers == right.compactNumbers,
            left.bytes == right.bytes
        {
            return true
        }
        return lhs.count == rhs.count && lhs.elementsEqual(rhs)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for entry in self { hasher.combine(entry) }
    }
}

/// A list's entries joined into one array, made the first time it is asked for.
final class JoinedEntries: Sendable {
    private let cache = Mutex<[Entry]?>(nil)

    func array(_ base: [Entry], _ appended: [[Entry]]) -> [Entry] {
        cache.withLock { cached in
            if let cached { return cached }
            var entries = base
            for chunk in appended { entries.append(contentsOf: chunk) }
            cached = entries
            return entries
        }
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
    /// Whether numbers are in version 3's compact form: a block of an older version is written
    /// anew rather than copied into a version 3 campaign.
    let compactNumbers: Bool
    private let cache = Mutex<[Entry]?>(nil)

    /// `bytes` must have passed `CampaignCodec.checkEntries`, so decoding them cannot fail.
    init(bytes: ArraySlice<UInt8>, count: Int, kinds: [String], compactNumbers: Bool) {
        self.bytes = bytes
        self.count = count
        self.kinds = kinds
        self.compactNumbers = compactNumbers
    }

    var entries: [Entry] {
        cache.withLock { cached in
            if let cached { return cached }
            let decoded = CampaignCodec.decodeCheckedEntries(bytes, count: count, compactNumbers: compactNumbers)
            cached = decoded
            return decoded
        }
    }
}
