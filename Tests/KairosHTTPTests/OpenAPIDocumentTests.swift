import Foundation
import KairosCore
import KairosEngine
import KairosHTTP
import KairosStore
import Testing

/// The OpenAPI document served at `/openapi.json` (the resource `OpenAPI/openapi.json` of
/// KairosHTTP) against the route table the router is built from: the same operations (none missing, none extra), an operationId each, the bearer
/// security, 401 and 403 where the access rule says, and references that resolve. Whether
/// live responses match its schemas is checked by `scripts/schemathesis`.
@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// The served document and the route table of a real server (default configuration:
    /// `/metrics` needs a viewer key).
    static func load() async throws -> (document: JSONValue, routes: [APIRoute]) {
        try await TestServer.with { server in
            let response = try await server.request(.GET, "/openapi.json", key: nil)
            #expect(response.status == 200)
            #expect(response.contentType == "application/json")
            let document = try JSONDecoder().decode(JSONValue.self, from: response.body)
            return (document, KairosAPI(engine: server.engine).routes)
        }
    }

    /// Every operation of the document as `(method, path, operation, path item)`.
    static func operations(_ document: JSONValue) -> [(method: String, path: String, operation: JSONValue, item: JSONValue)] {
        let paths = document["paths"]?.objectValue ?? [:]
        return paths.keys.sorted().flatMap { path in
            let item = paths[path]!
            return (item.objectValue ?? [:]).keys.sorted().filter(methods.contains).map { method in
                (method, path, item[method]!, item)
            }
        }
    }

    @Test("the served document is OpenAPI 3.1 JSON")
    func parses() async throws {
        let (document, _) = try await Self.load()
        #expect(document["openapi"]?.stringValue == "3.1.0")
        #expect(document["info"]?["title"]?.stringValue == "Kairos")
        #expect(document["info"]?["version"]?.stringValue?.isEmpty == false)
        #expect((document["paths"]?.objectValue?.count ?? 0) > 0)
        #expect(document["components"]?["schemas"]?["Problem"] != nil)
    }

    @Test("the served document is the resource openapi.json with info.version set to KairosEngine.version")
    func servedFromTheResource() async throws {
        let resource = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/KairosHTTP/OpenAPI/openapi.json")
        let text = try String(contentsOf: resource, encoding: .utf8)
        #expect(text.components(separatedBy: "\"version\": \"${KAIROS_VERSION}\"").count == 2, "info.version must be the placeholder, once")
        let served = try await TestServer.with { server in try await server.request(.GET, "/openapi.json", key: nil).text }
        #expect(served == text.replacingOccurrences(of: "${KAIROS_VERSION}", with: KairosEngine.version))
        let document = try JSONDecoder().decode(JSONValue.self, from: Data(served.utf8))
        #expect(document["info"]?["version"]?.stringValue == KairosEngine.version)
    }

    @Test("every route of the table is an operation of the document, and every operation is a route")
    func sameOperationsAsTheRouteTable() async throws {
        let (document, routes) = try await Self.load()
        #expect(routes.count >= 20)
        let inTable = Set(routes.map { "\($0.method.rawValue) \($0.path)" })
        #expect(inTable.count == routes.count, "a route is registered twice")
        let inDocument = Set(Self.operations(document).map { "\($0.method.uppercased()) \($0.path)" })
        let missing = inTable.subtracting(inDocument).sorted()
        let extra = inDocument.subtracting(inTable).sorted()
        #expect(missing.isEmpty, "routes missing from the OpenAPI document: \(missing)")
        #expect(extra.isEmpty, "operations of the OpenAPI document that the server does not have: \(extra)")
    }

    @Test("keyed routes declare bearer security, 401 and (above viewer) 403; open routes declare none")
    func securityFollowsTheAccessRules() async throws {
        let (document, routes) = try await Self.load()
        let scheme = try #require(document["components"]?["securitySchemes"]?["bearerAuth"], "no bearerAuth security scheme")
        #expect(scheme["type"]?.stringValue == "http")
        #expect(scheme["scheme"]?.stringValue?.lowercased() == "bearer")
        let lowestRole = APIKeyRole.allCases.min()!
        for route in routes {
            guard let operation = document["paths"]?[route.path]?[route.method.rawValue.lowercased()] else { continue }
            let responses = operation["responses"]?.objectValue ?? [:]
            let security = operation["security"]?.arrayValue
            switch route.access {
            case .open:
                #expect(security == [], "\(route) is open: it must declare `security: []`")
                #expect(responses["401"] == nil && responses["403"] == nil, "\(route) is open: no 401 or 403")
                #expect(operation["x-kairos-role"] == nil, "\(route) is open: no x-kairos-role")
            case .role(let role):
                #expect(security == [["bearerAuth": []]], "\(route) needs a key: it must declare the bearerAuth security")
                #expect(responses["401"] != nil, "\(route) needs a key: it must declare 401")
                #expect(operation["x-kairos-role"]?.stringValue == role.rawValue, "\(route) needs the \(role.rawValue) role")
                if role > lowestRole {
                    #expect(responses["403"] != nil, "\(route) needs the \(role.rawValue) role: it must declare 403")
                } else {
                    #expect(responses["403"] == nil, "\(route): every valid key has the \(role.rawValue) role, so it never answers 403")
                }
            }
        }
    }

    @Test("every operation has a unique operationId and declares its path parameters")
    func operationIdsAndPathParameters() async throws {
        let (document, _) = try await Self.load()
        var seen: Set<String> = []
        for (method, path, operation, item) in Self.operations(document) {
            let id = operation["operationId"]?.stringValue ?? ""
            #expect(!id.isEmpty, "\(method.uppercased()) \(path) has no operationId")
            #expect(seen.insert(id).inserted || id.isEmpty, "operationId \(id) is used twice")
            #expect(operation["responses"]?.objectValue?.isEmpty == false, "\(method.uppercased()) \(path) has no responses")

            let parameters = (item["parameters"]?.arrayValue ?? []) + (operation["parameters"]?.arrayValue ?? [])
            let declared = Set(parameters.map { Self.resolve($0, in: document) }.filter { $0["in"] == "path" }.compactMap { $0["name"]?.stringValue })
            let inPath = Set(path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map { String($0.dropFirst().dropLast()) })
            #expect(declared == inPath, "\(method.uppercased()) \(path) declares path parameters \(declared.sorted())")
        }
    }

    @Test("every $ref resolves and every error response is an application/problem+json Problem")
    func referencesAndProblems() async throws {
        let (document, _) = try await Self.load()
        var references: [String] = []
        func collect(_ value: JSONValue) {
            switch value {
            case .object(let object):
                if let reference = object["$ref"]?.stringValue { references.append(reference) }
                object.values.forEach(collect)
            case .array(let array): array.forEach(collect)
            default: break
            }
        }
        collect(document)
        #expect(!references.isEmpty)
        for reference in Set(references).sorted() {
            #expect(Self.pointer(reference, in: document) != nil, "$ref \(reference) does not resolve")
        }
        for (method, path, operation, _) in Self.operations(document) {
            for (status, response) in operation["responses"]?.objectValue ?? [:] where (Int(status) ?? 0) >= 400 {
                let content = Self.resolve(response, in: document)["content"]?.objectValue ?? [:]
                #expect(Array(content.keys) == ["application/problem+json"], "\(method.uppercased()) \(path) \(status) is not a problem")
                let schema = content["application/problem+json"]?["schema"]
                let mentionsProblem = schema.map { "\($0)".contains("#/components/schemas/Problem") } ?? false
                #expect(mentionsProblem, "\(method.uppercased()) \(path) \(status) does not use the Problem schema")
            }
        }
    }

    @Test(
        "a job's members are written once, in JobFields: the create, replace and patch bodies and the Job resource are allOf it",
        arguments: [
            ("JobSpec", ["key", "task", "schedule"]), ("JobReplacement", ["task", "schedule"]), ("JobPatch", []),
            ("Job", ["key", "name", "description", "task", "args", "schedule", "priority", "maxInstances", "misfireGraceTime",
                "coalesce", "retry", "enabled", "paused", "id", "nextRunAt", "lastRunAt", "lastStatus", "createdAt", "updatedAt",
                "version", "system", "scheduleDescription"]),
        ])
    func jobSchemasShareJobFields(name: String, required: [String]) async throws {
        let (document, _) = try await Self.load()
        let schemas = try #require(document["components"]?["schemas"])
        let shared = Set(try #require(schemas["JobFields"]?["properties"]?.objectValue).keys)
        #expect(shared.isSuperset(of: ["key", "name", "task", "args", "priority", "timeout", "enabled", "paused"]))
        let schema = try #require(schemas[name])
        let parts = try #require(schema["allOf"]?.arrayValue)
        #expect(parts.first == ["$ref": "#/components/schemas/JobFields"])
        #expect(schema["unevaluatedProperties"] == false, "\(name) refuses members it does not list")
        #expect(schema["properties"] == nil && schema["required"] == nil, "\(name) lists its own members in its allOf")
        let own = parts.dropFirst()
        let declared = own.flatMap { $0["required"]?.arrayValue ?? [] }.compactMap(\.stringValue)
        #expect(declared == required, "\(name) requires \(declared)")
        let redefined = Set(own.flatMap { ($0["properties"]?.objectValue ?? [:]).keys }).intersection(shared)
        #expect(redefined.isEmpty, "\(name) redefines members of JobFields: \(redefined.sorted())")
    }

    @Test("error responses are the Problem schema itself, and no two schemas share a title (so generators keep every response and model)")
    func generatorFriendly() async throws {
        let (document, _) = try await Self.load()
        for (name, response) in document["components"]?["responses"]?.objectValue ?? [:] {
            guard let problem = response["content"]?["application/problem+json"] else { continue }
            #expect(problem["schema"] == ["$ref": "#/components/schemas/Problem"], "\(name) narrows Problem")
        }
        let titles = (document["components"]?["schemas"]?.objectValue ?? [:]).values.compactMap { $0["title"]?.stringValue }
        #expect(Set(titles).count == titles.count, "schema titles used twice: \(titles.sorted())")
    }

    /// The value a `$ref` (`#/components/…`) points to, or `nil`.
    static func pointer(_ reference: String, in document: JSONValue) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var value: JSONValue? = document
        for token in reference.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
            let name = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            value = value?[name]
        }
        return value
    }

    /// A value, or what its `$ref` points to.
    static func resolve(_ value: JSONValue, in document: JSONValue) -> JSONValue {
        guard let reference = value["$ref"]?.stringValue else { return value }
        return pointer(reference, in: document) ?? .null
    }
}
