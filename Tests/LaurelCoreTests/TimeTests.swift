import LaurelCore
import Testing

@Suite struct DateTextTests {
    @Test("dates and date-times with or without offset")
    func parses() throws {
        #expect(try DateText.parseDate("2022-05-31").get() == LocalDate(year: 2022, month: 5, day: 31))
        let local = try DateText.parseDateTime("2022-05-31T23:59").get()
        #expect(local.time == LocalTime(hour: 23, minute: 59) && local.offsetSeconds == nil)
        #expect(try DateText.parseDateTime("2022-05-31T23:59:30Z").get().offsetSeconds == 0)
        #expect(try DateText.parseDateTime("2022-05-31T08:00+07:00").get().offsetSeconds == 25_200)
        #expect(try DateText.parseDateTime("2022-05-31T08:00-03:30").get().offsetSeconds == -12_600)
        #expect(try DateText.parseDateTime("2022-05-31").get().time == nil)
    }

    @Test(
        "wrong forms say what was expected",
        arguments: [
            ("May 31", "expected a date like 2022-05-31 or a date-time like 2022-05-31T23:59, got 'May 31'"),
            ("2023-02-29", "2023-02-29 is not a date: February 2023 has 28 days"),
            ("2022-13-01", "2022-13-01 is not a date: months go from 01 to 12"),
            (
                "2022-05-31T24:00",
                "24:00 is not a time of day: hours go from 00 to 23, minutes and seconds from 00 to 59"
            ),
            ("2022-05-31T23:59+7", "expected a UTC offset like +07:00 or Z after the time, got '+7'"),
        ])
    func failures(_ text: String, _ message: String) {
        guard case .failure(let failure) = DateText.parseDateTime(text) else {
            Issue.record("\(text) parsed")
            return
        }
        #expect(failure.message == message)
    }

    @Test("leap years", arguments: [(2024, true), (2023, false), (1900, false), (2000, true)])
    func leapYears(_ year: Int, _ leap: Bool) {
        #expect((LocalDate(year: year, month: 2, day: 29) != nil) == leap)
    }

    @Test("days since the epoch round-trip")
    func epochDays() {
        for days in stride(from: -800_000, through: 800_000, by: 997) {
            #expect(LocalDate(days: days)?.daysSinceEpoch == days)
        }
        #expect(LocalDate(year: 1970, month: 1, day: 1)?.daysSinceEpoch == 0)
        #expect(LocalDate(year: 2022, month: 5, day: 31)?.daysSinceEpoch == 19_143)
    }
}

@Suite struct DurationTests {
    @Test(
        "ISO 8601 durations",
        arguments: [
            ("P14D", ISODuration(days: 14)), ("P2W", ISODuration(weeks: 2)), ("P1M", ISODuration(months: 1)),
            ("PT2H30M", ISODuration(hours: 2, minutes: 30)),
            ("P1Y2M3DT4H5M6S", ISODuration(years: 1, months: 2, days: 3, hours: 4, minutes: 5, seconds: 6)),
        ])
    func parses(_ text: String, _ expected: ISODuration) throws {
        #expect(try ISODuration.parse(text).get() == expected)
        #expect(expected.description == text)
    }

    @Test("not durations", arguments: ["14 days", "P", "PT", "P1H", "PT1D", "P1D2Y", "14D", "P-1D", ""])
    func failures(_ text: String) {
        #expect((try? ISODuration.parse(text).get()) == nil)
    }
}

@Suite struct CronTests {
    @Test("ranges, lists, steps and names")
    func parses() throws {
        let cron = try CronExpression.parse("*/15 8-17 1,15 JAN-MAR MON-FRI").get()
        #expect(cron.minutes == [0, 15, 30, 45])
        #expect(cron.hours == Set(8...17))
        #expect(cron.daysOfMonth == [1, 15])
        #expect(cron.months == [1, 2, 3])
        #expect(cron.daysOfWeek == Set(1...5))
        #expect(try CronExpression.parse("0 0 * * 7").get().daysOfWeek == [0])
        #expect(try CronExpression.parse("5-20/5 * * * *").get().minutes == [5, 10, 15, 20])
        #expect(try CronExpression.parse("0 9 22 jul *").get().months == [7])
    }

