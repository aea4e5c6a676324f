import Foundation
import Hummingbird
import KairosCore
import KairosEngine
import KairosStore

extension KairosAPI {
    func addJobRoutes(to table: inout RouteTable) {
        let jobs = Self.prefix + "/scheduler/jobs"

        table.add(.post, jobs, .role(.operator)) { request, _ in
            try request.checkQuery(allowed: [])
            let spec = try JobSpec.from(json: try await request.jsonBody(limit: configuration.maxBodySize), registry: engine.registry)
            let job = try await engine.jobs.create(spec)
            return Response.job(try jobJSON.json(job), status: .created, headers: [.location: "\(jobs)/\(job.id)", .eTag: Self.eTag(job)])
        }

        table.add(.get, jobs, .role(.viewer)) { request, _ in
            try request.checkQuery(allowed: ["limit", "cursor", "status", "task", "q", "prefix", "enabled", "paused", "lastStatus", "sort", "includeSystem"])
            var query = JobQuery(limit: try Self.limit(request))
            query.cursor = request.query("cursor")
            if let status = request.query("status") {
                guard let state = JobQuery.State(rawValue: status) else {
                    throw APIError.badParameter("status", "status must be one of \(JobQuery.State.allCases.map(\.rawValue).joined(separator: ", ")), got '\(status)'")
                }
                query.state = state
            }
            query.task = request.query("task")
            query.search = request.query("q")
            query.keyPrefix = request.query("prefix")
            if let enabled = request.query("enabled") { query.enabled = try Self.bool("enabled", enabled) }
            if let paused = request.query("paused") { query.paused = try Self.bool("paused", paused) }
            if let outcome = request.query("lastStatus") {
                guard let lastOutcome = JobQuery.LastOutcome(outcome) else {
                    throw APIError.badParameter(
                        "lastStatus", "lastStatus must be one of \(JobQuery.LastOutcome.allCases.map(\.description).joined(separator: ", ")), got '\(outcome)'")
                }
                query.lastOutcome = lastOutcome
            }
            if let sort = request.query("sort") {
                guard let order = JobQuery.Sort(sort) else {
                    throw APIError.badParameter("sort", "sort must be one of \(JobQuery.Sort.allCases.map(\.description).joined(separator: ", ")), got '\(sort)'")
                }
                query.sort = order
            }
            if let system = request.query("includeSystem") { query.includeSystem = try Self.bool("includeSystem", system) }
            let page = try await store.listJobs(query)
            return Response.job(try jobJSON.json(page))
        }

        table.add(.get, jobs + "/{job}", .role(.viewer)) { request, context in
            try request.checkQuery(allowed: [])
            let job = try await findJob(context)
            return Response.job(try jobJSON.json(job), headers: [.eTag: Self.eTag(job)])
        }

        table.add(.put, jobs + "/{job}", .role(.operator)) { request, context in
            try request.checkQuery(allowed: [])
            let job = try await findJob(context)
            let expected = try Self.ifMatch(request)
            var body = try await request.jsonBody(limit: configuration.maxBodySize)
            if case .object(var fields) = body, fields["key"] == nil {
                fields["key"] = .string(job.key)
                body = .object(fields)
            }
            let spec = try JobSpec.from(json: body, registry: engine.registry)
            try Self.checkKeyUnchanged(spec, job)
            let updated = try await engine.jobs.replace(id: job.id, with: spec, expectedVersion: expected)
            return Response.job(try jobJSON.json(updated), headers: [.eTag: Self.eTag(updated)])
        }

        table.add(.patch, jobs + "/{job}", .role(.operator)) { request, context in
            try request.checkQuery(allowed: [])
            let job = try await findJob(context)
            let expected = try Self.ifMatch(request) ?? job.version
            let patch = try await request.jsonBody(limit: configuration.maxBodySize)
            guard case .object = patch else {
                throw APIError(.validationFailed, "a patch must be a JSON object (RFC 7396 merge patch), got \(patch.typeName)",
                    issues: [FieldIssue(field: "", code: "invalidType", message: "the body must be a JSON object")])
            }
            let spec = try JobSpec.from(json: Self.mergePatch(try job.spec.jsonValue, patch), registry: engine.registry)
            try Self.checkKeyUnchanged(spec, job)
            let updated = try await engine.jobs.replace(id: job.id, with: spec, expectedVersion: expected)
            return Response.job(try jobJSON.json(updated), headers: [.eTag: Self.eTag(updated)])
        }

        table.add(.delete, jobs + "/{job}", .role(.operator)) { request, context in
            try request.checkQuery(allowed: [])
            let job = try await findJob(context)
            _ = try await engine.jobs.delete(id: job.id, expectedVersion: try Self.ifMatch(request))
            return Response(status: .noContent)
        }

        table.add(.post, jobs + "/{job}/action", .role(.operator)) { request, context in
            try request.checkQuery(allowed: [])
            let job = try await findJob(context)
            let expected = try Self.ifMatch(request)
            let body = try await request.jsonBody(limit: configuration.maxBodySize)
            let actions = ["trigger", "pause", "resume", "enable", "disable"]
            guard case .object(let fields) = body else {
                throw APIError(.validationFailed, "the body must be a JSON object like {\"action\": \"trigger\"}",
                    issues: [FieldIssue(field: "", code: "invalidType", message: "the body must be a JSON object")])
            }
            var issues = fields.keys.filter { $0 != "action" }.sorted().map {
                FieldIssue(field: $0, code: "unknownField", message: "\($0) is not a field of an action")
            }
            let action = fields["action"]?.stringValue
            if let action, !actions.contains(action) {
                issues.append(FieldIssue(field: "action", code: "invalidValue", message: "action must be one of \(actions.joined(separator: ", ")), got '\(action)'"))
            } else if action == nil {
                issues.append(FieldIssue(field: "action", code: "required", message: "action is required: one of \(actions.joined(separator: ", "))"))
            }
            guard issues.isEmpty, let action else { throw ValidationError(issues) }
            let updated: Job
            switch action {
            case "trigger":
                if let expected, expected != job.version {
                    throw StoreError(.versionMismatch, "job '\(job.key)' is at version \(job.version), not \(expected)", jobId: job.id, jobKey: job.key)
                }
                let execution = try await engine.jobs.trigger(id: job.id)
                return try Response.json(ExecutionResource(execution: execution), status: .accepted,
                    headers: [.location: "\(Self.prefix)/scheduler/executions/\(execution.id)"])
            case "pause": updated = try await engine.jobs.setPaused(id: job.id, true, expectedVersion: expected)
            case "resume": updated = try await engine.jobs.setPaused(id: job.id, false, expectedVersion: expected)
            case "enable": updated = try await engine.jobs.setEnabled(id: job.id, true, expectedVersion: expected)
            default: updated = try await engine.jobs.setEnabled(id: job.id, false, expectedVersion: expected)
            }
            return Response.job(try jobJSON.json(updated), headers: [.eTag: Self.eTag(updated)])
        }

        table.add(.get, jobs + "/{job}/history", .role(.viewer)) { request, context in
            try request.checkQuery(allowed: ["limit", "cursor", "status", "scheduledFrom", "scheduledBefore"])
            let reference = context.parameters.get("job") ?? ""
            guard let jobId = try await historyJobId(reference) else { throw APIError(.notFound, "no job with id or key '\(reference)', live or deleted") }
            var query = HistoryQuery(jobId: jobId, statuses: try Self.statuses(request), limit: try Self.limit(request), cursor: request.query("cursor"))
            try Self.scheduledRange(request, into: &query)
            let page = try await store.history(query)
            return try Response.json(ListResource(items: page.items.map(ExecutionResource.init), nextCursor: page.nextCursor))
        }
    }

