package io.mscoordinator.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.helidon.common.tls.TlsClientAuth;
import io.mscoordinator.config.ConfigException;
import io.mscoordinator.config.Section;
import io.mscoordinator.tls.PemFiles;
import io.mscoordinator.tls.TlsSettings;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing and checking of one {@code *_tls_items} object, with certificates made by openssl. */
class TlsSettingsTest {
  private static final String ITEMS = "tls_config.controller_server_tls_items";

  @TempDir static Path certs;

  @BeforeAll
  static void makeCerts() throws Exception {
    DevCerts.make(certs);
  }

  @Test
  void shouldRejectConfigWhenCertFileMissing() {
    ConfigException e = reject(pem("missing.pem", "server.key"));

    assertThat(e.key(), is(ITEMS + ".tls_cert"));
    assertThat(e.getMessage(), containsString("rule=readable file (no such file)"));
    assertThat(e.getMessage(), containsString("value=" + certs.resolve("missing.pem")));
  }

  @Test
  void shouldRejectConfigWhenKeyDoesNotMatchCert() {
    ConfigException e = reject(pem("server.pem", "controller.key"));

    assertThat(e.key(), is(ITEMS + ".tls_key"));
    assertThat(e.getMessage(), containsString("rule=private key matching tls_cert"));
  }

  @Test
  void shouldRejectConfigWhenKeystorePasswordWrong() {
    ConfigException e =
        reject(
            Json.createObjectBuilder()
                .add("keystore", "server.p12")
                .add("keystore_password", "not-the-password"));

    assertThat(e.key(), is(ITEMS + ".keystore_password"));
    assertThat(e.getMessage(), containsString("rule=must open keystore"));
  }

  @Test
  void shouldRejectConfigWhenTlsV11Requested() {
    ConfigException e =
        reject(
            pem("server.pem", "server.key")
                .add("tls_protocols", Json.createArrayBuilder().add("TLSv1.2").add("TLSv1.1")));

    assertThat(e.key(), is(ITEMS + ".tls_protocols"));
    assertThat(e.getMessage(), containsString("nothing older than TLS 1.2"));
    assertThat(e.getMessage(), containsString("value=\"TLSv1.1\""));
  }

  @Test
  void shouldRejectConfigWhenCertExpired() {
    ConfigException e = reject(pem("expired.pem", "expired.key"));

    assertThat(e.key(), is(ITEMS + ".tls_cert"));
    assertThat(e.getMessage(), containsString("rule=certificate not expired"));
  }

  @Test
  void shouldRejectConfigWhenKeyPasswordWrong() {
    ConfigException e =
        reject(pem("server.pem", "server-enc.key").add("tls_key_password", "not-the-password"));

    assertThat(e.key(), is(ITEMS + ".tls_key_password"));
    assertThat(e.getMessage(), containsString("value=(wrong password)"));
  }

  @Test
  void shouldRejectConfigWhenEncryptedKeyHasNoPassword() {
    ConfigException e = reject(pem("server.pem", "server-enc.key"));

    assertThat(e.key(), is(ITEMS + ".tls_key"));
    assertThat(e.getMessage(), containsString("no password is configured"));
  }

  @Test
  void shouldLoadEncryptedPkcs8KeyWithPassword() {
    TlsSettings settings =
        parse(pem("server.pem", "server-enc.key").add("tls_key_password", "devpass"));

    assertThat(settings.serverTls().enabled(), is(true));
  }

  @Test
  void shouldLoadPkcs1RsaKey() {
    assertThat(parse(pem("server.pem", "server-pkcs1.key")).serverTls().enabled(), is(true));
  }

  @Test
  void shouldLoadSec1EcKey() {
    assertThat(parse(pem("controller.pem", "controller-sec1.key")).serverTls().enabled(), is(true));
  }

  @Test
  void shouldRejectConfigWhenKeystoreHoldsSeveralKeysAndNoAlias() throws Exception {
    Path twoKeys = twoKeyKeystore();

    ConfigException e =
        reject(
            Json.createObjectBuilder()
                .add("keystore", twoKeys.toString())
                .add("keystore_password", "devpass"));

    assertThat(e.key(), is(ITEMS + ".key_alias"));
    assertThat(e.getMessage(), containsString("holds 2 private keys"));
  }

  @Test
  void shouldUseKeyAliasWhenKeystoreHoldsSeveralKeys() throws Exception {
    Path twoKeys = twoKeyKeystore();

    TlsSettings settings =
        parse(
            Json.createObjectBuilder()
                .add("keystore", twoKeys.toString())
                .add("keystore_password", "devpass")
                .add("key_alias", "controller"));

    assertThat(settings.serverTls().enabled(), is(true));
  }

