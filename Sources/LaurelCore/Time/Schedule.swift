import LaurelYAML

/// A calendar cycle that a timer or a recurrence can follow by name.
public enum CalendarCycle: String, Sendable, Hashable, Codable, CaseIterable {
    case month
    case quarter
    case halfYear = "half-year"
    case year
}

/// When a repeating timer fires: a named calendar cycle or a cron expression.
public enum RepeatSchedule: Sendable, Hashable, Codable, CustomStringConvertible {
    case cycle(CalendarCycle)
    case cron(CronExpression)

    public static func parse(_ text: String) -> Result<RepeatSchedule, DateText.Failure> {
        if let cycle = CalendarCycle(rawValue: text) { return .success(.cycle(cycle)) }
        let looksLikeCron = text.contains(" ")
        guard looksLikeCron else {
            let names = CalendarCycle.allCases.map(\.rawValue)
            return .failure(
                DateText.Failure(
                    message:
                        "expected \(Suggestions.list(names)) or a cron expression like '0 8 * * MON', got '\(text.truncatedForMessage)'\(Suggestions.didYouMean(text, in: names))",
                    offset: 0))
        }
        return CronExpression.parse(text).map { .cron($0) }
    }

    public var description: String {
        switch self {
        case .cycle(let cycle): return cycle.rawValue
        case .cron(let cron): return cron.source
        }
    }
}
