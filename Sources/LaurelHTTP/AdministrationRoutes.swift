import Hummingbird
import LaurelCore
import LaurelService
import LaurelStore
import LaurelYAML

/// A recorded workflow version as listed.
struct WorkflowVersionView: Encodable, Sendable {
    var workflow: String
    var version: String
    var file: String
    var recorded: String

    init(_ version: WorkflowVersion) {
        workflow = version.workflowID
        self.version = version.hash
        file = version.file
        recorded = ZonedCalendar(zoneName: "UTC")!.format(version.recordedAt)
    }
}

/// The organisation data as the API gives it: levels, units, people.
struct OrganisationView: Encodable, Sendable {
    var levels: [String]
    var units: [UnitView]
    var people: [PersonView]
}

extension LaurelAPI {
    func addAdministrationRoutes(to api: RouterGroup<APIContext>) {
        api.get("organisation") { _, context in
            try await authorize(try context.requirePrincipal(), .readOrganisation, campaign: nil)
            let organisation = try await service.organisation()
            return JSONBody(
                OrganisationView(
                    levels: organisation.levels, units: organisation.units.map(UnitView.init),
                    people: organisation.people.map(PersonView.init)))
        }
        // Replaces the organisation data with one YAML organisation file, checked whole first.
        api.put("organisation") { request, context in
            try await authorize(try context.requirePrincipal(), .importOrganisation, campaign: nil)
            let bytes = try await request.file(upTo: Limits.csvBody, what: "a YAML organisation file")
            var reader = OrganisationReader()
            reader.read(yaml: bytes, file: "organisation.yaml")
            let result = reader.finish()
            guard let organisation = result.organisation else {
                throw Problem(
                    LaurelError(
                        .invalidInput,
                        "the organisation file has \(result.diagnostics.filter { $0.severity == .error }.count) errors; nothing was imported"
                    ),
                    errors: result.diagnostics.filter { $0.severity == .error }.map {
                        .init(pointer: nil, line: $0.location.line, detail: $0.message)
                    })
            }
            try await service.replaceOrganisation(organisation, now: clock())
            return JSONBody(
                OrganisationView(
                    levels: organisation.levels, units: organisation.units.map(UnitView.init),
                    people: organisation.people.map(PersonView.init)))
        }
        api.get("workflows") { _, context in
            try await authorize(try context.requirePrincipal(), .listWorkflows, campaign: nil)
            return JSONBody(try await service.latestWorkflowVersions().map(WorkflowVersionView.init))
        }
        api.get("workflows/:workflow/versions") { _, context in
            try await authorize(try context.requirePrincipal(), .listWorkflows, campaign: nil)
            let workflow = try context.parameters.require("workflow")
            let versions = try await service.workflowVersions(workflowID: workflow)
            guard !versions.isEmpty else { throw LaurelError(.notFound, "there is no workflow '\(workflow)'") }
            return JSONBody(versions.map(WorkflowVersionView.init))
        }
        // Checks an uploaded workflow file as `laurel validate --format json` does; the answer is
        // the diagnostics, whether or not the file has errors.
        api.post("workflows/validate") { request, context in
            try await authorize(try context.requirePrincipal(), .validateWorkflow, campaign: nil)
            let file = request.uri.queryParameters.get("file") ?? "workflow.yaml"
            // JSON Schema counts code points, as the OpenAPI document says.
            guard (1...200).contains(file.unicodeScalars.count) else {
                throw LaurelError(.invalidRequest, "file names the workflow file in 1 to 200 characters")
            }
            let bytes = try await request.file(upTo: Limits.csvBody, what: "the workflow file")
            let result = WorkflowValidator(registry: service.registry).validate(bytes, file: file, now: clock())
            let errors = result.diagnostics.filter { $0.severity == .error }.count
            let json = JSONValue.object([
                ("file", .string(file)),
                ("valid", .bool(errors == 0)),
                ("errors", .number(Double(errors))),
                ("warnings", .number(Double(result.diagnostics.count - errors))),
                ("diagnostics", DiagnosticRenderer.json(result.diagnostics)),
            ])
            return TextBody(text: json.rendered(pretty: false), type: "application/json; charset=utf-8")
        }
    }
}
