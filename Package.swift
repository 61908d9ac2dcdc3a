// swift-tools-version:6.1
import PackageDescription

/// Settings every target shares, applied in one place (as swift-log does): files say
/// `public import` on purpose and existentials are spelled `any`.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// The step plugins compiled into the build. Each lives in `plugins/<folder>` and depends on
/// `LaurelCore` alone; the registry in `Sources/laurel/BuiltInPlugins.swift` lists them.
let stepPlugins: [(target: String, folder: String)] = [
    ("AnnouncePlugin", "announce"),
    ("PhaseTargetPlugin", "phase-target"),
    ("CouncilReviewPlugin", "council-review"),
    ("AwardsCeremonyPlugin", "awards-ceremony"),
]

var targets: [Target] = [
    .systemLibrary(
        name: "CYAML",
        pkgConfig: "yaml-0.1",
        providers: [.apt(["libyaml-dev"])]
    ),
    .target(name: "LaurelYAML", dependencies: ["CYAML"]),
    .target(name: "LaurelCore", dependencies: ["LaurelYAML"]),
    .executableTarget(
        name: "laurel",
        dependencies: [
            "LaurelCore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ] + stepPlugins.map { .target(name: $0.target) }
    ),
    .executableTarget(
        name: "laurel-bench",
        dependencies: [
            "LaurelCore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ] + stepPlugins.map { .target(name: $0.target) },
        // BuiltInPlugins.swift there is a symbolic link to the laurel target's file, so the
        // benchmark runs the very registry the tool ships, with no second list.
        path: "Benchmarks/laurel-bench"
    ),
    .testTarget(
        name: "LaurelYAMLTests",
        dependencies: ["LaurelYAML"]
    ),
    .testTarget(
        name: "LaurelCoreTests",
        dependencies: ["LaurelCore"]
    ),
    .testTarget(
        name: "PluginsTests",
        dependencies: ["LaurelCore"] + stepPlugins.map { .target(name: $0.target) }
    ),
    .testTarget(
        name: "laurelTests",
        dependencies: ["laurel", "LaurelCore"],
        resources: [.copy("Fixtures")]
    ),
]

targets += stepPlugins.map { plugin in
    .target(name: plugin.target, dependencies: ["LaurelCore"], path: "plugins/\(plugin.folder)")
}

for index in targets.indices where targets[index].type != .system {
    targets[index].swiftSettings = (targets[index].swiftSettings ?? []) + strictSettings
}

let package = Package(
    name: "Laurel",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "laurel", targets: ["laurel"]),
        .library(name: "LaurelCore", targets: ["LaurelCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: targets,
    swiftLanguageModes: [.v6]
)
