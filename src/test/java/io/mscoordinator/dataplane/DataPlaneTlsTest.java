package io.mscoordinator.dataplane;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mscoordinator.TestCoordinators;
import io.mscoordinator.cluster.Instance;
import io.mscoordinator.cluster.Role;
import io.mscoordinator.server.Coordinator;
import io.mscoordinator.testing.DevCertFiles;
import io.mscoordinator.testing.engine.FakeEngine;
import io.mscoordinator.testing.engine.RawHttp;
import io.mscoordinator.testing.engine.SeenRequest;
import io.mscoordinator.tls.PemFiles;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on both sides of the data plane, with the dev certificates of {@code
 * config/make-dev-certs.sh}: the predict listener over HTTPS requiring a client certificate from
 * the dev CA ({@code request_server_tls_*}), and the coordinator's connections to instances over
 * HTTPS ({@code mindie_client_tls_*}) to fake engines speaking HTTPS ({@link
 * FakeEngine.Options#withTls}), whose certificate is verified, hostname included: an engine whose
 * certificate names 127.0.0.1 serves, one whose certificate names another host is never sent a
 * request.
 */
class DataPlaneTlsTest {
  private static final char[] PASSWORD = "devpass".toCharArray();
  private static final String CHAT =
      "{\"model\":\"m\",\"stream\":true,\"max_tokens\":5,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @TempDir static Path certs;

  private static FakeEngine engine;
  private static FakeEngine wrongHost;
  private static Coordinator coordinator;
  private static int predict;

  @BeforeAll
  static void start() throws Exception {
    DevCertFiles.make(certs);
    engine =
        FakeEngine.start(
            FakeEngine.Options.defaults().withModel("m").withTls(nodeTls("server.p12")));
    wrongHost =
        FakeEngine.start(
            FakeEngine.Options.defaults().withModel("wrong").withTls(nodeTls("wrong.p12")));
    JsonObject root =
        Json.createPointer("/digs_scheduler_config")
            .replace(
                TestCoordinators.shipped(),
                Json.createObjectBuilder()
                    .add("deploy_mode", "single_node")
                    .add("algorithm_type", "round_robin")
                    .build());
    JsonObject tls =
        Json.createObjectBuilder(root.getJsonObject("tls_config"))
            .add("request_server_tls_enable", true)
            .add(
                "request_server_tls_items",
                Json.createObjectBuilder()
                    .add("tls_cert", certs.resolve("server.pem").toString())
                    .add("tls_key", certs.resolve("server.key").toString())
                    .add("ca_cert", certs.resolve("ca.pem").toString())
                    .add("client_auth", "required"))
            .add("mindie_client_tls_enable", true)
            .add(
                "mindie_client_tls_items",
                Json.createObjectBuilder()
                    .add("ca_cert", certs.resolve("ca.pem").toString())
                    .add("tls_cert", certs.resolve("controller.pem").toString())
                    .add("tls_key", certs.resolve("controller.key").toString()))
            .build();
    root = TestCoordinators.withSection(root, "tls_config", tls);
    ManualClock clock = new ManualClock();
    coordinator =
        Coordinator.start(TestCoordinators.config(root), Coordinator::coreSink, () -> clock);
    predict = coordinator.port(Coordinator.PREDICT);
    coordinator
        .registry()
        .refresh(List.of(instance(1, engine, "m"), instance(2, wrongHost, "wrong")));
  }

  @AfterAll
  static void stop() {
    if (coordinator != null) {
      coordinator.close();
    }
    for (FakeEngine e : new FakeEngine[] {engine, wrongHost}) {
      if (e != null) {
        e.close();
      }
    }
  }

  private static Instance instance(long id, FakeEngine e, String model) {
    return new Instance(
        id,
        "127.0.0.1",
        e.port(),
        e.port(),
        model,
        0,
        4096,
        1024,
        200,
        1024,
        128,
        2,
        Role.UNDEF,
        200,
        1024,
        List.of());
  }

  @Test
  void shouldStreamAChatCompletionOverTlsToAnEngineBehindTls() throws Exception {
    HttpResponse<String> r = post(client(true), "/v1/chat/completions", CHAT);
    assertThat(r.body(), r.statusCode(), is(200));
    assertThat(r.headers().firstValue("content-type").orElse(""), containsString("event-stream"));
    assertThat(r.body(), containsString("tok0"));
    assertThat(r.body().endsWith("data: [DONE]\n\n"), is(true));
    assertThat(coordinator.uri(Coordinator.PREDICT).getScheme(), is("https"));
    assertThat(inference(engine).size() >= 1, is(true));
  }

  @Test
  void shouldRefuseAPlainHttpClient() throws Exception {
    int before = inference(engine).size();
    try (RawHttp http = new RawHttp(predict)) {
      http.send("POST", "/v1/chat/completions", CHAT);
      assertThrows(IOException.class, http::read);
    }
    assertThat(inference(engine).size(), is(before));
  }

  @Test
  void shouldRefuseAClientWithoutACertificateAtTheHandshake() throws Exception {
    int before = inference(engine).size();
    Exception e =
        assertThrows(Exception.class, () -> post(client(false), "/v1/chat/completions", CHAT));
    assertThat(String.valueOf(e), sslCause(e), notNullValue());
    assertThat(inference(engine).size(), is(before));
  }

  @Test
  void shouldNeverSendARequestToAnEngineWhoseCertificateNamesAnotherHost() throws Exception {
    HttpResponse<String> r =
        post(client(true), "/v1/completions", "{\"model\":\"wrong\",\"prompt\":\"hi\"}");
    assertThat(r.statusCode(), is(500));
    assertThat(r.body(), is(InferenceService.CONNECT_FAILED));
    assertThat(inference(wrongHost), empty());
  }

  // ------------------------------------------------------------------ helpers

  private static List<SeenRequest> inference(FakeEngine e) {
    return e.records().requests().stream()
        .filter(r -> !r.path().equals("/metrics") && !r.path().endsWith("/stopInfer"))
        .toList();
  }

  private static HttpResponse<String> post(HttpClient client, String path, String body)
      throws IOException, InterruptedException {
    try (client) {
      return client.send(
          HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + predict + path))
              .header("Content-Type", "application/json")
              .timeout(Duration.ofSeconds(20))
              .POST(HttpRequest.BodyPublishers.ofString(body))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    }
  }

  /** A client trusting the dev CA, presenting the controller's certificate when {@code cert}. */
  private static HttpClient client(boolean cert) throws Exception {
    KeyManagerFactory kmf = null;
    if (cert) {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      List<X509Certificate> chain =
          PemFiles.certificates(Files.readAllBytes(certs.resolve("controller.pem")));
      keys.setKeyEntry(
          "client",
          PemFiles.privateKey(Files.readAllBytes(certs.resolve("controller.key")), null),
          PASSWORD,
          chain.toArray(new Certificate[0]));
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, PASSWORD);
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf == null ? null : kmf.getKeyManagers(), trustDevCa(), null);
    return HttpClient.newBuilder()
        .sslContext(context)
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  private static javax.net.ssl.TrustManager[] trustDevCa() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    int i = 0;
    for (X509Certificate ca : PemFiles.certificates(Files.readAllBytes(certs.resolve("ca.pem")))) {
      trust.setCertificateEntry("ca" + i++, ca);
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    return tmf.getTrustManagers();
  }

  /** A node's TLS: its key and certificate from {@code p12}, client certificates from the CA. */
  private static SSLContext nodeTls(String p12) throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(certs.resolve(p12))) {
      keys.load(in, PASSWORD);
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, PASSWORD);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), trustDevCa(), null);
    return context;
  }

  private static SSLException sslCause(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SSLException ssl) {
        return ssl;
      }
    }
    return null;
  }
}
