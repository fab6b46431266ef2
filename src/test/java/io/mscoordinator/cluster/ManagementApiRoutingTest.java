package io.mscoordinator.cluster;

/** {@link ManagementApiContract} on Helidon's in-memory routing: no socket, no coordinator. */
class ManagementApiRoutingTest extends ManagementApiContract {
  @Override
  ManageRoutes routes() {
    return ManageRoutes.inMemory();
  }
}
