import ArgumentParser
import AsyncHTTPClient
import Foundation
import KairosCore
import KairosDashboard
import KairosEngine
import KairosHTTP
import KairosPostgres
import KairosSQLite
import KairosStore
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// `kairos serve`: runs the REST API, the scheduler and the workers on a store until SIGTERM
/// or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the REST API, the scheduler and the workers.",
        discussion: """
            Jobs from --jobs are created or updated by key at start; a file that does not parse or \
            validate stops start-up and changes nothing. On first start with an empty store an admin \
            API key is created and printed once (or KAIROS_ADMIN_KEY is made an admin key). SIGTERM or \
            SIGINT stop claiming, let running executions finish within --shutdown-grace, then exit 0.
            """
    )

    @Option(help: "The job store: \(StoreAddress.forms).")
    var store = "sqlite:kairos.db"

    @Option(help: "PostgreSQL: the most connections this process opens.")
    var pgPoolSize = PostgresStoreConfiguration.defaultPoolSize

    @Option(help: "PostgreSQL: a file whose first line is the password (when neither the URL nor PGPASSWORD has one).")
    var pgPasswordFile: String?

    @Option(help: "What this process does: a comma-separated list of api, scheduler, worker.")
    var roles = "api,scheduler,worker"

    @Option(help: "Address the API listens on.")
    var host = "127.0.0.1"

    @Option(help: "Port the API listens on (0 picks a free one).")
    var port = 8080

    @Flag(help: "Serve the API without API keys (refused unless --host is a loopback address).")
    var noAuth = false

    @Flag(help: "Serve /metrics without an API key.")
    var publicMetrics = false

    @Option(help: "Largest request body accepted, in bytes.")
    var maxBody = 1 << 20

    @Option(help: "A YAML file of jobs to create or update by key at start.")
    var jobs: String?

    @Option(help: "Executions run at once (default: 2 × cores).")
    var workers: Int?

    @Flag(help: "Allow shell.command tasks (off by default: they run programs on this host).")
    var allowShellTasks = false

    @Option(help: "Seconds running executions may take to finish at shutdown.")
    var shutdownGrace: Double = 30

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Option(help: "Days of execution history kept by the system cleanup job.")
    var historyRetentionDays = 30

    @Option(help: ArgumentHelp("Seconds a running execution's lease lasts without renewal.", visibility: .hidden))
    var leaseDuration: Double = 30

    @Option(help: ArgumentHelp("Seconds between heartbeats (lease renewal and reaping).", visibility: .hidden))
    var heartbeatInterval: Double = 5

    func validate() throws {
        if let workers, !(1...1024).contains(workers) { throw ValidationError("--workers must be between 1 and 1024, got \(workers)") }
        guard shutdownGrace >= 0, shutdownGrace.isFinite else { throw ValidationError("--shutdown-grace must be 0 or more seconds") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
        guard (1...36_500).contains(historyRetentionDays) else { throw ValidationError("--history-retention-days must be between 1 and 36500") }
        guard leaseDuration > 0, heartbeatInterval > 0, heartbeatInterval < leaseDuration else {
            throw ValidationError("--heartbeat-interval must be positive and shorter than --lease-duration")
        }
        guard (1...1_000).contains(pgPoolSize) else { throw ValidationError("--pg-pool-size must be between 1 and 1000, got \(pgPoolSize)") }
        _ = try StoreAddress(store, passwordFile: pgPasswordFile, poolSize: pgPoolSize)
        _ = try parsedRoles()
        do { try apiConfiguration.validate() } catch { throw ValidationError((error as? APIError)?.detail ?? "\(error)") }
    }

    func parsedRoles() throws -> Set<EngineConfiguration.Role> {
        var result: Set<EngineConfiguration.Role> = []
        for name in roles.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let role = EngineConfiguration.Role(rawValue: name) else {
                throw ValidationError("--roles: unknown role '\(name)'; roles are api, scheduler, worker")
            }
            result.insert(role)
        }
        guard !result.isEmpty else { throw ValidationError("--roles needs at least one of api, scheduler, worker") }
        return result
    }

    var apiConfiguration: APIConfiguration {
        APIConfiguration(host: host, port: port, maxBodySize: maxBody, authEnabled: !noAuth, publicMetrics: publicMetrics)
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        let logger = Logger(label: "kairos")
        // Before the engine exists: it creates its metric handles when it is built.
        let prometheus = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: prometheus))
        let roles = try parsedRoles()
        if roles.contains(.api) {
            // Before anything is created or started: a port in use changes nothing.
            do {
                try await apiConfiguration.checkCanListen()
            } catch {
                printError("kairos serve: \(error)")
                throw ExitCode(1)
            }
        }

        let httpClient = HTTPRequestTask.defaultClient
        // The jobs file is read and validated before the store is opened: a refused file
        // leaves no trace, not even a new database file. Validation only reads each task's
        // arguments, so the registry it uses has a history that is never called.
        var declared = JobsFile.Declaration(specs: [], settingPaused: [])
        if let jobs {
            do {
                let validating = TaskRegistry.builtIn(httpClient: httpClient, history: UnopenedHistory(), allowShellTasks: allowShellTasks)
                declared = try JobsFile.declaration(path: jobs, registry: validating)
            } catch {
                printError("\(error)")
                throw ExitCode(1)
            }
        }

        let address: StoreAddress
        let opened: StoreAddress.Opened
        do {
            address = try StoreAddress(self.store, passwordFile: pgPasswordFile, poolSize: pgPoolSize)
            opened = try await address.open(serving: true, create: true, logger: logger)
        } catch {
            printError("cannot open the store \(StoreLocation.redacted(self.store)): \(error)")
            throw ExitCode(1)
        }
        guard let connections = opened.service else {
            try await serve(store: opened.store, shown: address.description, declared: declared, roles: roles, prometheus: prometheus, logger: logger)
            return
        }
        // A shared database's connections run for as long as anything uses the store: this
        // group runs them around the serving itself (jobs file, admin key, then the engine and
        // API in their own group), and stops them last, when the serving has ended.
        let command = self
        let store = opened.store
        let jobsFile = declared
        let serving = ServingScope {
            try await command.serve(store: store, shown: address.description, declared: jobsFile, roles: roles, prometheus: prometheus, logger: logger)
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: connections), .init(service: serving, successTerminationBehavior: .gracefullyShutdownGroup)], logger: logger))
        try await group.run()
    }

    /// Loads the jobs file and system jobs, sets up the admin key, then runs the engine's
    /// services and the API until SIGTERM or SIGINT. `shown`: the store as messages name it.
    func serve(
        store: any JobStore, shown: String, declared: JobsFile.Declaration, roles: Set<EngineConfiguration.Role>,
        prometheus: PrometheusCollectorRegistry, logger: Logger
    ) async throws {
        let httpClient = HTTPRequestTask.defaultClient
        let registry = TaskRegistry.builtIn(httpClient: httpClient, history: store, allowShellTasks: allowShellTasks)

        var configuration = EngineConfiguration(
            shutdownGrace: shutdownGrace, historyRetentionDays: historyRetentionDays)
        if let workers { configuration.workers = workers }
        configuration.roles = roles
        configuration.leaseDuration = leaseDuration
        configuration.heartbeatInterval = heartbeatInterval
        configuration.deadInstanceAfter = max(2 * leaseDuration, 4 * heartbeatInterval)
        let engine = KairosEngine(store: store, registry: registry, configuration: configuration, logger: logger)
        if let storeClock = engine.storeClock {
            // The jobs file's first fires are computed in the database's time too.
            do {
                try await storeClock.synchronize()
            } catch {
                printError("cannot read the database's clock: \(error)")
                throw ExitCode(1)
            }
        }
        do {
            let results = try await engine.jobs.upsert(declared.specs, keepingPausedOf: declared.leavingPaused)
            try await engine.installSystemJobs()
            if let jobs { Self.logJobsFile(jobs, results, logger: logger) }
        } catch {
            printError("cannot load jobs: \(error)")
            throw ExitCode(1)
        }

        var services = engine.services
        if roles.contains(.api) {
            do {
                let environmentKey = ProcessInfo.processInfo.environment["KAIROS_ADMIN_KEY"].flatMap { $0.isEmpty ? nil : $0 }
                if let secret = try await AdminKeyBootstrap.run(store: store, environmentKey: environmentKey, now: Date()) {
                    FileHandle.standardOutput.write(Data("kairos: created the first admin API key (shown once, store it now): \(secret)\n".utf8))
                }
            } catch {
                printError("cannot set up the admin API key: \(error)")
                throw ExitCode(1)
            }
            var api = KairosAPI(engine: engine, configuration: apiConfiguration, metrics: prometheus)
            api.additions = [KairosDashboard(api: api)]
            let description = "kairos: serving \(shown) as instance \(configuration.instanceId), roles \(roles.map(\.rawValue).sorted().joined(separator: ","))"
            services.append(
                api.makeApplication(logger: logger) { channel in
                    let address = channel.localAddress.map { "http://\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?"
                    FileHandle.standardOutput.write(Data("\(description) on \(address)\n".utf8))
                })
        } else {
            FileHandle.standardOutput.write(
                Data("kairos: serving \(shown) as instance \(configuration.instanceId), roles \(roles.map(\.rawValue).sorted().joined(separator: ",")) (no API)\n".utf8))
        }
        let group = ServiceGroup(
            configuration: .init(services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            // A service failed (the API could not listen, the store went away): the others were
            // cancelled; say why and exit 1.
            printError("kairos serve stopped: \(error)\(roles.contains(.api) ? " (API on \(host):\(port))" : "")")
            throw ExitCode(1)
        }
        logger.info("stopped", metadata: ["instanceId": "\(configuration.instanceId)"])
    }

    /// One line per job the file created or changed (with the fields), then the counts.
    static func logJobsFile(_ path: String, _ results: [JobUpsert], logger: Logger) {
        var counts = (created: 0, updated: 0, unchanged: 0)
        for result in results {
            switch result.change {
            case .created:
                counts.created += 1
                logger.info("job created from the jobs file", metadata: ["file": "\(path)", "jobKey": "\(result.job.key)"])
            case .updated(let fields):
                counts.updated += 1
                logger.info(
                    "job updated from the jobs file",
                    metadata: ["file": "\(path)", "jobKey": "\(result.job.key)", "fields": "\(fields.joined(separator: ","))"])
            case .unchanged:
                counts.unchanged += 1
            }
        }
        logger.info(
            "jobs file loaded",
            metadata: [
                "file": "\(path)", "jobs": "\(results.count)", "created": "\(counts.created)", "updated": "\(counts.updated)",
                "unchanged": "\(counts.unchanged)",
            ])
    }
}

/// The history of the task registry `serve` validates a jobs file with, before the store is
/// open: validation never reads or deletes history, so every call is a programming error.
private struct UnopenedHistory: ExecutionHistory {
    struct NotOpen: Error, CustomStringConvertible {
        var description: String { "the store is not open yet (a jobs file is being validated)" }
    }

    func execution(id: UUID) async throws -> Execution? { throw NotOpen() }
    func history(_ query: HistoryQuery) async throws -> Page<Execution> { throw NotOpen() }
    func recentStatuses(_ query: RecentStatusesQuery) async throws -> [UUID: [ExecutionStatus]] { throw NotOpen() }
    func deleteHistory(finishedBefore cutoff: Date, limit: Int) async throws -> Int { throw NotOpen() }
    func executionCounts() async throws -> [ExecutionStatus: Int] { throw NotOpen() }
}
