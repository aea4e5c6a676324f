import ArgumentParser
import Foundation
import KairosPostgres
import KairosStore
import Logging
import ServiceLifecycle

/// A `--store` value of the commands that open any driver (`serve`, `migrate`): an SQLite
/// file (``StoreLocation``) or a PostgreSQL database. The password of a PostgreSQL URL is
/// never shown (``description`` leaves it out).
enum StoreAddress: CustomStringConvertible {
    case sqlite(StoreLocation)
    case postgres(PostgresStoreConfiguration)

    /// The accepted forms, for help texts and errors.
    static let forms = "sqlite:PATH or postgres://USER@HOST:PORT/DATABASE?sslmode=disable|require|verify-full"

    /// Parses `text`. A PostgreSQL password comes from the URL, else `PGPASSWORD`, else the
    /// first line of `passwordFile`; `poolSize` is the most connections this process opens.
    init(_ text: String, passwordFile: String? = nil, poolSize: Int = PostgresStoreConfiguration.defaultPoolSize) throws {
        if text.hasPrefix("sqlite:") {
            self = .sqlite(try StoreLocation(text))
            return
        }
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else {
            throw ValidationError(
                "--store must be \(Self.forms) (an SQLite database file, e.g. sqlite:kairos.db, or a PostgreSQL database); got '\(StoreLocation.redacted(text))'")
        }
        do {
            self = .postgres(try PostgresStoreConfiguration(url: text, passwordFile: passwordFile, poolSize: poolSize))
        } catch let error as StoreError {
            throw ValidationError("--store: \(error.message)")
        }
    }

    /// An opened store and, for a shared database, the service that runs its connections:
    /// the store serves requests only while that service runs.
    struct Opened {
        var store: any JobStore
        var service: (any Service)?
    }

    /// Opens the store and migrates it (``StoreLocation/open(serving:create:)`` for SQLite;
    /// `create` and `serving` change nothing for PostgreSQL, whose database must exist and is
    /// shared).
    func open(serving: Bool, create: Bool, logger: Logger = Logger(label: "kairos.store")) async throws -> Opened {
        switch self {
        case .sqlite(let location):
            return Opened(store: try location.open(serving: serving, create: create), service: nil)
        case .postgres(let configuration):
            let store = try await PostgresJobStore.open(configuration, logger: logger)
            return Opened(store: store, service: store)
        }
    }

    /// Opens the store and runs `body` with it while its connections run (commands that use
    /// the store and exit: `migrate`).
    func withStore<T: Sendable>(create: Bool, _ body: @Sendable (any JobStore) async throws -> T) async throws -> T {
        try await withStores(count: 1, serving: false, create: create) { stores in try await body(stores[0]) }
    }

    /// Whether several processes (or handles) may share the store: a PostgreSQL database.
    var isShared: Bool {
        if case .postgres = self { return true }
        return false
    }

    /// Opens `count` handles on the store (each its own connections, as `count` processes
    /// would have; SQLite: one) and runs `body` with them while their connections run.
    func withStores<T: Sendable>(count: Int, serving: Bool, create: Bool, _ body: @Sendable ([any JobStore]) async throws -> T) async throws -> T {
        precondition(count == 1 || isShared, "one handle on an SQLite file")
        var opened: [Opened] = []
        for _ in 0..<count { opened.append(try await open(serving: serving, create: create)) }
        let stores = opened.map(\.store)
        let services = opened.compactMap(\.service)
        guard !services.isEmpty else { return try await body(stores) }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            for service in services {
                group.addTask {
                    try await service.run()
                    return nil
                }
            }
            defer { group.cancelAll() }
            return try await body(stores)
        }
    }

    var description: String {
        switch self {
        case .sqlite(let location): location.description
        case .postgres(let configuration): configuration.description
        }
    }
}

/// Work that runs inside a service group beside the store's connections (`serve` on a shared
/// database): when it ends, the group stops the connections.
struct ServingScope: Service {
    let body: @Sendable () async throws -> Void

    func run() async throws { try await body() }
}
