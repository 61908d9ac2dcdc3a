import Synchronization

/// A campaign's entries.
///
/// A store keeps the entries apart from the campaign's document (docs/architecture.md, "Campaigns
/// of any size"), and a campaign read from it comes *unloaded*: its entries known only by their
/// count and kinds.
/// Most events never read the entries (a submission, a report, a deadline), so a submission into
/// a campaign of a million entries reads and writes one entry, not a million. When a step must
/// read them, the engine stops with ``Refusal/needsEntries`` and changes nothing; the service
/// reads the rows (``Campaign/loadEntries(_:)``) and applies the event again.
///
/// Loaded, the entries are a flat `base` (as read, or as a start submitted them) and the
/// entries appended since, in chunks of ``chunkSize``. The engine applies an event to a copy of the
/// campaign (a refused event leaves the campaign as it was), so the first change an event makes
/// copies what it touches: an append copies at most the last chunk, not every entry. A cascade
/// that gathers 10,000 children's nominees one report at a time would otherwise copy the whole
/// list 10,000 times (docs/performance.md). Plugins read the entries as one array (`array`):
/// that is `base` itself until something is appended.
///
/// The list also knows what a save must write (``pendingRows``): only the appended entries while
/// the first ones are as the store holds them; the same entries again after results were
/// recorded on them; every entry after a removal.
///
/// Outside LaurelCore it is a read-only, random-access collection of ``Entry`` with value
/// semantics: plugins read the entries, and only the engine changes them (through the steps'
/// reactions), so how they are stored stays the engine's business.
public struct EntryList: Sendable, Hashable, RandomAccessCollection, ExpressibleByArrayLiteral {
    enum Storage: Sendable {
        /// `base` then `appended`: every chunk full but the last, which is not empty.
        case entries(base: [Entry], appended: [[Entry]])
        /// The store's `count` entries, of these kinds, not read; then `appended`.
        case unloaded(count: Int, kinds: [String], appended: [[Entry]])
    }

    /// A power of two, so finding an appended entry's chunk is a shift.
    static let chunkShift = 8
    static let chunkSize = 1 << chunkShift

    var storage: Storage
    /// How many of the first entries are the store's, in order (nil: not known, or some removed,
    /// so a save replaces them all).
    private(set) var storedCount: Int?
    /// Whether any of those changed in place since (a review's results): same ids, same order.
    private var storedChanged = false
    /// The entries joined into one array, once `array` was asked for after appends; shared by
    /// copies of this list, dropped when it changes.
    private var joined: JoinedEntries?

    public init() { storage = .entries(base: [], appended: []) }
    public init(_ entries: [Entry]) { storage = .entries(base: entries, appended: []) }
    public init(arrayLiteral elements: Entry...) { self.init(elements) }

    /// The entries of a campaign as a store keeps them: `count` entries with these kinds (each
    /// once, in order of first appearance), not read.
    public init(storedCount count: Int, kinds: [String]) {
        storage = .unloaded(count: count, kinds: kinds, appended: [])
        storedCount = count
    }

    /// Whether the entries themselves are here, rather than only their count and kinds.
    public var isLoaded: Bool {
        if case .entries = storage { return true }
        return false
    }

    /// The entries as an array. Until something is appended this shares their storage; after,
    /// they are joined the first time and the array is shared until the list changes again.
    public var array: [Entry] {
        switch storage {
        case .entries(let base, let appended):
            if appended.isEmpty { return base }
            if base.isEmpty && appended.count == 1 { return appended[0] }
            return joined!.array(base, appended)
        case .unloaded:
            Self.notLoaded()
        }
    }

    /// The kinds of the entries, each once, in the order they first appear; known without
    /// reading the entries.
    public var kinds: [String] {
        var kinds: [String] = []
        let segments: [[Entry]]
        switch storage {
        case .entries(let base, let appended): segments = CollectionOfOne(base) + appended
        case .unloaded(_, let stored, let appended):
            kinds = stored
            segments = appended
        }
        // Over the arrays themselves: reading a field there copies no entry.
        for segment in segments {
            for index in segment.indices where !kinds.contains(segment[index].kind) {
                kinds.append(segment[index].kind)
            }
        }
        return kinds
    }

    /// What a save must write for a store's rows to hold these entries.
    public enum PendingRows: Sendable, Equatable {
        /// The store's first `after` entries stay as they are; these follow them.
        case append(after: Int, [Entry])
        /// The store's first `count` entries are these, with the same ids in the same order, some
        /// changed since (a review's results); the rest follow them.
        case update(count: Int, [Entry])
        /// The store's entries, if any, give way to these (after a removal, or for a campaign
        /// not stored yet).
        case replace([Entry])
    }

    /// What a save must write for the store's rows to be these entries.
    public var pendingRows: PendingRows {
        switch storage {
        case .entries(let base, let appended):
            guard let storedCount, storedCount == base.count else { return .replace(array) }
            if storedChanged { return .update(count: storedCount, array) }
            return .append(after: storedCount, Array(appended.joined()))
        case .unloaded(let count, _, let appended):
            return .append(after: count, Array(appended.joined()))
        }
    }

    /// Fills in an unloaded list with the store's rows, read in the same transaction it was read
    /// in (so `stored` holds exactly the entries it counts); the entries appended since stay.
    mutating func load(_ stored: [Entry]) throws(CampaignCodec.CorruptData) {
        guard case .unloaded(let count, _, let appended) = storage else { return }
        guard stored.count == count else {
            throw CampaignCodec.CorruptData(
                description:
                    "the campaign data is damaged: it counts \(count) entries and the store holds \(stored.count)")
        }
        storage = .entries(base: stored, appended: appended)
        joined = appended.isEmpty || (stored.isEmpty && appended.count == 1) ? nil : JoinedEntries()
    }

