import Foundation
import Mustache

/// The Mustache templates, compiled into the binary (SwiftPM resources embedded in code), so
/// that the `kairos` executable needs no files beside it. `{{value}}` escapes HTML (`<`, `>`,
/// `&`, both quotes); templates never use the unescaped form for data from users.
struct PageRenderer: Sendable {
    static let shared = PageRenderer()

    let library: MustacheLibrary

    init() {
        var library = MustacheLibrary()
        let templates: [(String, [UInt8])] = [
            ("head", PackageResources.head_mustache),
            ("foot", PackageResources.foot_mustache),
            ("actions", PackageResources.actions_mustache),
            ("time", PackageResources.time_mustache),
            ("input", PackageResources.input_mustache),
            ("checkbox", PackageResources.checkbox_mustache),
            ("argument", PackageResources.argument_mustache),
            ("execution-row", PackageResources.execution_row_mustache),
            ("sign-in", PackageResources.sign_in_mustache),
            ("error", PackageResources.error_mustache),
            ("jobs", PackageResources.jobs_mustache),
            ("job", PackageResources.job_mustache),
            ("job-form", PackageResources.job_form_mustache),
            ("confirm-delete", PackageResources.confirm_delete_mustache),
            ("execution", PackageResources.execution_mustache),
            ("executions", PackageResources.executions_mustache),
            ("keys", PackageResources.keys_mustache),
            ("status", PackageResources.status_mustache),
            ("upcoming", PackageResources.upcoming_mustache),
        ]
        for (name, bytes) in templates {
            // The templates are part of the source: one that does not parse is a build mistake
            // the first test catches.
            try! library.register(String(decoding: bytes, as: UTF8.self), named: name)
        }
        self.library = library
    }

    func render(_ page: Any, template: String) -> String {
        library.render(page, withTemplate: template) ?? ""
    }
}
