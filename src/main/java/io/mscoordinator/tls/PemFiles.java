package io.mscoordinator.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Decodes the PEM (and DER) files OpenSSL writes: certificate bundles, private keys in PKCS#8,
 * encrypted PKCS#8, PKCS#1 ({@code RSA PRIVATE KEY}) and SEC1 ({@code EC PRIVATE KEY}) form, and
 * CRLs. The JDK reads only unencrypted PKCS#8 by itself, and Helidon's reader has no SEC1, so the
 * two legacy forms are re-wrapped into PKCS#8 here.
 *
 * <p>Stateless. Every failure is a {@link GeneralSecurityException} whose message says what was
 * wrong with the content; callers add the configuration key.
 */
public final class PemFiles {
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
  // AlgorithmIdentifier { rsaEncryption, NULL } and the OID of id-ecPublicKey, DER encoded.
  private static final byte[] RSA_ALGORITHM =
      HexFormat.of().parseHex("300d06092a864886f70d0101010500");
  private static final byte[] EC_PUBLIC_KEY_OID = HexFormat.of().parseHex("06072a8648ce3d0201");
  private static final byte[] VERSION_0 = {0x02, 0x01, 0x00};
  private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "EdDSA", "RSASSA-PSS");

  private PemFiles() {}

  /** All {@code CERTIFICATE} blocks of a PEM file, in file order; at least one. */
  public static List<X509Certificate> certificates(byte[] file) throws GeneralSecurityException {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    List<X509Certificate> certificates = new ArrayList<>();
    for (Block block : blocks(file)) {
      if (block.type().equals("CERTIFICATE")) {
        certificates.add(
            (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
      }
    }
    if (certificates.isEmpty()) {
      throw new GeneralSecurityException("no PEM CERTIFICATE block found");
    }
    return certificates;
  }

  /**
   * The private key of a PEM file.
   *
   * @param password for an {@code ENCRYPTED PRIVATE KEY}; ignored for an unencrypted key
   */
  public static PrivateKey privateKey(byte[] file, char[] password)
      throws GeneralSecurityException {
    for (Block block : blocks(file)) {
      switch (block.type()) {
        case "PRIVATE KEY":
          return pkcs8(block.der());
        case "ENCRYPTED PRIVATE KEY":
          return pkcs8(decrypt(block.der(), password));
        case "RSA PRIVATE KEY":
          return pkcs8(wrapPkcs1(block.der()));
        case "EC PRIVATE KEY":
          return pkcs8(wrapSec1(block.der()));
        default:
          // certificates and parameters may share the file with the key
      }
    }
    throw new GeneralSecurityException(
        "no PEM PRIVATE KEY, ENCRYPTED PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block found");
  }

  /** A CRL, PEM ({@code X509 CRL}) or DER. */
  public static X509CRL crl(byte[] file) throws GeneralSecurityException {
    byte[] der = file;
    for (Block block : blocks(file)) {
      if (block.type().equals("X509 CRL")) {
        der = block.der();
        break;
      }
    }
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    return (X509CRL) factory.generateCRL(new ByteArrayInputStream(der));
  }

  private static List<Block> blocks(byte[] file) throws GeneralSecurityException {
    String text = new String(file, StandardCharsets.ISO_8859_1);
    Matcher matcher = BLOCK.matcher(text);
    List<Block> blocks = new ArrayList<>();
    while (matcher.find()) {
      String body = matcher.group(2);
      if (body.contains("Proc-Type:")) {
        throw new GeneralSecurityException(
            "legacy OpenSSL PEM encryption (Proc-Type header) is not supported;"
                + " convert with: openssl pkcs8 -topk8 -v2 aes-256-cbc");
      }
      try {
        blocks.add(new Block(matcher.group(1), Base64.getMimeDecoder().decode(body.strip())));
      } catch (IllegalArgumentException e) {
        throw new GeneralSecurityException("bad base64 in PEM " + matcher.group(1) + " block", e);
      }
    }
    return blocks;
  }

  private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    GeneralSecurityException last = null;
    for (String algorithm : KEY_ALGORITHMS) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (InvalidKeySpecException e) {
        last = e;
      }
    }
    throw new GeneralSecurityException("private key is not RSA, EC or EdDSA", last);
  }

  private static byte[] decrypt(byte[] der, char[] password) throws GeneralSecurityException {
    if (password == null) {
      throw new GeneralSecurityException("key is encrypted and no password is configured");
    }
    EncryptedPrivateKeyInfo info;
    try {
      info = new EncryptedPrivateKeyInfo(der);
    } catch (IOException e) {
      throw new GeneralSecurityException("malformed ENCRYPTED PRIVATE KEY", e);
    }
    // For PBES2 the JDK names the pair, e.g. PBEWithHmacSHA256AndAES_256, which both factories
    // take.
    String algorithm = info.getAlgName();
    SecretKeyFactory factory = SecretKeyFactory.getInstance(algorithm);
    Cipher cipher = Cipher.getInstance(algorithm);
    cipher.init(
        Cipher.DECRYPT_MODE,
        factory.generateSecret(new PBEKeySpec(password)),
        info.getAlgParameters());
    try {
      return info.getKeySpec(cipher).getEncoded();
    } catch (InvalidKeySpecException e) {
      throw new WrongPasswordException(e);
    }
  }

  /** PKCS#1 RSAPrivateKey into PrivateKeyInfo { 0, rsaEncryption, OCTET STRING pkcs1 }. */
  private static byte[] wrapPkcs1(byte[] pkcs1) {
    return tlv(0x30, concat(VERSION_0, RSA_ALGORITHM, tlv(0x04, pkcs1)));
  }

  /**
   * SEC1 ECPrivateKey { 1, OCTET STRING key, [0] curve OID, [1] public key } into PrivateKeyInfo {
   * 0, { id-ecPublicKey, curve }, OCTET STRING sec1 }: the curve has to move into the algorithm
   * identifier.
   */
  private static byte[] wrapSec1(byte[] sec1) throws GeneralSecurityException {
    Der outer = new Der(sec1, 0);
    if (outer.tag != 0x30) {
      throw new GeneralSecurityException("malformed EC PRIVATE KEY");
    }
    int at = outer.valueStart;
    byte[] curve = null;
    while (at < outer.end()) {
      Der field = new Der(sec1, at);
      if (field.tag == 0xa0) {
        Der oid = new Der(sec1, field.valueStart);
        curve = Arrays.copyOfRange(sec1, oid.start, oid.end());
      }
      at = field.end();
    }
    if (curve == null) {
      throw new GeneralSecurityException("EC PRIVATE KEY names no curve");
    }
    return tlv(
        0x30, concat(VERSION_0, tlv(0x30, concat(EC_PUBLIC_KEY_OID, curve)), tlv(0x04, sec1)));
  }

  private static byte[] tlv(int tag, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int length = value.length;
    if (length < 0x80) {
      out.write(length);
    } else {
      int bytes = (32 - Integer.numberOfLeadingZeros(length) + 7) / 8;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(length >>> (8 * i));
      }
    }
    out.writeBytes(value);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  private record Block(String type, byte[] der) {}

  /** One DER tag-length-value header, read at {@code start}. */
  private static final class Der {
    final int start;
    final int tag;
    final int valueStart;
    final int length;

    Der(byte[] der, int start) throws GeneralSecurityException {
      try {
        this.start = start;
        this.tag = der[start] & 0xff;
        int first = der[start + 1] & 0xff;
        int at = start + 2;
        int length = first;
        if (first >= 0x80) {
          int bytes = first & 0x7f;
          if (bytes == 0 || bytes > 3) {
            throw new GeneralSecurityException("unsupported DER length in EC PRIVATE KEY");
          }
          length = 0;
          for (int i = 0; i < bytes; i++) {
            length = (length << 8) | (der[at++] & 0xff);
          }
        }
        this.valueStart = at;
        this.length = length;
        if (end() > der.length) {
          throw new GeneralSecurityException("truncated EC PRIVATE KEY");
        }
      } catch (ArrayIndexOutOfBoundsException e) {
        throw new GeneralSecurityException("truncated EC PRIVATE KEY", e);
      }
    }

    int end() {
      return valueStart + length;
    }
  }

  /** The password opened the cipher but the plaintext is no key: the password is wrong. */
  static final class WrongPasswordException extends GeneralSecurityException {
    private static final long serialVersionUID = 1L;

    WrongPasswordException(Throwable cause) {
      super("wrong password", cause);
    }
  }
}
