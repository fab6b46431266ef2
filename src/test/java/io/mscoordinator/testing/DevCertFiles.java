package io.mscoordinator.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Development certificates in a test's directory: those of {@code config/make-dev-certs.sh} (a CA,
 * server, client and node certificates for 127.0.0.1, PKCS12 password {@code devpass}) and one for
 * the wrong host, which hostname verification must refuse.
 */
public final class DevCertFiles {
  private DevCertFiles() {}

  /**
   * Makes the dev certificates in {@code dir}, and {@code wrong.p12} (key and certificate from the
   * dev CA for {@code wrong-host.example} only: no IP SAN, alias {@code node}).
   */
  public static void make(Path dir) throws Exception {
    run(
        dir,
        List.of("bash", Path.of("config", "make-dev-certs.sh").toAbsolutePath().toString(), "."));
    Files.writeString(
        dir.resolve("wrong.cnf"),
        "[e]\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n"
            + "subjectAltName=DNS:wrong-host.example\n");
    run(dir, List.of("openssl", "genpkey", "-algorithm", "RSA", "-out", "wrong.key"));
    run(
        dir,
        List.of(
            "openssl",
            "req",
            "-new",
            "-key",
            "wrong.key",
            "-subj",
            "/CN=wrong-host.example",
            "-out",
            "wrong.csr"));
    run(
        dir,
        List.of(
            "openssl",
            "x509",
            "-req",
            "-in",
            "wrong.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "30",
            "-extfile",
            "wrong.cnf",
            "-extensions",
            "e",
            "-out",
            "wrong.pem"));
    run(
        dir,
        List.of(
            "openssl",
            "pkcs12",
            "-export",
            "-name",
            "node",
            "-inkey",
            "wrong.key",
            "-in",
            "wrong.pem",
            "-passout",
            "pass:devpass",
            "-out",
            "wrong.p12"));
  }

  private static void run(Path dir, List<String> command) throws Exception {
    Path log = dir.resolve("openssl.log");
    // the child writes to a file: inheriting surefire's stdout would corrupt its channel
    Process p =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException(command + " failed: " + Files.readString(log));
    }
  }
}
