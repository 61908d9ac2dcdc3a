import Foundation
import LaurelCore

extension LoggedAction {
    /// An action from the log's JSON. A submission in the form ``json()`` writes is read here
    /// directly (`JSONDecoder` made a million-entry campaign's history take 42 s); anything else
    /// goes through `JSONDecoder`. `ActionJSONTests` holds the two to reading the same action.
    public init(json bytes: [UInt8]) throws {
        if let entry = SubmissionReader.read(bytes) {
            self = .event(.submit(entry))
        } else {
            self = try JSONDecoder().decode(LoggedAction.self, from: Data(bytes))
        }
    }

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

/// Reads a submission in exactly the form `LoggedAction.json()` writes it, or gives nil for
/// anything else (which `JSONDecoder` then reads).
private struct SubmissionReader {
    let bytes: [UInt8]
    var position = 0

    static func read(_ bytes: [UInt8]) -> Entry? {
        var reader = SubmissionReader(bytes: bytes)
        return reader.submission()
    }

    private mutating func submission() -> Entry? {
        guard literal(#"{"event":{"_0":{"submit":{"_0":{"fields":{"#) else { return nil }
        var fields = NamedValues<Value>()
        var first = true
        while !literal("}") {
            if !first { guard literal(",") else { return nil } }
            first = false
            guard let name = string(), literal(":{\""), let kind = word(), literal(#"":{"_0":"#) else { return nil }
            let value: Value
            switch kind {
            case "number":
                guard let number = number() else { return nil }
                value = .number(number)
            case "text":
                guard let text = string() else { return nil }
                value = .text(text)
            case "boolean":
                if literal("true") {
                    value = .boolean(true)
                } else if literal("false") {
                    value = .boolean(false)
                } else {
                    return nil
                }
            case "instant":
                guard let instant = integer() else { return nil }
                value = .instant(instant)
            default: return nil
            }
            guard literal("}}"), fields[name] == nil else { return nil }
            fields[name] = value
        }
        guard literal(#","id":"#), let id = string(), literal(#","kind":"#), let kind = string(),
            literal(#","submittedAt":"#), let submittedAt = integer()
        else { return nil }
        var submittedBy: String?
        var unit: String?
        if literal(#","submittedBy":"#) {
            guard let by = string() else { return nil }
            submittedBy = by
        }
        if literal(#","unit":"#) {
            guard let text = string() else { return nil }
            unit = text
        }
        guard literal("}}}}}"), position == bytes.count else { return nil }
        return Entry(
            id: id, kind: kind, unit: unit, submittedBy: submittedBy, fields: fields, submittedAt: submittedAt)
    }

    private mutating func literal(_ text: String) -> Bool {
        let utf8 = text.utf8
        guard bytes.count - position >= utf8.count, bytes[position..<position + utf8.count].elementsEqual(utf8) else {
            return false
        }
        position += utf8.count
        return true
    }

    /// Lower-case letters: a value's kind.
    private mutating func word() -> String? {
        let start = position
        while position < bytes.count, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[position]) {
            position += 1
        }
        return position > start ? String(decoding: bytes[start..<position], as: UTF8.self) : nil
    }

    /// A string with only the escapes `json()` writes (`\"`, `\\`, `\u00XX`); nil for any other.
    private mutating func string() -> String? {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { return nil }
        position += 1
        var text: [UInt8] = []
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(validating: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard position < bytes.count else { return nil }
                let escaped = bytes[position]
                position += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): text.append(escaped)
                case UInt8(ascii: "u"):
                    guard bytes.count - position >= 4, bytes[position] == UInt8(ascii: "0"),
                        bytes[position + 1] == UInt8(ascii: "0"),
                        let high = Self.hexDigit(bytes[position + 2]), let low = Self.hexDigit(bytes[position + 3])
                    else { return nil }
                    text.append(high << 4 | low)
                    position += 4
                default: return nil
                }
            case 0..<0x20: return nil
            default: text.append(byte)
            }
        }
        return nil
    }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        default: return nil
        }
    }

    /// The characters of a JSON number, read back by Swift's own reading of its shortest text.
    private mutating func number() -> Double? {
        let start = position
        while position < bytes.count,
            bytes[position] == UInt8(ascii: "-") || bytes[position] == UInt8(ascii: "+")
                || bytes[position] == UInt8(ascii: ".") || bytes[position] == UInt8(ascii: "e")
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position])
        {
            position += 1
        }
        guard position > start else { return nil }
        return Double(String(decoding: bytes[start..<position], as: UTF8.self))
    }

    private mutating func integer() -> Int64? {
        let start = position
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
            position += 1
        }
        return Int64(String(decoding: bytes[start..<position], as: UTF8.self))
    }
}
