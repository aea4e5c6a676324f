import Foundation
import KairosEngine
import NIOCore

/// The OpenAPI 3.1 document served at `/openapi.json`: every route of ``KairosAPI/routes`` with
/// its parameters, request bodies, responses (problems as `application/problem+json`) and the
/// bearer security of the routes that need a key. Hand-written JSON in the resource
/// `OpenAPI/openapi.json`, read from `Bundle.module` once, with `${KAIROS_VERSION}` replaced by
/// ``KairosEngine/version``. `OpenAPIDocumentTests` fails when it and the route table disagree,
/// `scripts/schemathesis` checks live responses against it and `scripts/openapi-client`
/// generates a Python client from it.
enum OpenAPIDocument {
    /// Stands for the API version in the resource.
    static let versionPlaceholder = "${KAIROS_VERSION}"

    /// The served bytes.
    static let json: ByteBuffer = ByteBuffer(string: load())

    /// The resource's text with the version filled in; stops the process when the resource
    /// bundle is missing (it must be installed beside the `kairos` executable).
    static func load() -> String {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { fatalError("the OpenAPI document (resource openapi.json of KairosHTTP) is missing from \(Bundle.module.bundlePath)") }
        precondition(text.contains(versionPlaceholder), "openapi.json has no \(versionPlaceholder)")
        return text.replacingOccurrences(of: versionPlaceholder, with: KairosEngine.version)
    }
}
