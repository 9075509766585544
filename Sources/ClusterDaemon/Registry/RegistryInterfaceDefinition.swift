import Varlink

/// The Varlink interface `org.clusterd.Registry`: the contract between clusterd and its clients.
///
/// Written in the Varlink IDL; clients read it back with `org.varlink.service.GetInterfaceDescription`.
/// It only declares what the daemon implements: methods are added as they are built.
public enum RegistryInterfaceDefinition {
    public static let name = "org.clusterd.Registry"

    public static let text = """
        # The member registry of a network of business clusters: who is a member of
        # which cluster, with what size, sector and territory, at any date, and what
        # members answered in surveys. Every change is an event in an append-only log.
        interface org.clusterd.Registry

        # What the daemon is and how far its log goes. log_writable is false after a
        # failed fdatasync: the daemon then answers reads but refuses writes until it
        # is restarted, and log_failure says why.
        method GetStatus() -> (
          version: string,
          last_seq: int,
          events: int,
          log_path: string,
          log_bytes: int,
          log_id: string,
          head_hash: string,
          log_writable: bool,
          log_failure: ?string,
          started_at: string,
          replay_ms: int
        )

        # A parameter is missing or malformed, or breaks a rule of the registry.
        error InvalidArgument (field: string, reason: string)

        # The caller may read but not write.
        error PermissionDenied (reason: string)

        # The log could not be written; nothing of the request was stored.
        error StorageFailure (reason: string)

        # A message or request is larger than the daemon accepts.
        error TooLarge (limit: int, reason: string)

        # The daemon serves as many connections as it allows.
        error TooManyConnections (limit: int)

        # The method handler failed unexpectedly; the reason says how.
        error InternalError (reason: string)

        # The call was cancelled because the daemon is shutting down.
        error Cancelled ()

        """

    /// The parsed definition.
    public static let interface: VarlinkInterface = {
        do {
            return try VarlinkInterface(parsing: text)
        } catch {
            fatalError("org.clusterd.Registry does not parse: \(error)")
        }
    }()
}
