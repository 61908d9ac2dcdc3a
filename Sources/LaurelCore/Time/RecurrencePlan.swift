/// When a recurring workflow's cycles begin, and which of them to start after a pause.
///
/// Cycles with `starting` are anniversaries of it: `every: year, starting: 2025-07-22` begins
/// each 22 July, `every: quarter, starting: 2025-01-01` each quarter, counted from the starting
/// date (the 31st of a shorter month is its last day). Without `starting`, a named cycle begins
/// at the calendar's own starts (1 January, 1 April, ...). A cron expression begins at its times,
/// from `starting` when given. Every cycle begins at 00:00 local time unless cron says otherwise.
public struct RecurrencePlan: Sendable {
    public let recurrence: Recurrence
    public let calendar: ZonedCalendar
    /// A cycle found this long after it began (or less) is on time: the daemon looks every
    /// second while it runs, so only downtime makes a cycle later than this.
    public static let onTimeWindow: Instant = 3_600

    public init(_ recurrence: Recurrence, calendar: ZonedCalendar) {
        self.recurrence = recurrence
        self.calendar = calendar
    }

    /// The instant `starting` stands for (the start of that day), if given.
    public var firstInstant: Instant? {
        recurrence.starting.map { calendar.instant($0, LocalTime(hour: 0, minute: 0)!) }
    }

    /// The first cycle beginning strictly after `instant`.
    public func cycle(after instant: Instant) -> Instant? {
        if let first = firstInstant, instant < first { return first }
        switch recurrence.schedule {
        case .cron(let cron):
            return calendar.next(.cron(cron), after: instant)
        case .cycle(let cycle):
            guard let starting = recurrence.starting else { return calendar.next(.cycle(cycle), after: instant) }
            let months = cycle.months
            // The anniversary count k with starting + k cycles > instant: estimate from the
            // dates, then step forward (at most a couple of steps) past the estimate.
            let local = calendar.local(instant).date
            var k = max(0, ((local.year - starting.year) * 12 + local.month - starting.month) / months - 1)
            while true {
                let candidate = anniversary(starting, months: k * months)
                if candidate > instant { return candidate }
                k += 1
            }
        }
    }

    /// The id of the campaign of one cycle: the workflow id and the cycle's local date
    /// ("quarterly-recognition-2025-04-01"), with the time when a cron cycle begins other than
    /// at midnight ("...-2025-04-01-0830").
    public func campaignID(workflowID: String, cycle: Instant) -> String {
        let (date, time) = calendar.local(cycle)
        guard time.hour != 0 || time.minute != 0 else { return "\(workflowID)-\(date)" }
        return "\(workflowID)-\(date)-\(LocalDate.pad(time.hour, 2))\(LocalDate.pad(time.minute, 2))"
    }

    private func anniversary(_ starting: LocalDate, months: Int) -> Instant {
        let index = starting.month - 1 + months
        let year = starting.year + index / 12
        let month = index % 12 + 1
        let day = min(starting.day, LocalDate.daysIn(month: month, year: year))
        return calendar.instant(LocalDate(year: year, month: month, day: day)!, LocalTime(hour: 0, minute: 0)!)
    }

    /// What to do at `now`, given the last cycle handled (started or skipped), or, for a
    /// workflow never seen before, nil and the instant it was first seen.
    public struct Decision: Sendable, Hashable {
        /// Cycles to start now, in order.
        public var start: [Instant] = []
        /// Cycles passed over by the catch-up policy: how many, and the first and last of them.
        public var skipped = 0
        public var firstSkipped: Instant?
        public var lastSkipped: Instant?
        /// The last cycle this decision handles: the next look starts after it. Unchanged when
        /// nothing was due.
        public var cursor: Instant?
    }

    /// The cycles that began in (`cursor`, `now`], decided by the catch-up policy:
    /// - `all` starts every one, late or not, in order;
    /// - `latest` starts those on time and, of the late ones, only the most recent;
    /// - `skip` starts only those on time.
    /// A cycle is late when `now` is more than ``onTimeWindow`` after it began. A workflow seen
    /// for the first time (`cursor` nil) begins at `starting`, or without it with the first
    /// cycle after `firstSeen`. At most `limit` cycles are looked at per call; the cursor then
    /// stops at the last one and the next call goes on from there.
    public func decide(cursor: Instant?, firstSeen: Instant, now: Instant, limit: Int = 1_000) -> Decision {
        var decision = Decision(cursor: cursor)
        var from: Instant
        if let cursor {
            from = cursor
        } else if let first = firstInstant {
            from = first - 1
        } else {
            from = firstSeen
        }
        var due: [Instant] = []
        var more = false
        while let next = cycle(after: from), next <= now {
            if due.count == limit {
                more = true
                break
            }
            due.append(next)
            from = next
        }
        guard let last = due.last else { return decision }
        decision.cursor = last
        for (index, cycle) in due.enumerated() {
            let onTime = now - cycle <= Self.onTimeWindow
            let isLatest = index == due.count - 1 && !more
            let starts: Bool
            switch recurrence.catchUp {
            case .all: starts = true
            case .latest: starts = onTime || isLatest
            case .skip: starts = onTime
            }
            if starts {
                decision.start.append(cycle)
            } else {
                decision.skipped += 1
                decision.firstSkipped = decision.firstSkipped ?? cycle
                decision.lastSkipped = cycle
            }
        }
        return decision
    }
}

extension CalendarCycle {
    /// The cycle's length in months.
    public var months: Int {
        switch self {
        case .month: return 1
        case .quarter: return 3
        case .halfYear: return 6
        case .year: return 12
        }
    }
}
