import ArgumentParser
import Foundation
import LaurelCore
import LaurelDaemon
import LaurelSQLite
import LaurelService
import LaurelStore
import LaurelYAML

struct OrgCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "org",
        abstract: "Import and show the organisation data: units and people.",
        subcommands: [Import.self, List.self]
    )

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Replace the organisation data with the files given (checked first; nothing is written if one has an error).",
            discussion: """
                A YAML organisation file (.yaml, .yml), or CSV files: a units file with the columns \
                id,name,level[,parent][,COUNT...] and a people file with id,name,unit[,roles]. The \
                files of one import are the whole organisation. docs/organisation.md describes them.
                """)

        @Argument(help: ArgumentHelp("The organisation files.", valueName: "file"))
        var files: [String]

        @OptionGroup var store: StoreOptions
        @Option var format: OutputFormat = .text

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("name at least one organisation file") }
        }

        func run() async throws {
            let (result, renderer) = OrganisationFiles.read(files)
            guard let organisation = result.organisation else {
                try fail(result.diagnostics, renderer: renderer)
                return
            }
            try await store.withService(.create) { service in
                try await service.replaceOrganisation(organisation, now: wallClock())
                let levels = Dictionary(grouping: organisation.units, by: \.level).mapValues(\.count)
                let order = organisation.levels.isEmpty ? levels.keys.sorted() : organisation.levels
                if format == .json {
                    print(
                        JSONValue.object([
                            ("units", .number(Double(organisation.units.count))),
                            ("people", .number(Double(organisation.people.count))),
                            ("levels", .object(order.map { ($0, .number(Double(levels[$0] ?? 0))) })),
                            ("diagnostics", DiagnosticRenderer.json(result.diagnostics)),
                        ]).rendered())
                    return
                }
                print(renderer.text(result.diagnostics), terminator: "")
                let byLevel = order.map { "\(levels[$0] ?? 0) \($0)" }.joined(separator: ", ")
                print(
                    "Imported \(organisation.units.count.counted("unit", "units")) (\(byLevel)) and \(organisation.people.count.counted("person", "people")) into \(store.displayName)."
                )
            }
        }

        private func fail(_ diagnostics: [Diagnostic], renderer: DiagnosticRenderer) throws {
            if format == .json {
                print(DiagnosticRenderer.json(diagnostics).rendered())
            } else {
                print(renderer.text(diagnostics), terminator: "")
                print("Nothing was imported: \(diagnostics.errorCount) error\(diagnostics.errorCount == 1 ? "" : "s").")
            }
            throw ExitCode.inputErrors
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the units (or --people), in Vietnamese alphabetical order, as a tree under each unit.")

        @Option(help: ArgumentHelp("Only the units of this level.", valueName: "level"))
        var level: String?

        @Flag(help: "List people instead of units.")
        var people = false

        @OptionGroup var store: StoreOptions
        @Option var format: OutputFormat = .text

        func run() async throws {
            try await store.withService(.read) { service in
                let organisation = try await service.organisation()
                if organisation.isEmpty {
                    print(format == .json ? "[]" : "No organisation data yet. Import it with 'laurel org import FILE'.")
                    return
                }
                if let level, !organisation.units.contains(where: { $0.level == level }) {
                    let known = Set(organisation.units.map(\.level)).sorted()
                    throw ValidationError(
                        "no unit has the level '\(level)'\(Suggestions.didYouMean(level, in: known)); the levels are \(known.joined(separator: ", "))"
                    )
                }
                if people {
                    let shown = VietnameseCollation.sorted(
                        organisation.people.filter { person in
                            level.map { organisation.unit(person.unit)?.level == $0 } ?? true
                        }, by: \.name)
                    if format == .json {
                        print(try JSONValue(encoding: shown.map(PersonView.init)).rendered())
                        return
                    }
                    for person in shown {
                        let unit = organisation.unit(person.unit)?.name ?? person.unit
                        print(
                            Escaping.line(
                                "\(person.name)  (\(person.id); \(unit)\(person.roles.isEmpty ? "" : "; " + person.roles.joined(separator: ", ")))"
                            ))
                    }
                    return
                }
                if let level {
                    let shown = VietnameseCollation.sorted(organisation.units(atLevel: level), by: \.name)
                    if format == .json {
                        print(try JSONValue(encoding: shown.map(UnitView.init)).rendered())
                    } else {
                        for unit in shown { print(Self.line(unit, depth: 0)) }
                    }
                    return
                }
                if format == .json {
                    print(try JSONValue(encoding: organisation.units.map(UnitView.init)).rendered())
                    return
                }
                // The tree, each unit's children in Vietnamese order.
                let roots = VietnameseCollation.sorted(organisation.units.filter { $0.parent == nil }, by: \.name)
                var stack = roots.reversed().map { ($0, 0) }
                while let (unit, depth) = stack.popLast() {
                    print(Self.line(unit, depth: depth))
                    stack += VietnameseCollation.sorted(organisation.children(of: unit.id), by: \.name).reversed().map {
                        ($0, depth + 1)
                    }
                }
            }
        }

        static func line(_ unit: Organisation.Unit, depth: Int) -> String {
            let counts = unit.counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            return String(repeating: "  ", count: depth)
                + Escaping.line("\(unit.name)  (\(unit.id), \(unit.level)\(counts.isEmpty ? "" : "; " + counts))")
        }

    }
}

/// Reads organisation files (YAML, or CSV by their extension) into one organisation, with a
/// renderer that knows their text for diagnostics. `org import` and `simulate --organisation`
/// share it.
enum OrganisationFiles {
    /// The organisation files a workflow names (`organisation:`), as paths from here: they are
    /// written relative to the workflow file.
    static func named(by workflow: Workflow, file: String) -> [String] {
        let folder = (file as NSString).deletingLastPathComponent
        return workflow.organisationFiles.map { path in
            path.value.hasPrefix("/") || folder.isEmpty
                ? path.value : (folder as NSString).appendingPathComponent(path.value)
        }
    }

    static func read(_ files: [String]) -> (OrganisationReader.Result, DiagnosticRenderer) {
        var reader = OrganisationReader()
        var renderer = DiagnosticRenderer()
        var unreadable: [Diagnostic] = []
        for file in files {
            switch WorkflowFiles.read(file) {
            case .success(let bytes):
                let text = String(decoding: bytes, as: UTF8.self)
                renderer.addSource(text, file: file)
                if file.lowercased().hasSuffix(".csv") {
                    if let problem = YAMLLoader.checkText(bytes, file: file) {
                        unreadable.append(Diagnostic(problem))
                        continue
                    }
                    reader.read(csv: text, file: file)
                } else {
                    reader.read(yaml: bytes, file: file)
                }
            case .failure(let diagnostic):
                unreadable.append(diagnostic)
            }
        }
        var result = reader.finish()
        if !unreadable.isEmpty {
            result = OrganisationReader.Result(organisation: nil, diagnostics: unreadable + result.diagnostics)
        }
        return (result, renderer)
    }
}
