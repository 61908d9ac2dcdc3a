/// The form of an entry's id, checked wherever an entry comes in (a command, a CSV row, a
/// script): ids are typed by people, printed in notices and results, and named in files.
///
/// An id is 1 to 100 characters: letters (Vietnamese ones included), digits, `-`, `_` and `.`,
/// starting with a letter or a digit. No spaces, no `/` (a cascade's gathered entries are named
/// UNIT/ID, so `/` stays free for that).
public enum EntryIdentifier {
    public static let maximumLength = 100

    /// Refuses an id that is not of the documented form, saying what is wrong with it.
    public static func check(_ id: String) throws(Refusal) {
        if let problem = problem(id) { throw Refusal(problem) }
    }

    /// What is wrong with the id, or nil.
    public static func problem(_ id: String) -> String? {
        // Most ids are ASCII: checked byte by byte, without breaking the text into characters.
        if isPlainASCII(id) { return nil }
        guard let first = id.first else { return "an entry needs an id" }
        let shown = id.count > 40 ? String(id.prefix(40)) + "…" : id
        if id.count > maximumLength {
            return "the entry id '\(shown)' has \(id.count) characters; an id has at most \(maximumLength)"
        }
        guard first.isLetter || first.isNumber else {
            return "the entry id '\(shown)' must start with a letter or a digit"
        }
        if let bad = id.first(where: { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) {
            let what = bad.isWhitespace ? "a space" : "'\(bad)'"
            return "the entry id '\(shown)' contains \(what); an id is letters, digits, '-', '_' and '.'"
        }
        return nil
    }

    /// A valid id of ASCII letters, digits, '-', '_' and '.', starting with a letter or digit.
    private static func isPlainASCII(_ id: String) -> Bool {
        var count = 0
        for byte in id.utf8 {
            let letter = (byte | 0x20) >= 97 && (byte | 0x20) <= 122
            let alphanumeric = letter || (byte >= 48 && byte <= 57)
            guard alphanumeric || (count > 0 && (byte == 45 || byte == 95 || byte == 46)) else { return false }
            count += 1
        }
        return count > 0 && count <= maximumLength
    }
}

extension String {
    /// Whether the text is empty or only white space (checked by bytes when it is ASCII).
    public var isBlank: Bool {
        for byte in utf8 where byte != 32 && byte != 9 && byte != 10 && byte != 13 {
            return byte < 0x80 ? false : allSatisfy(\.isWhitespace)
        }
        return true
    }
}

/// A web address as a `url` field takes it: `http://` or `https://`, a host, no spaces.
public enum WebAddress {
    public static func isValid(_ text: String) -> Bool {
        let lower = text.lowercased()
        guard let scheme = ["https://", "http://"].first(where: { lower.hasPrefix($0) }) else { return false }
        let rest = text.dropFirst(scheme.count)
        let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return !host.isEmpty && !text.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 32 } == true })
            && host.first != "." && host.first != ":"
    }
}
