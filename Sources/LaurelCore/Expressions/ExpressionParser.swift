/// Reads the expression language: literals, `metrics.X`, `inputs.X`, `outcome.X`, `now`,
/// comparison, arithmetic, `and`/`or`/`not` and parentheses.
///
/// Names may contain `-` (`metrics.direct-workers`), so subtraction needs spaces: `a - b`.
public struct ExpressionParser {
    public struct Failure: Error, Sendable, Hashable {
        public var message: String
        public var offset: Int
    }

    private enum Token: Equatable {
        case number(Double)
        case text(String)
        case word(String)
        case symbol(String)
        case end
    }

    /// Unicode scalars, as libyaml counts columns, so offsets map onto the file exactly.
    private let chars: [Unicode.Scalar]
    private var tokens: [(token: Token, offset: Int)] = []
    private var position = 0

    public static func parse(_ text: String) -> Result<Expression, Failure> {
        var parser = ExpressionParser(text)
        do {
            try parser.tokenize()
            let expression = try parser.parseOr()
            guard case .end = parser.current.token else {
                throw Failure(
                    message: "unexpected \(parser.describe(parser.current.token)) after a complete expression",
                    offset: parser.current.offset)
            }
            return .success(expression)
        } catch let failure as Failure {
            return .failure(failure)
        } catch {
            return .failure(Failure(message: "\(error)", offset: 0))
        }
    }

    private init(_ text: String) {
        chars = Array(text.unicodeScalars)
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { scalar.value >= 48 && scalar.value <= 57 }

    private static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        let lower = scalar.value | 0x20
        return (lower >= 97 && lower <= 122) || (scalar.value > 127 && scalar.properties.isAlphabetic)
    }

    private func text(_ range: Range<Int>) -> String {
        var result = String.UnicodeScalarView()
        result.append(contentsOf: chars[range])
        return String(result)
    }

    private var current: (token: Token, offset: Int) { tokens[position] }

    private mutating func tokenize() throws {
        var index = 0
        while index < chars.count {
            let char = chars[index]
            if char == " " || char == "\t" || char == "\n" {
                index += 1
                continue
            }
            let start = index
            if Self.isDigit(char) {
                while index < chars.count, chars[index].isASCII,
                    Self.isLetter(chars[index]) || Self.isDigit(chars[index])
                        || ":.-+".unicodeScalars.contains(chars[index])
                {
                    // A '-' or '+' belongs to the literal only inside a date or an offset.
                    if chars[index] == "-" || chars[index] == "+" {
                        let length = index - start
                        guard length == 4 || length == 7 || length >= 16 else { break }
                    }
                    index += 1
                }
                let literal = text(start..<index)
                if let number = Double(literal), literal.allSatisfy({ $0.isNumber || $0 == "." }) {
                    tokens.append((.number(number), start))
                } else if literal.contains("-") {
                    tokens.append((.word(literal), start))
                } else {
                    throw Failure(message: "'\(literal)' is not a number", offset: start)
                }
                continue
            }
            if Self.isLetter(char) || char == "_" {
                while index < chars.count,
                    Self.isLetter(chars[index]) || Self.isDigit(chars[index])
                        || chars[index] == "_" || chars[index] == "-" || chars[index] == "."
                {
                    index += 1
                }
                tokens.append((.word(text(start..<index)), start))
                continue
            }
            if char == "'" || char == "\"" {
                index += 1
                while index < chars.count, chars[index] != char { index += 1 }
                guard index < chars.count else {
                    throw Failure(message: "this text has no closing \(char)", offset: start)
                }
                tokens.append((.text(text(start + 1..<index)), start))
                index += 1
                continue
            }
            let two = index + 1 < chars.count ? text(index..<index + 2) : ""
            if ["==", "!=", "<=", ">="].contains(two) {
                tokens.append((.symbol(two), start))
                index += 2
                continue
            }
            if "<>+-*/%()".unicodeScalars.contains(char) {
                tokens.append((.symbol(String(char)), start))
                index += 1
                continue
            }
            if char == "=" {
                throw Failure(message: "'=' alone is not an operator; compare with '=='", offset: start)
            }
            if char == "&" || char == "|" || char == "!" {
                throw Failure(message: "'\(char)' is not an operator; write 'and', 'or' or 'not'", offset: start)
            }
            throw Failure(message: "'\(char)' cannot appear in an expression", offset: start)
        }
        tokens.append((.end, chars.count))
    }