    static func notLoaded() -> Never {
        preconditionFailure(
            "the campaign's entries were read while not loaded: a step that reads entries must declare it (StepPlugin.readsEntries)"
        )
    }

    // MARK: Collection

    public var startIndex: Int { 0 }
    public var endIndex: Int {
        let (count, appended): (Int, [[Entry]])
        switch storage {
        case .entries(let base, let chunks): (count, appended) = (base.count, chunks)
        case .unloaded(let stored, _, let chunks): (count, appended) = (stored, chunks)
        }
        return count
            + (appended.isEmpty ? 0 : (appended.count - 1) << Self.chunkShift + appended[appended.count - 1].count)
    }

    public internal(set) subscript(position: Int) -> Entry {
        get {
            switch storage {
            case .entries(let base, let appended):
                if position < base.count { return base[position] }
                let offset = position - base.count
                return appended[offset >> Self.chunkShift][offset & (Self.chunkSize - 1)]
            case .unloaded(let count, _, let appended):
                guard position >= count else { Self.notLoaded() }
                let offset = position - count
                return appended[offset >> Self.chunkShift][offset & (Self.chunkSize - 1)]
            }
        }
        set {
            storedChanged = true
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
            storedChanged = true
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
        case .unloaded(let count, _, let appended):
            if count > 0 { Self.notLoaded() }
            return Iterator(current: [].makeIterator(), chunks: appended.makeIterator())
        }
    }

    @discardableResult
    mutating func remove(at position: Int) -> Entry {
        withArray { $0.remove(at: position) }
    }

    mutating func append(_ entry: consuming Entry) {
        if case .unloaded(let count, let kinds, var appended) = storage {
            storage = .entries(base: [], appended: [])
            Self.append(entry, to: &appended)
            storage = .unloaded(count: count, kinds: kinds, appended: appended)
            return
        }
        var (base, appended) = take()
        Self.append(entry, to: &appended)
        store(base, appended)
    }

    private static func append(_ entry: consuming Entry, to appended: inout [[Entry]]) {
        if let last = appended.indices.last, appended[last].count < Self.chunkSize {
            appended[last].append(consume entry)
        } else {
            var chunk: [Entry] = []
            chunk.reserveCapacity(Self.chunkSize)
            chunk.append(consume entry)
            appended.append(chunk)
        }
    }

    /// Appends to the flat array when nothing was appended in chunks yet; for a list nothing
    /// else holds (a campaign being started), where growing the array copies nothing.
    mutating func appendInPlace(_ entry: consuming Entry) {
        guard isLoaded else { return append(entry) }
        var (base, appended) = take()
        if appended.isEmpty, storedCount == nil {
            base.append(consume entry)
            store(base, appended)
        } else {
            store(base, appended)
            append(consume entry)
        }
    }

    mutating func reserveCapacity(_ minimumCapacity: Int) {
        guard case .entries(_, let appended) = storage, appended.isEmpty, storedCount == nil else { return }
        var (base, _) = take()
        base.reserveCapacity(minimumCapacity)
        store(base, [])
    }

    /// The entries as arrays one after the other (`base`, then the appended chunks), to change in
    /// place; `body` may change entries but not how many each array holds.
    mutating func withSegments<Result>(_ body: (inout [[Entry]]) -> Result) -> Result {
        storedChanged = true
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

    /// The loaded entries, leaving this list empty: without its own references, uniquely held
    /// arrays then change in place.
    private mutating func take() -> (base: [Entry], appended: [[Entry]]) {
        guard case .entries(let base, let appended) = storage else { Self.notLoaded() }
        storage = .entries(base: [], appended: [])
        joined = nil
        return (base, appended)
    }

    private mutating func store(_ base: [Entry], _ appended: [[Entry]]) {
        storage = .entries(base: base, appended: appended)
        joined = appended.isEmpty || (base.isEmpty && appended.count == 1) ? nil : JoinedEntries()
    }

    /// Changes the entries as one array (a copy of every entry once something was appended);
    /// a save then writes every entry.
    mutating func withArray<Result>(_ body: (inout [Entry]) -> Result) -> Result {
        var entries = array
        storage = .entries(base: [], appended: [])
        joined = nil
        storedCount = nil
        storedChanged = false
        defer { store(entries, []) }
        return body(&entries)
    }

    // MARK: Equality

    /// Loaded lists are equal when their entries are; unloaded ones when they count the same
    /// stored entries and appended the same. A loaded list never equals an unloaded one with
    /// stored entries: what the store holds is not here to compare.
    public static func == (lhs: EntryList, rhs: EntryList) -> Bool {
        switch (lhs.storage, rhs.storage) {
        case (.unloaded(let leftCount, let leftKinds, let left), .unloaded(let rightCount, let rightKinds, let right)):
            return leftCount == rightCount && leftKinds == rightKinds && left == right
        case (.unloaded(let count, _, _), .entries), (.entries, .unloaded(let count, _, _)):
            return count == 0 && lhs.count == rhs.count && lhs.elementsEqual(rhs)
        case (.entries, .entries):
            return lhs.count == rhs.count && lhs.elementsEqual(rhs)
        }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        switch storage {
        case .entries: for entry in self { hasher.combine(entry) }
        case .unloaded(_, _, let appended): for chunk in appended { for entry in chunk { hasher.combine(entry) } }
        }
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
