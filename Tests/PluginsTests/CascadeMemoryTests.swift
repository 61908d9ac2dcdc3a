import CascadePlugin
import Foundation
import Testing

/// The cascade's memory is a plain `Codable` value; the codec keeps its lists packed.
@Suite struct CascadeMemoryTests {
    static func memory() -> Cascade.Memory {
        var memory = Cascade.Memory()
        memory.units = ["cd-01", "cd-02", "cd_03"]
        memory.reported = [true, false, true]
        memory.reportedCount = 2
        memory.gathered = 5
        return memory
    }

    @Test("the memory is coded as its fields say, and decodes to the same memory")
    func plain() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = try encoder.encode(Self.memory())
        #expect(
            String(decoding: json, as: UTF8.self)
                == #"{"gathered":5,"reported":[true,false,true],"reportedCount":2,"units":["cd-01","cd-02","cd_03"]}"#)
        #expect(try JSONDecoder().decode(Cascade.Memory.self, from: json) == Self.memory())
        let empty = try encoder.encode(Cascade.Memory())
        #expect(try JSONDecoder().decode(Cascade.Memory.self, from: empty) == Cascade.Memory())
    }

    @Test("memory saved packed into strings (LCB 4) still decodes; mismatched lists are refused")
    func packedBefore() throws {
        let old = #"{"gathered":5,"reported":"101","reportedCount":2,"units":"cd-01 cd-02 cd_03"}"#
        #expect(try JSONDecoder().decode(Cascade.Memory.self, from: Data(old.utf8)) == Self.memory())
        let damaged = #"{"gathered":5,"reported":"10","reportedCount":2,"units":"cd-01 cd-02 cd_03"}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Cascade.Memory.self, from: Data(damaged.utf8)) }
    }
}