    private func describe(_ token: Token) -> String {
        switch token {
        case .number(let value): return "number \(value.formattedForMessage)"
        case .text(let value): return "text '\(value)'"
        case .word(let value): return "'\(value)'"
        case .symbol(let value): return "'\(value)'"
        case .end: return "end of the expression"
        }
    }

    private mutating func advance() -> (token: Token, offset: Int) {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private mutating func parseOr() throws -> Expression {
        var lhs = try parseAnd()
        while case .word("or") = current.token {
            let offset = advance().offset
            lhs = .binary(.or, lhs, try parseAnd(), offset: offset)
        }
        return lhs
    }

    private mutating func parseAnd() throws -> Expression {
        var lhs = try parseNot()
        while case .word("and") = current.token {
            let offset = advance().offset
            lhs = .binary(.and, lhs, try parseNot(), offset: offset)
        }
        return lhs
    }

    private mutating func parseNot() throws -> Expression {
        if case .word("not") = current.token {
            let offset = advance().offset
            return .unary(.not, try parseNot(), offset: offset)
        }
        return try parseComparison()
    }

    private mutating func parseComparison() throws -> Expression {
        let lhs = try parseAdditive()
        if case .symbol(let symbol) = current.token, let op = BinaryOperator(rawValue: symbol), op.isComparison {
            let offset = advance().offset
            let rhs = try parseAdditive()
            if case .symbol(let next) = current.token, let nextOp = BinaryOperator(rawValue: next), nextOp.isComparison
            {
                throw Failure(message: "comparisons cannot be chained; join them with 'and'", offset: current.offset)
            }
            return .binary(op, lhs, rhs, offset: offset)
        }
        return lhs
    }

    private mutating func parseAdditive() throws -> Expression {
        var lhs = try parseMultiplicative()
        while case .symbol(let symbol) = current.token, symbol == "+" || symbol == "-" {
            let offset = advance().offset
            lhs = .binary(BinaryOperator(rawValue: symbol)!, lhs, try parseMultiplicative(), offset: offset)
        }
        return lhs
    }

    private mutating func parseMultiplicative() throws -> Expression {
        var lhs = try parseUnary()
        while case .symbol(let symbol) = current.token, symbol == "*" || symbol == "/" || symbol == "%" {
            let offset = advance().offset
            lhs = .binary(BinaryOperator(rawValue: symbol)!, lhs, try parseUnary(), offset: offset)
        }
        return lhs
    }

    private mutating func parseUnary() throws -> Expression {
        if case .symbol("-") = current.token {
            let offset = advance().offset
            return .unary(.negate, try parseUnary(), offset: offset)
        }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws -> Expression {
        let (token, offset) = advance()
        switch token {
        case .number(let value):
            return .number(value, offset: offset)
        case .text(let value):
            return .text(value, offset: offset)
        case .symbol("("):
            let inner = try parseOr()
            guard case .symbol(")") = current.token else {
                throw Failure(
                    message: "expected ')' to close the '(' at column \(offset + 1) of the expression",
                    offset: current.offset)
            }
            _ = advance()
            return inner
        case .word(let text):
            return try word(text, at: offset)
        case .end:
            throw Failure(message: "the expression ends where a value was expected", offset: offset)
        default:
            throw Failure(message: "expected a value, got \(describe(token))", offset: offset)
        }
    }

    private func word(_ word: String, at offset: Int) throws -> Expression {
        switch word {
        case "true": return .boolean(true, offset: offset)
        case "false": return .boolean(false, offset: offset)
        case "now": return .now(offset: offset)
        case "and", "or", "not": throw Failure(message: "'\(word)' needs a value before it", offset: offset)
        default: break
        }
        if let first = word.first, first.isNumber {
            switch DateText.parseDateTime(word) {
            case .success(let spec):
                return spec.time == nil ? .date(spec.date, offset: offset) : .dateTime(spec, offset: offset)
            case .failure(let failure):
                throw Failure(message: failure.message, offset: offset + failure.offset)
            }
        }
        if word.first == "P", word.count > 1, case .success(let duration) = ISODuration.parse(word) {
            return .duration(duration, offset: offset)
        }
        let parts = word.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[1].isEmpty else {
            throw Failure(
                message:
                    "'\(word)' is not a value; names are written metrics.NAME, inputs.NAME or outcome.NAME, and texts in quotes",
                offset: offset)
        }
        return .reference(
            namespace: String(parts[0]), name: String(parts[1]), offset: offset,
            nameOffset: offset + parts[0].count + 1)
    }
}

extension Double {
    /// 20000 rather than 20000.0.
    public var formattedForMessage: String {
        rounded() == self && abs(self) < 1e15 ? String(Int64(self)) : String(self)
    }
}
