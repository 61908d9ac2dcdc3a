import Foundation
import LaurelCore

extension LoggedAction {
    /// The action as the log keeps it: the JSON of its `Codable` form, keys sorted.
    ///
    /// A submission, most of what a log holds (an import of a million entries logs a million),
    /// is written here directly in that form: through `JSONEncoder` it was more than half of an
    /// import's time (docs/performance.md). Anything else, and a submission with a value this
    /// writer leaves to `JSONEncoder` (a result, a duration), goes through `JSONEncoder`.
    /// `ActionJSONTests` holds the two to decoding to the same action.
    public func json() throws -> [UInt8] {
        if case .event(.submit(let entry)) = self, let json = Self.submission(entry) { return json }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(self))
    }

    /// `{"event":{"_0":{"submit":{"_0":ENTRY}}}}`, or nil for an entry with a result or a value
    /// other than a finite number, a text, a truth value or an instant.
    private static func submission(_ entry: Entry) -> [UInt8]? {
        guard entry.score == nil else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(160)
        out.append(contentsOf: #"{"event":{"_0":{"submit":{"_0":{"fields":{"#.utf8)
        for (index, name) in entry.fields.names.sorted().enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            string(name, to: &out)
            out.append(UInt8(ascii: ":"))
            switch entry.fields[name]! {
            case .number(let number):
                guard number.isFinite else { return nil }
                out.append(contentsOf: #"{"number":{"_0":"#.utf8)
                out.append(contentsOf: numberText(number).utf8)
            case .text(let text):
                out.append(contentsOf: #"{"text":{"_0":"#.utf8)
                string(text, to: &out)
            case .boolean(let value):
                out.append(contentsOf: #"{"boolean":{"_0":"#.utf8)
                out.append(contentsOf: (value ? "true" : "false").utf8)
            case .instant(let instant):
                out.append(contentsOf: #"{"instant":{"_0":"#.utf8)
                out.append(contentsOf: String(instant).utf8)
            case .duration:
                return nil
            }
            out.append(contentsOf: "}}".utf8)
        }
        out.append(contentsOf: #"},"id":"#.utf8)
        string(entry.id, to: &out)
        out.append(contentsOf: #","kind":"#.utf8)
        string(entry.kind, to: &out)
        out.append(contentsOf: #","submittedAt":"#.utf8)
        out.append(contentsOf: String(entry.submittedAt).utf8)
        if let by = entry.submittedBy {
            out.append(contentsOf: #","submittedBy":"#.utf8)
            string(by, to: &out)
        }
        if let unit = entry.unit {
            out.append(contentsOf: #","unit":"#.utf8)
            string(unit, to: &out)
        }
        out.append(contentsOf: "}}}}}".utf8)
        return out
    }

    /// A whole number in digits; anything else (and -0) as Swift's shortest text that reads back
    /// as the same number.
    private static func numberText(_ number: Double) -> String {
        if number.rounded() == number, abs(number) < 1e15, !(number == 0 && number.sign == .minus) {
            return String(Int64(number))
        }
        return number.description
    }

    private static func string(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most text needs no escape: copied whole.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out.append(contentsOf: text.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: "\\u00".utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
