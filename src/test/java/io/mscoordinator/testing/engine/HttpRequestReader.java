package io.mscoordinator.testing.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads HTTP/1.x requests off one connection: the request line and headers (at most 64 KB
 * together), then a body framed by {@code Content-Length} or chunked transfer coding (at most the
 * body limit). Small and strict: anything else is a {@link BadRequest}. Confined to the
 * connection's thread.
 */
final class HttpRequestReader {
  static final int HEAD_LIMIT = 64 * 1024;

  /** A request the reader refuses; the connection answers 400 with the message and closes. */
  static final class BadRequest extends IOException {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message);
    }
  }

  /** The request line and headers. */
  record Head(
      String method,
      String target,
      String version,
      List<Map.Entry<String, String>> headers,
      long arrivalNanos) {
    String first(String lowerName) {
      for (Map.Entry<String, String> h : headers) {
        if (h.getKey().equals(lowerName)) {
          return h.getValue();
        }
      }
      return null;
    }

    boolean keepAlive() {
      String connection = first("connection");
      boolean close = connection != null && connection.toLowerCase(Locale.ROOT).contains("close");
      return version.equals("HTTP/1.1") && !close;
    }

    boolean expectsContinue() {
      String expect = first("expect");
      return expect != null && expect.equalsIgnoreCase("100-continue");
    }
  }

  private final InputStream in;
  private final int bodyLimit;

  HttpRequestReader(InputStream in, int bodyLimit) {
    this.in = in;
    this.bodyLimit = bodyLimit;
  }

  /** The next request's head, or {@code null} when the peer closed between requests. */
  Head readHead() throws IOException {
    int[] budget = {HEAD_LIMIT};
    String requestLine = readLine(budget, true);
    if (requestLine == null) {
      return null;
    }
    long arrival = System.nanoTime();
    String[] parts = requestLine.split(" ", -1);
    if (parts.length != 3
        || !parts[0].chars().allMatch(c -> c >= 'A' && c <= 'Z')
        || parts[0].isEmpty()
        || !(parts[1].startsWith("/") || parts[1].equals("*"))
        || !(parts[2].equals("HTTP/1.1") || parts[2].equals("HTTP/1.0"))) {
      throw new BadRequest("bad request line: line=" + abbreviate(requestLine));
    }
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    while (true) {
      String line = readLine(budget, false);
      if (line.isEmpty()) {
        break;
      }
      int colon = line.indexOf(':');
      if (colon <= 0 || line.charAt(0) == ' ' || line.charAt(0) == '\t') {
        throw new BadRequest("bad header line: line=" + abbreviate(line));
      }
      String name = line.substring(0, colon);
      if (!name.chars().allMatch(c -> c > ' ' && c < 127 && c != '"' && c != '(' && c != ')')) {
        throw new BadRequest("bad header name: name=" + abbreviate(name));
      }
      headers.add(Map.entry(name.toLowerCase(Locale.ROOT), line.substring(colon + 1).strip()));
    }
    return new Head(parts[0], parts[1], parts[2], List.copyOf(headers), arrival);
  }

  /** The body of the request whose head was just read. */
  byte[] readBody(Head head) throws IOException {
    String te = head.first("transfer-encoding");
    List<String> lengths =
        head.headers().stream()
            .filter(h -> h.getKey().equals("content-length"))
            .map(Map.Entry::getValue)
            .distinct()
            .toList();
    if (te != null) {
      if (!lengths.isEmpty()) {
        throw new BadRequest("both Content-Length and Transfer-Encoding");
      }
      if (!te.equalsIgnoreCase("chunked")) {
        throw new BadRequest("unsupported transfer coding: transfer-encoding=" + te);
      }
      return readChunked();
    }
    if (lengths.isEmpty()) {
      return new byte[0];
    }
    if (lengths.size() > 1) {
      throw new BadRequest("conflicting Content-Length: values=" + lengths);
    }
    String value = lengths.get(0);
    if (value.isEmpty() || value.length() > 12 || !value.chars().allMatch(Character::isDigit)) {
      throw new BadRequest("bad Content-Length: value=" + abbreviate(value));
    }
    long length = Long.parseLong(value);
    if (length > bodyLimit) {
      throw new BadRequest("body too large: length=" + length + " limit=" + bodyLimit);
    }
    return readExactly((int) length);
  }

  private byte[] readChunked() throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    int[] budget = {HEAD_LIMIT};
    while (true) {
      String sizeLine = readLine(budget, false);
      int semicolon = sizeLine.indexOf(';');
      String hex = (semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).strip();
      if (hex.isEmpty()
          || hex.length() > 8
          || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
        throw new BadRequest("bad chunk size: line=" + abbreviate(sizeLine));
      }
      long size = Long.parseLong(hex, 16);
      if (size == 0) {
        while (!readLine(budget, false).isEmpty()) {
          // trailers: read and dropped
        }
        return body.toByteArray();
      }
      if (body.size() + size > bodyLimit) {
        throw new BadRequest(
            "body too large: length>" + (body.size() + size) + " limit=" + bodyLimit);
      }
      body.writeBytes(readExactly((int) size));
      if (!readLine(budget, false).isEmpty()) {
        throw new BadRequest("chunk not followed by CRLF");
      }
    }
  }

  private byte[] readExactly(int length) throws IOException {
    byte[] bytes = in.readNBytes(length);
    if (bytes.length != length) {
      throw new IOException(
          "peer closed inside the body: read=" + bytes.length + " length=" + length);
    }
    return bytes;
  }

  /**
   * One line without its CRLF (a bare LF is accepted); {@code null} only when {@code eofAllowed}
   * and the stream ends before the line's first byte.
   */
  private String readLine(int[] budget, boolean eofAllowed) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(128);
    while (true) {
      int b = in.read();
      if (b < 0) {
        if (eofAllowed && line.size() == 0) {
          return null;
        }
        throw new IOException("peer closed inside the request head");
      }
      if (--budget[0] < 0) {
        throw new BadRequest("request head too large: limit=" + HEAD_LIMIT);
      }
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int end =
            bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
      }
      line.write(b);
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 80) + "...";
  }
}
