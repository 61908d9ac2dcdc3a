import LaurelCore
import Testing

@Suite struct ZonedCalendarTests {
    let berlin = ZonedCalendar(zoneName: "Europe/Berlin")!
    let hanoi = ZonedCalendar(zoneName: "Asia/Ho_Chi_Minh")!

    private func cron(_ text: String) -> RepeatSchedule { .cron(try! CronExpression.parse(text).get()) }

    @Test("local date-times round-trip outside DST changes")
    func local() {
        let instant: Instant = 1_653_956_940  // 2022-05-31T00:29Z
        #expect(hanoi.format(instant) == "2022-05-31 07:29")
        let (date, time) = hanoi.local(instant)
        #expect(hanoi.instant(date, time) == instant)
    }

    @Test("P1D across Berlin's spring change is one calendar day: 23 hours")
    func dayAcrossSpring() {
        let start = berlin.instant(LocalDate(year: 2024, month: 3, day: 30)!, LocalTime(hour: 12, minute: 0)!)
        let next = berlin.adding(ISODuration(days: 1), to: start)
        #expect(next - start == 23 * 3600)
        #expect(berlin.format(next) == "2024-03-31 12:00")
        #expect(berlin.adding(ISODuration(hours: 24), to: start) - start == 24 * 3600)
    }

    @Test("P1M from the 31st ends on the last day of a shorter month")
    func monthEnd() {
        let start = hanoi.instant(LocalDate(year: 2023, month: 1, day: 31)!, LocalTime(hour: 9, minute: 0)!)
        #expect(hanoi.format(hanoi.adding(ISODuration(months: 1), to: start)) == "2023-02-28 09:00")
        #expect(hanoi.format(hanoi.adding(ISODuration(years: 1, months: 1), to: start)) == "2024-02-29 09:00")
    }

    @Test("a daily 02:30 cron in Berlin fires once on each DST change day")
    func cronAcrossDST() {
        let schedule = cron("30 2 * * *")
        let before = berlin.instant(LocalDate(year: 2024, month: 3, day: 30)!, LocalTime(hour: 12, minute: 0)!)
        let spring = berlin.next(schedule, after: before)!
        #expect(berlin.format(spring) == "2024-03-31 03:30", "02:30 does not exist; it moves forward by the gap")
        #expect(berlin.format(berlin.next(schedule, after: spring)!) == "2024-04-01 02:30")
        let autumnEve = berlin.instant(LocalDate(year: 2024, month: 10, day: 26)!, LocalTime(hour: 12, minute: 0)!)
        let autumn = berlin.next(schedule, after: autumnEve)!
        #expect(autumn == 1_729_989_000, "the earlier of the two 02:30s (00:30Z)")
        #expect(berlin.format(berlin.next(schedule, after: autumn)!) == "2024-10-28 02:30", "not again an hour later")
    }

    @Test("calendar cycles start at local midnight of the next period")
    func cycles() {
        let instant = hanoi.instant(LocalDate(year: 2024, month: 5, day: 15)!, LocalTime(hour: 10, minute: 0)!)
        #expect(hanoi.format(hanoi.next(.cycle(.month), after: instant)!) == "2024-06-01 00:00")
        #expect(hanoi.format(hanoi.next(.cycle(.quarter), after: instant)!) == "2024-07-01 00:00")
        #expect(hanoi.format(hanoi.next(.cycle(.halfYear), after: instant)!) == "2024-07-01 00:00")
        #expect(hanoi.format(hanoi.next(.cycle(.year), after: instant)!) == "2025-01-01 00:00")
    }

    @Test("weekday and day-of-month restrictions combine like cron")
    func weekdays() {
        let monday = cron("0 8 * * MON")
        let friday = hanoi.instant(LocalDate(year: 2024, month: 5, day: 17)!, LocalTime(hour: 9, minute: 0)!)
        #expect(hanoi.format(hanoi.next(monday, after: friday)!) == "2024-05-20 08:00")
        let either = cron("0 8 1 * MON")  // the 1st or any Monday
        #expect(hanoi.format(hanoi.next(either, after: friday)!) == "2024-05-20 08:00")
        #expect(hanoi.format(hanoi.next(cron("0 0 29 FEB *"), after: friday)!) == "2028-02-29 00:00")
    }
}
