package io.mscoordinator.metrics;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webclient.api.ClientResponseTyped;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.mscoordinator.capability.Capability;
import io.mscoordinator.capability.Routes;
import io.mscoordinator.capability.SharedListener;
import io.mscoordinator.exposition.FamilySource;
import io.mscoordinator.series.Labels;
import io.mscoordinator.testing.Samples;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * {@code /metrics} and {@code /metrics/instances} as {@link MetricsEndpoint} binds them, over a
 * real socket: each body carries its own view of every capability, in assembly order, with the same
 * negotiation, gzip and refusal rule.
 */
@ServerTest
class MetricsEndpointViewsTest {
  private static volatile String refusal;

  private final Http1Client client;

  MetricsEndpointViewsTest(Http1Client client) {
    this.client = client;
  }

  /** A capability with one gauge in each view; its instance view refuses while {@link #refusal}. */
  private static Capability capability(String name, boolean refusing) {
    byte[] instance = Labels.ofPairs("instance_id", "1").block();
    FamilySource cluster =
        w -> {
          w.gaugeFamily(name, "Cluster total of " + name + ".");
          w.gauge(name, new byte[0], 3);
        };
    FamilySource perInstance =
        new FamilySource() {
          @Override
          public void writeFamilies(io.mscoordinator.exposition.ExpositionWriter w) {
            w.gaugeFamily(name, "Cluster total of " + name + ".");
            w.gauge(name, instance, 3);
          }

          @Override
          public String refusal() {
            return refusing ? refusal : null;
          }
        };
    return new Capability() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public List<FamilySource> families() {
        return List.of(cluster);
      }

      @Override
      public List<FamilySource> instanceFamilies() {
        return List.of(perInstance);
      }
    };
  }

  @SetUpRoute
  static void route(HttpRouting.Builder routing) {
    MetricsEndpoint endpoint =
        new MetricsEndpoint(List.of(capability("first", false), capability("second", true)));
    Routes.bind(routing, routes -> endpoint.routing(SharedListener.EXTERNAL, routes));
  }

  @Test
  void shouldServeEveryCapabilitysInstanceFamiliesInAssemblyOrderAndNothingElse() {
    String body = client.get("/metrics/instances").request(String.class).entity();

    assertThat(
        Samples.of(body).keySet(),
        is(java.util.Set.of("first{instance_id=\"1\"}", "second{instance_id=\"1\"}")));
    assertThat(body.indexOf("first{"), lessThan(body.indexOf("second{")));
  }

  @Test
  void shouldKeepInstanceSeriesOutOfMetrics() {
    String body = client.get("/metrics").request(String.class).entity();

    assertThat(Samples.of(body).keySet(), is(java.util.Set.of("first", "second")));
    assertThat(body, not(containsString("instance_id")));
  }

  @Test
  void shouldNegotiateAndGzipTheInstanceViewLikeMetrics() throws Exception {
    ClientResponseTyped<byte[]> res =
        client
            .get("/metrics/instances")
            .header(HeaderNames.ACCEPT_ENCODING, "gzip")
            .header(HeaderNames.ACCEPT, Samples.OPENMETRICS_ACCEPT)
            .request(byte[].class);

    assertThat(res.headers().get(HeaderNames.CONTENT_ENCODING).get(), is("gzip"));
    assertThat(
        res.headers().get(HeaderNames.CONTENT_TYPE).get(),
        is("application/openmetrics-text; version=1.0.0; charset=utf-8"));
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(res.entity()))) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(text, containsString("second{instance_id=\"1\"} 3"));
      assertThat(text, endsWith("# EOF\n"));
    }
  }

  @Test
  void shouldAnswer503WithTheReasonWhileAnInstanceSourceRefuses() {
    refusal = "node 1 failing: strict=true";
    try {
      ClientResponseTyped<String> res = client.get("/metrics/instances").request(String.class);
      assertThat(res.status(), is(Status.SERVICE_UNAVAILABLE_503));
      assertThat(res.entity(), is("node 1 failing: strict=true\n"));
      assertThat(client.get("/metrics").request(String.class).status(), is(Status.OK_200));
    } finally {
      refusal = null;
    }
  }
}
