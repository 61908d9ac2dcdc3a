import LaurelCore
import LaurelService
public import LaurelStore

/// What every `CampaignStore` backend must do, as checks any backend runs: a new backend passes
/// them all before anything else uses it (Tests/LaurelTestingTests lists the backends).
///
/// Each check gets a new, empty store and throws ``Failure`` naming what differed.
public enum StoreConformance {
    public struct Check: Sendable, CustomStringConvertible {
        public let name: String
        private let body: @Sendable (any CampaignStore) async throws -> Void
        /// Whether the store is given the version the checks' campaigns name first; a check that
        /// needs an empty store (a copy into it) records what it needs itself.
        private let startsEmpty: Bool

        init(
            _ name: String, startsEmpty: Bool = false,
            _ body: @escaping @Sendable (any CampaignStore) async throws -> Void
        ) {
            self.name = name
            self.startsEmpty = startsEmpty
            self.body = body
        }

        public func run(on store: any CampaignStore) async throws {
            if !startsEmpty { try await Self.recordVersion(in: store) }
            try await body(store)
        }

        public var description: String { name }

        /// The version the checks' campaigns name (a backend may require a campaign's version to exist).
        static func recordVersion(in store: any CampaignStore) async throws {
            try await store.write { try $0.record(StoreConformance.version("v1", workflow: "w", at: 1)) }
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    static func expect<T: Equatable>(_ actual: T?, _ expected: T?, _ what: String) throws {
        guard actual == expected else {
            throw Failure(
                description:
                    "\(what): expected \(expected.map { "\($0)" } ?? "nil"), got \(actual.map { "\($0)" } ?? "nil")")
        }
    }

    static func version(_ hash: String, workflow: String, at instant: Instant) -> WorkflowVersion {
        WorkflowVersion(
            hash: hash, workflowID: workflow, file: "\(workflow).yaml", source: Array("laurel: 1 # \(hash)".utf8),
            recordedAt: instant)
    }

    static func campaign(_ id: String, timers: [(Int, Instant)], state: String = "collecting") -> Campaign {
        Campaign(
            id: id, workflowID: "w", workflowVersion: "v1", status: .running, state: state, enteredAt: 100,
            inputs: ["region": .text("Hà Nội")], metrics: ["ideas": 2],
            entries: [Entry(id: "SK-1", kind: "idea", unit: "công-đoàn-1", fields: ["title": .text("Cải tiến")])],
            awards: [], step: nil, timers: timers.map { ArmedTimer(id: $0.0, due: $0.1, source: .state(index: 0)) },
            nextTimerID: 10, transitions: [], eventCount: 3)
    }

    static func event(_ id: String, campaign: String) -> LoggedEvent {
        LoggedEvent(
            id: id, campaignID: campaign, at: 100, recordedAt: 100, action: .event(.command("launch")),
            summary: "launch")
    }

    struct Thrown: Error {}

    /// The engine of ``TestWorkflows/quick``, for the checks of entries: it submits entries to a
    /// campaign read without them, as the service does.
    static func quickEngine() throws -> Engine {
        let result = WorkflowValidator(registry: TestWorkflows.registry).validate(
            TestWorkflows.quick, file: "quick.yaml")
        guard let workflow = result.workflow else { throw Failure(description: "the quick workflow does not validate") }
        return try Engine(workflow: workflow, version: "v1", registry: TestWorkflows.registry)
    }

    static func idea(_ id: String) -> CampaignEvent {
        .submit(Entry(id: id, kind: "idea", fields: ["title": .text("Ý tưởng \(id)")]))
    }

    static func grant(_ id: String, hash: String, person: String = "p1") -> AccessGrant {
        AccessGrant(
            id: id, person: person, role: "unit-officer", unit: "g1", secretHash: hash, createdAt: 100,
            expiresAt: 1_000, grantedBy: "operator")
    }

    static func auditRecord(_ body: String, campaign: String?, person: String? = nil) -> AuditRecord {
        AuditRecord(
            campaignID: campaign, body: Array(body.utf8),
            personal: person.map {
                AuditPersonal(salt: Array(repeating: 7, count: 16), actor: $0, address: "10.0.0.1", subject: nil)
            })
    }

    static func checkpoint(size: Int64) -> AuditCheckpoint {
        AuditCheckpoint(
            size: size, root: Array(repeating: 1, count: 32), peaks: [Array(repeating: 2, count: 32)], signedAt: 300,
            note: "laurel audit\n\(size)\n", signature: Array(repeating: 3, count: 64))
    }

    static func approval(_ id: String, campaign: String = "w-1") -> Approval {
        Approval(
            id: id, campaignID: campaign, action: "event", detail: Array(#"{"event":"cancel"}"#.utf8),
            summary: "send cancel", version: 3, requestedBy: "p1", requestedAt: 100, expiresAt: 86_500)
    }

    public static let checks: [Check] = [
        Check("approvals: saved, listed in the order asked, decided in place (the request itself unchanged)") { store in
            try await store.write { transaction in
                try transaction.saveApproval(approval("b"))
                try transaction.saveApproval(approval("a", campaign: "w-2"))
            }
            try expect(
                try await store.read { try $0.approvals() }, [approval("b"), approval("a", campaign: "w-2")], "as asked"
            )
            try await store.write { transaction in
                var decided = approval("b")
                decided.decision = .approved
                decided.decidedBy = "p2"
                decided.decidedAt = 200
                decided.summary = "changed"
                try transaction.saveApproval(decided)
            }
            let read = try await store.read { try $0.approvals() }
            try expect(read.count, 2, "a decision adds no approval")
            try expect(read[0].decision, .approved, "the decision")
            try expect(read[0].decidedBy, "p2", "who decided")
            try expect(read[0].decidedAt, 200, "when")
            try expect(read[0].summary, "send cancel", "what was asked stays as asked")
        },
        Check(
            "audit records: numbered in the order written, in a campaign's list, placed once by a checkpoint, erasable without changing a body"
        ) { store in
            try await store.write { transaction in
                try transaction.appendAudit([
                    auditRecord("{\"a\":1}", campaign: "w-1", person: "p1"), auditRecord("{\"a\":2}", campaign: nil),
                ])
                try transaction.appendAudit([auditRecord("{\"a\":3}", campaign: "w-1", person: "p2")])
            }
            let unplaced = try await store.read { try $0.unplacedAuditRecords(limit: 10) }
            try expect(
                unplaced.map { String(decoding: $0.body, as: UTF8.self) }, [#"{"a":1}"#, #"{"a":2}"#, #"{"a":3}"#],
                "bodies in order")
            try expect(unplaced.map(\.sequence), [1, 2, 3], "numbered from 1")
            try expect(unplaced[0].personal?.actor, "p1", "the person behind the hash")
            try expect(unplaced[0].personal?.salt.count, 16, "the salt")
            try expect(unplaced[1].personal, nil, "no person")
            try expect(
                try await store.read { try $0.auditRecords(campaignID: "w-1") }.map(\.sequence), [1, 3],
                "a campaign's records")
            try await store.write { transaction in
                try transaction.placeAudit([(1, 0), (2, 1)], checkpoint: checkpoint(size: 2))
            }
            try expect(
                try await store.read { try $0.unplacedAuditRecords(limit: 10) }.map(\.sequence), [3],
                "one left to place")
            try expect(
                try await store.read { try $0.auditRecords(fromLeaf: 1, limit: 10) }.map(\.sequence), [2], "from leaf 1"
            )
            try expect(
                try await store.read { try $0.auditCheckpoints() }, [checkpoint(size: 2)], "the checkpoint read back")
            do {
                try await store.write { transaction in
                    try transaction.placeAudit([(3, 2), (2, 3)], checkpoint: checkpoint(size: 4))
                }
                throw Failure(description: "a record placed twice was not refused")
            } catch is AuditConflict {
            } catch let error as Failure { throw error } catch {
                // A backend may wrap the conflict in its own error; the point is that nothing changed.
            }
            try expect(
                try await store.read { try $0.unplacedAuditRecords(limit: 10) }.map(\.sequence), [3],
                "the refused checkpoint changed nothing")
            try expect(try await store.read { try $0.auditCheckpoints() }.count, 1, "and kept no checkpoint")
            try expect(try await store.write { try $0.eraseFromAudit(person: "p2") }, 1, "one record named p2")
            let erased = try await store.read { try $0.auditRecords(campaignID: "w-1") }
            try expect(erased[1].personal, nil, "p2's salt and id are gone")
            try expect(String(decoding: erased[1].body, as: UTF8.self), #"{"a":3}"#, "the body is as written")
            try expect(erased[0].personal?.actor, "p1", "p1 stays")
        },
        Check("access grants: saved, found by their secret's hash, listed in the order made, revoked in place") {
            store in
            try await store.write { transaction in
                try transaction.saveAccessGrant(grant("b", hash: "hash-b"))
                var link = grant("a", hash: "hash-a", person: "p2")
                link.secret = .link
                link.council = "jury"
                link.unit = nil
                try transaction.saveAccessGrant(link)
            }
            try expect(
                try await store.read { try $0.accessGrants() }.map(\.id), ["b", "a"], "grants in the order made")
            let link = try await store.read { try $0.accessGrant(secretHash: "hash-a") }
            try expect(link?.person, "p2", "the grant found by its hash")
            try expect(link?.secret, .link, "a link's kind of secret")
            try expect(link?.council, "jury", "its council")
            try expect(link?.unit, nil, "no unit")
            try expect(try await store.read { try $0.accessGrant(secretHash: "hash-z") }, nil, "an unknown hash")
            try await store.write { transaction in
                var revoked = grant("b", hash: "hash-b")
                revoked.revokedAt = 500
                try transaction.saveAccessGrant(revoked)
            }
            let revoked = try await store.read { try $0.accessGrant(secretHash: "hash-b") }
            try expect(revoked?.revokedAt, 500, "the revocation")
            try expect(revoked?.isActive(at: 400), false, "a revoked grant is not active")
            try expect(try await store.read { try $0.accessGrants() }.count, 2, "a revocation adds no grant")
            try expect(grant("c", hash: "c").isActive(at: 999), true, "active until it expires")
            try expect(grant("c", hash: "c").isActive(at: 1_000), false, "not at its expiry")
        },
        Check("entries are rows: a save writes those appended since the read, refuses an id held, replaces on a change")
        {
            store in
            let engine = try quickEngine()
            var started = try engine.start(id: "q", at: TestWorkflows.may1).campaign
            started = try engine.apply(.command("launch"), to: started, at: TestWorkflows.may1).campaign
            started = try engine.apply(idea("a"), to: started, at: TestWorkflows.may1).campaign
            let first = started
            try await store.write { try $0.save(first, events: [], effects: [], at: 1) }
            try await store.write { transaction in
                let read = try transaction.campaign(id: "q")!
                let next = try engine.apply(idea("b"), to: read, at: TestWorkflows.may1).campaign
                try expect(next.entries.isLoaded, false, "a submission to a campaign read without its entries")
                try transaction.save(next, events: [], effects: [], at: 2)
            }
            try expect(
                try await store.read { try $0.entries(campaignID: "q") }.map(\.id), ["a", "b"],
                "the rows after an append")
            try expect(try await store.read { try $0.containsEntry(campaignID: "q", id: "b") }, true, "b is held")
            try expect(try await store.read { try $0.containsEntry(campaignID: "q", id: "z") }, false, "z is not")

            // The same id again: refused by the store's key, and nothing of the save is written.
            do {
                try await store.write { transaction in
                    let read = try transaction.campaign(id: "q")!
                    let again = try engine.apply(idea("a"), to: read, at: TestWorkflows.may1 + 5).campaign
                    try transaction.save(again, events: [event("dup", campaign: "q")], effects: [], at: 3)
                }
                throw Failure(description: "a second entry 'a' was saved")
            } catch let duplicate as DuplicateEntry {
                try expect(duplicate, DuplicateEntry(campaignID: "q", entryID: "a"), "the duplicate named")
            }
            try expect(try await store.read { try $0.entries(campaignID: "q") }.count, 2, "the rows after the refusal")
            try expect(try await store.read { try $0.containsEvent(id: "dup") }, false, "the refused save's event")

            // A withdrawal changes the loaded entries: the save replaces the rows.
            try await store.write { transaction in
                let read = try transaction.campaignWithEntries(id: "q")!
                let withdrawn = try engine.apply(.withdraw(entry: "a"), to: read, at: TestWorkflows.may1).campaign
                try transaction.save(withdrawn, events: [], effects: [], at: 4)
            }
            try expect(try await store.read { try $0.entries(campaignID: "q") }.map(\.id), ["b"], "after a withdrawal")
            try expect(try await store.read { try $0.campaign(id: "q") }?.entries.count, 1, "the count after it")
            try expect(try await store.read { try $0.containsEntry(campaignID: "q", id: "a") }, false, "a is gone")
            try expect(
                try await store.read { try $0.campaignWithEntries(id: "q") }?.metrics["ideas"], 1, "the metric after it"
            )
        },
        Check("a saved campaign reads back equal, listed by start then id, with its log") { store in
            let original = campaign("c2", timers: [(1, 500), (2, 300)])
            try await store.write { try $0.save(original, events: [event("e1", campaign: "c2")], effects: [], at: 100) }
            try await store.write {
                try $0.save(campaign("c1", timers: [], state: "draft"), events: [], effects: [], at: 100)
            }
            try await store.write { try $0.save(campaign("c0", timers: []), events: [], effects: [], at: 200) }
            try expect(
                try await store.read { try $0.campaignWithEntries(id: "c2") }, original, "the campaign read back")
            let unloaded = try await store.read { try $0.campaign(id: "c2") }
            try expect(unloaded?.entries.isLoaded, false, "the entries of a campaign read without them")
            try expect(unloaded?.entries.count, 1, "their count")
            try expect(unloaded?.entries.kinds, ["idea"], "their kinds")
            try expect(try await store.read { try $0.campaign(id: "missing") }, nil, "an unknown campaign")
            let listed = try await store.read { try $0.campaigns() }
            try expect(listed.map(\.id), ["c1", "c2", "c0"], "the campaigns, by start then id")
            try expect(listed.map(\.state), ["draft", "collecting", "collecting"], "their states")
            try expect(listed[1].eventCount, 3, "the event count of the summary")
            try expect(try await store.read { try $0.events(campaignID: "c2") }.map(\.id), ["e1"], "the log")
        },
        Check("the due index follows the armed timers, earliest first, ties by campaign and timer, from after a cursor")
        { store in
            try await store.write { transaction in
                try transaction.save(campaign("a", timers: [(1, 500), (2, 300)]), events: [], effects: [], at: 1)
                try transaction.save(campaign("b", timers: [(1, 300)]), events: [], effects: [], at: 1)
            }
            let a2 = DueTimer(campaignID: "a", timerID: 2, due: 300)
            let b1 = DueTimer(campaignID: "b", timerID: 1, due: 300)
            let a1 = DueTimer(campaignID: "a", timerID: 1, due: 500)
            try expect(
                try await store.read { try $0.dueTimers(at: 400, after: nil, limit: 10) }, [a2, b1], "due at 400")
            try expect(
                try await store.read { try $0.dueTimers(at: 1_000, after: a2, limit: 10) }, [b1, a1], "after the first")
            try expect(
                try await store.read { try $0.dueTimers(at: 1_000, after: nil, limit: 2) }, [a2, b1],
                "with a limit of 2")
            try expect(
                try await store.read { try $0.dueTimers(at: 299, after: nil, limit: 10) }, [], "before any is due")
            try expect(try await store.read { try $0.nextDue() }, 300, "the next due instant")
            try await store.write {
                try $0.save(campaign("a", timers: [(1, 500), (3, 700)]), events: [], effects: [], at: 2)
            }
            try expect(
                try await store.read { try $0.timers(campaignID: "a") }.map(\.timerID), [1, 3],
                "a's timers after a save")
            let claimed = try await store.write { try $0.claimDueTimers(at: 1_000, after: nil, limit: 10) }
            try expect(
                claimed, [b1, a1, DueTimer(campaignID: "a", timerID: 3, due: 700)],
                "a claim lists what is due, in due order")
        },
        Check("a save after a load, or two saves, in one transaction keep the due index equal to the armed timers") {
            store in
            try await store.write {
                try $0.save(campaign("a", timers: [(1, 500), (2, 300)]), events: [], effects: [], at: 1)
            }
            try await store.write { transaction in
                guard var loaded = try transaction.campaign(id: "a") else {
                    throw Failure(description: "campaign a is not stored")
                }
                loaded.timers = [
                    ArmedTimer(id: 1, due: 500, source: .state(index: 0)),
                    ArmedTimer(id: 4, due: 900, source: .state(index: 0)),
                ]
                try transaction.save(loaded, events: [], effects: [], at: 2)
                loaded.timers.removeFirst()
                try transaction.save(loaded, events: [], effects: [], at: 2)
            }
            try expect(
                try await store.read { try $0.timers(campaignID: "a") },
                [DueTimer(campaignID: "a", timerID: 4, due: 900)], "the index")
            try expect(try await store.read { try $0.nextDue() }, 900, "the next due instant")
            try await store.write { try $0.save(campaign("a", timers: []), events: [], effects: [], at: 3) }
            try expect(
                try await store.read { try $0.timers(campaignID: "a") }, [], "the index of a campaign with no timers")
            try expect(try await store.read { try $0.nextDue() }, nil, "the next due instant of an empty index")
        },
        Check("a due index row no campaign has is removed by the repair; other rows stay") { store in
            try await store.write { try $0.save(campaign("a", timers: [(1, 500)]), events: [], effects: [], at: 1) }
            try await store.write { try $0.removeFromDueIndex(DueTimer(campaignID: "a", timerID: 7, due: 200)) }
            try expect(
                try await store.read { try $0.timers(campaignID: "a") },
                [DueTimer(campaignID: "a", timerID: 1, due: 500)],
                "a repair of a row that is not there")
            try await store.write { try $0.removeFromDueIndex(DueTimer(campaignID: "a", timerID: 1, due: 500)) }
            try expect(try await store.read { try $0.nextDue() }, nil, "the index after the repair")
        },
        Check(
            "a transaction whose body throws, or that logs an event id twice, writes nothing; one rolled back returns its value"
        ) { store in
            try await store.write {
                try $0.save(campaign("a", timers: []), events: [event("e1", campaign: "a")], effects: [], at: 1)
            }
            var thrown = false
            do {
                try await store.write { transaction in
                    try transaction.save(campaign("b", timers: [(1, 5)]), events: [], effects: [], at: 1)
                    throw Thrown()
                }
            } catch is Thrown {
                thrown = true
            }
            try expect(thrown, true, "the body's error comes out of the write")
            var refused = false
            do {
                try await store.write {
                    try $0.save(campaign("c", timers: []), events: [event("e1", campaign: "c")], effects: [], at: 1)
                }
            } catch {
                refused = true
            }
            try expect(refused, true, "an event id logged twice is refused")
            let number = try await store.write(.rollBack) { transaction in
                try transaction.save(
                    campaign("d", timers: [(1, 5)]), events: [event("e2", campaign: "d")],
                    effects: [
                        OutboxItem(
                            campaignID: "d", eventID: "e2", effect: .notify(audience: "a", message: "m", channels: []),
                            createdAt: 1)
                    ], at: 1)
                return try transaction.nextCampaignNumber(workflowID: "w")
            }
            try expect(number, 1, "the value of a rolled-back write")
            try expect(
                try await store.read { try $0.campaigns() }.map(\.id), ["a"], "the campaigns after the failed writes")
            try expect(try await store.read { try $0.eventCount() }, 1, "the log after the failed writes")
            try expect(try await store.read { try $0.nextDue() }, nil, "the index after the failed writes")
            try expect(
                try await store.read { try $0.pendingOutbox(limit: 10) }.count, 0, "the outbox after the rollback")
            try expect(
                try await store.write { try $0.nextCampaignNumber(workflowID: "w") }, 1,
                "the number a rollback did not keep")
            try await store.write {
                try $0.save(campaign("d", timers: [(1, 5)]), events: [event("e2", campaign: "d")], effects: [], at: 2)
            }
            try expect(try await store.read { try $0.eventCount() }, 2, "the log after a write that succeeds")
        },
        Check("the log keeps events in order, each findable by its id") { store in
            try await store.write {
                try $0.save(
                    campaign("a", timers: []), events: [event("e1", campaign: "a"), event("e2", campaign: "a")],
                    effects: [], at: 1)
            }
            try await store.write { try $0.log([event("f1", campaign: "b"), event("e3", campaign: "a")]) }
            let log = try await store.read { try $0.events(campaignID: "a") }
            try expect(log.map(\.id), ["e1", "e2", "e3"], "a's log")
            try expect(
                try await store.read { try $0.latestEvents(campaignID: "a", limit: 2) }.map(\.id), ["e2", "e3"],
                "a's last two events, oldest first")
            try expect(
                try await store.read { try $0.latestEvents(campaignID: "a", limit: 10) }.map(\.id), ["e1", "e2", "e3"],
                "more asked than logged")
            let sequences = try await store.read { try $0.eventSequences(after: 0, limit: 10) }
            try expect(sequences.map(\.campaignID), ["a", "a", "b", "a"], "who logged what, in order")
            try expect(
                try await store.read { try $0.latestEventSequence() }, sequences.last?.sequence ?? -1,
                "the latest sequence")
            try expect(
                try await store.read { try $0.eventSequences(after: sequences[1].sequence, limit: 1) }.map(
                    \.campaignID),
                ["b"], "from after a sequence, at most the limit")
            try expect(
                log.map(\.sequence) == log.map(\.sequence).sorted() && Set(log.map(\.sequence)).count == 3, true,
                "the sequence numbers increase")
            try expect(try await store.read { try $0.containsEvent(id: "f1") }, true, "an event of another campaign")
            try expect(try await store.read { try $0.containsEvent(id: "nope") }, false, "an event never logged")
            try expect(try await store.read { try $0.event(id: "e2") }?.summary, "launch", "an event by its id")
            try expect(try await store.read { try $0.eventCount() }, 4, "the count of every event")
        },
        Check("workflow versions are kept once each; the latest of each workflow is the last recorded") { store in
            try await store.write { transaction in
                try transaction.record(version("v2", workflow: "w", at: 2))
                try transaction.record(version("x1", workflow: "a-first", at: 3))
                try transaction.record(version("v1", workflow: "w", at: 9))  // already kept: stays as it was
            }
            try expect(
                try await store.read { try $0.workflowVersions(workflowID: "w") }.map(\.hash), ["v1", "v2"],
                "w's versions, oldest first")
            try expect(
                try await store.read { try $0.workflowVersion(hash: "v1") }?.recordedAt, 1, "a version recorded twice")
            try expect(
                try await store.read { try $0.latestWorkflowVersions() }.map(\.hash), ["x1", "v2"],
                "the latest, by workflow id")
            try expect(try await store.read { try $0.latestVersion(workflowID: "w") }, "v2", "w's latest")
            try expect(
                try await store.read { try $0.latestVersion(workflowID: "none") }, nil, "an unknown workflow's latest")
            try expect(
                try await store.read { try $0.workflowVersion(hash: "x1") }?.source, Array("laurel: 1 # x1".utf8),
                "the exact text")
        },
        Check("organisation data replaces as a whole, in file order, and each import changes its version") { store in
            try expect(
                try await store.read { try $0.organisation() }, Organisation(), "the organisation before an import")
            try expect(try await store.read { try $0.organisationVersion() }, 0, "the version before an import")
            let first = Organisation(
                levels: ["district", "grassroots"],
                units: [
                    .init(id: "ntl", name: "Liên đoàn Lao động quận Nam Từ Liêm", level: "district"),
                    .init(
                        id: "md1", name: "Công đoàn cơ sở phường Mỹ Đình 1", parent: "ntl", level: "grassroots",
                        counts: ["members": 640, "direct-production-workers": 410]),
                ], people: [.init(id: "an", name: "Nguyễn Văn An", unit: "md1", roles: ["council", "chair"])])
            try await store.write { try $0.replaceOrganisation(first) }
            try expect(try await store.read { try $0.organisation() }, first, "the organisation read back")
            let second = Organisation(units: [.init(id: "hn", name: "Hà Nội", level: "city")])
            try await store.write { try $0.replaceOrganisation(second) }
            try expect(try await store.read { try $0.organisation() }, second, "the organisation after a second import")
            try expect(try await store.read { try $0.organisationVersion() }, 2, "the version after two imports")
        },
        Check("outbox items wait, in order, until delivered; a lease holds an item for one daemon, fenced by its token")
        {
            store in
            let effects = (1...3).map { n in
                OutboxItem(
                    campaignID: "a", eventID: "e\(n)",
                    effect: .notify(audience: "unions", message: "Phát động \(n)", channels: ["notice"]),
                    createdAt: Instant(n))
            }
            try await store.write { try $0.save(campaign("a", timers: []), events: [], effects: effects, at: 1) }
            let pending = try await store.read { try $0.pendingOutbox(limit: 10) }
            try expect(pending.map(\.effect), effects.map(\.effect), "the pending items")
            try expect(
                pending.map(\.sequence) == pending.map(\.sequence).sorted() && Set(pending.map(\.sequence)).count == 3,
                true,
                "the sequence numbers increase")
            try expect(try await store.read { try $0.pendingOutbox(limit: 2) }.count, 2, "with a limit of 2")
            try expect(try await store.read { try $0.outboxBacklog() }, 3, "the backlog")
            // Two daemons: the first takes two items, the second finds only the third free.
            let first = try await store.write { try $0.leaseOutbox(limit: 2, at: 10, until: 70) }
            try expect(first.map(\.item.eventID), ["e1", "e2"], "the first daemon's items")
            let second = try await store.write { try $0.leaseOutbox(limit: 10, at: 11, until: 71) }
            try expect(second.map(\.item.eventID), ["e3"], "the second daemon's, past those held")
            try expect(second[0].token > first[1].token, true, "tokens increase")
            // The first stalls past its lease; the second takes e1 over and delivers it.
            let takenOver = try await store.write { try $0.leaseOutbox(limit: 1, at: 80, until: 140) }
            try expect(takenOver.map(\.item.eventID), ["e1"], "an item whose lease ran out")
            try expect(
                try await store.write { try $0.settleOutbox(delivered: takenOver + second, released: [], at: 81) },
                [takenOver[0].item.sequence, second[0].item.sequence], "the current holder's deliveries")
            // The stalled daemon comes back: its report of e1 is refused, its e2 is released.
            try expect(
                try await store.write { try $0.settleOutbox(delivered: [first[0]], released: [first[1]], at: 82) }, [],
                "a superseded lease's delivery")
            try expect(
                try await store.read { try $0.pendingOutbox(limit: 10) }.map(\.eventID), ["e2"],
                "after two were delivered")
            try expect(try await store.read { try $0.outboxBacklog() }, 1, "the backlog after two were delivered")
            let again = try await store.write { try $0.leaseOutbox(limit: 10, at: 83, until: 143) }
            try expect(again.map(\.item.eventID), ["e2"], "a released item is free at once")
            try expect(
                again[0].idempotencyKey == first[1].idempotencyKey, true, "one key for every delivery of an item")
        },
        Check("campaign numbers count per workflow; recurrence cursors keep their first sighting; parents are kept") {
            store in
            let numbers = try await store.write { transaction in
                [
                    try transaction.nextCampaignNumber(workflowID: "w"),
                    try transaction.nextCampaignNumber(workflowID: "w"),
                    try transaction.nextCampaignNumber(workflowID: "other"),
                ]
            }
            try expect(numbers, [1, 2, 1], "the numbers")
            try expect(try await store.read { try $0.recurrence(workflowID: "w") }, nil, "a workflow never seen")
            try await store.write {
                try $0.setRecurrence(RecurrenceCursor(lastCycle: nil, firstSeen: 50), workflowID: "w")
            }
            try await store.write {
                try $0.setRecurrence(RecurrenceCursor(lastCycle: 90, firstSeen: 80), workflowID: "w")
            }
            try expect(
                try await store.read { try $0.recurrence(workflowID: "w") },
                RecurrenceCursor(lastCycle: 90, firstSeen: 50),
                "the cursor after a cycle")
            try await store.write { try $0.setParent("district-1", unit: "g1", of: "district-1--g1") }
            try await store.write { try $0.setParent("district-1", unit: nil, of: "district-1--all") }
            let parent = try await store.read { try $0.parent(of: "district-1--g1") }
            try expect(parent?.campaign, "district-1", "the child's parent")
            try expect(parent?.unit, "g1", "the child's unit")
            try expect(try await store.read { try $0.parent(of: "district-1--all") }?.unit, nil, "a child for no unit")
            try expect(
                try await store.read { try $0.parent(of: "district-1") }?.campaign, nil, "a campaign with no parent")
        },
        Check(
            "saves of several claimed campaigns in one transaction are seen by every read after them, their events in save order; one bad event undoes them all"
        ) { store in
            let ids = (1...5).map { "b\($0)" }
            try await store.write { transaction in
                for id in ids {
                    try transaction.save(campaign(id, timers: [(1, 100)]), events: [], effects: [], at: 10)
                }
            }
            try await store.write { transaction in
                let claimed = try transaction.claimDueTimers(at: 100, after: nil, limit: 10)
                try expect(claimed.map(\.campaignID), ids, "the claimed campaigns")
                try expect(
                    try transaction.loggedEvents(among: ids.map { "fired:\($0)" } + ["nothing"]), [], "none logged yet")
                for id in ids.reversed() {
                    var next = try transaction.campaign(id: id)!
                    next.state = "fired"
                    next.eventCount += 1
                    next.timers = [ArmedTimer(id: 2, due: 900, source: .state(index: 0))]
                    try transaction.save(next, events: [event("fired:\(id)", campaign: id)], effects: [], at: 101)
                }
                try expect(try transaction.campaign(id: "b3")?.state, "fired", "a campaign read after its save")
                try expect(
                    try transaction.dueTimers(at: 1_000, limit: 10).map(\.due), Array(repeating: 900, count: 5),
                    "the due index read after the saves")
                try expect(
                    try transaction.loggedEvents(among: ["fired:b1", "fired:b5", "nothing"]), ["fired:b1", "fired:b5"],
                    "the events logged by the saves")
            }
            let logged = try await store.read { try $0.events(after: 0, limit: 10) }
            try expect(logged.map(\.id), ids.reversed().map { "fired:\($0)" }, "the log in save order")
            try expect(
                logged.map(\.sequence) == logged.map(\.sequence).sorted(), true, "sequences in save order")

            // A second batch whose last save logs an id already in the log: nothing of it stays.
            do {
                try await store.write { transaction in
                    for id in ids {
                        var next = try transaction.campaign(id: id)!
                        next.state = "again"
                        try transaction.save(
                            next, events: [event(id == "b5" ? "fired:b1" : "again:\(id)", campaign: id)], effects: [],
                            at: 102)
                    }
                }
                throw Failure(description: "a batch logging an id twice was committed")
            } catch is Failure {
                throw Failure(description: "a batch logging an id twice was committed")
            } catch {}
            try expect(
                try await store.read { try $0.campaigns() }.map(\.state), Array(repeating: "fired", count: 5),
                "the campaigns after the failed batch")
            try expect(try await store.read { try $0.eventCount() }, 5, "the log after the failed batch")
        },
        Check(
            "a copy into the empty store reads back as the source had it, numbers and instants kept, and goes on after them",
            startsEmpty: true
        ) { store in
            let source = InMemoryStore()
            try await source.write { transaction in
                try transaction.record(version("v1", workflow: "w", at: 1))
                try transaction.record(version("v2", workflow: "w", at: 2))
                try transaction.replaceOrganisation(
                    Organisation(
                        levels: ["district", "grassroots"],
                        units: [
                            .init(id: "d", name: "Quận Nam Từ Liêm", parent: nil, level: "district", counts: [:]),
                            .init(
                                id: "g1", name: "Công đoàn 1", parent: "d", level: "grassroots", counts: ["members": 40]
                            ),
                        ],
                        people: [.init(id: "p1", name: "Nguyễn Thị Hà", unit: "g1", roles: ["officer"])]))
                _ = try transaction.nextCampaignNumber(workflowID: "w")
                _ = try transaction.nextCampaignNumber(workflowID: "w")
                try transaction.save(
                    campaign("w-1", timers: [(1, 500), (2, 300)]), events: [event("e1", campaign: "w-1")],
                    effects: [
                        OutboxItem(
                            campaignID: "w-1", eventID: "e1",
                            effect: .notify(audience: "unions", message: "Phát động", channels: ["notice"]),
                            createdAt: 100),
                        OutboxItem(
                            campaignID: "w-1", eventID: "e1",
                            effect: .notify(audience: "unions", message: "Nhắc", channels: ["email"]), createdAt: 100),
                    ], at: 100)
                try transaction.save(
                    campaign("w-2", timers: [], state: "draft"), events: [event("e2", campaign: "w-2")], effects: [],
                    at: 150)
                try transaction.save(campaign("w-2", timers: [(3, 900)]), events: [], effects: [], at: 160)
                try transaction.setRecurrence(RecurrenceCursor(lastCycle: 70, firstSeen: 50), workflowID: "w")
                try transaction.setParent("w-1", unit: "g1", of: "w-2")
                try transaction.saveAccessGrant(grant("a1", hash: "h1"))
                var revoked = grant("a2", hash: "h2")
                revoked.revokedAt = 120
                try transaction.saveAccessGrant(revoked)
                try transaction.appendAudit([
                    auditRecord("{}", campaign: "w-1", person: "p1"), auditRecord("[]", campaign: nil),
                ])
                try transaction.saveApproval(approval("x"))
            }
            try await source.write { try $0.placeAudit([(1, 0)], checkpoint: checkpoint(size: 1)) }
            let delivered = try await source.write { try $0.leaseOutbox(limit: 1, at: 200, until: 260) }
            _ = try await source.write { try $0.settleOutbox(delivered: delivered, released: [], at: 201) }

            let report = try await CampaignService.copyStore(from: source, to: store, registry: TestWorkflows.registry)
            let counts = Dictionary(uniqueKeysWithValues: report.parts.map { ($0.name, $0.count) })
            try expect(counts["campaigns"], 2, "campaigns copied")
            try expect(counts["events"], 2, "events copied")
            try expect(counts["outbox items"], 2, "outbox items copied")
            try expect(counts["due timers"], 3, "due timers copied")
            try expect(counts["access grants"], 2, "access grants copied")
            try expect(
                try await store.read { try $0.accessGrant(secretHash: "h2") }?.revokedAt, 120, "a revoked grant copied")
            try expect(counts["workflow versions"], 2, "versions copied")
            try expect(counts["audit records"], 2, "audit records copied")
            try expect(try await store.read { try $0.approvals() }, [approval("x")], "the approval copied")
            try expect(
                try await store.read {
                    try $0.auditRecords(fromLeaf: 0, limit: 10) + $0.unplacedAuditRecords(limit: 10)
                },
                try await source.read {
                    try $0.auditRecords(fromLeaf: 0, limit: 10) + $0.unplacedAuditRecords(limit: 10)
                },
                "the audit log, leaves and people included")
            try expect(
                try await store.read { try $0.auditCheckpoints() }, [checkpoint(size: 1)], "the audit checkpoint copied"
            )
            try await store.write { try $0.appendAudit([auditRecord("{}", campaign: nil)]) }
            try expect(
                try await store.read { try $0.unplacedAuditRecords(limit: 10) }.map(\.sequence), [2, 3],
                "the copy numbers new records after those copied")

            try expect(
                try await store.read { try $0.campaignWithEntries(id: "w-1") },
                campaign("w-1", timers: [(1, 500), (2, 300)]), "a campaign read back")
            try expect(
                try await store.read { try $0.campaigns() }.map { "\($0.id) \($0.startedAt) \($0.updatedAt)" },
                ["w-1 100 100", "w-2 150 160"], "the campaigns' first and last saves")
            try expect(try await store.read { try $0.latestVersion(workflowID: "w") }, "v2", "the latest version")
            try expect(
                try await store.read { try $0.events(after: 0, limit: 10) },
                try await source.read { try $0.events(after: 0, limit: 10) }, "the log, sequences included")
            try expect(
                try await store.read { try $0.outbox(after: 0, limit: 10) },
                try await source.read { try $0.outbox(after: 0, limit: 10) }, "the outbox, delivery included")
            try expect(
                try await store.read { try $0.pendingOutbox(limit: 10) }.map(\.effect),
                [
                    .notify(audience: "unions", message: "Nhắc", channels: ["email"])
                ], "what is still to deliver")
            try expect(
                try await store.read { try $0.organisation() }, try await source.read { try $0.organisation() },
                "the organisation")
            try expect(
                try await store.read { try $0.recurrence(workflowID: "w") },
                RecurrenceCursor(lastCycle: 70, firstSeen: 50), "the recurrence cursor")
            try expect(try await store.read { try $0.parent(of: "w-2") }?.unit, "g1", "the child's link")
            try expect(
                try await store.read { try $0.dueTimers(at: 1_000, limit: 10) }.map(\.due), [300, 500, 900],
                "the due index")

            // Sequences and numbers go on after the largest copied.
            let lastEvent = try await store.read { try $0.events(after: 0, limit: 10) }.last!.sequence
            let lastItem = try await store.read { try $0.outbox(after: 0, limit: 10) }.last!.item.sequence
            let next = try await store.write { transaction in
                try transaction.save(
                    campaign("w-3", timers: []), events: [event("e3", campaign: "w-3")],
                    effects: [
                        OutboxItem(
                            campaignID: "w-3", eventID: "e3",
                            effect: .notify(audience: "unions", message: "Mới", channels: ["notice"]), createdAt: 300)
                    ], at: 300)
                return try transaction.nextCampaignNumber(workflowID: "w")
            }
            try expect(next, 3, "the next campaign number")
            try expect(
                try await store.read { try $0.event(id: "e3") }?.sequence ?? 0 > lastEvent, true,
                "a new event's sequence follows the copied ones")
            try expect(
                try await store.read { try $0.outbox(after: lastItem, limit: 10) }.count, 1,
                "a new outbox item's sequence follows the copied ones")

            // A store that holds anything is refused, and keeps what it holds.
            do {
                _ = try await CampaignService.copyStore(from: source, to: store, registry: TestWorkflows.registry)
                throw Failure(description: "a copy into a store that holds campaigns was accepted")
            } catch let error as LaurelError {
                try expect(error.code, .conflict, "the refusal's code")
            }
            try expect(try await store.read { try $0.campaigns() }.count, 3, "the campaigns after the refusal")
        },
    ]
}
