import Foundation
import Hummingbird
import KairosCore
import KairosEngine
import KairosStore

extension KairosAPI {
    func addExecutionRoutes(to table: inout RouteTable) {
        let executions = Self.prefix + "/scheduler/executions"

        table.add(.get, executions, .role(.viewer)) { request, _ in
            try request.checkQuery(allowed: ["limit", "cursor", "status", "jobId", "scheduledFrom", "scheduledBefore"])
            var query = HistoryQuery(statuses: try Self.statuses(request), limit: try Self.limit(request), cursor: request.query("cursor"))
            try Self.scheduledRange(request, into: &query)
            query.jobId = try await jobFilter(request)
            let page = try await store.history(query)
            return try Response.json(ListResource(items: page.items.map(ExecutionResource.init), nextCursor: page.nextCursor))
        }

        table.add(.get, executions + "/{execution}", .role(.viewer)) { request, context in
            try request.checkQuery(allowed: [])
            let execution = try await findExecution(context)
            return try Response.json(ExecutionResource(execution: execution))
        }

        table.add(.post, executions + "/{execution}/cancel", .role(.operator)) { request, context in
            try request.checkQuery(allowed: [])
            let execution = try await findExecution(context)
            if let body = try await request.optionalJSONBody(limit: configuration.maxBodySize), body != [:] {
                throw APIError(.validationFailed, "cancel takes no fields; send no body or {}",
                    issues: (body.objectValue ?? [:]).keys.sorted().map { FieldIssue(field: $0, code: "unknownField", message: "\($0) is not a field of cancel") })
            }
            let cancelled = try await engine.jobs.cancel(executionId: execution.id)
            return try Response.json(ExecutionResource(execution: cancelled))
        }
    }

    func findExecution(_ context: APIRequestContext) async throws -> Execution {
        let reference = context.parameters.get("execution") ?? ""
        guard let id = UUIDText.parse(reference) else {
            throw APIError(.notFound, "no execution with id '\(reference)' (an execution id is a UUID)")
        }
        guard let execution = try await store.execution(id: id) else {
            throw APIError(.notFound, "no execution with id '\(reference)'", executionId: id)
        }
        return execution
    }
}
