// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "Kairos",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "KairosCore", targets: ["KairosCore"]),
        .library(name: "KairosStore", targets: ["KairosStore"]),
        .library(name: "KairosSQLite", targets: ["KairosSQLite"]),
        .library(name: "KairosPostgres", targets: ["KairosPostgres"]),
        .library(name: "MemoryJobStore", targets: ["MemoryJobStore"]),
        .library(name: "KairosEngine", targets: ["KairosEngine"]),
        .library(name: "KairosHTTP", targets: ["KairosHTTP"]),
        .library(name: "KairosDashboard", targets: ["KairosDashboard"]),
        .executable(name: "kairos", targets: ["kairos"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // Schedules, cron, misfire and retry policies, job and execution value types. Pure Swift, no I/O.
        .target(name: "KairosCore"),
        // The store protocols every driver implements.
        .target(name: "KairosStore", dependencies: ["KairosCore"]),
        // The conformance suite every store driver passes (test support, uses Swift Testing).
        .target(name: "KairosStoreConformance", dependencies: ["KairosStore"]),
        // Helpers shared by the test targets (bounded waits, `kairos` processes).
        .target(name: "KairosTestSupport", dependencies: ["KairosEngine"]),
        // The in-memory driver: the smallest correct store, for tests and embedders.
        .target(name: "MemoryJobStore", dependencies: ["KairosStore"]),
        // Embedded default driver: SQLite through GRDB (WAL, DatabasePool).
        .target(
            name: "KairosSQLite",
            dependencies: ["KairosStore", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift")]
        ),
        // Shared driver: PostgreSQL through PostgresNIO (PostgresClient, SKIP LOCKED claims).
        .target(
            name: "KairosPostgres",
            dependencies: [
                "KairosStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Scheduler, worker pool, heartbeat and reaper services; task registry and built-in tasks; events.
        .target(
            name: "KairosEngine",
            dependencies: [
                "KairosStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["Maintenance/README.md"]
        ),
        // REST API on Hummingbird: routes, API-key auth, problem bodies, OpenAPI document, metrics.
        .target(
            name: "KairosHTTP",
            dependencies: [
                "KairosEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            resources: [.embedInCode("OpenAPI/openapi.json")]
        ),
        // The web dashboard served beside the API: pages, sessions, CSRF (docs/DASHBOARD.md).
        .target(
            name: "KairosDashboard",
            dependencies: [
                "KairosHTTP", "KairosEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [.embedInCode("Templates"), .embedInCode("Assets")]
        ),
        // The thin command-line executable.
        .executableTarget(
            name: "kairos",
            dependencies: [
                "KairosCore", "KairosStore", "KairosSQLite", "KairosPostgres", "KairosEngine", "KairosHTTP", "KairosDashboard",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // A Swift program that embeds KairosEngine and registers its own task.
        .executableTarget(
            name: "EmbeddingExample",
            dependencies: [
                "KairosEngine", "KairosSQLite",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/Embedding"
        ),
        .testTarget(name: "KairosCoreTests", dependencies: ["KairosCore"]),
        .testTarget(name: "KairosStoreTests", dependencies: ["KairosStore", "MemoryJobStore", "KairosStoreConformance"]),
        .testTarget(name: "KairosSQLiteTests", dependencies: ["KairosSQLite", "KairosStoreConformance"]),
        // Needs a PostgreSQL server: KAIROS_TEST_POSTGRES_URL (scripts/test starts a throwaway one).
        .testTarget(
            name: "KairosPostgresTests",
            dependencies: [
                "kairos", "KairosEngine", "KairosPostgres", "KairosStoreConformance", "KairosTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "KairosEngineTests",
            dependencies: [
                "KairosEngine", "KairosSQLite", "MemoryJobStore", "KairosTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The REST API over loopback against a real server on a random port and a real SQLite store.
        .testTarget(
            name: "KairosHTTPTests",
            dependencies: [
                "KairosHTTP", "KairosSQLite", "KairosTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The dashboard over loopback: sessions, CSRF, roles, escaping, security headers.
        .testTarget(
            name: "KairosDashboardTests",
            dependencies: [
                "KairosDashboard", "KairosHTTP", "KairosSQLite", "MemoryJobStore", "KairosTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // Runs the built `kairos` binary as a user would.
        .testTarget(name: "KairosCLITests", dependencies: ["kairos", "KairosEngine", "KairosSQLite", "KairosTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

// Warnings are errors in the project's own code (dependencies keep theirs).
for target in package.targets {
    target.swiftSettings = (target.swiftSettings ?? []) + [.treatAllWarnings(as: .error)]
}
