package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mscoordinator.TestCoordinators;
import io.mscoordinator.cluster.Role;
import io.mscoordinator.testing.DevCertFiles;
import io.mscoordinator.testing.TestData;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scraping over HTTPS with {@code tls_config.mindie_client_tls_*}: the coordinator trusts the dev
 * CA and presents the controller's client certificate; each fake node requires a client certificate
 * from that CA. Hostname verification is on: a node whose certificate names 127.0.0.1 is scraped, a
 * node whose certificate names another host is refused, with the reason served.
 */
class CoordinatorScrapeTlsTest {
  private static final char[] PASSWORD = "devpass".toCharArray();

  @TempDir static Path certs;

  @BeforeAll
  static void makeCerts() throws Exception {
    DevCertFiles.make(certs);
  }

  /** A node's TLS: its key and certificate from {@code p12}, client certificates from the CA. */
  private static SSLContext nodeTls(String p12) throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(certs.resolve(p12))) {
      keys.load(in, PASSWORD);
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, PASSWORD);
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(certs.resolve("ca.pem"))) {
      trust.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return context;
  }

  private static JsonObject scrapingOverTls() {
    JsonObject items =
        Json.createObjectBuilder()
            .add("ca_cert", certs.resolve("ca.pem").toString())
            .add("tls_cert", certs.resolve("controller.pem").toString())
            .add("tls_key", certs.resolve("controller.key").toString())
            .build();
    JsonObject root =
        Json.createPointer("/tls_config/mindie_client_tls_items")
            .add(
                TestCoordinators.shippedWith(
                    "/tls_config/mindie_client_tls_enable", jakarta.json.JsonValue.TRUE),
                items);
    return root;
  }

  private static FakeNode httpsNode(String p12) throws Exception {
    FakeNode node = new FakeNode(Map.of("MIES_SERVICE_MONITOR_MODE", "1"), nodeTls(p12), true);
    node.body(TestData.mindie("ms_metricsSingleNodeData_0.prom"));
    return node;
  }

  @Test
  void shouldScrapeANodeWhoseCertificateMatchesItsAddress() throws Exception {
    try (ScrapedCoordinator c =
        new ScrapedCoordinator(scrapingOverTls(), ScrapedCoordinator.settings(200, 150, false))) {
      c.refresh(List.of(c.node(0, httpsNode("server.p12"), Role.UNDEF, 1024, "m")));

      String body = c.awaitNodes(1, 0, 5000).body();

      assertEquals(78800.0, ScrapedCoordinator.value(body, "prompt_tokens_total{"));
      assertTrue(body.contains("address=\"127.0.0.1:"), body);
    }
  }

  @Test
  void shouldRefuseANodeWhoseCertificateNamesAnotherHostWithTheReasonServed() throws Exception {
    try (ScrapedCoordinator c =
        new ScrapedCoordinator(scrapingOverTls(), ScrapedCoordinator.settings(200, 150, false))) {
      c.refresh(List.of(c.node(0, httpsNode("wrong.p12"), Role.UNDEF, 1024, "m")));

      String body =
          c.await(
                  "/metrics",
                  r -> r.body().contains("ms_coordinator_node_last_error{"),
                  5000,
                  "the node's last error")
              .body();

      String error = "";
      for (String line : body.split("\n")) {
        if (line.startsWith("ms_coordinator_node_last_error{")) {
          error = line;
        }
      }
      assertTrue(error.contains("SSLHandshakeException"), error);
      assertTrue(
          error.contains("No subject alternative names matching IP address 127.0.0.1"), error);
      assertTrue(Double.isNaN(ScrapedCoordinator.value(body, "prompt_tokens_total{")), body);
      assertEquals(1, ScrapedCoordinator.count(body, "ms_coordinator_node_up{", " 0"));
    }
  }
}
