/// How an editor counts a position's character: LSP's default is UTF-16 code units; a client may
/// offer UTF-8 (bytes), which the server then prefers.
public enum PositionEncoding: String, Sendable {
    case utf8 = "utf-8"
    case utf16 = "utf-16"
}

/// An LSP position: 0-based line, 0-based character in the encoding's code units.
public struct Position: Sendable, Hashable {
    public var line: Int
    public var character: Int

    public init(line: Int, character: Int) {
        self.line = line
        self.character = character
    }
}

/// A text's lines, to convert between Laurel's positions (1-based line, 1-based column counted in
/// Unicode scalars, as libyaml counts) and the editor's. A Vietnamese letter written decomposed
/// (NFD: `e` and a combining accent) is two scalars to both, one or two UTF-16 units each.
public struct LineIndex: Sendable {
    public let lines: [Substring]

    public init(_ text: String) {
        // Lines end at "\n"; a "\r" before it belongs to the end, not the line. Found on the
        // bytes: splitting a String by Character breaks it into graphemes, 2 ms a 700 KB file.
        let scalars = text.unicodeScalars
        var lines: [Substring] = []
        var start = scalars.startIndex
        var index = start
        let utf8 = text.utf8
        while index != utf8.endIndex {
            if utf8[index] == UInt8(ascii: "\n") {
                var end = index
                if end > start, utf8[utf8.index(before: end)] == UInt8(ascii: "\r") { end = utf8.index(before: end) }
                lines.append(Substring(scalars[start..<end]))
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        lines.append(Substring(scalars[start..<scalars.endIndex]))
        self.lines = lines
    }

    /// The editor's position of Laurel's line and column (clamped to the line's end).
    public func position(line: Int, column: Int, encoding: PositionEncoding) -> Position {
        let index = max(0, line - 1)
        guard index < lines.count else { return Position(line: index, character: 0) }
        var units = 0
        for (offset, scalar) in lines[index].unicodeScalars.enumerated() where offset < column - 1 {
            units += Self.width(scalar, encoding)
        }
        return Position(line: index, character: units)
    }

    /// Laurel's 1-based line and column of the editor's position (inside a scalar: that scalar).
    public func location(of position: Position, encoding: PositionEncoding) -> (line: Int, column: Int) {
        guard position.line >= 0, position.line < lines.count else { return (position.line + 1, 1) }
        var units = 0
        var column = 1
        for scalar in lines[position.line].unicodeScalars {
            let width = Self.width(scalar, encoding)
            if units + width > position.character { break }
            units += width
            column += 1
        }
        return (position.line + 1, column)
    }

    /// Where the word, number or quoted text starting at Laurel's line and column ends: a
    /// diagnostic's range. At least one character when the line has one there.
    public func tokenEnd(line: Int, column: Int, encoding: PositionEncoding) -> Position {
        let start = position(line: line, column: column, encoding: encoding)
        guard line >= 1, line <= lines.count else { return start }
        let scalars = Array(lines[line - 1].unicodeScalars.dropFirst(max(0, column - 1)))
        guard let first = scalars.first else { return start }
        var taken = 0
        if first == "\"" || first == "'" {
            taken = 1
            while taken < scalars.count {
                taken += 1
                if scalars[taken - 1] == first { break }
            }
        } else {
            let stops: Set<Unicode.Scalar> = [" ", "\t", ":", ",", "]", "}", "#", "[", "{"]
            while taken < scalars.count, !stops.contains(scalars[taken]) { taken += 1 }
            if taken == 0 { taken = 1 }
        }
        let width = scalars.prefix(taken).reduce(0) { $0 + Self.width($1, encoding) }
        return Position(line: start.line, character: start.character + width)
    }

    /// The text's UTF-8 offset of an editor position, for applying an edit.
    public func offset(of position: Position, encoding: PositionEncoding) -> Int {
        var offset = 0
        for index in 0..<min(position.line, lines.count) {
            offset += lines[index].utf8.count + 1
            // A "\r\n" line end is one more byte than the line shows.
            if lines[index].endIndex < lines[index].base.endIndex,
                lines[index].base.utf8[lines[index].endIndex] == UInt8(ascii: "\r")
            {
                offset += 1
            }
        }
        guard position.line < lines.count else { return offset }
        var units = 0
        for scalar in lines[position.line].unicodeScalars {
            let width = Self.width(scalar, encoding)
            if units + width > position.character { break }
            units += width
            offset += String(scalar).utf8.count
        }
        return offset
    }

    static func width(_ scalar: Unicode.Scalar, _ encoding: PositionEncoding) -> Int {
        switch encoding {
        case .utf8: return String(scalar).utf8.count
        case .utf16: return scalar.utf16.count
        }
    }
}
