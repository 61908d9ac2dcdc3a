import LaurelYAML

/// A day of the proleptic Gregorian calendar, without a time zone.
public struct LocalDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), (1...Self.daysIn(month: month, year: year)).contains(day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    /// Days since 1970-01-01 (negative before it).
    public var daysSinceEpoch: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    public var description: String {
        "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))"
    }

    public static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December",
    ]
}

/// A time of day, to the second.
public struct LocalTime: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init?(hour: Int, minute: Int, second: Int = 0) {
        guard (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second) else { return nil }
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    public var secondsSinceMidnight: Int { hour * 3600 + minute * 60 + second }

    public var description: String {
        "\(LocalDate.pad(hour, 2)):\(LocalDate.pad(minute, 2))" + (second == 0 ? "" : ":\(LocalDate.pad(second, 2))")
    }

    public static func < (lhs: LocalTime, rhs: LocalTime) -> Bool {
        lhs.secondsSinceMidnight < rhs.secondsSinceMidnight
    }
}

/// A date, optionally with a time and a UTC offset, as written in a workflow file.
///
/// Without a time it means a whole day: its end when it is a deadline (`until:`), its start
/// otherwise. Without an offset it is read in the workflow's time zone.
public struct DateTimeSpec: Sendable, Hashable, Codable, CustomStringConvertible {
    public var date: LocalDate
    public var time: LocalTime?
    /// Seconds east of UTC, when the text carried `Z` or `+07:00`.
    public var offsetSeconds: Int?

    public init(date: LocalDate, time: LocalTime? = nil, offsetSeconds: Int? = nil) {
        self.date = date
        self.time = time
        self.offsetSeconds = offsetSeconds
    }

    public var description: String {
        var text = date.description
        if let time { text += "T\(time)" }
        if let offsetSeconds {
            if offsetSeconds == 0 {
                text += "Z"
            } else {
                let sign = offsetSeconds < 0 ? "-" : "+"
                let magnitude = abs(offsetSeconds)
                text += "\(sign)\(LocalDate.pad(magnitude / 3600, 2)):\(LocalDate.pad(magnitude % 3600 / 60, 2))"
            }
        }
        return text
    }
}

/// Reading dates and date-times from text, with messages that show the expected form.
public enum DateText {
    public struct Failure: Error, Sendable, Hashable {
        public var message: String
        /// Characters from the start of the text to the part that is wrong.
        public var offset: Int
    }

    public static func parseDate(_ text: String) -> Result<LocalDate, Failure> {
        let chars = Array(text)
        guard chars.count == 10, chars[4] == "-", chars[7] == "-",
            let year = number(chars, 0, 4), let month = number(chars, 5, 2), let day = number(chars, 8, 2)
        else {
            return .failure(
                Failure(
                    message: "expected a date like 2022-05-31, got '\(text.truncatedForMessage)'",
                    offset: 0))
        }
        return checkedDate(year: year, month: month, day: day, text: text)
    }

    /// A date alone, or a date-time with minutes and optional seconds and offset.
    public static func parseDateTime(_ text: String) -> Result<DateTimeSpec, Failure> {
        let expected =
            "expected a date like 2022-05-31 or a date-time like 2022-05-31T23:59, got '\(text.truncatedForMessage)'"
        let chars = Array(text)
        guard chars.count >= 10, chars[4] == "-", chars[7] == "-",
            let year = number(chars, 0, 4), let month = number(chars, 5, 2), let day = number(chars, 8, 2)
        else { return .failure(Failure(message: expected, offset: 0)) }
        let date: LocalDate
        switch checkedDate(year: year, month: month, day: day, text: String(chars[0..<10])) {
        case .success(let value): date = value
        case .failure(let failure): return .failure(failure)
        }
        if chars.count == 10 { return .success(DateTimeSpec(date: date)) }
        guard chars.count >= 16, chars[10] == "T" || chars[10] == " " || chars[10] == "t", chars[13] == ":",
            let hour = number(chars, 11, 2), let minute = number(chars, 14, 2)
        else { return .failure(Failure(message: expected, offset: 0)) }
        var index = 16
        var second = 0
        if index < chars.count, chars[index] == ":" {
            guard let value = number(chars, index + 1, 2) else {
                return .failure(Failure(message: expected, offset: 0))
            }
            second = value
            index += 3
        }
        guard let time = LocalTime(hour: hour, minute: minute, second: second) else {
            return .failure(
                Failure(
                    message:
                        "\(String(chars[11..<index])) is not a time of day: hours go from 00 to 23, minutes and seconds from 00 to 59",
                    offset: 11))
        }
        if index == chars.count { return .success(DateTimeSpec(date: date, time: time)) }
        if chars[index] == "Z" || chars[index] == "z", index + 1 == chars.count {
            return .success(DateTimeSpec(date: date, time: time, offsetSeconds: 0))
        }
        guard chars[index] == "+" || chars[index] == "-", chars.count == index + 6, chars[index + 3] == ":",
            let hours = number(chars, index + 1, 2), let minutes = number(chars, index + 4, 2),
            hours <= 14, minutes <= 59
        else {
            return .failure(
                Failure(
                    message: "expected a UTC offset like +07:00 or Z after the time, got '\(String(chars[index...]))'",
                    offset: index))
        }
        let sign = chars[index] == "-" ? -1 : 1
        return .success(DateTimeSpec(date: date, time: time, offsetSeconds: sign * (hours * 3600 + minutes * 60)))
    }

    private static func checkedDate(year: Int, month: Int, day: Int, text: String) -> Result<LocalDate, Failure> {
        guard (1...12).contains(month) else {
            return .failure(Failure(message: "\(text) is not a date: months go from 01 to 12", offset: 5))
        }
        guard let date = LocalDate(year: year, month: month, day: day) else {
            let days = LocalDate.daysIn(month: month, year: year)
            return .failure(
                Failure(
                    message: "\(text) is not a date: \(LocalDate.monthNames[month - 1]) \(year) has \(days) days",
                    offset: 8))
        }
        return .success(date)
    }

    private static func number(_ chars: [Character], _ start: Int, _ length: Int) -> Int? {
        guard start + length <= chars.count else { return nil }
        var value = 0
        for char in chars[start..<(start + length)] {
            guard let digit = char.wholeNumberValue, char.isASCII else { return nil }
            value = value * 10 + digit
        }
        return value
    }
}
