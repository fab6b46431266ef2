package io.mscoordinator.cluster;

/** {@link ManagementApiContract} over a real loopback socket. */
class ManagementApiSocketTest extends ManagementApiContract {
  @Override
  ManageRoutes routes() {
    return ManageRoutes.overSocket();
  }
}
