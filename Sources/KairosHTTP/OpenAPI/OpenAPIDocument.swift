import Foundation
import KairosEngine
import NIOCore

/// The OpenAPI 3.1 document served at `/openapi.json`, hand-written in the resource
/// `OpenAPI/openapi.json` and read from `Bundle.module` once, with `${KAIROS_VERSION}` set to
/// ``KairosEngine/version``. A job's members are written once, in `JobFields` (the job bodies
/// and `Job` are `allOf` it). Keep error responses plain `Problem` references and schema titles
/// unique: openapi-python-client drops what it cannot merge. Checked by `OpenAPIDocumentTests`
/// (against the route table), `scripts/schemathesis` (live answers) and `scripts/openapi-client`
/// (a generated client).
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
