import Foundation
import HandoffConfig

extension ConfigError {
    /// The command-line option a `[storage]` setting came from (`storage.password_env` is
    /// `--password-env`), for the commands that take the storage settings as options.
    var storageOption: String? {
        key.map { "--" + $0.replacingOccurrences(of: "storage.", with: "").replacingOccurrences(of: "_", with: "-") }
    }
}
