import AsyncHTTPClient
import Foundation
import KairosCore
import KairosHTTP
import KairosStore
import NIOHTTP1
import Testing

/// Every route × {no key, wrong key, revoked key, viewer, operator, admin}: open routes answer
/// everyone; the others answer 401 without a valid key, 403 below their role, and neither
/// (nor a 5xx) at or above it.
@Suite("Auth matrix")
struct AuthMatrixTests {
    enum Credential: String, CaseIterable, CustomTestStringConvertible {
        case none, wrong, revoked, viewer, `operator`, admin
        var testDescription: String { rawValue }
        var role: APIKeyRole? {
            switch self {
            case .viewer: .viewer
            case .operator: .operator
            case .admin: .admin
            case .none, .wrong, .revoked: nil
            }
        }
    }

    @Test("every route answers every credential as its access rule says")
    func matrix() async throws {
        try await TestServer.with { server in
            let revoked = APIKeySecret.make(name: "revoked", role: .admin, now: Date())
            try await server.store.createAPIKey(revoked.record)
            try await server.store.revokeAPIKey(id: revoked.record.id, now: Date())
            let routes = KairosAPI(engine: server.engine).routes
            #expect(routes.count >= 20, "the table lists every route")
            for route in routes {
                for credential in Credential.allCases {
                    let secret: String? =
                        switch credential {
                        case .none: nil
                        case .wrong: "kairos_not-a-key-at-all"
                        case .revoked: revoked.secret
                        case .viewer: server.viewer
                        case .operator: server.operator
                        case .admin: server.admin
                        }
                    let status = try await Self.send(route, key: secret, server: server)
                    switch route.access {
                    case .open:
                        #expect(status != 401 && status != 403 && status < 500, "\(route) with \(credential.rawValue) key: \(status)")
                    case .role(let required):
                        if let role = credential.role {
                            if role >= required {
                                #expect(status != 401 && status != 403 && status < 500, "\(route) with \(credential.rawValue) key: \(status)")
                            } else {
                                #expect(status == 403, "\(route) with \(credential.rawValue) key: \(status), expected 403")
                            }
                        } else {
                            #expect(status == 401, "\(route) with \(credential.rawValue) key: \(status), expected 401")
                        }
                    }
                }
            }
        }
    }

    @Test("a 401 carries WWW-Authenticate and a problem body naming the problem", arguments: [
        (nil, "needs an API key"), ("Basic abc", "must be 'Bearer <key>'"), ("Bearer kairos_nope", "not valid"),
    ] as [(String?, String)])
    func unauthorizedBody(header: String?, detail: String) async throws {
        try await TestServer.with { server in
            let response = try await server.request(
                .GET, "/api/v1/scheduler/jobs", key: nil, headers: header.map { [("Authorization", $0)] } ?? [])
            #expect(response.status == 401)
            #expect(response.contentType == "application/problem+json")
            #expect(response.headers.first(name: "WWW-Authenticate")?.hasPrefix("Bearer") == true)
            #expect(response.json["detail"]?.stringValue?.contains(detail) == true, "\(response.text)")
        }
    }

    @Test("a revoked key stops working at once in the process that revoked it")
    func revocationIsImmediate() async throws {
        try await TestServer.with { server in
            let created = try await server.request(.POST, "/api/v1/keys", key: server.admin, json: #"{"name": "ci", "role": "viewer"}"#)
            #expect(created.status == 201)
            let secret = try #require(created.json["secret"]?.stringValue)
            let id = try #require(created.json["id"]?.stringValue)
            #expect(try await server.request(.GET, "/api/v1/scheduler/jobs", key: secret).status == 200)
            #expect(try await server.request(.DELETE, "/api/v1/keys/\(id)", key: server.admin).status == 200)
            let after = try await server.request(.GET, "/api/v1/scheduler/jobs", key: secret)
            #expect(after.status == 401)
            #expect(after.json["detail"]?.stringValue?.contains("revoked") == true)
        }
    }

    /// Sends a request for `route` with placeholder parameters and a small valid-looking body.
    static func send(_ route: APIRoute, key: String?, server: TestServer) async throws -> Int {
        var job = try await server.store.job(key: "matrix")
        if job == nil {
            job = try await server.engine.jobs.create(
                try JobSpec(key: "matrix", task: "system.noop", schedule: .interval(try IntervalSchedule(hours: 1))))
        }
        guard let job else { return 0 }
        let execution = try await server.store.trigger(jobId: job.id, now: Date())
        let throwaway = APIKeySecret.make(name: "throwaway", role: .viewer, now: Date())
        try await server.store.createAPIKey(throwaway.record)
        let path = route.path
            .replacingOccurrences(of: "{job}", with: job.key)
            .replacingOccurrences(of: "{execution}", with: execution.id.uuidString)
            .replacingOccurrences(of: "{key}", with: throwaway.record.id.uuidString)
        let body: String? =
            switch (route.method, route.path) {
            case (.post, "/api/v1/scheduler/jobs"): #"{"key": "m-\#(UUID().uuidString.prefix(8).lowercased())", "task": "system.noop", "schedule": {"type": "interval", "hours": 1}}"#
            case (.put, _): #"{"task": "system.noop", "schedule": {"type": "interval", "hours": 2}}"#
            case (.patch, _): #"{"priority": 1}"#
            case (.post, "/api/v1/scheduler/jobs/{job}/action"): #"{"action": "pause"}"#
            case (.post, "/api/v1/scheduler/cron/preview"): #"{"expression": "0 2 * * *"}"#
            case (.post, "/api/v1/keys"): #"{"name": "matrix", "role": "viewer"}"#
            default: nil
            }
        if route.path.hasSuffix("/events") {
            return try await server.status(ofStream: path, key: key)
        }
        return try await server.request(HTTPMethod(rawValue: route.method.rawValue), path, key: key, json: body).status
    }
}

extension TestServer {
    /// The status of a streaming response, without waiting for its (endless) body.
    func status(ofStream path: String, key: String?) async throws -> Int {
        var request = HTTPClientRequest(url: baseURL + path)
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let status: Int
        do {
            let response = try await client.execute(request, timeout: .seconds(10))
            status = Int(response.status.code)
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
        return status
    }
}
