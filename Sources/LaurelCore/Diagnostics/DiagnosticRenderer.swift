import LaurelYAML

/// Writes diagnostics in the compilers' form, `path:line:col: error: message [code]`, each
/// followed by its source line with a caret under the column, or as JSON for tools.
public struct DiagnosticRenderer: Sendable {
    /// The text of each file a diagnostic may point into, keyed by the path diagnostics print.
    private var sources: [String: [Substring]] = [:]

    static let excerptWidth = 120

    public init() {}

    public mutating func addSource(_ text: String, file: String) {
        sources[file] = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.last == "\r" ? $0.dropLast() : $0
        }
    }

    public func text(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map(text).joined()
    }

    public func text(_ diagnostic: Diagnostic) -> String {
        var output =
            "\(diagnostic.location): \(diagnostic.severity.rawValue): \(diagnostic.message) [\(diagnostic.code)]\n"
        output += excerpt(at: diagnostic.location)
        for note in diagnostic.notes {
            if let location = note.location {
                output += "\(location): note: \(note.message)\n"
                output += excerpt(at: location)
            } else {
                output += "    note: \(note.message)\n"
            }
        }
        return output
    }

    /// The source line and a caret under the column; tabs are kept so the caret lines up.
    private func excerpt(at location: SourceLocation) -> String {
        guard let lines = sources[location.file], location.line >= 1, location.line <= lines.count else { return "" }
        var line = lines[location.line - 1]
        var column = location.column
        // A very long line is shown as a window around the column, so a minified or hostile
        // file cannot flood the terminal.
        var lead = ""
        if column > Self.excerptWidth / 2, line.count > Self.excerptWidth {
            let start = line.index(line.startIndex, offsetBy: min(column - Self.excerptWidth / 2, line.count))
            line = line[start...]
            column = Self.excerptWidth / 2
            lead = "..."
        }
        let shown = line.count > Self.excerptWidth ? line.prefix(Self.excerptWidth) + "..." : line
        let number = String(location.line)
        let gutter = String(repeating: " ", count: number.count)
        let padding =
            String(repeating: " ", count: lead.count)
            + String(line.prefix(max(0, column - 1)).map { $0 == "\t" ? "\t" : " " })
        return " \(number) | \(lead)\(shown)\n \(gutter) | \(padding)^\n"
    }

    public static func json(_ diagnostics: [Diagnostic]) -> JSONValue {
        .array(
            diagnostics.map { diagnostic in
                var fields: [(String, JSONValue)] = [
                    ("file", .string(diagnostic.location.file)),
                    ("line", .number(Double(diagnostic.location.line))),
                    ("column", .number(Double(diagnostic.location.column))),
                    ("severity", .string(diagnostic.severity.rawValue)),
                    ("code", .string(diagnostic.code.rawValue)),
                    ("message", .string(diagnostic.message)),
                ]
                if !diagnostic.notes.isEmpty {
                    fields.append(
                        (
                            "notes",
                            .array(
                                diagnostic.notes.map { note in
                                    var noteFields: [(String, JSONValue)] = [("message", .string(note.message))]
                                    if let location = note.location {
                                        noteFields += [
                                            ("file", .string(location.file)), ("line", .number(Double(location.line))),
                                            ("column", .number(Double(location.column))),
                                        ]
                                    }
                                    return .object(noteFields)
                                })
                        ))
                }
                return .object(fields)
            })
    }
}
