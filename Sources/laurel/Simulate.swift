import ArgumentParser
import Foundation
import LaurelCore
import LaurelDaemon
import LaurelSQLite
import LaurelService
import LaurelStore

extension Laurel {
    struct Simulate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a workflow on a virtual clock and print its timeline, from launch to its final state.",
            discussion: """
                Without --script, an administrator launches the campaign, units report and submit entries, \
                and council members score or abstain, all generated from --seed: the same seed gives the \
                same run, other seeds take other paths. Times are local to the workflow's time zone; a \
                deadline written as a date shows as 24:00 of that day.
                """
        )

        @Argument(help: "The workflow file.", completion: .file(extensions: ["yaml", "yml"]))
        var workflow: String

        @Option(
            help: ArgumentHelp(
                "When the virtual clock starts (local date or date-time). Default: 1 January 08:00 of the year of the workflow's first date.",
                valueName: "date"))
        var start: String?

        @Option(help: ArgumentHelp("Stop when the clock passes this local date or date-time.", valueName: "date"))
        var until: String?

        @Option(help: ArgumentHelp("A YAML file of events at given times (see docs/engine.md).", valueName: "file"))
        var script: String?

        @Option(
            help: ArgumentHelp(
                "Organisation data (YAML or CSV) the steps see: council members' units, quota populations. Repeat for several files.",
                valueName: "file"))
        var organisation: [String] = []

        @Option(
            help: ArgumentHelp(
                "Write each winner's certificate to this folder as Markdown and HTML.", valueName: "folder"))
        var certificates: String?

        // Unconditional, so '--seed -5' is read as a value (and refused as not a seed), not as a flag.
        @Option(
            parsing: .unconditional,
            help: ArgumentHelp("The seed of generated events: a whole number, 0 or more.", valueName: "n"))
        var seed: UInt64 = 1

        @Option(help: "text for people, json for programs.")
        var format: OutputFormat = .text

        func validate() throws {
            for (name, value) in [("--start", start), ("--until", until)] {
                if let value, case .failure(let failure) = DateText.parseDateTime(value) {
                    throw ValidationError("\(name): \(failure.message)")
                }
            }
        }

        func run() throws {
            let loaded = try LoadedWorkflow.load(workflow)
            var engine = loaded.engine
            // The files named here, or else the ones the workflow names (relative to it).
            let files =
                organisation.isEmpty ? OrganisationFiles.named(by: loaded.workflow, file: workflow) : organisation
            if !files.isEmpty {
                let (result, renderer) = OrganisationFiles.read(files)
                FileHandle.standardError.write(Data(renderer.text(result.diagnostics).utf8))
                guard let data = result.organisation else { throw ExitCode.inputErrors }
                engine.organisation = data
            }
            let calendar = engine.calendar
            var startInstant =
                try start.map { try calendar.instant(DateText.parseDateTime($0).get(), endOfDay: false) }
                ?? Self.defaultStart(loaded.workflow, calendar)
            // A recurring workflow runs one cycle: the first that begins at or after the start,
            // with its start as the `cycle` input when the workflow declares one.
            var inputs: [String: Value] = [:]
            var cycles: (simulated: Instant, following: [Instant])?
            if let recurrence = loaded.workflow.recurrence {
                let plan = RecurrencePlan(recurrence, calendar: calendar)
                if let cycle = plan.cycle(after: startInstant - 1) {
                    startInstant = cycle
                    var following: [Instant] = []
                    var from = cycle
                    while following.count < 3, let next = plan.cycle(after: from) {
                        following.append(next)
                        from = next
                    }
                    cycles = (cycle, following)
                    if loaded.workflow.inputs.contains(where: { $0.name == Recurrence.cycleInput }) {
                        inputs[Recurrence.cycleInput] = .instant(cycle)
                    }
                }
            }
            let untilInstant = try until.map { try calendar.instant(DateText.parseDateTime($0).get(), endOfDay: true) }
            var events: [TimedEvent]?
            if let script {
                let bytes: [UInt8]
                switch ReadableFile.read(script) {
                case .success(let read): bytes = read
                case .failure(let failure): throw LaurelError(.invalidRequest, "--script: \(failure.description)")
                }
                let parsed = SimulationScript.parse(bytes, file: script, calendar: calendar)
                if parsed.diagnostics.hasErrors {
                    var renderer = DiagnosticRenderer()
                    renderer.addSource(String(decoding: bytes, as: UTF8.self), file: script)
                    FileHandle.standardError.write(Data(renderer.text(parsed.diagnostics).utf8))
                    throw ExitCode.inputErrors
                }
                events = parsed.events
            }
            let result = Simulator(engine: engine).run(
                start: startInstant, until: untilInstant, script: events, seed: seed,
                inputs: inputs)
            if let certificates {
                if let problem = DaemonConfiguration(certificatesFolder: certificates).pathProblems().first {
                    throw LaurelError(.invalidRequest, problem)
                }
                for case .effect(.certificate(let certificate)) in result.timeline.map(\.kind) {
                    do {
                        try CertificateFiles.write(certificate, into: certificates)
                    } catch {
                        throw LaurelError(
                            .invalidRequest,
                            "--certificates: cannot write the certificate of '\(certificate.entry)' into '\(certificates)': \(StoreMessages.describe(error))"
                        )
                    }
                }
            }
            var renderer = TimelineRenderer(calendar: calendar, workflow: loaded.workflow)
            renderer.cycles = cycles
            switch format {
            case .text: print(renderer.text(result, seed: script == nil ? seed : nil), terminator: "")
            case .json: print(renderer.json(result).rendered())
            }
        }

        /// 08:00 on 1 January of the year of the workflow's earliest written date, so a campaign
        /// of 2022 is simulated in 2022; the current day when the file has no date.
        static func defaultStart(_ workflow: Workflow, _ calendar: ZonedCalendar) -> Instant {
            if let year = workflow.earliestWrittenYear, let date = LocalDate(year: year, month: 1, day: 1) {
                return calendar.instant(date, LocalTime(hour: 8, minute: 0)!)
            }
            let (today, _) = calendar.local(Instant(Date().timeIntervalSince1970))
            return calendar.instant(today, LocalTime(hour: 8, minute: 0)!)
        }
    }

    struct Graph: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draw a workflow's states and transitions as a Mermaid or Graphviz diagram.",
            discussion: "Edges are labelled with the outcome, event, guard or timer that takes them."
        )

        @Argument(help: "The workflow file.", completion: .file(extensions: ["yaml", "yml"]))
        var workflow: String

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case mermaid, dot
        }

        @Option(help: "mermaid (Markdown, GitHub) or dot (Graphviz).")
        var format: Format = .mermaid

        func run() throws {
            let loaded = try LoadedWorkflow.load(workflow)
            print(WorkflowGraph.render(loaded.workflow, format: format == .mermaid ? .mermaid : .dot), terminator: "")
        }
    }
}
