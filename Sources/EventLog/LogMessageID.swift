/// journald MESSAGE_IDs of the log's key events (the daemon's are in ClusterDaemon.MessageID).
public enum LogMessageID {
    public static let tornTailRecovered = "a3e9c2b1d4f5467a8b9c0d1e2f3a4b5c"
    public static let storageFailure = "e1f2a3b4c5d6478e9f0a1b2c3d4e5f60"
}
