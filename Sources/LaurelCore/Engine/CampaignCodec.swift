import Foundation

/// The one encoded form of a campaign: what the store saves and what determinism is judged by.
///
/// A compact binary format, written field by field in a fixed order with dictionaries sorted by
/// key, so the same campaign always gives the same bytes. It starts with "LCB" and a format
/// version. Numbers are little-endian; integers are zig-zag varints; strings are a varint length
/// and UTF-8. A step's memory is the plugin's own `Codable` value in binary with sorted keys
/// (`MemoryCoder`), decoded through the plugin registry (a step without memory writes nothing).
/// Numbers are compact (`ByteWriter.number`): scores, totals and metrics are nearly always whole.
///
/// Since version 4 the campaign's document holds its entries' count and kinds only; the entries
/// are encoded apart (``encodeEntries(_:)``), for the store's rows of them (docs/architecture.md,
/// "Campaigns of any size"). Versions 1 to 3 held every entry, and versions 1 to 4 kept step
/// memories as sorted-key JSON: they are read only to move a stored campaign to version 5 (a
/// store's migration).
/// `JSONEncoder` for the whole campaign was measured at 2,330 transitions/s in the lifecycle
/// benchmark, 87% of it in JSON (docs/performance.md).
public struct CampaignCodec: Sendable {
    public let registry: PluginRegistry
    static let magic: [UInt8] = [0x4C, 0x43, 0x42, 5]  // "LCB", version 5

    public struct CorruptData: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public init(registry: PluginRegistry) {
        self.registry = registry
    }

    public func encode(_ campaign: Campaign) throws -> [UInt8] {
        var writer = ByteWriter(capacity: 4_096)
        writer.append(Self.magic)
        writer.string(campaign.id)
        writer.string(campaign.workflowID)
        writer.string(campaign.workflowVersion)
        writer.byte(campaign.status == .running ? 0 : 1)
        writer.string(campaign.state)
        writer.int(campaign.enteredAt)
        writer.sortedMap(campaign.inputs) { $0.value($1) }
        writer.named(campaign.metrics) { $0.number($1) }
        writer.count(campaign.entries.count)
        let kinds = campaign.entries.kinds
        writer.count(kinds.count)
        for kind in kinds { writer.string(kind) }
        writer.count(campaign.awards.count)
        for award in campaign.awards {
            writer.string(award.entry)
            writer.int(Int64(award.rank))
            writer.string(award.tier)
            writer.int(Int64(award.tierNumber))
            writer.int(Int64(award.amount))
            writer.number(award.total)
            writer.int(Int64(award.reviews))
        }
        if let step = campaign.step {
            writer.byte(1)
            writer.string(step.kind)
            if step.memory is NoMemory {
                writer.count(0)
            } else {
                let memory = try MemoryCoder.encode(step.memory)
                writer.count(memory.count)
                writer.append(memory)
            }
        } else {
            writer.byte(0)
        }
        writer.count(campaign.timers.count)
        for timer in campaign.timers {
            writer.int(Int64(timer.id))
            writer.int(timer.due)
            switch timer.source {
            case .state(let index):
                writer.byte(0)
                writer.int(Int64(index))
            case .step(let name):
                writer.byte(1)
                writer.string(name)
            }
        }
        writer.int(Int64(campaign.nextTimerID))
        writer.count(campaign.transitions.count)
        for transition in campaign.transitions {
            writer.int(transition.at)
            writer.optionalString(transition.from)
            writer.string(transition.to)
            writer.string(transition.cause)
            writer.named(transition.metrics) { $0.number($1) }
        }
        writer.int(Int64(campaign.eventCount))
        return writer.finish()
    }

    public func decode(_ bytes: [UInt8]) throws -> Campaign {
        guard bytes.count >= 4, bytes[0..<3].elementsEqual(Self.magic[0..<3]), (1...5).contains(bytes[3]) else {
            throw CorruptData(description: "not a Laurel campaign (format LCB version 1 to 5)")
        }
        return try ByteReader.reading(bytes[...]) { reader in
            reader.position = 4
            reader.compactNumbers = bytes[3] >= 3
            return try decode(&reader, version: bytes[3])
        }
    }

