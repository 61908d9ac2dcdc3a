// swift-tools-version:6.1
import PackageDescription

/// Fuzz targets for what reads files people write: the YAML loader and workflow validator, the
/// organisation reader, the CSV reader. Built with libFuzzer and AddressSanitizer by
/// `scripts/fuzz.sh` (`-sanitize=fuzzer,address`, `-parse-as-library`: libFuzzer has the main),
/// never by a plain `swift build`.
let package = Package(
    name: "LaurelFuzz",
    dependencies: [.package(name: "Laurel", path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
        .executableTarget(
            name: "FuzzWorkflow",
            dependencies: [
                "FuzzSupport", .product(name: "LaurelCore", package: "Laurel"),
                .product(name: "LaurelPlugins", package: "Laurel"),
            ]),
        .executableTarget(
            name: "FuzzOrganisation", dependencies: ["FuzzSupport", .product(name: "LaurelCore", package: "Laurel")]),
        .executableTarget(
            name: "FuzzCSV", dependencies: ["FuzzSupport", .product(name: "LaurelCore", package: "Laurel")]),
    ],
    swiftLanguageModes: [.v6]
)
