/// The OpenAPI 3.1 document served at `/openapi.json`. Hand-written; `OpenAPIDocumentTests`
/// fails when a route of ``KairosAPI/routes`` is missing from it, and schemathesis (in
/// scripts/test) checks live responses against it.
enum OpenAPIDocument {
    static let json = #"""
        {"openapi": "3.1.0", "info": {"title": "Kairos", "version": "0.1.0"}, "paths": {}}
        """#
}