    private func decode(_ reader: inout ByteReader, version: UInt8) throws -> Campaign {
        let id = try reader.string()
        let workflowID = try reader.string()
        let workflowVersion = try reader.string()
        let status: Campaign.Status = try reader.byte() == 0 ? .running : .finished
        let state = try reader.string()
        let enteredAt = try reader.int()
        let inputs = try reader.map { try $0.value() }
        let metrics = try reader.named { try $0.number() }
        // Since version 4 the entries are rows elsewhere: their count measures nothing here.
        let entryCount = version >= 4 ? try reader.number(of: "entries") : try reader.count()
        let entries: EntryList
        switch version {
        case 1:
            var decoded: [Entry] = []
            for _ in 0..<entryCount { decoded.append(try Self.readEntry(&reader)) }
            entries = EntryList(decoded)
        case 2, 3:
            let block = try reader.take(Int(try reader.fixed32()))
            let compactNumbers = reader.compactNumbers
            entries = EntryList(
                try ByteReader.reading(block) { blockReader in
                    blockReader.compactNumbers = compactNumbers
                    var decoded: [Entry] = []
                    for _ in 0..<entryCount { decoded.append(try Self.readEntry(&blockReader)) }
                    guard blockReader.isAtEnd else {
                        throw CorruptData(
                            description: "the campaign data is damaged: the entries do not fill their block")
                    }
                    return decoded
                })
        default:
            let kindCount = try reader.count()
            guard kindCount <= entryCount else { throw CorruptData(description: "more entry kinds than entries") }
            var kinds: [String] = []
            for _ in 0..<kindCount { kinds.append(try reader.string()) }
            entries = EntryList(storedCount: entryCount, kinds: kinds)
        }
        var awards: [Award] = []
        let awardCount = try reader.count()
        awards.reserveCapacity(awardCount)
        for _ in 0..<awardCount {
            awards.append(
                Award(
                    entry: try reader.string(), rank: Int(try reader.int()), tier: try reader.string(),
                    tierNumber: Int(try reader.int()), amount: Int(try reader.int()), total: try reader.number(),
                    reviews: Int(try reader.int())))
        }
        var step: StepMemoryBox?
        if try reader.byte() == 1 {
            let kind = try reader.string()
            let length = try reader.count()
            let bytes = try reader.take(length)
            guard let plugin = registry.plugin(kind: kind) as? any RunnableStep.Type else {
                throw CorruptData(description: "no runnable step plugin '\(kind)' in this build")
            }
            step = StepMemoryBox(kind: kind, memory: try Self.memory(plugin, bytes, asJSON: version < 5))
        }
        var timers: [ArmedTimer] = []
        let timerCount = try reader.count()
        for _ in 0..<timerCount {
            let timerID = Int(try reader.int())
            let due = try reader.int()
            let source: ArmedTimer.Source =
                try reader.byte() == 0 ? .state(index: Int(try reader.int())) : .step(name: try reader.string())
            timers.append(ArmedTimer(id: timerID, due: due, source: source))
        }
        let nextTimerID = Int(try reader.int())
        var transitions: [Transition] = []
        let transitionCount = try reader.count()
        transitions.reserveCapacity(transitionCount)
        for _ in 0..<transitionCount {
            transitions.append(
                Transition(
                    at: try reader.int(), from: try reader.optionalString(), to: try reader.string(),
                    cause: try reader.string(), metrics: try reader.named { try $0.number() }))
        }
        let eventCount = Int(try reader.int())
        guard reader.isAtEnd else { throw CorruptData(description: "trailing bytes after the campaign") }
        return Campaign(
            id: id, workflowID: workflowID, workflowVersion: workflowVersion, status: status, state: state,
            enteredAt: enteredAt, inputs: inputs, metrics: metrics, entries: entries,
            awards: awards, step: step, timers: timers, nextTimerID: nextTimerID, transitions: transitions,
            eventCount: eventCount)
    }

    /// Entries one after another: how a store keeps a run of a campaign's entries in one row.
    public static func encodeEntries(_ entries: ArraySlice<Entry>) -> [UInt8] {
        var writer = ByteWriter(capacity: 128 * entries.count)
        // Read where they are stored: handing each entry on would copy it (a retain of each part).
        entries.withUnsafeBufferPointer { buffer in
            guard let start = buffer.baseAddress else { return }
            for offset in 0..<buffer.count { write(start + offset, to: &writer) }
        }
        return writer.finish()
    }

    /// Appends the `count` entries ``encodeEntries(_:)`` wrote in `bytes` to `entries`.
    public static func decodeEntries(_ bytes: ArraySlice<UInt8>, count: Int, into entries: inout [Entry]) throws {
        try ByteReader.reading(bytes) { reader in
            reader.compactNumbers = true
            for _ in 0..<count { entries.append(try readEntry(&reader, repairingOrder: true)) }
            guard reader.isAtEnd else { throw CorruptData(description: "trailing bytes after \(count) entries") }
        }
    }