    /// The job named by the `{job}` path parameter: an id, or else a key.
    func findJob(_ context: APIRequestContext) async throws -> Job {
        let reference = context.parameters.get("job") ?? ""
        // By id the store also returns deleted jobs (their history stays readable): not here.
        if let id = UUIDText.parse(reference), let job = try await store.job(id: id), !job.deleted { return job }
        if JobSpec.isValidKey(reference), let job = try await store.job(key: reference) { return job }
        throw APIError(.notFound, "no job with id or key '\(reference)'")
    }

    /// The job whose history an id or key names: a deleted job's too (its history stays), by
    /// key the live job or else the one deleted last. `nil` when there is none.
    func historyJobId(_ reference: String) async throws -> UUID? {
        if let id = UUIDText.parse(reference), try await store.job(id: id) != nil { return id }
        guard JobSpec.isValidKey(reference) else { return nil }
        return try await store.lastJob(key: reference)?.id
    }

    /// A `jobId` filter (executions, events): an id, or a key as in ``historyJobId(_:)``. A key
    /// no job ever had is a 400 naming it; an unknown id just matches nothing.
    func jobFilter(_ request: Request) async throws -> UUID? {
        guard let text = request.query("jobId") else { return nil }
        if let id = UUIDText.parse(text) { return id }
        guard let id = try await historyJobId(text) else {
            throw APIError.badParameter("jobId", "jobId must be a job's id or key; no job, live or deleted, has the key '\(text)'")
        }
        return id
    }

