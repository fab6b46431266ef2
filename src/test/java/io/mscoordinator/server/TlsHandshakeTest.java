package io.mscoordinator.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.helidon.common.tls.Tls;
import io.helidon.webclient.api.WebClient;
import io.helidon.webserver.WebServer;
import io.mscoordinator.config.Section;
import io.mscoordinator.tls.TlsSettings;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real handshakes: a Helidon server on 127.0.0.1 with {@link TlsSettings#serverTls()} and
 * certificates made by {@code config/make-dev-certs.sh}, and a client that is not built from {@link
 * TlsSettings}. Each refusal is checked by the TLS alert the server sent, so a refusal for another
 * reason (or none) fails the test.
 */
class TlsHandshakeTest {
  private static final String ITEMS = "tls_config.controller_server_tls_items";

  @TempDir static Path certs;

  private WebServer server;

  @BeforeAll
  static void makeCerts() throws Exception {
    DevCerts.make(certs);
  }

  @AfterEach
  void stopServer() {
    if (server != null) {
      server.stop();
    }
  }

  @Test
  void shouldServeOverTlsWithPemKeyAndCert() throws Exception {
    int port =
        start(
            Json.createObjectBuilder()
                .add("tls_cert", "server.pem")
                .add("tls_key", "server.key")
                .build());

    assertThat(TestClient.trusting(certs.resolve("ca.pem")).get(port, "/"), is("ok"));
  }

  @Test
  void shouldServeOverTlsWithPkcs12Keystore() throws Exception {
    // server.p12 names its key "ms-coordinator", not Helidon's default alias "1".
    int port =
        start(
            Json.createObjectBuilder()
                .add("keystore", "server.p12")
                .add("keystore_password", "devpass")
                .build());

    assertThat(TestClient.trusting(certs.resolve("ca.pem")).get(port, "/"), is("ok"));
  }

  @Test
  void shouldAcceptClientWithCertSignedByClientCa() throws Exception {
    int port = start(mutual().build());

    assertThat(client("controller").get(port, "/"), is("ok"));
  }

  @Test
  void shouldRefuseClientWithoutCertificateWhenMutual() throws Exception {
    int port = start(mutual().build());

    SSLException refusal =
        refusal(() -> TestClient.trusting(certs.resolve("ca.pem")).get(port, "/"));

    assertThat(refusal.getMessage(), containsString("certificate_required"));
  }

  @Test
  void shouldRefuseClientCertFromOtherCa() throws Exception {
    int port = start(mutual().build());

    SSLException refusal = refusal(() -> client("other-client").get(port, "/"));

    assertThat(refusal.getMessage(), containsString("certificate_unknown"));
  }

  @Test
  void shouldRefuseExpiredClientCert() throws Exception {
    int port = start(mutual().build());

    SSLException refusal = refusal(() -> client("expired").get(port, "/"));

    assertThat(refusal.getMessage(), containsString("certificate_unknown"));
  }

  @Test
  void shouldRefuseRevokedClientCertWhenCrlConfigured() throws Exception {
    int port = start(mutual().add("tls_crl", "crl.pem").build());

    SSLException refusal = refusal(() -> client("revoked").get(port, "/"));

    assertThat(refusal.getMessage(), containsString("certificate_unknown"));
  }

  @Test
  void shouldAcceptClientCertNotInCrlWhenCrlConfigured() throws Exception {
    int port = start(mutual().add("tls_crl", "crl.pem").build());

    assertThat(client("controller").get(port, "/"), is("ok"));
  }

  @Test
  void shouldAcceptRevokedClientCertWhenNoCrlConfigured() throws Exception {
    // The counterpart of the CRL test: without tls_crl the same certificate is fine.
    int port = start(mutual().build());

    assertThat(client("revoked").get(port, "/"), is("ok"));
  }

  @Test
  void shouldAcceptClientWithoutCertificateWhenClientAuthOptional() throws Exception {
    int port = start(mutual().add("client_auth", "optional").build());

    assertThat(TestClient.trusting(certs.resolve("ca.pem")).get(port, "/"), is("ok"));
  }

  @Test
  void shouldRefuseTls12ClientWhenOnlyTls13Configured() throws Exception {
    int port =
        start(
            Json.createObjectBuilder()
                .add("tls_cert", "server.pem")
                .add("tls_key", "server.key")
                .add("tls_protocols", Json.createArrayBuilder().add("TLSv1.3"))
                .build());

    SSLException refusal =
        refusal(
            () ->
                TestClient.trusting(certs.resolve("ca.pem"))
                    .onlyProtocols("TLSv1.2")
                    .get(port, "/"));

    assertThat(refusal.getMessage(), containsString("protocol_version"));
  }

  @Test
  void shouldPresentClientCertWithClientTls() throws Exception {
    int port = start(mutual().build());
    Tls clientTls =
        TlsSettings.parse(
                Section.of(
                    Json.createObjectBuilder()
                        .add("ca_cert", "ca.pem")
                        .add("tls_cert", "controller.pem")
                        .add("tls_key", "controller-sec1.key")
                        .build(),
                    "tls_config.mindie_client_tls_items",
                    certs))
            .clientTls();

    WebClient client =
        WebClient.builder().baseUri("https://127.0.0.1:" + port).tls(clientTls).build();

    assertThat(client.get("/").requestEntity(String.class), is("ok"));
  }

  @Test
  void shouldRefuseServerCertFromOtherCaWithClientTls() throws Exception {
    int port =
        start(
            Json.createObjectBuilder()
                .add("tls_cert", "server.pem")
                .add("tls_key", "server.key")
                .build());
    Tls clientTls =
        TlsSettings.parse(
                Section.of(
                    Json.createObjectBuilder().add("ca_cert", "other-ca.pem").build(),
                    "tls_config.mindie_client_tls_items",
                    certs))
            .clientTls();
    WebClient client =
        WebClient.builder().baseUri("https://127.0.0.1:" + port).tls(clientTls).build();

    RuntimeException failure =
        assertThrows(RuntimeException.class, () -> client.get("/").requestEntity(String.class));

    SSLException ssl = TestClient.sslCause(failure);
    assertThat("SSL failure expected, got " + failure, ssl, notNullValue());
    assertThat(ssl.getMessage(), containsString("PKIX path"));
  }

  private int start(JsonObject items) {
    Tls tls = TlsSettings.parse(Section.of(items, ITEMS, certs)).serverTls();
    server =
        WebServer.builder()
            .host("127.0.0.1")
            .port(0)
            .tls(tls)
            .routing(routing -> routing.get("/", (req, res) -> res.send("ok")))
            .build()
            .start();
    assertThat(server.port(), greaterThan(0));
    return server.port();
  }

  private static jakarta.json.JsonObjectBuilder mutual() {
    return Json.createObjectBuilder()
        .add("tls_cert", "server.pem")
        .add("tls_key", "server.key")
        .add("ca_cert", "ca.pem");
  }

  private static TestClient client(String name) throws Exception {
    return TestClient.withClientCert(
        certs.resolve("ca.pem"), certs.resolve(name + ".pem"), certs.resolve(name + ".key"));
  }

  private static SSLException refusal(Request request) {
    IOException failure = assertThrows(IOException.class, request::run);
    SSLException ssl = TestClient.sslCause(failure);
    assertThat("SSL failure expected, got " + failure, ssl, notNullValue());
    return ssl;
  }

  private interface Request {
    void run() throws Exception;
  }
}
