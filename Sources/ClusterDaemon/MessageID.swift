/// journald MESSAGE_IDs of the daemon's key events, so that they can be found with
/// `journalctl MESSAGE_ID=…` whatever the wording of the message.
public enum MessageID {
    public static let started = "6b1f0a3c2d8e4f5a9b7c1d2e3f4a5b6c"
    public static let stopped = "6b1f0a3c2d8e4f5a9b7c1d2e3f4a5b6d"
    public static let tornTailRecovered = "a3e9c2b1d4f5467a8b9c0d1e2f3a4b5c"
    public static let damagedLogRefused = "c7d8e9f0a1b2433c9d5e6f7a8b9c0d1e"
    public static let storageFailure = "e1f2a3b4c5d6478e9f0a1b2c3d4e5f60"
    public static let watchdogMissed = "f0e1d2c3b4a5469788796a5b4c3d2e1f"
    public static let damageFoundInBackground = "2d4c6e8a0b1f4e3d9c7a5b3e1f0d2c4a"
}
