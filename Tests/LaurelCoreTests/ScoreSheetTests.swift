import Foundation
import LaurelCore
import Testing

@Suite("Score sheet")
struct ScoreSheetTests {
    @Test("one value kept inline equals, hashes and codes as the one-value array; other counts as arrays")
    func values() throws {
        let inline = ScoreSheet.Line(entry: "e1", score: 7)
        let fromArray = ScoreSheet.Line(entry: "e1", values: [7])
        #expect(inline == fromArray && inline.hashValue == fromArray.hashValue)
        #expect(Array(inline.values) == [7] && inline.values.count == 1)
        let three = ScoreSheet.Line(entry: "e2", values: [1, 2.5, 3])
        #expect(Array(three.values) == [1, 2.5, 3] && three.values.count == 3)
        #expect(ScoreSheet.Line(entry: "e3", values: []).values.isEmpty)
        #expect(inline != ScoreSheet.Line(entry: "e1", values: [7, 0]))

        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let sheet = ScoreSheet(member: "m", lines: [inline, three])
        let json = String(decoding: try encoder.encode(sheet), as: UTF8.self)
        #expect(json == #"{"lines":[{"entry":"e1","values":[7]},{"entry":"e2","values":[1,2.5,3]}],"member":"m"}"#)
        #expect(try JSONDecoder().decode(ScoreSheet.self, from: Data(json.utf8)) == sheet)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(
                ScoreSheet.self, from: Data(#"{"lines":[{"entry":"e1","values":7}],"member":"m"}"#.utf8))
        }
    }
}
