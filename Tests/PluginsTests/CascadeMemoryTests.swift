import CascadePlugin
import Foundation
import Testing

/// The cascade's memory is saved with the parent after every report, in a compact form.
@Suite struct CascadeMemoryTests {
    static func memory() -> Cascade.Memory {
        var memory = Cascade.Memory()
        memory.units = ["cd-01", "cd-02", "cd_03"]
        memory.reported = [true, false, true]
        memory.reportedCount = 2
        memory.gathered = 5
        return memory
    }

    @Test("the lists are coded as one string each, and decode to the same memory")
    func compact() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = try encoder.encode(Self.memory())
        #expect(
            String(decoding: json, as: UTF8.self)
                == #"{"gathered":5,"reported":"101","reportedCount":2,"units":"cd-01 cd-02 cd_03"}"#)
        #expect(try JSONDecoder().decode(Cascade.Memory.self, from: json) == Self.memory())
        let empty = try encoder.encode(Cascade.Memory())
        #expect(try JSONDecoder().decode(Cascade.Memory.self, from: empty) == Cascade.Memory())
    }

    @Test("memory saved by the first version (JSON arrays) still decodes; mismatched lists are refused")
    func firstVersion() throws {
        let old = #"{"gathered":5,"reported":[true,false,true],"reportedCount":2,"units":["cd-01","cd-02","cd_03"]}"#
        #expect(try JSONDecoder().decode(Cascade.Memory.self, from: Data(old.utf8)) == Self.memory())
        let damaged = #"{"gathered":5,"reported":"10","reportedCount":2,"units":"cd-01 cd-02 cd_03"}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Cascade.Memory.self, from: Data(damaged.utf8)) }
    }
}
