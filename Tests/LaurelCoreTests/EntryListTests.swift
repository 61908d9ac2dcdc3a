import Foundation
import Testing

@testable import LaurelCore

@Suite("Entry list")
struct EntryListTests {
    static func entry(_ number: Int) -> Entry {
        Entry(
            id: "e\(number)", kind: number.isMultiple(of: 3) ? "video" : "clip", unit: "u\(number % 7)",
            fields: ["n": .number(Double(number))])
    }

    /// Checks every way of reading the list against the array it should equal.
    static func expectSame(_ list: EntryList, _ reference: [Entry], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(list.count == reference.count, sourceLocation: sourceLocation)
        #expect(Array(list) == reference, sourceLocation: sourceLocation)
        #expect(list.array == reference, sourceLocation: sourceLocation)
        #expect(list.indices.map { list[$0] } == reference, sourceLocation: sourceLocation)
        #expect(list == EntryList(reference), sourceLocation: sourceLocation)
        #expect(list.hashValue == EntryList(reference).hashValue, sourceLocation: sourceLocation)
        var kinds: [String] = []
        for entry in reference where !kinds.contains(entry.kind) { kinds.append(entry.kind) }
        #expect(list.kinds == kinds, sourceLocation: sourceLocation)
    }

    @Test("reads as an array across many chunks after the engine's changes: append, change in place, remove")
    func behavesAsArray() {
        var list = EntryList()
        var reference: [Entry] = []
        Self.expectSame(list, reference)
        // 1,000 entries: several chunks of 256 and a partial last one.
        for number in 0..<1_000 {
            list.append(Self.entry(number))
            reference.append(Self.entry(number))
        }
        Self.expectSame(list, reference)
        for position in stride(from: 0, to: 1_000, by: 97) {
            list[position].score = EntryScore(total: Double(position), reviews: 1)
            reference[position].score = list[position].score
        }
        Self.expectSame(list, reference)
        list.remove(at: 300)
        reference.remove(at: 300)
        Self.expectSame(list, reference)
        list.withArray { $0.removeAll { $0.id.hasSuffix("7") } }
        reference.removeAll { $0.id.hasSuffix("7") }
        Self.expectSame(list, reference)
        for number in 2_000..<2_300 {
            list.append(Self.entry(number))
            reference.append(Self.entry(number))
        }
        Self.expectSame(list, reference)
        // Now a flat base followed by appended chunks: change entries in both.
        for position in [0, reference.count - 301, reference.count - 300, reference.count - 45, reference.count - 1] {
            list[position].unit = "moved"
            reference[position].unit = "moved"
            list[position] = list[position]
        }
        Self.expectSame(list, reference)
        list.withArray { $0.removeAll() }
        Self.expectSame(list, [])
    }

    @Test("a copy is a value: changing one changes nothing in the other, in any chunk")
    func valueSemantics() {
        let original = EntryList((0..<700).map(Self.entry))
        var copy = original
        copy.append(Self.entry(9_999))
        copy[10].unit = "changed"
        copy[650].unit = "changed"
        #expect(original.count == 700 && original[10].unit == "u3" && original[650].unit == "u6")
        #expect(copy.count == 701 && copy[10].unit == "changed" && copy[650].unit == "changed")
        #expect(original != copy)
        #expect(original == EntryList((0..<700).map(Self.entry)))
    }
}
