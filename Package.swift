// swift-tools-version:6.2
import PackageDescription

/// Settings every target shares, applied in one place (as swift-log does): files say
/// `public import` on purpose and existentials are spelled `any`.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// CI (`.ci/run`) builds with every warning of the project's own targets an error; a plain build
/// keeps them warnings, so a newer compiler's new warning cannot stop anyone building Laurel.
let warningsAreErrors = Context.environment["LAUREL_WARNINGS_AS_ERRORS"] == "1"

/// The step plugins compiled into the build. Each lives in `plugins/<folder>` and depends on
/// `LaurelCore` alone; the registry in `Sources/LaurelPlugins/BuiltInPlugins.swift` lists them.
let stepPlugins: [(target: String, folder: String)] = [
    ("AnnouncePlugin", "announce"),
    ("PhaseTargetPlugin", "phase-target"),
    ("CouncilReviewPlugin", "council-review"),
    ("AwardsCeremonyPlugin", "awards-ceremony"),
    ("BallotPlugin", "ballot"),
    ("NominatePlugin", "nominate"),
    ("ScreeningPlugin", "screening"),
    ("NotifyPlugin", "notify"),
    ("CascadePlugin", "cascade"),
]

var targets: [Target] = [
    .systemLibrary(
        name: "CYAML",
        pkgConfig: "yaml-0.1",
        providers: [.apt(["libyaml-dev"])]
    ),
    .target(name: "LaurelYAML", dependencies: ["CYAML"]),
    .target(name: "LaurelCore", dependencies: ["LaurelYAML", .product(name: "Crypto", package: "swift-crypto")]),
    // The store protocol and its models, no backend code.
    .target(name: "LaurelStore", dependencies: ["LaurelCore"]),
    // The embedded default backend: one SQLite file through GRDB, in WAL mode.
    .target(
        name: "LaurelSQLite",
        dependencies: [
            "LaurelStore",
            "LaurelCore",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
        ]
    ),
    // The PostgreSQL backend, for several daemons on one database.
    .target(
        name: "LaurelPostgres",
        dependencies: [
            "LaurelStore",
            "LaurelCore",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]
    ),
    // The application layer every front end uses: the only way into the store.
    .target(
        name: "LaurelService",
        dependencies: ["LaurelStore", "LaurelCore", "LaurelYAML", .product(name: "Crypto", package: "swift-crypto")]
    ),
    // The HTTP API: hummingbird routes onto the service, roles, problem documents.
    .target(
        name: "LaurelHTTP",
        dependencies: [
            "LaurelService", "LaurelStore", "LaurelCore", "LaurelYAML",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Mustache", package: "swift-mustache"),
        ],
        // The OpenAPI 3.1 document the server serves at /openapi.json and is tested against; the
        // web pages' templates and style sheet.
        resources: [.copy("Resources/openapi.json"), .copy("Resources/pages")]
    ),
    // The test kit: the in-memory store, the store conformance suite, a test step, a manual clock,
    // shared workflows (a product, as HummingbirdTesting is).
    .target(
        name: "LaurelTesting",
        dependencies: [
            "LaurelService", "LaurelDaemon", "LaurelSQLite", "LaurelPostgres", "LaurelStore", "LaurelCore",
            "LaurelPlugins",
        ]),
    // The one registry of built-in plugins (BuiltInPlugins.swift).
    // The language server for editors: JSON-RPC over stdio, the validator on the editor's buffer.
    // Hovers quote docs/workflow-language.md, copied into Resources (DocumentationTests keeps the copy equal).
    .target(
        name: "LaurelLSP", dependencies: ["LaurelCore", "LaurelYAML"],
        resources: [.copy("Resources/workflow-language.md")]
    ),
    .target(name: "LaurelPlugins", dependencies: ["LaurelCore"] + stepPlugins.map { .target(name: $0.target) }),
    .target(
        name: "LaurelDaemon",
        dependencies: [
            "LaurelService",
            "LaurelStore",
            "LaurelCore",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]
    ),
    .executableTarget(
        name: "laurel",
        dependencies: [
            "LaurelCore",
            "LaurelStore",
            "LaurelSQLite",
            "LaurelPostgres",
            "LaurelService",
            "LaurelDaemon",
            "LaurelHTTP",
            "LaurelLSP",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            "LaurelPlugins",
        ]
    ),
    .executableTarget(
        name: "laurel-bench",
        dependencies: [
            "LaurelCore",
            "LaurelStore",
            "LaurelSQLite",
            "LaurelService",
            "LaurelDaemon",
            "LaurelPostgres",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            "LaurelPlugins",
            "LaurelLSP",
        ],
        path: "Benchmarks/laurel-bench"
    ),
    .testTarget(
        name: "LaurelYAMLTests",
        dependencies: ["LaurelYAML"]
    ),
    .testTarget(
        name: "LaurelCoreTests",
        dependencies: ["LaurelCore", "LaurelTesting"]
    ),
    .testTarget(
        name: "PluginsTests",
        dependencies: [
            "LaurelCore", "LaurelYAML", "LaurelPlugins", "LaurelTesting",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]
            + stepPlugins.map { .target(name: $0.target) }
    ),
    .testTarget(
        name: "LaurelStoreTests",
        dependencies: ["LaurelStore", "LaurelCore"]
    ),
    .testTarget(
        name: "LaurelSQLiteTests",
        dependencies: [
            "LaurelSQLite", "LaurelStore", "LaurelCore", "LaurelPlugins", "LaurelTesting", "CascadePlugin",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]
    ),
    .testTarget(
        name: "LaurelPostgresTests",
        dependencies: ["LaurelPostgres", "LaurelTesting", .product(name: "PostgresNIO", package: "postgres-nio")]
    ),
    .testTarget(
        name: "LaurelServiceTests",
        dependencies: ["LaurelService", "LaurelTesting", "LaurelSQLite", "LaurelStore", "LaurelCore", "LaurelPlugins"]
    ),
    .testTarget(
        name: "LaurelDaemonTests",
        dependencies: [
            "LaurelDaemon", "LaurelService", "LaurelTesting", "LaurelSQLite", "LaurelStore", "LaurelCore",
            "LaurelPlugins", .product(name: "Logging", package: "swift-log"),
            .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Crypto", package: "swift-crypto"),
        ]
    ),
    .testTarget(
        name: "LaurelHTTPTests",
        dependencies: [
            "LaurelHTTP", "LaurelService", "LaurelTesting", "LaurelStore", "LaurelCore", "LaurelPlugins",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]
    ),
    .testTarget(
        name: "LaurelLSPTests",
        dependencies: ["LaurelLSP", "LaurelCore", "LaurelPlugins", "LaurelTesting"]
    ),
    .testTarget(
        name: "LaurelTestingTests",
        dependencies: ["LaurelTesting", "LaurelSQLite", "LaurelPostgres", "LaurelStore", "LaurelPlugins"]
    ),
    .testTarget(
        name: "laurelTests",
        dependencies: [
            "laurel", "LaurelCore", "LaurelStore", "LaurelSQLite", "LaurelPostgres", "LaurelPlugins", "LaurelTesting",
            // The audit log's tests change the database behind laurel's back, as an intruder would.
            .product(name: "GRDB", package: "GRDB.swift"),
        ],
        resources: [.copy("Fixtures")]
    ),
]

targets += stepPlugins.map { plugin in
    .target(name: plugin.target, dependencies: ["LaurelCore"], path: "plugins/\(plugin.folder)")
}

for index in targets.indices where targets[index].type != .system {
    targets[index].swiftSettings =
        (targets[index].swiftSettings ?? []) + strictSettings
        + (warningsAreErrors ? [.treatAllWarnings(as: .error)] : [])
}

let package = Package(
    name: "Laurel",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "laurel", targets: ["laurel"]),
        .library(name: "LaurelCore", targets: ["LaurelCore"]),
        // The built-in plugins' one registry, for packages built on Laurel (the fuzz targets in Fuzz/).
        .library(name: "LaurelPlugins", targets: ["LaurelPlugins"]),
        .library(name: "LaurelTesting", targets: ["LaurelTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: targets,
    swiftLanguageModes: [.v6]
)
