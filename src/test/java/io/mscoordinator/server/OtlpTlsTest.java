package io.mscoordinator.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mscoordinator.TestCoordinators;
import io.mscoordinator.testing.Samples;
import io.mscoordinator.testing.TestData;
import io.mscoordinator.tls.PemFiles;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OTLP listener with {@code otlp_config.tls_enable}: HTTPS only, and what it takes counts. */
class OtlpTlsTest {
  @TempDir Path certs;

  private static SSLContext trusting(Path caFile) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    int i = 0;
    for (X509Certificate ca : PemFiles.certificates(Files.readAllBytes(caFile))) {
      trust.setCertificateEntry("ca" + i++, ca);
    }
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), new SecureRandom());
    return context;
  }

  @Test
  void shouldTakeExportsOverHttpsAndRefusePlainHttp() throws Exception {
    DevCerts.make(certs);
    JsonObject otlp =
        Json.createObjectBuilder(TestCoordinators.shipped().getJsonObject("otlp_config"))
            .add("tls_enable", true)
            .add(
                "tls_items",
                Json.createObjectBuilder()
                    .add("tls_cert", certs.resolve("server.pem").toString())
                    .add("tls_key", certs.resolve("server.key").toString()))
            .build();
    JsonObject root =
        Json.createObjectBuilder(TestCoordinators.shipped()).add("otlp_config", otlp).build();
    byte[] export = Files.readAllBytes(TestData.resource("otlp/cpp-1.16/export-1.json"));
    try (Coordinator c = TestCoordinators.start(root);
        HttpClient https =
            HttpClient.newBuilder()
                .sslContext(trusting(certs.resolve("ca.pem")))
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
      URI uri = c.uri(Coordinator.OTLP).resolve("/v1/metrics");
      assertThat(uri.getScheme(), is("https"));

      HttpResponse<String> res =
          https.send(
              HttpRequest.newBuilder(uri)
                  .header("Content-Type", "application/json")
                  .timeout(Duration.ofSeconds(10))
                  .POST(HttpRequest.BodyPublishers.ofByteArray(export))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(res.body(), res.statusCode(), is(200));
      Map<String, Double> samples = Samples.scrape(c);
      assertThat(samples.isEmpty(), is(false));
      URI insecure = URI.create("http://127.0.0.1:" + c.port(Coordinator.OTLP) + "/v1/metrics");
      assertThrows(
          Exception.class,
          () ->
              plain.send(
                  HttpRequest.newBuilder(insecure)
                      .header("Content-Type", "application/json")
                      .timeout(Duration.ofSeconds(10))
                      .POST(HttpRequest.BodyPublishers.ofByteArray(export))
                      .build(),
                  HttpResponse.BodyHandlers.ofString()));
      assertThat(Samples.scrape(c), is(samples));
    }
  }
}
