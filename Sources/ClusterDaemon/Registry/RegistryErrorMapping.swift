import ClusterModel
import EventLog
import Varlink

/// The one mapping of the registry's failures to the errors of `org.clusterd.Registry`, for the
/// daemon's handler and for `clusterctl --log` alike.
public enum RegistryErrorMapping {
    /// The Varlink error that answers `error`; a `VarlinkError` or anything unknown unchanged.
    public static func varlinkError(_ error: any Error) -> any Error {
        switch error {
        case let error as DomainError:
            return ReplyEncoding.error(error)
        case let error as RegistryReplay.Failure:
            return storageFailure(error.description)
        case let error as EventLogError:
            return storageFailure("\(error)")
        case let error as KeyStoreError:
            // Names the file and the reason, never a key or a personal value.
            return storageFailure("\(error)")
        case PeopleError.unavailable:
            return VarlinkError(
                "\(RegistryInterfaceDefinition.name).PersonalDataUnavailable",
                parameters: ["reason": .string("clusterd serves without personal data: it was started with --without-personal-data, or given no key store key (docs/key-store.md)")]
            )
        default:
            return error
        }
    }

    private static func storageFailure(_ reason: String) -> VarlinkError {
        VarlinkError("\(RegistryInterfaceDefinition.name).StorageFailure", parameters: ["reason": .string(reason)])
    }
}
