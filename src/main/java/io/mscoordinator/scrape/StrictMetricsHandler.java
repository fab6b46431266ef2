package io.mscoordinator.scrape;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.function.Supplier;

/**
 * {@code prometheus_metrics_config.strict}, MindIE's behaviour: while the latest merge has a failed
 * node, {@code GET /metrics} answers 503 with a one-line reason instead of a partial cluster sum;
 * otherwise the delegate renders as usual. Without strict mode the delegate always renders, and the
 * per-node status families say which nodes are missing.
 *
 * <p>Threadsafe: reads the latest immutable snapshot; never waits on a node.
 */
public final class StrictMetricsHandler implements Handler {
  private final Handler delegate;
  private final Supplier<MergedSnapshot> snapshots;

  public StrictMetricsHandler(Handler delegate, Supplier<MergedSnapshot> snapshots) {
    this.delegate = delegate;
    this.snapshots = snapshots;
  }

  @Override
  public void handle(ServerRequest req, ServerResponse res) throws Exception {
    MergedSnapshot snapshot = snapshots.get();
    if (snapshot.unavailable()) {
      res.status(Status.SERVICE_UNAVAILABLE_503);
      res.header(HeaderValues.create(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8"));
      res.send(
          ("node scrape failed, strict mode: failed_nodes=" + snapshot.failedNodes() + "\n")
              .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return;
    }
    delegate.handle(req, res);
  }
}
