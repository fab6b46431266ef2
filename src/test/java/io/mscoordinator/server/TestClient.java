package io.mscoordinator.server;

import io.mscoordinator.tls.PemFiles;
import io.mscoordinator.tls.TlsSettings;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * An HTTPS client independent of {@link TlsSettings}: java.net.http with its own SSLContext that
 * trusts one CA file and, when given, always presents one client certificate, even one whose CA the
 * server did not ask for, so that the server's own check is what refuses it.
 */
final class TestClient {
  private final SSLContext context;
  private final String[] protocols;

  private TestClient(SSLContext context, String... protocols) {
    this.context = context;
    this.protocols = protocols;
  }

  static TestClient trusting(Path caFile) throws Exception {
    return new TestClient(context(caFile, null, null));
  }

  static TestClient withClientCert(Path caFile, Path certFile, Path keyFile) throws Exception {
    return new TestClient(context(caFile, certFile, keyFile));
  }

  TestClient onlyProtocols(String... only) {
    return new TestClient(context, only);
  }

  /** GET over a fresh connection; the body of a 200, else an AssertionError. */
  String get(int port, String path) throws IOException, InterruptedException {
    SSLParameters parameters = context.getDefaultSSLParameters();
    if (protocols.length > 0) {
      parameters.setProtocols(protocols);
    }
    try (HttpClient client =
        HttpClient.newBuilder()
            .sslContext(context)
            .sslParameters(parameters)
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build()) {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new AssertionError("status " + response.statusCode() + " body " + response.body());
      }
      return response.body();
    }
  }

  /** The SSLException somewhere in the cause chain of a failed request, else null. */
  static SSLException sslCause(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SSLException ssl) {
        return ssl;
      }
    }
    return null;
  }

  private static SSLContext context(Path caFile, Path certFile, Path keyFile) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    int i = 0;
    for (X509Certificate ca : PemFiles.certificates(Files.readAllBytes(caFile))) {
      trust.setCertificateEntry("ca" + i++, ca);
    }
    TrustManagerFactory trustManagers =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trustManagers.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(
        certFile == null
            ? null
            : new ForcedKeyManager[] {
              new ForcedKeyManager(
                  PemFiles.certificates(Files.readAllBytes(certFile))
                      .toArray(new X509Certificate[0]),
                  PemFiles.privateKey(Files.readAllBytes(keyFile), null))
            },
        trustManagers.getTrustManagers(),
        new SecureRandom());
    return context;
  }

  /** Presents its one certificate whatever CAs the server names. */
  private static final class ForcedKeyManager extends X509ExtendedKeyManager {
    private static final String ALIAS = "client";
    private final X509Certificate[] chain;
    private final PrivateKey key;

    ForcedKeyManager(X509Certificate[] chain, PrivateKey key) {
      this.chain = chain;
      this.key = key;
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
      return ALIAS;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine e) {
      return ALIAS;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return List.of(ALIAS).toArray(new String[0]);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return chain.clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return key;
    }
  }
}
