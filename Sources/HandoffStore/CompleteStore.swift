/// Every part of the AR record, as one storage engine provides it.
///
/// Each stage of Handoff asks only for the store protocol it uses (an import for ``ARStore``,
/// a placement run for ``PlacementStore``, the outbox for ``OutboxStore``…). The daemon and the
/// commands that span every stage hold the whole record: this names it, so that none of them
/// needs to know which engine is behind it.
public typealias CompleteStore = ARStore & PlacementStore & OutboxStore & InboxStore & ReconciliationStore
    & AuditChainStore
    & DunningStore & ComplianceStore & PeopleStore & WorkClaims
