public import Foundation

/// An instant: whole seconds since 1970-01-01T00:00Z. The engine never reads a clock; instants
/// come from the caller (a virtual clock in `simulate` and the tests, the system clock in the daemon).
public typealias Instant = Int64

/// Calendar arithmetic in one time zone: local date-times, durations added the way people count
/// them, and the next occurrence of a cron expression or a calendar cycle.
///
/// Daylight-saving rule, one way everywhere: a local time that a gap skips moves forward by the
/// gap; a local time that an overlap repeats means its earlier instant (so it happens once).
public struct ZonedCalendar: Sendable {
    /// UTC, made once: making a calendar reads the zone's rules.
    public static let utc = ZonedCalendar(zoneName: "UTC")!

    /// An instant as RFC 3339 in UTC, to the second: 2026-11-22T07:39:54Z.
    public static func utcTimestamp(_ instant: Instant) -> String {
        let (date, time) = utc.local(instant)
        return
            "\(date)T\(LocalDate.pad(time.hour, 2)):\(LocalDate.pad(time.minute, 2)):\(LocalDate.pad(time.second, 2))Z"
    }

    public let zone: TimeZone

    public init?(zoneName: String) {
        guard let zone = TimeZone(identifier: zoneName) else { return nil }
        self.zone = zone
    }

    /// The local date and time of an instant in this zone.
    public func local(_ instant: Instant) -> (date: LocalDate, time: LocalTime) {
        let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant))))
        let local = instant + offset
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let seconds = Int(local - days * 86_400)
        return (
            LocalDate(days: Int(days))!,
            LocalTime(hour: seconds / 3600, minute: seconds % 3600 / 60, second: seconds % 60)!
        )
    }

    public func instant(_ date: LocalDate, _ time: LocalTime) -> Instant {
        TimeZones.instant(of: date, time, in: zone)
    }

    /// The instant a written date or date-time stands for (a date alone: its start, or its end
    /// when `endOfDay`).
    public func instant(_ spec: DateTimeSpec, endOfDay: Bool) -> Instant {
        TimeZones.instant(of: spec, endOfDay: endOfDay, in: zone)
    }

    /// `instant` plus a duration: years, months, weeks and days move the local calendar date
    /// (the 31st plus a month is the last day of a shorter month), hours, minutes and seconds are
    /// exact.
    public func adding(_ duration: ISODuration, to instant: Instant) -> Instant {
        var result = instant
        if duration.years != 0 || duration.months != 0 || duration.weeks != 0 || duration.days != 0 {
            let (date, time) = local(instant)
            let months = date.month - 1 + duration.months + 12 * duration.years
            let year = date.year + (months >= 0 ? months / 12 : (months - 11) / 12)
            let month = ((months % 12) + 12) % 12 + 1
            let day = min(date.day, LocalDate.daysIn(month: month, year: year))
            let moved = LocalDate(year: year, month: month, day: day)!
            let shifted = LocalDate(days: moved.daysSinceEpoch + duration.days + 7 * duration.weeks)!
            result = self.instant(shifted, time)
        }
        return result + Int64(duration.hours * 3600 + duration.minutes * 60 + duration.seconds)
    }

    /// The first instant strictly after `instant` at which `schedule` fires.
    public func next(_ schedule: RepeatSchedule, after instant: Instant) -> Instant? {
        switch schedule {
        case .cycle(let cycle): return next(cycle, after: instant)
        case .cron(let cron): return next(cron, after: instant)
        }
    }

    /// The start (00:00 local) of the next month, quarter, half-year or year.
    func next(_ cycle: CalendarCycle, after instant: Instant) -> Instant {
        let date = local(instant).date
        let length: Int
        switch cycle {
        case .month: length = 1
        case .quarter: length = 3
        case .halfYear: length = 6
        case .year: length = 12
        }
        let index = date.year * 12 + date.month - 1
        let nextIndex = (index / length + 1) * length
        let start = LocalDate(year: nextIndex / 12, month: nextIndex % 12 + 1, day: 1)!
        return self.instant(start, LocalTime(hour: 0, minute: 0)!)
    }

    func next(_ cron: CronExpression, after instant: Instant) -> Instant? {
        let start = local(instant).date
        let hours = cron.hours.sorted()
        let minutes = cron.minutes.sorted()
        // Cron times repeat within a few years at most (29 February on a given weekday: 28).
        for offset in 0..<(366 * 29) {
            guard let date = LocalDate(days: start.daysSinceEpoch + offset), cron.months.contains(date.month),
                dayMatches(cron, date)
            else { continue }
            // Times in a daylight-saving gap move forward and may land after later times of the
            // day, so take the earliest instant of the day rather than the first in local order.
            var earliest: Instant?
            for hour in hours {
                for minute in minutes {
                    let candidate = self.instant(date, LocalTime(hour: hour, minute: minute)!)
                    if candidate > instant, candidate < (earliest ?? .max) { earliest = candidate }
                }
            }
            if let earliest { return earliest }
        }
        return nil
    }

    private func dayMatches(_ cron: CronExpression, _ date: LocalDate) -> Bool {
        let weekday = ((date.daysSinceEpoch % 7) + 7 + 4) % 7  // 1970-01-01 was a Thursday.
        let byMonth = cron.daysOfMonth.contains(date.day)
        let byWeek = cron.daysOfWeek.contains(weekday)
        switch (cron.dayOfMonthRestricted, cron.dayOfWeekRestricted) {
        case (true, true): return byMonth || byWeek
        case (true, false): return byMonth
        case (false, true): return byWeek
        case (false, false): return true
        }
    }

    /// "2022-05-31 23:59" in this zone, for timelines.
    public func format(_ instant: Instant) -> String {
        let (date, time) = local(instant)
        return "\(date) \(LocalDate.pad(time.hour, 2)):\(LocalDate.pad(time.minute, 2))"
    }
}