    static func eTag(_ job: Job) -> String { "\"\(job.version)\"" }

    /// The version an `If-Match` header asks for (`"3"`, `W/"3"` or `3`); `nil` without one,
    /// and for `*`, which matches any current version (RFC 9110 §13.1.1): the job exists, as
    /// `findJob` has checked, so the change applies as without the header.
    static func ifMatch(_ request: Request) throws -> Int? {
        guard let value = request.headers[.ifMatch].map({ HeaderValue.trimmed($0[...]) }), !value.isEmpty, value != "*" else { return nil }
        var text = value
        if text.hasPrefix("W/") { text = text.dropFirst(2) }
        if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = text.dropFirst().dropLast() }
        guard let version = Int(text), version >= 1 else {
            throw APIError.badParameter("If-Match", "If-Match must be the job's version as an ETag, like \"3\"; got \(value)")
        }
        return version
    }

    static func checkKeyUnchanged(_ spec: JobSpec, _ job: Job) throws {
        guard spec.key == job.key else {
            throw ValidationError(field: "key", code: "immutable", message: "the key of a job cannot change (it is '\(job.key)'); create a new job instead")
        }
    }

    /// RFC 7396: objects merge recursively, `null` removes a member, anything else replaces.
    static func mergePatch(_ target: JSONValue, _ patch: JSONValue) -> JSONValue {
        guard case .object(let changes) = patch else { return patch }
        var result = target.objectValue ?? [:]
        for (key, value) in changes {
            if case .null = value {
                result.removeValue(forKey: key)
            } else {
                result[key] = mergePatch(result[key] ?? .null, value)
            }
        }
        return .object(result)
    }

    static func limit(_ request: Request) throws -> Int {
        guard let text = request.query("limit") else { return 100 }
        guard let limit = Int(text), (1...JobQuery.maximumLimit).contains(limit) else {
            throw APIError.badParameter("limit", "limit must be an integer from 1 to \(JobQuery.maximumLimit), got '\(text)'")
        }
        return limit
    }

    static func bool(_ name: String, _ text: String) throws -> Bool {
        switch text {
        case "true": return true
        case "false": return false
        default: throw APIError.badParameter(name, "\(name) must be true or false, got '\(text)'")
        }
    }

    /// `scheduledFrom` and `scheduledBefore`: ISO 8601 timestamps, UTC without an offset.
    static func scheduledRange(_ request: Request, into query: inout HistoryQuery) throws {
        func instant(_ name: String) throws -> Date? {
            guard let text = request.query(name) else { return nil }
            do {
                return try Timestamp.parse(text)
            } catch {
                throw APIError.badParameter(name, "\(name) must be an ISO 8601 timestamp such as 2026-12-07T09:00:00Z, got '\(text)': \(error)")
            }
        }
        query.scheduledFrom = try instant("scheduledFrom")
        query.scheduledBefore = try instant("scheduledBefore")
    }

    /// `status=failed,missed` (or repeated `status=`).
    static func statuses(_ request: Request) throws -> Set<ExecutionStatus> {
        let values = request.uri.queryParameters.getAll("status").flatMap { $0.split(separator: ",") }
        return try Set(values.map { text in
            guard let status = ExecutionStatus(rawValue: String(text)) else {
                throw APIError.badParameter("status", "status must be one of \(ExecutionStatus.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
            }
            return status
        })
    }
}
