package io.mscoordinator.metrics;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webclient.api.ClientResponseTyped;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.mscoordinator.config.Section;
import io.mscoordinator.ingest.MetricsCore;
import io.mscoordinator.ingest.MetricsProducer;
import io.mscoordinator.ingest.MetricsSettings;
import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import io.mscoordinator.testing.ReferenceTools;
import jakarta.json.Json;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** GET /metrics over a real socket: content negotiation, Content-Type, gzip. */
@ServerTest
class MetricsEndpointTest {
  private static final String PROMETHEUS_ACCEPT =
      "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
          + "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

  private static MetricsCore core;
  private final Http1Client client;

  MetricsEndpointTest(Http1Client client) {
    this.client = client;
  }

  @SetUpRoute
  static void route(HttpRouting.Builder routing) {
    core =
        MetricsCore.start(
            MetricsSettings.parse(
                Section.of(
                    Json.createObjectBuilder().add("ring_file", "").build(), "metrics_config")));
    MetricsProducer producer = core.producer();
    long requests =
        producer.registerSeries(
            "forward_req_total_num", MetricKind.COUNTER, MetricUnit.COUNT, "instance", "n1");
    producer.counterAdd(requests, 3);
    routing.get("/metrics", new MetricsHandler(MetricsCapability.of(core).families()));
  }

  @AfterAll
  static void stop() {
    core.close();
  }

  @Test
  void shouldServeTextWithItsContentTypeWhenNoAcceptIsSent() {
    ClientResponseTyped<String> res = client.get("/metrics").request(String.class);
    assertThat(res.status(), is(Status.OK_200));
    assertThat(
        res.headers().get(HeaderNames.CONTENT_TYPE).get(),
        is("text/plain; version=0.0.4; charset=utf-8"));
    assertThat(res.entity(), containsString("forward_req_total_num_total{instance=\"n1\"} 3\n"));
    assertThat(res.entity(), containsString("# TYPE ms_coordinator_ingest_events_total counter\n"));
  }

  @Test
  void shouldServeOpenMetricsToPrometheus() {
    ClientResponseTyped<String> res =
        client.get("/metrics").header(HeaderNames.ACCEPT, PROMETHEUS_ACCEPT).request(String.class);
    assertThat(
        res.headers().get(HeaderNames.CONTENT_TYPE).get(),
        is("application/openmetrics-text; version=1.0.0; charset=utf-8"));
    assertThat(res.entity(), startsWith("# HELP "));
    assertThat(res.entity(), endsWith("# EOF\n"));
  }

  @Test
  void shouldServeBodiesThatTheReferenceParsersReadAlike() throws Exception {
    byte[] text = client.get("/metrics").request(byte[].class).entity();
    byte[] openMetrics =
        client
            .get("/metrics")
            .header(HeaderNames.ACCEPT, PROMETHEUS_ACCEPT)
            .request(byte[].class)
            .entity();
    List<String> engine = ReferenceTools.assertBothFormatsReadAlike(text, openMetrics);

    assertThat(
        engine,
        is(List.of("forward_req_total_num|counter|forward_req_total_num_total|instance=n1|3.0")));
  }

  @Test
  void shouldGzipWhenTheClientAsks() throws Exception {
    ClientResponseTyped<byte[]> res =
        client
            .get("/metrics")
            .header(HeaderNames.ACCEPT_ENCODING, "gzip")
            .header(HeaderNames.ACCEPT, PROMETHEUS_ACCEPT)
            .request(byte[].class);
    assertThat(res.headers().get(HeaderNames.CONTENT_ENCODING).get(), is("gzip"));
    byte[] body = res.entity();
    String text;
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(text, containsString("forward_req_total_num_total{instance=\"n1\"} 3\n"));
    assertThat(text, endsWith("# EOF\n"));
  }
}
