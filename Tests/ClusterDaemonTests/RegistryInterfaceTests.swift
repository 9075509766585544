import ClusterDaemon
import Testing
import Varlink

struct RegistryInterfaceTests {
    @Test func theDefinitionParses() throws {
        let interface = try VarlinkInterface(parsing: RegistryInterfaceDefinition.text)
        #expect(interface.name == "org.clusterd.Registry")
        #expect(interface.methods["GetStatus"] != nil)
    }

    @Test func everyErrorOfTheDesignIsDeclaredWithItsParameters() {
        let errors = RegistryInterfaceDefinition.interface.errors
        #expect(errors["InvalidArgument"]?.map(\.name) == ["field", "reason"])
        #expect(errors["StorageFailure"]?.map(\.name) == ["reason"])
        #expect(errors["TooLarge"] != nil)
        #expect(errors["PermissionDenied"] != nil)
    }
}