    /// Writes the entry at `entry`, reading its parts where they are: passing an entry to a
    /// function copies it (a retain of its strings and fields, and a release after).
    static func write(_ entry: UnsafePointer<Entry>, to writer: inout ByteWriter) {
        writer.string(entry.pointee.id)
        writer.string(entry.pointee.kind)
        writer.optionalString(entry.pointee.unit)
        writer.optionalString(entry.pointee.submittedBy)
        writer.named(entry.pointee.fields) { $0.value($1) }
        writer.int(entry.pointee.submittedAt)
        if let score = entry.pointee.score {
            // 1: a result; 2: a result with tie-breakers (so results without keep their bytes).
            writer.byte(score.tieBreakers.isEmpty ? 1 : 2)
            writer.number(score.total)
            writer.int(Int64(score.reviews))
            if !score.tieBreakers.isEmpty {
                writer.count(score.tieBreakers.count)
                for value in score.tieBreakers { writer.number(value) }
            }
        } else {
            writer.byte(0)
        }
    }

    static func readEntry(_ reader: inout ByteReader, repairingOrder: Bool = false) throws -> Entry {
        Entry(
            id: try reader.string(), kind: try reader.string(), unit: try reader.optionalString(),
            submittedBy: try reader.optionalString(),
            fields: try reader.named(repairingOrder: repairingOrder) { try $0.value() },
            submittedAt: try reader.int(), score: try readScore(&reader))
    }

    private static func readScore(_ reader: inout ByteReader) throws -> EntryScore? {
        let marker = try reader.byte()
        guard marker != 0 else { return nil }
        var score = EntryScore(total: try reader.number(), reviews: Int(try reader.int()))
        if marker == 2 {
            let count = try reader.count()
            score.tieBreakers = try (0..<count).map { _ in try reader.number() }
        }
        return score
    }

    /// `value` as a whole number when `ByteWriter.number` writes it in its short form.
    static func compactWhole(_ value: Double) -> Int64? {
        guard let whole = Int64(exactly: value), whole.magnitude < 1 << 52, !(whole == 0 && value.sign == .minus) else {
            return nil
        }
        return whole
    }

    /// Whether a number's leading varint is a whole number's short form the writer could have
    /// written (an even value whose zig-zag number has a magnitude below 2^52).
    static func isCompactNumber(_ marker: UInt64) -> Bool {
        marker & 1 == 0 && marker >> 1 < 1 << 53
    }

    /// A step's memory: binary since version 5 (`MemoryCoder`), JSON before.
    private static func memory<P: RunnableStep>(_ plugin: P.Type, _ bytes: ArraySlice<UInt8>, asJSON: Bool) throws
        -> any StepMemory
    {
        if bytes.isEmpty, let none = NoMemory() as? P.Memory { return none }
        if asJSON { return try JSONDecoder().decode(P.Memory.self, from: Data(bytes)) }
        return try MemoryCoder.decode(P.Memory.self, from: bytes)
    }
}

