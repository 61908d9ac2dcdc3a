import LaurelCore
import Testing

@testable import LaurelService

@Suite("Entry input")
struct EntryInputTests {
    /// Strings near the forms of numbers: every mix of three of these pieces.
    static let candidates: [String] = {
        let pieces = ["", "+", "-", "0", "7", "42", "_", "1_000", ".", ".5", "e", "E", "e+", "e-3", "x", " ", "٣"]
        var all: Set<String> = []
        for a in pieces { for b in pieces { for c in pieces { all.insert(a + b + c) } } }
        return all.sorted()
    }()

    @Test("rule: a whole number and a decimal are read in exactly the forms the documented patterns give")
    func decimalForms() {
        for text in Self.candidates {
            #expect(
                DecimalText.isWhole(text) == (text.wholeMatch(of: /[+-]?[0-9][0-9_]*/) != nil), "whole: '\(text)'")
            #expect(
                DecimalText.isDecimal(text)
                    == (text.wholeMatch(of: /[+-]?[0-9][0-9_]*(\.[0-9]+)?([eE][+-]?[0-9]+)?/) != nil),
                "decimal: '\(text)'")
        }
    }

    @Test("rule: a cell that is not a number is refused with the field's name and the text")
    func refusedCells() throws {
        let calendar = try #require(ZonedCalendar(zoneName: "Asia/Ho_Chi_Minh"))
        #expect(try FieldValues.value("1_000", type: .integer, name: "field 'n'", calendar: calendar) == .number(1_000))
        #expect(
            try FieldValues.value("-2.5e3", type: EntryField.FieldType.number, name: "field 'n'", calendar: calendar)
                == .number(-2_500))
        for (text, type) in [
            ("1e3", EntryField.FieldType.integer), ("0x1F", .integer), ("1.", .number), ("inf", .number),
        ] {
            #expect(throws: LaurelError.self) {
                try FieldValues.value(text, type: type, name: "field 'n'", calendar: calendar)
            }
        }
    }
}
