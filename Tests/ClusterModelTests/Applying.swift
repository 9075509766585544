import ClusterModel

/// The state after `commands`, each decided on the state the ones before it made, one sequence
/// number per event; every event also passes the rules a replay of the log checks
/// (`checkReplayed`), so that what the tests build is what a log could hold.
func applying(_ commands: [Command], to state: RegistryState, context: DecisionContext) throws -> RegistryState {
    var state = state
    for command in commands {
        for event in try decide(command, state: state, context: context) {
            try checkReplayed(event, state: state)
            state.apply(event, sequence: state.lastSequence + 1)
        }
    }
    return state
}
