import Foundation
import Hummingbird
import KairosStore
import Metrics

extension KairosAPI {
    func addSystemRoutes(to table: inout RouteTable) {
        table.add(.get, "/health", .open) { request, _ in
            try request.checkQuery(allowed: [])
            return try Response.json(["status": "ok", "instanceId": engine.configuration.instanceId])
        }

        table.add(.get, "/ready", .open) { request, _ in
            try request.checkQuery(allowed: [])
            let migrations = try await readMigrations()
            guard !migrations.isEmpty else { throw APIError(.unavailable, "the store has no migrations applied") }
            return try Response.json(ReadyResource(status: "ready", migrations: migrations))
        }

        table.add(.get, "/metrics", configuration.publicMetrics ? .open : .role(.viewer)) { request, _ in
            try request.checkQuery(allowed: [])
            guard let metrics else { throw APIError(.notFound, "metrics are not enabled in this process") }
            try await refreshGauges()
            var bytes: [UInt8] = []
            metrics.emit(into: &bytes)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }

        // Read when the router is built, so that a missing resource stops the server at its start.
        let document = OpenAPIDocument.json
        table.add(.get, "/openapi.json", .open) { request, _ in
            try request.checkQuery(allowed: [])
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: document))
        }
    }

    /// The store's applied migrations, read from the store on every call (no cached answer:
    /// `/ready` says whether the store answers now), or 503 naming the cause when the read fails
    /// or takes longer than ``APIConfiguration/readyTimeout`` (the read is then cancelled).
    func readMigrations() async throws -> [String] {
        let (store, timeout) = (store, configuration.readyTimeout)
        let outcome = await withTaskGroup(of: Result<[String], any Error>?.self) { group in
            group.addTask {
                do { return .success(try await store.appliedMigrations()) } catch { return .failure(error) }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(timeout))
                return nil
            }
            defer { group.cancelAll() }
            return await group.next() ?? nil
        }
        switch outcome {
        case .success(let migrations): return migrations
        case .failure(let error): throw APIError(.unavailable, "the store is not reachable: \(error)")
        case nil: throw APIError(.unavailable, "the store did not answer within \(timeout) s")
        }
    }

    /// Gauges read from the store when scraped: queue depth and jobs by state.
    func refreshGauges() async throws {
        let now = engine.clock.now()
        Gauge(label: "kairos_queue_depth").record(try await store.queueDepth(now: now))
        let counts = try await store.jobCounts()
        for state in JobQuery.State.allCases {
            Gauge(label: "kairos_jobs", dimensions: [("state", state.rawValue)]).record(counts[state] ?? 0)
        }
    }
}

struct ReadyResource: Encodable {
    var status: String
    var migrations: [String]
}
