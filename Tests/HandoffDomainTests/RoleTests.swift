import HandoffDomain
import Testing

@Suite("Roles and what each may do")
struct RoleTests {
    @Test("A viewer reads; an operator runs jobs and acts on accounts; an admin also manages people")
    func permissions() {
        let table: [(Role, Permission, Bool)] = [
            (.viewer, .read, true), (.viewer, .runJobs, false), (.viewer, .actOnAccounts, false),
            (.viewer, .resolveProblems, false),
            (.viewer, .managePeople, false),
            (.operator, .read, true), (.operator, .runJobs, true), (.operator, .actOnAccounts, true),
            (.operator, .resolveProblems, true),
            (.operator, .managePeople, false),
            (.admin, .read, true), (.admin, .runJobs, true), (.admin, .actOnAccounts, true),
            (.admin, .resolveProblems, true),
            (.admin, .managePeople, true),
        ]
        #expect(table.count == Role.allCases.count * Permission.allCases.count)
        for (role, action, allowed) in table {
            #expect(role.allows(action) == allowed, "\(role) \(action)")
            #expect((action.refusal(person: "alice", role: role) == nil) == allowed)
        }
    }

    @Test("A refusal names the person, their role, the role needed and the command that changes it")
    func refusalWords() {
        let text = Permission.runJobs.refusal(person: "alice", role: .viewer) ?? ""
        #expect(
            text.contains("alice is a viewer") && text.contains("needs the operator role")
                && text.contains("handoff people role alice operator"), "\(text)")
        #expect(Role.viewer < .operator && Role.operator < .admin)
    }
}
