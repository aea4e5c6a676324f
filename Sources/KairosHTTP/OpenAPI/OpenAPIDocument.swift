import Foundation
import KairosEngine
import NIOCore

/// The OpenAPI 3.1 document served at `/openapi.json`, hand-written in the resource
/// `OpenAPI/openapi.json`, embedded in the binary at build time (SwiftPM `embedInCode`: the
/// `kairos` executable needs no resource bundle beside it), with `${KAIROS_VERSION}` set to
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

    /// The resource's text with the version filled in.
    static func load() -> String {
        String(decoding: PackageResources.openapi_json, as: UTF8.self)
            .replacingOccurrences(of: versionPlaceholder, with: KairosEngine.version)
    }
}