/// Appends the binary form.
///
/// Into a buffer of its own rather than an array: an array's append checks its uniqueness and
/// capacity at every byte, and writing is a fifth of the lifecycle benchmark
/// (docs/performance.md). Each write makes room once, then stores through the pointer.
struct ByteWriter: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// How many bytes are written.
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The bytes written.
    consuming func finish() -> [UInt8] {
        Array(UnsafeBufferPointer(start: base, count: count))
    }

    @inline(__always)
    private mutating func makeRoom(_ length: Int) {
        if count + length > capacity { grow(count + length) }
    }

    private mutating func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        moved.update(from: base, count: count)
        base.deallocate()
        base = moved
        capacity = newCapacity
    }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        makeRoom(bytes.count)
        (base + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    mutating func append<Bytes: Collection<UInt8>>(_ bytes: Bytes) {
        if let done: Void = bytes.withContiguousStorageIfAvailable({ append($0) }) { return done }
        makeRoom(bytes.count)
        for byte in bytes {
            base[count] = byte
            count += 1
        }
    }

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        makeRoom(1)
        base[count] = value
        count += 1
    }

    /// Four bytes, little-endian: a length written before what it measures is known.
    mutating func fixed32(_ value: UInt32) {
        makeRoom(4)
        for index in 0..<4 { base[count + index] = UInt8(truncatingIfNeeded: value >> UInt32(index * 8)) }
        count += 4
    }

    mutating func patchFixed32(at offset: Int, _ value: UInt32) {
        precondition(offset >= 0 && offset + 4 <= count)
        for index in 0..<4 { base[offset + index] = UInt8(truncatingIfNeeded: value >> UInt32(index * 8)) }
    }

    @inline(__always)
    mutating func count(_ value: Int) { unsigned(UInt64(value)) }

    @inline(__always)
    mutating func unsigned(_ value: UInt64) {
        makeRoom(10)
        var value = value
        while value >= 0x80 {
            base[count] = UInt8(truncatingIfNeeded: value) | 0x80
            count += 1
            value >>= 7
        }
        base[count] = UInt8(value)
        count += 1
    }

    @inline(__always)
    mutating func int(_ value: Int64) {
        unsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// A number in version 3: a whole number of magnitude below 2^52 (other than -0) as its
    /// zig-zag varint shifted left one bit, so the lowest bit is 0; anything else as the byte 1
    /// and its eight bytes. A score of 87 takes two bytes instead of eight.
    @inline(__always)
    mutating func number(_ value: Double) {
        if let whole = CampaignCodec.compactWhole(value) {
            unsigned(UInt64(bitPattern: (whole << 1) ^ (whole >> 63)) << 1)
        } else {
            byte(1)
            double(value)
        }
    }

    @inline(__always)
    mutating func double(_ value: Double) {
        makeRoom(8)
        var bits = value.bitPattern
        for index in 0..<8 {
            base[count + index] = UInt8(truncatingIfNeeded: bits)
            bits >>= 8
        }
        count += 8
    }

    mutating func string(_ value: String) {
        // Through the contiguous UTF-8 buffer: a `String.UTF8View` goes byte by byte.
        var value = value
        value.withUTF8 { utf8 in
            unsigned(UInt64(utf8.count))
            append(utf8)
        }
    }

    mutating func optionalString(_ value: String?) {
        if let value {
            byte(1)
            string(value)
        } else {
            byte(0)
        }
    }

    mutating func sortedMap<V>(_ map: [String: V], _ writeValue: (inout ByteWriter, V) -> Void) {
        count(map.count)
        for key in map.keys.sorted() {
            string(key)
            writeValue(&self, map[key]!)
        }
    }

    mutating func named<V>(_ values: NamedValues<V>, _ writeValue: (inout ByteWriter, V) -> Void) {
        count(values.count)
        for pair in values.pairs {
            string(pair.name)
            writeValue(&self, pair.value)
        }
    }

    mutating func value(_ value: Value) {
        switch value {
        case .number(let number):
            byte(0)
            self.number(number)
        case .text(let text):
            byte(1)
            string(text)
        case .boolean(let flag):
            byte(flag ? 3 : 2)
        case .instant(let instant):
            byte(4)
            int(instant)
        case .duration(let duration):
            byte(5)
            for part in [
                duration.years, duration.months, duration.weeks, duration.days, duration.hours, duration.minutes,
                duration.seconds,
            ] { int(Int64(part)) }
        }
    }
}

/// Reads the binary form, throwing `CorruptData` at anything the writer would not have written.
///
/// It reads through a pointer to the bytes (made by ``reading(_:_:)`` for the time of the read):
/// a slice per string or number would retain and release the buffer, and decoding is a sixth of
/// the lifecycle benchmark (docs/performance.md).
struct ByteReader {
    /// The bytes as an array slice, for the blocks a decoded campaign keeps (`take`).
    private let slice: ArraySlice<UInt8>
    private let pointer: UnsafePointer<UInt8>
    private let end: Int
    /// An index of the slice (so positions in a block are positions in the whole campaign).
    var position: Int
    /// Numbers as version 3 writes them (`ByteWriter.number`), rather than eight bytes each.
    var compactNumbers = true

    /// Runs `body` with a reader at the start of `bytes`.
    static func reading<Result>(_ bytes: ArraySlice<UInt8>, _ body: (inout ByteReader) throws -> Result) throws
        -> Result
    {
        try bytes.withUnsafeBufferPointer { buffer in
            // An empty slice may have no address; any address will do, as nothing is read.
            let start = buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!
            var reader = ByteReader(
                slice: bytes, pointer: start - bytes.startIndex, end: bytes.endIndex,
                position: bytes.startIndex)
            return try body(&reader)
        }
    }

    var isAtEnd: Bool { position == end }

    private func corrupt(_ what: String) -> CampaignCodec.CorruptData {
        CampaignCodec.CorruptData(description: "the campaign data is damaged: \(what) at byte \(position)")
    }

    @inline(__always)
    mutating func byte() throws -> UInt8 {
        guard position < end else { throw corrupt("it ends early") }
        defer { position += 1 }
        return pointer[position]
    }

