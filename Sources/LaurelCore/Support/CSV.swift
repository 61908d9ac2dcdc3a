/// RFC 4180 CSV: commas, double-quoted cells with "" for a quote, CRLF or LF line ends, an
/// optional UTF-8 byte order mark. Parsing only; reading the file is the caller's.
public enum CSV {
    public struct Row: Sendable, Hashable {
        /// The 1-based line the row starts on.
        public var line: Int
        public var cells: [String]
        /// The 1-based column (in characters) where each cell starts.
        public var columns: [Int]
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var line: Int
        public var column: Int
        public var message: String
        public var description: String { message }
    }

    public static func parse(_ text: String) throws(Failure) -> [Row] {
        var rows: [Row] = []
        var cells: [String] = []
        var columns: [Int] = []
        var cell = ""
        var quoted = false
        var closedQuote = false
        var line = 1
        var column = 0  // of the scalar just read
        var cellColumn = 1
        var quoteStart = (line: 1, column: 1)
        var rowLine = 1
        var iterator = Array(text.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar? = iterator.next()
        if pending == "\u{FEFF}" { pending = iterator.next() }
        while let scalar = pending {
            pending = iterator.next()
            column += 1
            if quoted {
                if scalar == "\"" {
                    if pending == "\"" {
                        cell.unicodeScalars.append("\"")
                        pending = iterator.next()
                        column += 1
                    } else {
                        quoted = false
                        closedQuote = true
                    }
                } else {
                    if scalar == "\n" {
                        line += 1
                        column = 0
                    }
                    cell.unicodeScalars.append(scalar)
                }
                continue
            }
            // After a closing quote only the end of the cell may come: `"abc"def` is refused.
            if closedQuote, scalar != ",", scalar != "\n", scalar != "\r" {
                throw Failure(
                    line: line, column: column,
                    message:
                        "text after the closing double quote of a cell; put the whole cell in quotes, and write a quote inside it twice (\"\")"
                )
            }
            closedQuote = false
            switch scalar {
            case "\"" where cell.isEmpty:
                quoted = true
                quoteStart = (line, column)
            case "\"":
                throw Failure(
                    line: line, column: column,
                    message:
                        "a double quote inside a cell that does not start with one; put the whole cell in double quotes and write the quote twice (\"\")"
                )
            case ",":
                cells.append(cell)
                columns.append(cellColumn)
                cell = ""
                cellColumn = column + 1
            case "\r" where pending == "\n": continue
            case "\n", "\r":
                cells.append(cell)
                columns.append(cellColumn)
                rows.append(Row(line: rowLine, cells: cells, columns: columns))
                cells = []
                columns = []
                cell = ""
                line += 1
                column = 0
                cellColumn = 1
                rowLine = line
            default: cell.unicodeScalars.append(scalar)
            }
        }
        if quoted {
            throw Failure(
                line: quoteStart.line, column: quoteStart.column,
                message: "a quoted cell is not closed: add the closing double quote")
        }
        if !cell.isEmpty || !cells.isEmpty {
            cells.append(cell)
            columns.append(cellColumn)
            rows.append(Row(line: rowLine, cells: cells, columns: columns))
        }
        return rows
    }
}
