import ClusterDaemon
import ClusterModel
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
        #expect(errors["InvalidArgument"]?.map(\.name) == ["field", "reason", "command"])
        #expect(errors["StorageFailure"]?.map(\.name) == ["reason"])
        #expect(errors["TooLarge"] != nil)
        #expect(errors["PermissionDenied"] != nil)
    }

    /// Each rejection of the model, alone or as a command of an import, is an error the interface
    /// declares, with exactly the parameters it declares (optional ones may be left out).
    @Test func everyDomainErrorMatchesItsDeclaration() throws {
        let date = try CalendarDate("2020-01-01")
        let samples: [DomainError] = [
            .invalidArgument(field: "siren", reason: "r"), .unknownCluster("c"), .unknownCompany("s"), .unknownSurvey("v"),
            .alreadyExists(kind: "cluster", id: "c"), .alreadyMember(cluster: "c", siren: "s", since: date),
            .notAMember(cluster: "c", siren: "s", date: date), .surveyNotOpen(survey: "v", reason: "r"),
            .duplicateResponse(survey: "v", siren: "s"), .invalidAnswer(question: "q", reason: "r"),
            .concurrencyConflict(expected: 1, actual: 2), .requestIdReused(requestID: "r", sequence: 3),
        ]
        let errors = RegistryInterfaceDefinition.interface.errors
        for error in samples + samples.map({ $0.inCommand(4) }) {
            let declared = try #require(errors[error.name], "\(error.name) is not declared")
            let required = Set(declared.filter { if case .optional = $0.type { false } else { true } }.map(\.name))
            let given = Set(error.parameters.keys)
            #expect(given.isSubset(of: Set(declared.map(\.name))) && required.isSubset(of: given), "\(error)")
        }
    }

    /// The standard errors go out exactly as org.varlink.service declares them: a strict client
    /// (typed decoding) refuses a reply with a parameter its error does not declare, as
    /// InvalidParameter's `reason` once was.
    @Test func theStandardErrorsCarryOnlyTheirDeclaredParameters() throws {
        let service = try VarlinkInterface(parsing: VarlinkService.serviceInterfaceDescription)
        let configuration = VarlinkServerConfiguration(endpoint: .path("/nonexistent"))
        let samples: [VarlinkError] = [
            .interfaceNotFound("org.example"), .methodNotFound("org.example.M"), .methodNotImplemented("org.example.M"),
            .invalidParameter("regions[2]", reason: "expected a string"), .permissionDenied, .expectedMore,
            configuration.messageTooLargeError(4096), configuration.tooManyConnectionsError(10),
        ]
        for error in samples {
            let member = String(error.name.dropFirst(VarlinkError.serviceInterface.count + 1))
            let declared = try #require(service.errors[member], "\(error.name) is not declared")
            #expect(Set(error.parameters.keys) == Set(declared.map(\.name)), "\(error)")
        }
    }
}