  @Test
  void shouldRejectConfigWhenKeyAliasUnknown() {
    ConfigException e =
        reject(
            Json.createObjectBuilder()
                .add("keystore", "server.p12")
                .add("keystore_password", "devpass")
                .add("key_alias", "1"));

    assertThat(e.key(), is(ITEMS + ".key_alias"));
    assertThat(e.getMessage(), containsString("[ms-coordinator]"));
  }

  @Test
  void shouldRejectConfigWhenCrlNotIssuedByCaCert() {
    ConfigException e =
        reject(
            pem("server.pem", "server.key")
                .add("ca_cert", "other-ca.pem")
                .add("tls_crl", "crl.pem"));

    assertThat(e.key(), is(ITEMS + ".tls_crl"));
    assertThat(e.getMessage(), containsString("rule=signed by a ca_cert CA"));
  }

  @Test
  void shouldRejectConfigWhenClientAuthRequiredWithoutCaCert() {
    ConfigException e = reject(pem("server.pem", "server.key").add("client_auth", "required"));

    assertThat(e.key(), is(ITEMS + ".client_auth"));
  }

  @Test
  void shouldRejectConfigWhenClientAuthUnknown() {
    ConfigException e =
        reject(pem("server.pem", "server.key").add("ca_cert", "ca.pem").add("client_auth", "want"));

    assertThat(e.key(), is(ITEMS + ".client_auth"));
    assertThat(e.getMessage(), containsString("rule=one of required, optional, none"));
  }

  @Test
  void shouldRejectConfigWhenKeyUnknown() {
    ConfigException e = reject(pem("server.pem", "server.key").add("tls_crt", "server.pem"));

    assertThat(e.key(), is(ITEMS + ".tls_crt"));
  }

  @Test
  void shouldRejectConfigWhenCertGivenWithoutKey() {
    ConfigException e = reject(Json.createObjectBuilder().add("tls_cert", "server.pem"));

    assertThat(e.key(), is(ITEMS + ".tls_key"));
  }

  @Test
  void shouldRejectServerTlsWhenNoKeyConfigured() {
    TlsSettings settings = parse(Json.createObjectBuilder().add("ca_cert", "ca.pem"));

    ConfigException e = assertThrows(ConfigException.class, settings::serverTls);

    assertThat(e.key(), is(ITEMS + ".tls_cert"));
  }

  @Test
  void shouldRequireClientCertWhenCaCertGiven() {
    TlsSettings settings = parse(pem("server.pem", "server.key").add("ca_cert", "ca.pem"));

    assertThat(settings.clientAuth(), is(TlsClientAuth.REQUIRED));
    assertThat(settings.mutual(), is(true));
  }

  @Test
  void shouldNotAskForClientCertWhenNoCaCert() {
    TlsSettings settings = parse(pem("server.pem", "server.key"));

    assertThat(settings.clientAuth(), is(TlsClientAuth.NONE));
    assertThat(settings.mutual(), is(false));
  }

  @Test
  void shouldDefaultToTls13AndTls12() {
    assertThat(
        parse(pem("server.pem", "server.key")).protocols(), is(List.of("TLSv1.3", "TLSv1.2")));
  }

  @Test
  void shouldTreatEmptyStringAsAbsent() {
    TlsSettings settings =
        parse(pem("server.pem", "server.key").add("ca_cert", "").add("tls_crl", ""));

    assertThat(settings.mutual(), is(false));
  }

  @Test
  void shouldResolveRelativePathsAgainstBaseDir() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                TlsSettings.parse(
                    Section.of(
                        pem("server.pem", "server.key").build(), ITEMS, certs.resolve("sub"))));

    assertThat(
        e.getMessage(), containsString("value=" + certs.resolve("sub").resolve("server.pem")));
  }

  private static JsonObjectBuilder pem(String cert, String key) {
    return Json.createObjectBuilder().add("tls_cert", cert).add("tls_key", key);
  }

  private static TlsSettings parse(JsonObjectBuilder items) {
    return TlsSettings.parse(Section.of(items.build(), ITEMS, certs));
  }

  private static ConfigException reject(JsonObjectBuilder items) {
    JsonObject object = items.build();
    return assertThrows(
        ConfigException.class, () -> TlsSettings.parse(Section.of(object, ITEMS, certs)));
  }

  /** A PKCS12 with two private key entries: openssl pkcs12 writes only one. */
  private static Path twoKeyKeystore() throws Exception {
    char[] password = "devpass".toCharArray();
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    for (String name : List.of("server", "controller")) {
      store.setKeyEntry(
          name,
          PemFiles.privateKey(Files.readAllBytes(certs.resolve(name + ".key")), null),
          password,
          PemFiles.certificates(Files.readAllBytes(certs.resolve(name + ".pem")))
              .toArray(new Certificate[0]));
    }
    Path file = Files.createTempFile(certs, "two-keys", ".p12");
    try (OutputStream out = Files.newOutputStream(file)) {
      store.store(out, password);
    }
    return file;
  }
}
