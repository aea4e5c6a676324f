// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Kairos",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "KairosCore", targets: ["KairosCore"]),
        .executable(name: "kairos", targets: ["kairos"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Schedules, cron, misfire and retry policies. Pure Swift, no I/O.
        .target(name: "KairosCore"),
        // The thin command-line executable.
        .executableTarget(
            name: "kairos",
            dependencies: [
                "KairosCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "KairosCoreTests", dependencies: ["KairosCore"]),
        // Runs the built `kairos` binary as a user would.
        .testTarget(name: "KairosCLITests", dependencies: ["kairos"]),
    ],
    swiftLanguageModes: [.v6]
)
