import LaurelCore
import Testing

/// When recurring campaigns begin, and which cycles a catch-up policy starts after downtime.
@Suite struct RecurrencePlanTests {
    let hanoi = ZonedCalendar(zoneName: "Asia/Ho_Chi_Minh")!
    let berlin = ZonedCalendar(zoneName: "Europe/Berlin")!

    func day(
        _ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, in calendar: ZonedCalendar? = nil
    ) -> Instant {
        (calendar ?? hanoi).instant(
            LocalDate(year: year, month: month, day: day)!, LocalTime(hour: hour, minute: minute)!)
    }

    func plan(
        _ schedule: String, starting: LocalDate? = nil, catchUp: Recurrence.CatchUp = .latest,
        calendar: ZonedCalendar? = nil
    ) -> RecurrencePlan {
        RecurrencePlan(
            Recurrence(schedule: try! RepeatSchedule.parse(schedule).get(), starting: starting, catchUp: catchUp),
            calendar: calendar ?? hanoi)
    }

    func formatted(_ cycles: [Instant], _ calendar: ZonedCalendar? = nil) -> [String] {
        cycles.map { (calendar ?? hanoi).format($0) }
    }

    func cycles(_ plan: RecurrencePlan, after: Instant, count: Int) -> [Instant] {
        var result: [Instant] = []
        var from = after
        while result.count < count, let next = plan.cycle(after: from) {
            result.append(next)
            from = next
        }
        return result
    }

    @Test("a yearly cycle with a starting date is its anniversary: the Trade Union Award on 22 July")
    func anniversary() {
        let award = plan("year", starting: LocalDate(year: 2025, month: 7, day: 22))
        #expect(
            formatted(cycles(award, after: day(2020, 1, 1), count: 3))
                == ["2025-07-22 00:00", "2026-07-22 00:00", "2027-07-22 00:00"])
        #expect(formatted([award.cycle(after: day(2031, 7, 22))!]) == ["2032-07-22 00:00"], "strictly after")
        #expect(award.campaignID(workflowID: "award-22-7", cycle: day(2026, 7, 22)) == "award-22-7-2026-07-22")
    }

    @Test("quarters follow the calendar without a starting date, and count from it with one")
    func quarters() {
        #expect(
            formatted(cycles(plan("quarter"), after: day(2025, 2, 10), count: 3))
                == ["2025-04-01 00:00", "2025-07-01 00:00", "2025-10-01 00:00"])
        #expect(
            formatted(
                cycles(
                    plan("quarter", starting: LocalDate(year: 2025, month: 2, day: 15)), after: day(2025, 2, 20),
                    count: 2))
                == ["2025-05-15 00:00", "2025-08-15 00:00"])
    }

    @Test("a monthly cycle from the 31st takes each month's last day, and comes back to the 31st")
    func monthEnds() {
        #expect(
            formatted(
                cycles(
                    plan("month", starting: LocalDate(year: 2024, month: 1, day: 31)), after: day(2024, 1, 1), count: 4)
            )
                == ["2024-01-31 00:00", "2024-02-29 00:00", "2024-03-31 00:00", "2024-04-30 00:00"])
    }

    @Test("cron cycles keep their local time across Berlin's change of clocks")
    func cronInBerlin() {
        let weekly = plan("30 8 * * MON", calendar: berlin)
        #expect(
            formatted(cycles(weekly, after: day(2024, 3, 20, in: berlin), count: 2), berlin)
                == ["2024-03-25 08:30", "2024-04-01 08:30"])
        #expect(
            weekly.campaignID(workflowID: "weekly", cycle: day(2024, 3, 25, 8, 30, in: berlin))
                == "weekly-2024-03-25-0830")
    }

    @Test(
        "after downtime: all starts every cycle; latest the most recent; skip only those on time",
        arguments: [
            (Recurrence.CatchUp.all, 0, ["2025-04-01 00:00", "2025-07-01 00:00", "2025-10-01 00:00"], 0),
            (.latest, 0, ["2025-10-01 00:00"], 2),
            (.skip, 0, ["2025-10-01 00:00"], 2),
            (.all, 1, ["2025-04-01 00:00", "2025-07-01 00:00", "2025-10-01 00:00"], 0),
            (.latest, 1, ["2025-10-01 00:00"], 2),
            (.skip, 1, [], 3),
        ])
    func catchUp(_ policy: Recurrence.CatchUp, _ daysLate: Int, _ started: [String], _ skipped: Int) {
        let quarterly = plan("quarter", catchUp: policy)
        // Down from 2 January to 30 minutes after the October cycle began (on time), or a day later.
        let now = day(2025, 10, 1, 0, 30) + Instant(daysLate) * 86_400
        let decision = quarterly.decide(cursor: day(2025, 1, 1), firstSeen: day(2024, 12, 1), now: now)
        #expect(formatted(decision.start) == started)
        #expect(decision.skipped == skipped)
        #expect(decision.cursor == day(2025, 10, 1), "every due cycle is handled, started or not")
        if skipped > 0 {
            #expect(
                formatted([decision.firstSkipped!, decision.lastSkipped!]) == [
                    "2025-04-01 00:00", skipped == 3 ? "2025-10-01 00:00" : "2025-07-01 00:00",
                ])
        }
    }

    @Test("a workflow seen for the first time waits for its next cycle, or starts from its starting date")
    func firstSight() {
        let firstSeen = day(2025, 2, 10)
        let quarterly = plan("quarter")
        let nothing = quarterly.decide(cursor: nil, firstSeen: firstSeen, now: firstSeen)
        #expect(nothing.start.isEmpty && nothing.skipped == 0 && nothing.cursor == nil)
        #expect(
            formatted(quarterly.decide(cursor: nil, firstSeen: firstSeen, now: day(2025, 4, 1, 0, 5)).start) == [
                "2025-04-01 00:00"
            ])
        let fromJanuary = plan("quarter", starting: LocalDate(year: 2025, month: 1, day: 1), catchUp: .all)
        #expect(
            formatted(fromJanuary.decide(cursor: nil, firstSeen: firstSeen, now: firstSeen).start) == [
                "2025-01-01 00:00"
            ])
    }

    @Test("a long backlog is looked at a bounded number of cycles at a time, and its latest still wins")
    func boundedBacklog() {
        let monthly = plan("month", starting: LocalDate(year: 2000, month: 1, day: 1))
        let now = day(2025, 6, 15)
        let first = monthly.decide(cursor: nil, firstSeen: now, now: now, limit: 100)
        #expect(first.start.isEmpty && first.skipped == 100, "not yet the latest: all passed over")
        var cursor = first.cursor
        var started: [Instant] = []
        var looks = 1
        while true {
            let decision = monthly.decide(cursor: cursor, firstSeen: now, now: now, limit: 100)
            if decision.cursor == cursor { break }
            started += decision.start
            cursor = decision.cursor
            looks += 1
        }
        #expect(formatted(started) == ["2025-06-01 00:00"] && looks == 4)
    }
}
