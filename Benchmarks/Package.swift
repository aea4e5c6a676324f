// swift-tools-version:6.1
// Benchmarks for Kairos, kept in their own package so that the main package does not
// depend on ordo-one/benchmark. Run from this directory:
//   swift package --allow-writing-to-package-directory benchmark
import PackageDescription

let package = Package(
    name: "KairosBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Kairos", path: ".."),
        // Only the MallocInterposer trait: the default traits also enable RuntimeInterposer,
        // which on Linux with Swift 6.3 pulls in ordo-one/swift-runtime-interposer.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The plugin discovers benchmark executables whose sources are in Benchmarks/<Target>/.
        .executableTarget(
            name: "CronBenchmarks",
            dependencies: [
                .product(name: "KairosCore", package: "Kairos"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/CronBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
    ]
)
