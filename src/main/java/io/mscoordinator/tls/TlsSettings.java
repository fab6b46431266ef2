package io.mscoordinator.tls;

import io.helidon.common.tls.Tls;
import io.helidon.common.tls.TlsClientAuth;
import io.mscoordinator.config.ConfigException;
import io.mscoordinator.config.Section;
import jakarta.json.JsonArray;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS settings of one listener or client, parsed from one MindIE-style {@code *_tls_items}
 * object of {@code tls_config}.
 *
 * <p>Everything is read and checked by {@link #parse}: files, passwords, that the key belongs to
 * the certificate, that no certificate has expired, that the CRL comes from a configured CA. A
 * listener built from these settings therefore never starts and then fails every handshake; a bad
 * value is a {@link ConfigException} naming the full dotted key before anything listens.
 *
 * <p>The {@link SSLContext} is always built here, never by Helidon: Helidon looks key entries up
 * under the alias "1" and has no CRL support, so it only receives the finished context plus the
 * protocol list and the client-auth mode (which it applies to every engine it creates).
 *
 * <p>Immutable; threadsafe.
 */
public final class TlsSettings {
  public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  private static final Set<String> SUPPORTED_PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");
  private static final Set<String> KEYS =
      new TreeSet<>(
          List.of(
              "tls_cert",
              "tls_key",
              "tls_key_password",
              "keystore",
              "keystore_password",
              "key_alias",
              "ca_cert",
              "client_auth",
              "tls_crl",
              "tls_protocols"));
  private static final String INTERNAL_ALIAS = "ms-coordinator";

  private final String keyPath;
  private final TlsClientAuth clientAuth;
  private final List<String> protocols;
  private final boolean hasKey;
  private final Tls serverTls;
  private final Tls clientTls;

  private TlsSettings(
      String keyPath,
      TlsClientAuth clientAuth,
      List<String> protocols,
      boolean hasKey,
      SSLContext context) {
    this.keyPath = keyPath;
    this.clientAuth = clientAuth;
    this.protocols = protocols;
    this.hasKey = hasKey;
    this.serverTls =
        Tls.builder()
            .sslContext(context)
            .clientAuth(clientAuth)
            .enabledProtocols(protocols)
            .build();
    this.clientTls =
        Tls.builder()
            .sslContext(context)
            .enabledProtocols(protocols)
            .endpointIdentificationAlgorithm(Tls.ENDPOINT_IDENTIFICATION_HTTPS)
            .build();
  }

  /**
   * Parses and checks one {@code *_tls_items} object and loads everything it names.
   *
   * <p>Keys: {@code tls_cert} + {@code tls_key} (PEM; {@code tls_key_password} when the key is an
   * encrypted PKCS#8) or {@code keystore} + {@code keystore_password} (PKCS12; {@code key_alias}
   * when it holds more than one private key); {@code ca_cert} (PEM CA bundle: the client CAs of a
   * listener, the trust of a client); {@code client_auth} ({@code required}, the default with
   * {@code ca_cert}, {@code optional} or {@code none}); {@code tls_crl} (PEM or DER CRL of a {@code
   * ca_cert} CA); {@code tls_protocols} (default {@code ["TLSv1.3","TLSv1.2"]}). An empty string
   * counts as absent, as in MindIE's shipped configs.
   *
   * <p>Relative file names resolve against the directory of the config file (see {@link
   * Section#file}). An unknown key is refused wherever the items stand (see {@link Section#keys}).
   *
   * @param items the {@code *_tls_items} object, e.g. {@code
   *     tls_config.controller_server_tls_items}
   * @throws ConfigException naming {@code keyPath.<key>} and the rule it breaks
   */
  public static TlsSettings parse(Section items) {
    items.keys(KEYS);
    String keyPath = items.path();
    Reader reader = new Reader(items);

    KeyEntry keyEntry = reader.keyEntry();
    List<X509Certificate> cas = reader.caCerts();
    TlsClientAuth clientAuth = reader.clientAuth(!cas.isEmpty());
    X509CRL crl = reader.crl(cas);
    List<String> protocols = reader.protocols();

    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers(keyEntry), trustManagers(cas, crl), new SecureRandom());
      return new TlsSettings(keyPath, clientAuth, protocols, keyEntry != null, context);
    } catch (GeneralSecurityException e) {
      throw new ConfigException(keyPath, "usable TLS material (" + e.getMessage() + ")", "(set)");
    }
  }

  /**
   * TLS for a listener: this key and certificate, client certificates checked against {@code
   * ca_cert} (and {@code tls_crl}) as {@code client_auth} says.
   *
   * @throws ConfigException when the items name no key and certificate
   */
  public Tls serverTls() {
    if (!hasKey) {
      throw new ConfigException(
          keyPath + ".tls_cert", "tls_cert+tls_key or keystore required on a listener", null);
    }
    return serverTls;
  }

  /**
   * TLS for a client (the node scraper): server certificates checked against {@code ca_cert} (the
   * JDK's default CAs when absent) with host name verification; the key and certificate, when
   * configured, are offered as the client certificate.
   */
  public Tls clientTls() {
    return clientTls;
  }

  /**
   * Whether a listener demands a client certificate signed by {@code ca_cert} on every connection.
   */
  public boolean mutual() {
    return clientAuth == TlsClientAuth.REQUIRED;
  }

  public TlsClientAuth clientAuth() {
    return clientAuth;
  }

  public List<String> protocols() {
    return protocols;
  }

  private static KeyManager[] keyManagers(KeyEntry entry) throws GeneralSecurityException {
    if (entry == null) {
      return null;
    }
    // A fresh one-entry store: the key manager then has exactly one alias to choose.
    char[] password = new char[0];
    KeyStore store = KeyStore.getInstance("PKCS12");
    try {
      store.load(null, null);
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
    store.setKeyEntry(
        INTERNAL_ALIAS, entry.key(), password, entry.chain().toArray(new Certificate[0]));
    KeyManagerFactory factory =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    factory.init(store, password);
    return factory.getKeyManagers();
  }

  private static TrustManager[] trustManagers(List<X509Certificate> cas, X509CRL crl)
      throws GeneralSecurityException {
    if (cas.isEmpty()) {
      return null;
    }
    Set<TrustAnchor> anchors = new HashSet<>();
    for (X509Certificate ca : cas) {
      anchors.add(new TrustAnchor(ca, null));
    }
    PKIXBuilderParameters parameters = new PKIXBuilderParameters(anchors, new X509CertSelector());
    // PKIX checks revocation by default and fails every path when it finds no CRL.
    parameters.setRevocationEnabled(crl != null);
    if (crl != null) {
      parameters.addCertStore(
          CertStore.getInstance("Collection", new CollectionCertStoreParameters(List.of(crl))));
      PKIXRevocationChecker checker =
          (PKIXRevocationChecker) CertPathBuilder.getInstance("PKIX").getRevocationChecker();
      // One CRL file covers the end-entity certificates of one CA; never go to the network (OCSP).
      checker.setOptions(
          EnumSet.of(
              PKIXRevocationChecker.Option.ONLY_END_ENTITY,
              PKIXRevocationChecker.Option.PREFER_CRLS,
              PKIXRevocationChecker.Option.NO_FALLBACK));
      parameters.addCertPathChecker(checker);
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
    factory.init(new CertPathTrustManagerParameters(parameters));
    return factory.getTrustManagers();
  }

  private record KeyEntry(PrivateKey key, List<X509Certificate> chain) {}

  /** Reads the keys of one items object, each failure naming its full key. */
  private static final class Reader {
    private final Section items;

    Reader(Section items) {
      this.items = items;
    }

    KeyEntry keyEntry() {
      String cert = string("tls_cert");
      String key = string("tls_key");
      String keyPassword = string("tls_key_password");
      String keystore = string("keystore");
      String keystorePassword = string("keystore_password");
      String alias = string("key_alias");
      if (keystore != null && (cert != null || key != null)) {
        throw fail("keystore", "either tls_cert+tls_key or keystore, not both", keystore);
      }
      if (keystore == null) {
        if (keystorePassword != null) {
          throw fail("keystore_password", "only with keystore", "(set)");
        }
        if (alias != null) {
          throw fail("key_alias", "only with keystore", alias);
        }
      }
      if (key == null && keyPassword != null) {
        throw fail("tls_key_password", "only with tls_key", "(set)");
      }
      if (cert != null || key != null) {
        if (cert == null) {
          throw fail("tls_cert", "required with tls_key", null);
        }
        if (key == null) {
          throw fail("tls_key", "required with tls_cert", null);
        }
        return pemEntry(cert, key, keyPassword);
      }
      if (keystore != null) {
        if (keystorePassword == null) {
          throw fail("keystore_password", "required with keystore", null);
        }
        return keystoreEntry(keystore, keystorePassword, alias);
      }
      return null;
    }

    private KeyEntry pemEntry(String certName, String keyName, String password) {
      Path certFile = path("tls_cert", certName);
      List<X509Certificate> chain;
      try {
        chain = PemFiles.certificates(read("tls_cert", certFile));
      } catch (GeneralSecurityException e) {
        throw fail("tls_cert", "PEM certificate chain (" + e.getMessage() + ")", certFile);
      }
      Path keyFile = path("tls_key", keyName);
      PrivateKey key;
      try {
        key =
            PemFiles.privateKey(
                read("tls_key", keyFile), password == null ? null : password.toCharArray());
      } catch (PemFiles.WrongPasswordException e) {
        throw fail("tls_key_password", "must decrypt tls_key " + keyFile, "(wrong password)");
      } catch (GeneralSecurityException e) {
        throw fail("tls_key", "PEM private key (" + e.getMessage() + ")", keyFile);
      }
      checkValidity("tls_cert", certFile, chain);
      checkKeyMatches("tls_key", keyFile, key, chain.get(0), "tls_cert");
      return new KeyEntry(key, chain);
    }

    private KeyEntry keystoreEntry(String name, String password, String alias) {
      Path file = path("keystore", name);
      byte[] bytes = read("keystore", file);
      KeyStore store;
      try {
        store = KeyStore.getInstance("PKCS12");
        store.load(new ByteArrayInputStream(bytes), password.toCharArray());
      } catch (IOException e) {
        if (e.getCause() instanceof UnrecoverableKeyException) {
          throw fail("keystore_password", "must open keystore " + file, "(wrong password)");
        }
        throw fail("keystore", "PKCS12 file (" + e.getMessage() + ")", file);
      } catch (GeneralSecurityException e) {
        throw fail("keystore", "PKCS12 file (" + e.getMessage() + ")", file);
      }
      try {
        List<String> keyAliases = new ArrayList<>();
        for (String each : Collections.list(store.aliases())) {
          if (store.isKeyEntry(each)) {
            keyAliases.add(each);
          }
        }
        if (keyAliases.isEmpty()) {
          throw fail("keystore", "PKCS12 with a private key entry (it has none)", file);
        }
        if (alias == null) {
          if (keyAliases.size() != 1) {
            throw fail(
                "key_alias",
                "required when the keystore holds "
                    + keyAliases.size()
                    + " private keys "
                    + keyAliases,
                null);
          }
          alias = keyAliases.get(0);
        } else if (!keyAliases.contains(alias)) {
          throw fail("key_alias", "a private key entry of the keystore " + keyAliases, alias);
        }
        PrivateKey key = (PrivateKey) store.getKey(alias, password.toCharArray());
        List<X509Certificate> chain = new ArrayList<>();
        for (Certificate certificate : store.getCertificateChain(alias)) {
          chain.add((X509Certificate) certificate);
        }
        checkValidity("keystore", file, chain);
        checkKeyMatches("keystore", file, key, chain.get(0), "its certificate");
        return new KeyEntry(key, chain);
      } catch (UnrecoverableKeyException e) {
        throw fail(
            "keystore_password", "must open the key of keystore " + file, "(wrong password)");
      } catch (GeneralSecurityException e) {
        throw fail("keystore", "PKCS12 with a private key entry (" + e.getMessage() + ")", file);
      }
    }

    List<X509Certificate> caCerts() {
      String name = string("ca_cert");
      if (name == null) {
        return List.of();
      }
      Path file = path("ca_cert", name);
      List<X509Certificate> cas;
      try {
        cas = PemFiles.certificates(read("ca_cert", file));
      } catch (GeneralSecurityException e) {
        throw fail("ca_cert", "PEM CA certificates (" + e.getMessage() + ")", file);
      }
      checkValidity("ca_cert", file, cas);
      return cas;
    }

    TlsClientAuth clientAuth(boolean haveCas) {
      String value = string("client_auth");
      if (value == null) {
        return haveCas ? TlsClientAuth.REQUIRED : TlsClientAuth.NONE;
      }
      TlsClientAuth mode;
      switch (value) {
        case "required":
          mode = TlsClientAuth.REQUIRED;
          break;
        case "optional":
          mode = TlsClientAuth.OPTIONAL;
          break;
        case "none":
          mode = TlsClientAuth.NONE;
          break;
        default:
          throw fail("client_auth", "one of required, optional, none", value);
      }
      if (mode != TlsClientAuth.NONE && !haveCas) {
        throw fail("client_auth", "ca_cert required to verify client certificates", value);
      }
      return mode;
    }

    X509CRL crl(List<X509Certificate> cas) {
      String name = string("tls_crl");
      if (name == null) {
        return null;
      }
      if (cas.isEmpty()) {
        throw fail("tls_crl", "only with ca_cert (the CRL's issuer)", name);
      }
      Path file = path("tls_crl", name);
      X509CRL crl;
      try {
        crl = PemFiles.crl(read("tls_crl", file));
      } catch (GeneralSecurityException e) {
        throw fail("tls_crl", "PEM or DER CRL (" + e.getMessage() + ")", file);
      }
      boolean signedByCa = false;
      for (X509Certificate ca : cas) {
        if (ca.getSubjectX500Principal().equals(crl.getIssuerX500Principal())) {
          try {
            crl.verify(ca.getPublicKey());
            signedByCa = true;
          } catch (GeneralSecurityException e) {
            // same name, other key: keep looking
          }
        }
      }
      if (!signedByCa) {
        throw fail(
            "tls_crl",
            "signed by a ca_cert CA (issuer " + crl.getIssuerX500Principal() + ")",
            file);
      }
      // A stale CRL makes PKIX refuse every certificate as "revocation status undetermined".
      if (crl.getNextUpdate() != null && crl.getNextUpdate().before(new Date())) {
        throw fail(
            "tls_crl",
            "nextUpdate in the future (was " + crl.getNextUpdate().toInstant() + ")",
            file);
      }
      return crl;
    }

    List<String> protocols() {
      JsonValue value = items.value("tls_protocols");
      if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
        return DEFAULT_PROTOCOLS;
      }
      String rule = "non-empty list of TLSv1.3, TLSv1.2 (nothing older than TLS 1.2)";
      if (!(value instanceof JsonArray array) || array.isEmpty()) {
        throw fail("tls_protocols", rule, value);
      }
      List<String> protocols = new ArrayList<>();
      for (JsonValue each : array) {
        if (!(each instanceof JsonString string)
            || !SUPPORTED_PROTOCOLS.contains(string.getString())) {
          throw fail("tls_protocols", rule, each);
        }
        if (!protocols.contains(string.getString())) {
          protocols.add(string.getString());
        }
      }
      return List.copyOf(protocols);
    }

    private void checkValidity(String key, Path file, List<X509Certificate> certificates) {
      for (X509Certificate certificate : certificates) {
        try {
          certificate.checkValidity();
        } catch (CertificateExpiredException e) {
          throw fail(
              key,
              "certificate not expired ("
                  + certificate.getSubjectX500Principal()
                  + " expired "
                  + certificate.getNotAfter().toInstant()
                  + ")",
              file);
        } catch (CertificateNotYetValidException e) {
          throw fail(
              key,
              "certificate already valid ("
                  + certificate.getSubjectX500Principal()
                  + " valid from "
                  + certificate.getNotBefore().toInstant()
                  + ")",
              file);
        }
      }
    }

    /** Signs and verifies: works for every key type, unlike comparing encodings. */
    private void checkKeyMatches(
        String key, Path file, PrivateKey privateKey, X509Certificate cert, String certName) {
      String algorithm =
          switch (privateKey.getAlgorithm().toUpperCase(Locale.ROOT)) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EDDSA", "ED25519", "ED448" -> "EdDSA";
            default -> null;
          };
      if (algorithm == null) {
        throw fail(key, "RSA, EC or EdDSA private key", privateKey.getAlgorithm());
      }
      try {
        byte[] probe = new byte[32];
        new SecureRandom().nextBytes(probe);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(privateKey);
        signer.update(probe);
        byte[] signature = signer.sign();
        PublicKey publicKey = cert.getPublicKey();
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(publicKey);
        verifier.update(probe);
        if (verifier.verify(signature)) {
          return;
        }
      } catch (GeneralSecurityException e) {
        // a key of another type than the certificate's: a mismatch as well
      }
      throw fail(
          key,
          "private key matching " + certName + " (" + cert.getSubjectX500Principal() + ")",
          file);
    }

    private String string(String key) {
      return items.text(key).orElse(null);
    }

    private Path path(String key, String name) {
      return items.file(key).orElseThrow(() -> fail(key, "file path", name));
    }

    private byte[] read(String key, Path file) {
      try {
        return Files.readAllBytes(file);
      } catch (NoSuchFileException e) {
        throw fail(key, "readable file (no such file)", file);
      } catch (AccessDeniedException e) {
        throw fail(key, "readable file (permission denied)", file);
      } catch (IOException e) {
        throw fail(key, "readable file (" + e + ")", file);
      }
    }

    private ConfigException fail(String key, String rule, Object value) {
      return items.fail(key, rule, value);
    }
  }
}
