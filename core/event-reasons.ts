// Event reasons, named once. Events are emitted only when something happened (a create, an update, a
// drift, an error), never on a quiet poll.
export const EventReason = {
  CreatedExternalResource: "CreatedExternalResource",
  UpdatedExternalResource: "UpdatedExternalResource",
  DeletingExternalResource: "DeletingExternalResource",
  DeletedExternalResource: "DeletedExternalResource",
  OrphanedExternalResource: "OrphanedExternalResource",
  LateInitialized: "LateInitialized",
  DriftDetected: "DriftDetected",
  ExternalResourceMissing: "ExternalResourceMissing",
  CreateOutcomeUnknown: "CreateOutcomeUnknown",
  CannotConnectToProvider: "CannotConnectToProvider",
  CannotObserveExternalResource: "CannotObserveExternalResource",
  CannotCreateExternalResource: "CannotCreateExternalResource",
  CannotUpdateExternalResource: "CannotUpdateExternalResource",
  CannotDeleteExternalResource: "CannotDeleteExternalResource",
  CannotPublishConnectionDetails: "CannotPublishConnectionDetails",
  InvalidSpec: "InvalidSpec",
} as const;
export type EventReason = (typeof EventReason)[keyof typeof EventReason];
