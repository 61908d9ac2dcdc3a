import Testing

@testable import LaurelCore

/// Step memories in the stored document: any plain `Codable` value, written in binary with
/// sorted keys, read back equal; damaged bytes are refused.
@Suite struct MemoryCoderTests {
    enum Phase: String, Codable, Hashable { case open, closed }

    struct Sheet: Codable, Hashable {
        var member: String
        var values: [Double]
        var note: String?
    }

    struct Everything: Codable, Hashable {
        var names: [String] = ["cd-01", "Hà Nội", ""]
        var flags: [Bool] = [true, false]
        var counts: [Int] = [0, -1, Int.max, Int.min]
        var scores: [Double] = [0.5, -0.0, 1e300]
        var sheets: [String: Sheet] = [
            "b": Sheet(member: "b", values: [1, 2], note: nil), "a": Sheet(member: "a", values: [], note: "x"),
        ]
        var nested: [[Int]] = [[1], [], [2, 3]]
        var phase = Phase.closed
        var small: Int8 = -5
        var large: UInt64 = .max
        var ratio: Float = 0.25
        var missing: Int?
        var present: Int? = 7
        var pairs: [Sheet] = [Sheet(member: "c", values: [9], note: "ý")]
        var empty: [String: Int] = [:]
    }

    @Test("a memory reads back equal, arrays of strings, flags, whole numbers and numbers among them")
    func roundTrip() throws {
        let bytes = try MemoryCoder.encode(Everything())
        #expect(try MemoryCoder.decode(Everything.self, from: bytes[...]) == Everything())
        #expect(try MemoryCoder.decode([String].self, from: try MemoryCoder.encode(["x"])[...]) == ["x"])
        #expect(try MemoryCoder.decode(Int.self, from: try MemoryCoder.encode(42)[...]) == 42)
    }

    @Test("equal memories give equal bytes, whatever order their dictionaries were filled in")
    func sortedKeys() throws {
        var first = Everything()
        first.empty = ["z": 1, "a": 2, "m": 3]
        var second = Everything()
        second.empty = [:]
        for (key, value) in [("m", 3), ("a", 2), ("z", 1)] { second.empty[key] = value }
        #expect(try MemoryCoder.encode(first) == MemoryCoder.encode(second))
    }

    @Test("damaged bytes are refused, not guessed at")
    func damaged() throws {
        let bytes = try MemoryCoder.encode(Everything())
        #expect(throws: (any Error).self) { try MemoryCoder.decode(Everything.self, from: bytes.dropLast()) }
        let trailing: [UInt8] = bytes + [0]
        #expect(throws: (any Error).self) { try MemoryCoder.decode(Everything.self, from: trailing[...]) }
        let unknownTag: [UInt8] = [99]
        #expect(throws: (any Error).self) { try MemoryCoder.decode(Everything.self, from: unknownTag[...]) }
        // An object whose keys are not in order: "b" before "a".
        let unordered: [UInt8] = [MemoryCoder.object, 2, 1, 98, MemoryCoder.null, 1, 97, MemoryCoder.null]
        #expect(throws: CampaignCodec.CorruptData.self) {
            try MemoryCoder.decode([String: Int?].self, from: unordered[...])
        }
        let deep: [UInt8] = [UInt8](repeating: MemoryCoder.array, count: 200).flatMap { [$0, 1] }
        #expect(throws: CampaignCodec.CorruptData.self) { try MemoryCoder.decode([[Int]].self, from: deep[...]) }
        // A whole number read where a string is kept.
        #expect(throws: DecodingError.self) {
            try MemoryCoder.decode(String.self, from: try MemoryCoder.encode(1)[...])
        }
    }
}
