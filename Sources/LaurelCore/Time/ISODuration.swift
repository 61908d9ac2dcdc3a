import LaurelYAML

/// An ISO 8601 duration such as `P14D`, `P1M` or `PT2H30M`, kept in its calendar parts because
/// a month is not a fixed number of days.
public struct ISODuration: Sendable, Hashable, Codable, CustomStringConvertible {
    public var years = 0
    public var months = 0
    public var weeks = 0
    public var days = 0
    public var hours = 0
    public var minutes = 0
    public var seconds = 0

    public init(
        years: Int = 0, months: Int = 0, weeks: Int = 0, days: Int = 0, hours: Int = 0,
        minutes: Int = 0, seconds: Int = 0
    ) {
        self.years = years
        self.months = months
        self.weeks = weeks
        self.days = days
        self.hours = hours
        self.minutes = minutes
        self.seconds = seconds
    }

    public static let formHint =
        "expected a duration like P14D (14 days), P2W (2 weeks), P1M (1 month) or PT2H (2 hours)"

    public static func parse(_ text: String) -> Result<ISODuration, DateText.Failure> {
        let chars = Array(text)
        func failure(_ detail: String = "", offset: Int = 0) -> Result<ISODuration, DateText.Failure> {
            .failure(
                DateText.Failure(message: "\(formHint), got '\(text.truncatedForMessage)'\(detail)", offset: offset))
        }
        guard chars.first == "P" || chars.first == "p" else { return failure() }
        var duration = ISODuration()
        var inTime = false
        var index = 1
        var sawComponent = false
        var lastRank = -1
        while index < chars.count {
            if chars[index] == "T" || chars[index] == "t" {
                guard !inTime else { return failure(offset: index) }
                inTime = true
                index += 1
                continue
            }
            let start = index
            var value = 0
            while index < chars.count, let digit = chars[index].wholeNumberValue, chars[index].isASCII {
                value = value * 10 + digit
                guard value <= 1_000_000 else { return failure(": the number is too large", offset: start) }
                index += 1
            }
            guard index > start, index < chars.count else { return failure(offset: start) }
            let rank: Int
            switch (chars[index].uppercased(), inTime) {
            case ("Y", false):
                duration.years = value
                rank = 0
            case ("M", false):
                duration.months = value
                rank = 1
            case ("W", false):
                duration.weeks = value
                rank = 2
            case ("D", false):
                duration.days = value
                rank = 3
            case ("H", true):
                duration.hours = value
                rank = 4
            case ("M", true):
                duration.minutes = value
                rank = 5
            case ("S", true):
                duration.seconds = value
                rank = 6
            default: return failure(offset: index)
            }
            guard rank > lastRank else {
                return failure(": the parts must come in the order Y, M, W, D, T, H, M, S", offset: index)
            }
            lastRank = rank
            sawComponent = true
            index += 1
        }
        guard sawComponent else { return failure() }
        return .success(duration)
    }

    /// The duration as seconds, with months and years at their shortest (28 and 365 days); used
    /// to compare and to judge, never to schedule.
    public var approximateSeconds: Int {
        (((years * 365 + months * 28 + weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds
    }

    public var description: String {
        var text = "P"
        if years > 0 { text += "\(years)Y" }
        if months > 0 { text += "\(months)M" }
        if weeks > 0 { text += "\(weeks)W" }
        if days > 0 { text += "\(days)D" }
        if hours > 0 || minutes > 0 || seconds > 0 {
            text += "T"
            if hours > 0 { text += "\(hours)H" }
            if minutes > 0 { text += "\(minutes)M" }
            if seconds > 0 { text += "\(seconds)S" }
        }
        return text == "P" ? "PT0S" : text
    }
}
