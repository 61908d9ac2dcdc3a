public import Foundation

/// IANA time zone names and the offsets they give, from the system's time zone database.
///
/// Reading the zone database is the only thing in `LaurelCore` that touches the system; it is
/// data, not a clock, and gives the same answer for the same database.
public enum TimeZones {
    /// Whether `name` is an IANA zone name this system knows.
    public static func isKnown(_ name: String) -> Bool {
        known.contains(name)
    }

    private static let known: Set<String> = Set(TimeZone.knownTimeZoneIdentifiers).union(["UTC", "Etc/UTC"])

    /// A suggestion for a zone name that is not known, by edit distance or by a city people
    /// often write in its place.
    public static func suggestion(for name: String) -> String? {
        let aliases = [
            "Asia/Hanoi": "Asia/Ho_Chi_Minh", "Asia/Saigon": "Asia/Ho_Chi_Minh",
            "Asia/HoChiMinh": "Asia/Ho_Chi_Minh", "Vietnam": "Asia/Ho_Chi_Minh",
            "Asia/Vietnam": "Asia/Ho_Chi_Minh", "ICT": "Asia/Ho_Chi_Minh",
        ]
        if let alias = aliases.first(where: { $0.key.lowercased() == name.lowercased() }) { return alias.value }
        return Suggestions.closest(to: name, in: known)
    }

    /// Seconds since 1970-01-01T00:00Z of a local date and time in `zone`.
    ///
    /// A local time that a daylight-saving gap skips is moved forward by the gap; one that an
    /// overlap repeats takes the earlier of its two instants. docs/engine.md explains why.
    public static func instant(of date: LocalDate, _ time: LocalTime, in zoneName: String) -> Int64? {
        TimeZone(identifier: zoneName).map { instant(of: date, time, in: $0) }
    }

    public static func instant(of date: LocalDate, _ time: LocalTime, in zone: TimeZone) -> Int64 {
        let local = Int64(date.daysSinceEpoch) * 86_400 + Int64(time.secondsSinceMidnight)
        let offsetBefore = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local - 86_400))))
        let offsetAfter = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local + 86_400))))
        // Try the earlier offset first: in an overlap both fit and the earlier instant wins.
        for offset in [max(offsetBefore, offsetAfter), min(offsetBefore, offsetAfter)] {
            let candidate = local - offset
            if Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(candidate)))) == offset {
                return candidate
            }
        }
        // In a gap neither fits: read the wall time with the offset in force before the gap.
        return local - offsetBefore
    }

    /// The instant a written date or date-time stands for: a date alone is the start of that day,
    /// or the end of it (the first instant of the next) when `endOfDay`.
    public static func instant(of spec: DateTimeSpec, endOfDay: Bool, in zoneName: String) -> Int64? {
        TimeZone(identifier: zoneName).map { instant(of: spec, endOfDay: endOfDay, in: $0) }
    }

    public static func instant(of spec: DateTimeSpec, endOfDay: Bool, in zone: TimeZone) -> Int64 {
        let time = spec.time ?? LocalTime(hour: 0, minute: 0)!
        let extraDay: Int64 = spec.time == nil && endOfDay ? 86_400 : 0
        if let offset = spec.offsetSeconds {
            return Int64(spec.date.daysSinceEpoch) * 86_400 + Int64(time.secondsSinceMidnight) - Int64(offset)
                + extraDay
        }
        // The end of a day is the start of the next day in the zone, which DST may move.
        if extraDay > 0, let next = LocalDate(days: spec.date.daysSinceEpoch + 1) {
            return instant(of: next, time, in: zone)
        }
        return instant(of: spec.date, time, in: zone)
    }
}

extension LocalDate {
    /// The date `days` after 1970-01-01.
    public init?(days: Int) {
        // Howard Hinnant's civil_from_days.
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        self.init(year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month: month, day: day)
    }
}
