import LaurelCore
import Testing

/// The small parts every output and input goes through: CSV reading, JSON writing, escaping.
@Suite struct SupportTests {
    @Test(
        "CSV: quoted cells with commas, quotes and line breaks read; a stray quote or text after a closing quote is refused at its place"
    )
    func csv() throws {
        let rows = try CSV.parse("\u{FEFF}id,name\r\n1,\"Công ty \"\"Sao Mai\"\", Hà Nội\"\r\n2,\"two\nlines\"\n")
        #expect(rows.map(\.cells) == [["id", "name"], ["1", "Công ty \"Sao Mai\", Hà Nội"], ["2", "two\nlines"]])
        #expect(throws: CSV.Failure.self) { try CSV.parse("id,name\n1,Công ty \"Sao Mai\"\n") }
        do {
            _ = try CSV.parse("id,name\n1,\"Sao\"Mai\n")
            Issue.record("text after a closing quote was taken")
        } catch {
            #expect(error.line == 2 && error.column == 8)
            #expect(error.message.hasPrefix("text after the closing double quote of a cell"))
        }
    }

    @Test("JSON has no infinity or NaN: they are written as null, so the output is always JSON")
    func jsonNumbers() {
        let value = JSONValue.object([
            ("a", .number(.infinity)), ("b", .number(-.infinity)), ("c", .number(.nan)), ("d", .number(1.5)),
        ])
        #expect(value.rendered(pretty: false) == #"{"a":null,"b":null,"c":null,"d":1.5}"#)
    }

    struct View: Encodable {
        struct Line: Encodable { var at: Int }
        var zebra = "z"
        var apple: Double? = nil
        var kept: String? = "k"
        var metrics: NamedValues<Double> = ["ý-tưởng": 2, "bài": 1.5]
        var lines = [Line(at: 1), Line(at: 2)]
        var flags = [true]
    }

    @Test("an Encodable value as JSON: keys in the order declared, names in order, nil left out")
    func encodedJSON() throws {
        let json = try JSONValue(encoding: View()).rendered(pretty: false)
        #expect(
            json
                == #"{"zebra":"z","kept":"k","metrics":{"bài":1.5,"ý-tưởng":2},"lines":[{"at":1},{"at":2}],"flags":[true]}"#
        )
    }

    @Test("control characters are made visible on a line; Markdown and CSV are escaped for their readers")
    func escaping() {
        #expect(Escaping.line("Nguyễn\u{1B}[31m Văn\nAn\u{0}") == #"Nguyễn\u{1B}[31m Văn\nAn\u{0}"#)
        #expect(Escaping.lines("a\nb\u{7}") == "a\nb\\u{7}")
        #expect(
            Escaping.csvCell("a\rb") == "\"a\rb\"" && Escaping.csvCell("plain") == "plain"
                && Escaping.csvCell("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(Escaping.markdown("| a |") == "\\| a \\|")
    }

    @Test("suggestions: the closest name within a third of the word, none past it, and none once the budget is spent")
    func suggestions() {
        #expect(Suggestions.closest(to: "phase-3", in: ["phase-1", "review", "closed"]) == "phase-1")
        #expect(Suggestions.closest(to: "reveiw", in: ["review", "closed"]) == "review", "a transposition is one edit")
        #expect(Suggestions.closest(to: "xyz", in: ["review", "closed"]) == nil)
        #expect(Suggestions.closest(to: "Asia/Hanoi", in: ["Asia/Ho_Chi_Minh", "Asia/Bangkok"]) == nil)
        let spent = Suggestions.$budget.withValue(Suggestions.Budget(cells: 0)) {
            Suggestions.closest(to: "phase-3", in: ["phase-1"])
        }
        #expect(spent == nil)
    }
}
