public import LaurelYAML

/// What validating one file gave: the workflow when it has no error, and every diagnostic.
public struct ValidationResult: Sendable {
    public var workflow: Workflow?
    public var diagnostics: [Diagnostic]
}

/// Reads and checks workflow files: the one entry point shared by `laurel validate`, the engine
/// and the daemon. It does no I/O; callers hand it the bytes and, for warnings about the past,
/// the current time.
public struct WorkflowValidator: Sendable {
    public let registry: PluginRegistry
    public var limits: YAMLLimits

    public init(registry: PluginRegistry, limits: YAMLLimits = .workflowFile) {
        self.registry = registry
        self.limits = limits
    }

    /// Validates a file's bytes. `now` is seconds since 1970-01-01T00:00Z, or nil to skip the
    /// "deadline already past" warnings.
    public func validate(_ bytes: [UInt8], file: String, now: Int64? = nil) -> ValidationResult {
        // Suggestions are bounded per file (``Suggestions/budget``), so no file stalls its reader.
        Suggestions.$budget.withValue(Suggestions.Budget(cells: 20_000_000)) {
            validateBounded(bytes, file: file, now: now)
        }
    }

    private func validateBounded(_ bytes: [UInt8], file: String, now: Int64?) -> ValidationResult {
        let loaded = YAMLLoader.load(bytes, file: file, limits: limits)
        var diagnostics = loaded.problems.map(Diagnostic.init)
        guard let root = loaded.root else {
            return ValidationResult(workflow: nil, diagnostics: diagnostics)
        }
        var decoder = WorkflowDecoder(registry: registry)
        let workflow = decoder.decode(root)
        diagnostics += decoder.reader.diagnostics
        if let workflow {
            var checker = WorkflowChecker(workflow: workflow, registry: registry, now: now)
            checker.check()
            diagnostics += checker.diagnostics
        }
        diagnostics = diagnostics.sortedByLocation()
        return ValidationResult(workflow: diagnostics.hasErrors ? nil : workflow, diagnostics: diagnostics)
    }

    public func validate(_ text: String, file: String, now: Int64? = nil) -> ValidationResult {
        validate(Array(text.utf8), file: file, now: now)
    }
}
