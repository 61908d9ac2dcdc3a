import LaurelCore
import Testing

@Suite struct ExpressionTests {
    private let scope = ExpressionScope(
        metrics: ["initiatives", "direct-workers"],
        inputs: ["deadline": .date, "region": .text],
        outcome: ["reached": .boolean, "value": .number])

    private func check(_ text: String) -> (ValueType?, [ExpressionChecker.Problem]) {
        switch ExpressionParser.parse(text) {
        case .failure(let failure):
            return (
                nil,
                [ExpressionChecker.Problem(code: .expressionSyntax, message: failure.message, offset: failure.offset)]
            )
        case .success(let expression):
            var problems: [ExpressionChecker.Problem] = []
            let type = ExpressionChecker.check(expression, in: scope, problems: &problems)
            return (type, problems)
        }
    }

    @Test(
        "well-typed conditions",
        arguments: [
            "metrics.initiatives >= 50000",
            "metrics.initiatives >= 20000 and not outcome.reached",
            "(metrics.initiatives + 5) * 2 > 10 or inputs.region == 'Hà Nội'",
            "now < 2023-09-30T23:59+07:00",
            "inputs.deadline - P7D < now",
            "metrics.direct-workers * 0.306 >= metrics.initiatives",
            "outcome.value % 2 == 0",
            "-metrics.initiatives < 0",
        ])
    func booleans(_ text: String) {
        let (type, problems) = check(text)
        #expect(problems.isEmpty, "\(problems)")
        #expect(type == .boolean)
    }

    @Test(
        "problems carry the offset of what is wrong",
        arguments: [
            (
                "metrics.initiativs >= 1", 8,
                "metric 'initiativs' is not defined under 'metrics:' (did you mean 'initiatives'?)"
            ),
            ("metrics.initiatives >= 'many'", 20, "'>=' cannot combine a number with a text"),
            ("metrics.initiatives >=", 22, "the expression ends where a value was expected"),
            ("metrics.initiatives = 5", 20, "'=' alone is not an operator; compare with '=='"),
            ("1 < 2 < 3", 6, "comparisons cannot be chained; join them with 'and'"),
            ("metrics.initiatives && true", 20, "'&' is not an operator; write 'and', 'or' or 'not'"),
            ("inputs.regin == 'x'", 7, "input 'regin' is not defined under 'inputs:' (did you mean 'region'?)"),
            (
                "metric.initiatives > 1", 0,
                "'metric' is not a name an expression knows; use metrics.NAME, inputs.NAME, outcome.NAME or now (did you mean 'metrics'?)"
            ),
            ("(1 > 2", 6, "expected ')' to close the '(' at column 1 of the expression"),
            ("not 5", 0, "'not' needs true or false, got a number"),
            ("'unclosed", 0, "this text has no closing '"),
            ("2022-02-30 < now", 8, "2022-02-30 is not a date: February 2022 has 28 days"),
            (
                "metrics.initiatives-5 > 0", 8,
                "metric 'initiatives-5' is not defined under 'metrics:' (did you mean 'initiatives'?); to subtract, put spaces around '-'"
            ),
        ])
    func problems(_ text: String, _ offset: Int, _ message: String) {
        let (_, problems) = check(text)
        #expect(problems.first?.message == message)
        #expect(problems.first?.offset == offset)
    }

    @Test("outcome values are unknown where no outcome is handled")
    func outcomeOutsideStep() {
        let scope = ExpressionScope(metrics: [], inputs: [:], outcome: nil)
        guard case .success(let expression) = ExpressionParser.parse("outcome.reached") else {
            Issue.record("did not parse")
            return
        }
        var problems: [ExpressionChecker.Problem] = []
        _ = ExpressionChecker.check(expression, in: scope, problems: &problems)
        #expect(problems.map(\.code) == [.unknownName])
    }
}