    @inline(__always)
    mutating func unsigned() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            guard shift < 64 else { throw corrupt("a number is too long") }
            result |= UInt64(next & 0x7F) << shift
            if next < 0x80 { return result }
            shift += 7
        }
    }

    @inline(__always)
    mutating func count() throws -> Int {
        let value = try unsigned()
        guard value <= UInt64(end - position) else { throw corrupt("a length exceeds the data") }
        return Int(value)
    }

    /// A count of things stored elsewhere (a campaign's entry rows), so not bounded by the data.
    mutating func number(of what: String) throws -> Int {
        let value = try unsigned()
        guard value <= UInt64(Int32.max) else { throw corrupt("the number of \(what) is out of range") }
        return Int(value)
    }

    @inline(__always)
    mutating func int() throws -> Int64 {
        let raw = try unsigned()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// Checks that `length` more bytes are there and steps over them; returns where they start.
    @inline(__always)
    private mutating func skip(_ length: Int) throws -> Int {
        guard length >= 0, length <= end - position else { throw corrupt("it ends early") }
        defer { position += length }
        return position
    }

    @inline(__always)
    mutating func number() throws -> Double {
        guard compactNumbers else { return try double() }
        let marker = try unsigned()
        if CampaignCodec.isCompactNumber(marker) {
            let zigZag = marker >> 1
            return Double(Int64(bitPattern: (zigZag >> 1) ^ (0 &- (zigZag & 1))))
        }
        guard marker == 1 else { throw corrupt("a number is out of range") }
        return try double()
    }

    @inline(__always)
    mutating func double() throws -> Double {
        let start = try skip(8)
        var bits: UInt64 = 0
        for offset in 0..<8 { bits |= UInt64(pointer[start + offset]) << UInt64(offset * 8) }
        return Double(bitPattern: bits)
    }

    mutating func take(_ length: Int) throws -> ArraySlice<UInt8> {
        let start = try skip(length)
        return slice[start..<(start + length)]
    }

    mutating func string() throws -> String {
        let length = try count()
        let start = try skip(length)
        let bytes = UnsafeBufferPointer(start: pointer + start, count: length)
        // Up to fifteen bytes a string is kept inline, and this initializer makes one of ASCII
        // bytes without the UTF-8 validation pass `String(decoding:as:)` runs first; both repair
        // ill-formed UTF-8 the same way. Most strings of a campaign are short names and ids.
        if length <= 15 {
            guard let source = bytes.baseAddress, length > 0 else { return "" }
            return String(unsafeUninitializedCapacity: length) { buffer in
                buffer.baseAddress!.initialize(from: source, count: length)
                return length
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    mutating func fixed32() throws -> UInt32 {
        let start = try skip(4)
        var value: UInt32 = 0
        for offset in 0..<4 { value |= UInt32(pointer[start + offset]) << UInt32(offset * 8) }
        return value
    }

    mutating func optionalString() throws -> String? {
        try byte() == 0 ? nil : try string()
    }

    mutating func map<V>(_ readValue: (inout ByteReader) throws -> V) throws -> [String: V] {
        let count = try self.count()
        var result = [String: V](minimumCapacity: count)
        for _ in 0..<count {
            let key = try string()
            result[key] = try readValue(&self)
        }
        return result
    }

    /// Names must come in strictly increasing order, as the writer puts them; with
    /// `repairingOrder` names out of order are sorted (a later repeat wins) instead of refused.
    mutating func named<V>(repairingOrder: Bool = false, _ readValue: (inout ByteReader) throws -> V) throws
        -> NamedValues<V>
    {
        let count = try self.count()
        var pairs: [NamedValues<V>.Pair] = []
        pairs.reserveCapacity(count)
        for _ in 0..<count {
            pairs.append(NamedValues<V>.Pair(name: try string(), value: try readValue(&self)))
        }
        if let values = NamedValues(sortedPairs: pairs) { return values }
        guard repairingOrder else { throw corrupt("names out of order") }
        return NamedValues(pairs.map { ($0.name, $0.value) })
    }

    mutating func value() throws -> Value {
        switch try byte() {
        case 0: return .number(try number())
        case 1: return .text(try string())
        case 2: return .boolean(false)
        case 3: return .boolean(true)
        case 4: return .instant(try int())
        case 5:
            var parts: [Int] = []
            for _ in 0..<7 { parts.append(Int(try int())) }
            return .duration(
                ISODuration(
                    years: parts[0], months: parts[1], weeks: parts[2], days: parts[3], hours: parts[4],
                    minutes: parts[5], seconds: parts[6]))
        default: throw corrupt("an unknown value tag")
        }
    }
}
