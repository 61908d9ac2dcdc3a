/// A message of a step (an announcement, a notice) with places the campaign fills in when it is
/// sent: `{metrics.NAME}` and `{inputs.NAME}` (whole numbers grouped by thousands: 50,000; a date
/// input as its date), `{entries}` (how many the campaign holds) and `{title}`; `{{` writes a
/// brace. The plugins that send messages share it, so every message reads the same places.
public struct MessageTemplate: Sendable, Hashable {
    /// What a place may hold.
    enum Place: Hashable {
        case metric(String)
        case input(String)
        case entryCount
        case title

        init?(_ name: String) {
            if name == "entries" {
                self = .entryCount
            } else if name == "title" {
                self = .title
            } else if name.hasPrefix("metrics."), name.count > 8 {
                self = .metric(String(name.dropFirst(8)))
            } else if name.hasPrefix("inputs."), name.count > 7 {
                self = .input(String(name.dropFirst(7)))
            } else {
                return nil
            }
        }
    }

    let template: TextTemplate

    /// The message as written; a text that does not parse (checked at validation) reads as is.
    public init(_ text: String) {
        template = (try? TextTemplate.parse(text).get()) ?? TextTemplate(parts: [.text(text)])
    }

    /// A text sent as it is, without places.
    public init(literal text: String) {
        template = TextTemplate(parts: [.text(text)])
    }

    /// What is wrong with the message's places in this workflow: one sentence each.
    public static func problems(_ text: String, context: StepCheckContext) -> [String] {
        switch TextTemplate.parse(text, what: "the message") {
        case .failure(let problem):
            return [problem.message]
        case .success(let template):
            return template.places.compactMap { place in
                switch Place(place) {
                case .metric(let name) where !context.metricNames.contains(name):
                    return
                        "the message reads '{metrics.\(name)}', but there is no metric '\(name)'\(Suggestions.didYouMean(name, in: context.metricNames)); metrics are defined under 'metrics:'"
                case .input(let name) where !context.inputNames.contains(name):
                    return
                        "the message reads '{inputs.\(name)}', but there is no input '\(name)'\(Suggestions.didYouMean(name, in: context.inputNames)); inputs are defined under 'inputs:'"
                case nil:
                    return
                        "the message reads '{\(place)}'; a message can fill in {metrics.NAME}, {inputs.NAME}, {entries} and {title}"
                default:
                    return nil
                }
            }
        }
    }

    /// The message with its places filled in from the campaign as the step sees it.
    public func render(_ context: StepContext, title: String) -> String {
        template.render { name in
            switch Place(name) {
            case .metric(let metric): return TextTemplate.number(context.metrics[metric] ?? 0)
            case .input(let input):
                switch context.inputs[input] {
                case .number(let value)?: return TextTemplate.number(value)
                case .instant(let instant)?:
                    // A date input (a cycle's start) is midnight: write the date alone.
                    let (date, time) = context.calendar.local(instant)
                    return time.hour == 0 && time.minute == 0 && time.second == 0
                        ? "\(date)" : context.calendar.format(instant)
                case let value?: return value.description
                case nil: return "-"
                }
            case .entryCount: return TextTemplate.number(Double(context.entries.count))
            case .title: return title
            case nil: return "{\(name)}"
            }
        }
    }
}