    @Test(
        "errors point at the offending field",
        arguments: [
            ("61 * * * *", 0, "61 is not a minute: minutes go from 0 to 59"),
            ("0 24 * * *", 2, "24 is not a hour: hours go from 0 to 23"),
            ("0 8 * * 1-9", 10, "9 is not a day of the week: days of the week go from 0 to 7"),
            ("0 8 32 * *", 4, "32 is not a day of the month: day of the months go from 1 to 31"),
            ("0 8 * FOO *", 6, "'FOO' is not a month: write a number or a name such as JAN"),
            ("0 8 * * 5-1", 8, "the range '5-1' runs backwards; write the smaller day of the week first"),
            ("*/0 * * * *", 2, "'0' is not a step for the minute: write a whole number from 1 to 59"),
        ])
    func failures(_ text: String, _ offset: Int, _ message: String) {
        guard case .failure(let failure) = CronExpression.parse(text) else {
            Issue.record("\(text) parsed")
            return
        }
        #expect(failure.offset == offset)
        #expect(failure.message == message)
    }
}

@Suite struct TimeZoneTests {
    private func instant(_ text: String, _ zone: String, endOfDay: Bool = false) throws -> Int64? {
        TimeZones.instant(of: try DateText.parseDateTime(text).get(), endOfDay: endOfDay, in: zone)
    }

    @Test("IANA names are known; cities people write instead are suggested")
    func names() {
        #expect(TimeZones.isKnown("Asia/Ho_Chi_Minh"))
        #expect(TimeZones.isKnown("Europe/Berlin"))
        #expect(!TimeZones.isKnown("Asia/Hanoi"))
        #expect(TimeZones.suggestion(for: "Asia/Hanoi") == "Asia/Ho_Chi_Minh")
        #expect(TimeZones.suggestion(for: "Europe/Berlinn") == "Europe/Berlin")
    }

    @Test("a date alone is the start of the day, or the end of it as a deadline")
    func endOfDay() throws {
        // 2022-05-31 00:00 in Ho Chi Minh City (UTC+7) is 2022-05-30T17:00Z.
        #expect(try instant("2022-05-31", "Asia/Ho_Chi_Minh") == 1_653_930_000)
        #expect(try instant("2022-05-31", "Asia/Ho_Chi_Minh", endOfDay: true) == 1_653_930_000 + 86_400)
        #expect(try instant("2022-05-31T23:59", "Asia/Ho_Chi_Minh") == 1_653_930_000 + 86_340)
        #expect(try instant("2022-05-31T23:59+00:00", "Asia/Ho_Chi_Minh") == 1_653_930_000 + 86_340 + 25_200)
    }

    @Test("a time in Berlin's spring gap moves forward by the gap")
    func springGap() throws {
        // 2024-03-31: clocks go from 02:00 CET to 03:00 CEST; 02:30 does not exist.
        let gap = try #require(try instant("2024-03-31T02:30", "Europe/Berlin"))
        let after = try #require(try instant("2024-03-31T03:30", "Europe/Berlin"))
        #expect(gap == after)
        #expect(try instant("2024-03-31T01:30", "Europe/Berlin") == 1_711_845_000)
    }

    @Test("a time in Berlin's autumn overlap takes the earlier instant")
    func autumnOverlap() throws {
        // 2024-10-27: 02:30 happens twice, first at 00:30Z (CEST), then at 01:30Z (CET).
        #expect(try instant("2024-10-27T02:30", "Europe/Berlin") == 1_729_989_000)
    }

    @Test("the end of a day is the next midnight even across a DST change")
    func endOfDayAcrossDST() throws {
        let start = try #require(try instant("2024-03-31", "Europe/Berlin"))
        let end = try #require(try instant("2024-03-31", "Europe/Berlin", endOfDay: true))
        #expect(end - start == 23 * 3600)
    }
}
