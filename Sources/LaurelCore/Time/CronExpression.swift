/// A five-field cron expression: minute, hour, day of month, month, day of week.
///
/// Fields take `*`, numbers, ranges `a-b`, lists `a,b`, steps `*/n` and `a-b/n`, and the names
/// JAN-DEC and SUN-SAT. Day of week 7 is Sunday, as 0 is. When both day fields are restricted
/// a day matches either, as in Vixie cron.
public struct CronExpression: Sendable, Hashable, Codable, CustomStringConvertible {
    public var minutes: Set<Int>
    public var hours: Set<Int>
    public var daysOfMonth: Set<Int>
    public var months: Set<Int>
    public var daysOfWeek: Set<Int>
    public var dayOfMonthRestricted: Bool
    public var dayOfWeekRestricted: Bool
    public var source: String

    public var description: String { source }

    private struct Field {
        let name: String
        let range: ClosedRange<Int>
        let names: [String: Int]
    }

    private static let fields: [Field] = [
        Field(name: "minute", range: 0...59, names: [:]),
        Field(name: "hour", range: 0...23, names: [:]),
        Field(name: "day of the month", range: 1...31, names: [:]),
        Field(
            name: "month", range: 1...12,
            names: [
                "JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
                "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12,
            ]),
        Field(
            name: "day of the week", range: 0...7,
            names: [
                "SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6,
            ]),
    ]

    public static func parse(_ text: String) -> Result<CronExpression, DateText.Failure> {
        // Split on blanks, remembering where each field starts for error columns.
        var parts: [(text: String, offset: Int)] = []
        var current = ""
        var start = 0
        for (offset, char) in text.enumerated() {
            if char == " " || char == "\t" {
                if !current.isEmpty { parts.append((current, start)) }
                current = ""
            } else {
                if current.isEmpty { start = offset }
                current.append(char)
            }
        }
        if !current.isEmpty { parts.append((current, start)) }
        guard parts.count == 5 else {
            return .failure(
                DateText.Failure(
                    message:
                        "expected a cron expression of 5 fields (minute hour day-of-month month day-of-week) like '0 8 * * MON', got \(parts.count) field\(parts.count == 1 ? "" : "s")",
                    offset: 0))
        }
        var sets: [Set<Int>] = []
        for (index, part) in parts.enumerated() {
            switch parseField(part.text, fields[index], offset: part.offset) {
            case .success(let values): sets.append(values)
            case .failure(let failure): return .failure(failure)
            }
        }
        var daysOfWeek = sets[4]
        if daysOfWeek.remove(7) != nil { daysOfWeek.insert(0) }
        return .success(
            CronExpression(
                minutes: sets[0], hours: sets[1], daysOfMonth: sets[2], months: sets[3], daysOfWeek: daysOfWeek,
                dayOfMonthRestricted: parts[2].text != "*", dayOfWeekRestricted: parts[4].text != "*", source: text))
    }

    private static func parseField(_ text: String, _ field: Field, offset: Int) -> Result<Set<Int>, DateText.Failure> {
        var values = Set<Int>()
        var itemOffset = offset
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            defer { itemOffset += item.count + 1 }
            guard !item.isEmpty else {
                return .failure(
                    DateText.Failure(message: "an empty item in the \(field.name) field", offset: itemOffset))
            }
            let pieces = item.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else {
                return .failure(DateText.Failure(message: "'\(item)' has more than one '/'", offset: itemOffset))
            }
            var step = 1
            if pieces.count == 2 {
                let stepOffset = itemOffset + pieces[0].count + 1
                guard let value = Int(pieces[1]), value >= 1, value <= field.range.upperBound else {
                    return .failure(
                        DateText.Failure(
                            message:
                                "'\(pieces[1])' is not a step for the \(field.name): write a whole number from 1 to \(field.range.upperBound)",
                            offset: stepOffset))
                }
                step = value
            }
            let rangeText = pieces[0]
            var low = field.range.lowerBound
            var high = field.range.upperBound
            if rangeText != "*" {
                let bounds = rangeText.split(separator: "-", omittingEmptySubsequences: false)
                guard bounds.count <= 2 else {
                    return .failure(
                        DateText.Failure(message: "'\(rangeText)' is not a range like 1-5", offset: itemOffset))
                }
                switch value(bounds[0], field, offset: itemOffset) {
                case .success(let number): low = number
                case .failure(let failure): return .failure(failure)
                }
                high = pieces.count == 2 && bounds.count == 1 ? field.range.upperBound : low
                if bounds.count == 2 {
                    switch value(bounds[1], field, offset: itemOffset + bounds[0].count + 1) {
                    case .success(let number): high = number
                    case .failure(let failure): return .failure(failure)
                    }
                    guard low <= high else {
                        return .failure(
                            DateText.Failure(
                                message:
                                    "the range '\(rangeText)' runs backwards; write the smaller \(field.name) first",
                                offset: itemOffset))
                    }
                }
            }
            values.formUnion(stride(from: low, through: high, by: step))
        }
        return .success(values)
    }

    private static func value(_ text: Substring, _ field: Field, offset: Int) -> Result<Int, DateText.Failure> {
        if let named = field.names[text.uppercased()] { return .success(named) }
        guard let number = Int(text), text.allSatisfy(\.isASCII) else {
            let names =
                field.names.isEmpty ? "" : " or a name such as \(field.names.sorted { $0.value < $1.value }.first!.key)"
            return .failure(
                DateText.Failure(message: "'\(text)' is not a \(field.name): write a number\(names)", offset: offset))
        }
        guard field.range.contains(number) else {
            return .failure(
                DateText.Failure(
                    message:
                        "\(number) is not a \(field.name): \(field.name == "day of the week" ? "days of the week" : field.name + "s") go from \(field.range.lowerBound) to \(field.range.upperBound)",
                    offset: offset))
        }
        return .success(number)
    }
}
