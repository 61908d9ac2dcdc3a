/// Text from people (names, titles, ids) made safe for each place it is written: a terminal or a
/// log line, Markdown, a CSV cell. A newline or an escape sequence in a name must never forge a
/// log line or move a cursor, and a '|' must never break a table.
public enum Escaping {
    /// One line for a terminal or a log: control characters (newline, tab, ESC, NUL, DEL and the
    /// C1 controls) shown as `\n`, `\t` or `\u{1B}`; everything else as it is.
    public static func line(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where isControl(scalar): result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Several lines for a terminal or a log: each line as ``line(_:)``, the line breaks kept.
    public static func lines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line(String($0)) }.joined(separator: "\n")
    }

    /// Text inside Markdown: the characters Markdown reads as markup are escaped with a backslash,
    /// control characters shown as in ``line(_:)``, so the text reads as written.
    public static func markdown(_ text: String) -> String {
        var result = ""
        let characters = Array(line(text))
        // Digits at the start of the text, which a following '.' would make a numbered list.
        let leadingDigits = characters.prefix { $0.isASCII && $0.isNumber }.count
        for (index, character) in characters.enumerated() {
            let escape =
                switch character {
                case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "~": true
                case "#", "+", "-": index == 0
                case ".", ")": index == leadingDigits && index > 0
                default: false
                }
            if escape { result.append("\\") }
            result.append(character)
        }
        return result
    }

    /// A CSV cell: quoted when it holds a comma, a quote, a line feed or a carriage return.
    public static func csvCell(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else {
            return text
        }
        return "\"" + text.replacing("\"", with: "\"\"") + "\""
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
