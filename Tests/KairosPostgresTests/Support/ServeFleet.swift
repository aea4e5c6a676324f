import AsyncHTTPClient
import Foundation
import KairosCore
import KairosPostgres
import KairosStore
import KairosTestSupport
import NIOCore
import NIOHTTP1
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `kairos serve` processes on one PostgreSQL database, each on a free loopback port, their
/// output in a temporary directory. Every process still running when the fleet goes away is
/// killed (SIGKILL, ``ServeProcess``).
final class ServeFleet {
    /// `--store` for every process (the password included: only the processes see it).
    let store: String
    private let temporary: TemporaryDirectory
    /// Every process started, in order, running or not.
    private(set) var started: [ServeProcess] = []

    /// Flags every process gets: no API keys (loopback only), few connections, quiet logs.
    static let commonArguments = ["--no-auth", "--pg-pool-size", "4", "--log-level", "warning"]

    init(store: String) throws {
        self.store = store
        temporary = try TemporaryDirectory()
    }

    var directory: URL { temporary.url }

    /// A file in the fleet's directory with `text`; its path.
    func write(_ name: String, _ text: String) throws -> String { try temporary.write(name, text) }

    /// Starts one process per entry of `roles` at once, each with `arguments`, and waits until
    /// every one serves (or fails the test with its standard error).
    @discardableResult
    func start(_ roles: [String], _ arguments: [String] = []) async throws -> [ServeProcess] {
        let processes = try roles.map { roles in
            try ServeProcess(["--store", store, "--roles", roles] + Self.commonArguments + arguments, in: directory)
        }
        started += processes
        for process in processes {
            let serving = try await process.waitUntilServing(within: 60)
            guard serving, process.instanceId != nil else {
                Issue.record("kairos serve did not start: \(process.stderr)")
                throw FleetError("kairos serve did not start")
            }
        }
        return processes
    }

    /// The processes still running.
    var running: [ServeProcess] { started.filter(\.isRunning) }

    /// SIGTERM to every running process; true when each exits 0 within `seconds`.
    func stopAll(within seconds: Double = 40) async throws -> Bool {
        let processes = running
        for process in processes { process.signal(SIGTERM) }
        var clean = true
        for process in processes {
            let status = try await process.waitForExit(within: seconds)
            if status != 0 {
                Issue.record("instance \(process.instanceId ?? "?") stopped with \(status.map { "exit \($0)" } ?? "no exit"): \(process.stderr.suffix(2000))")
                clean = false
            }
        }
        return clean
    }

    /// Runs `body` with a fleet on a fresh database of the test server, and handles on it.
    static func withFleet(_ body: (ServeFleet, PostgresStoreConfiguration) async throws -> Void) async throws {
        try await withFreshDatabase { configuration in
            var url = try #require(URLComponents(string: try TestServer.url()))
            url.path = "/\(configuration.database)"
            let fleet = try ServeFleet(store: try #require(url.string))
            try await body(fleet, configuration)
        }
    }
}

struct FleetError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension ServeProcess {
    /// The instance id printed at start (`… as instance ID, roles …`).
    var instanceId: String? {
        guard let range = stdout.range(of: " as instance ") else { return nil }
        let rest = stdout[range.upperBound...]
        guard let end = rest.firstIndex(of: ",") else { return nil }
        return String(rest[..<end])
    }
}

/// Environment variables that lengthen the process tests into soak runs (scripts/chaos);
/// unset, the short variants run (scripts/test).
enum Soak {
    static func seconds(_ name: String, default value: Double) -> Double {
        ProcessInfo.processInfo.environment[name].flatMap(Double.init) ?? value
    }

    /// Seconds of load in the exactly-once test.
    static var loadSeconds: Double { seconds("KAIROS_CHAOS_LOAD_SECONDS", default: 8) }
    /// `system.noop` jobs at 1 s in the exactly-once test: well within what three debug builds
    /// sharing two cores with other builds hold (past capacity, fires are recorded missed).
    static var loadJobs: Int { Int(seconds("KAIROS_CHAOS_LOAD_JOBS", default: 150)) }
    /// Seconds of kill -9 in the chaos test.
    static var chaosSeconds: Double { seconds("KAIROS_CHAOS_SECONDS", default: 30) }
    /// Database restarts in the restart test.
    static var databaseRestarts: Int { Int(seconds("KAIROS_CHAOS_PG_RESTARTS", default: 1)) }
}

// MARK: HTTP

/// One HTTP exchange with a `kairos serve` API, bounded by `timeout`.
struct HTTPExchange {
    var status: Int
    var contentType: String
    var body: String

    static func send(
        _ method: HTTPMethod, _ url: String, json: String? = nil, timeout: TimeAmount = .seconds(10)
    ) async throws -> HTTPExchange {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let body = try await response.body.collect(upTo: 1 << 20)
        return HTTPExchange(
            status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type") ?? "",
            body: String(buffer: body))
    }
}

// MARK: Checking history

/// What history says about scheduled fires, for the checks the process tests share.
struct FireAudit {
    let executions: [Execution]

    var scheduled: [Execution] { executions.filter { $0.trigger == .scheduled } }

    /// The executions of fires scheduled up to `instant` (and manual runs requested by then).
    func upTo(_ instant: Date) -> FireAudit { FireAudit(executions: executions.filter { $0.scheduledAt <= instant }) }

    /// (job, nominal time) pairs with more than one execution (the unique index forbids it).
    var duplicateFires: [String] {
        Dictionary(grouping: scheduled, by: { "\($0.jobKey)@\(Timestamp.formatPrecise($0.scheduledAt))" })
            .filter { $0.value.count > 1 }.map(\.key).sorted()
    }

    /// Nominal times missing between a job's first and last fire in history (a lost fire),
    /// for jobs of `keys` that fire every `seconds`; at most `limit` named.
    func gaps(keys: Set<String>, every seconds: Double, limit: Int = 10) -> [String] {
        var missing: [String] = []
        for (key, fires) in Dictionary(grouping: scheduled.filter { keys.contains($0.jobKey) }, by: \.jobKey) {
            let times = fires.map(\.scheduledAt).sorted()
            for (earlier, later) in zip(times, times.dropFirst()) where later.timeIntervalSince(earlier) > seconds * 1.5 {
                missing.append("\(key) between \(Timestamp.formatPrecise(earlier)) and \(Timestamp.formatPrecise(later))")
            }
        }
        return Array(missing.sorted().prefix(limit))
    }

    /// Jobs of `keys` without an execution scheduled at or after `instant` (stopped firing).
    func silent(keys: Set<String>, since instant: Date) -> [String] {
        let firing = Set(scheduled.filter { $0.scheduledAt >= instant }.map(\.jobKey))
        return keys.subtracting(firing).sorted()
    }

    /// Executions in a status, with their counts, for messages.
    var statusCounts: [ExecutionStatus: Int] { Dictionary(grouping: executions, by: \.status).mapValues(\.count) }
}

/// The keys of the jobs a test declared: `prefix-1` … `prefix-count`.
func jobKeys(_ prefix: String, _ count: Int) -> Set<String> { Set((1...count).map { "\(prefix)-\($0)" }) }
