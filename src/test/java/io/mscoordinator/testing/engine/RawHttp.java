package io.mscoordinator.testing.engine;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A plain-socket HTTP/1.1 client for tests that must see the wire: chunk boundaries, a missing
 * final chunk, bytes that are not HTTP. One connection per instance; confined to the test thread.
 */
public final class RawHttp implements AutoCloseable {
  /**
   * A response as read: each chunk's payload on its own; {@code complete} when it ended as HTTP
   * says.
   */
  public record Response(
      int status, Map<String, String> headers, List<byte[]> chunks, boolean complete) {
    public byte[] body() {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      chunks.forEach(out::writeBytes);
      return out.toByteArray();
    }

    public String text() {
      return new String(body(), StandardCharsets.UTF_8);
    }

    public List<String> chunkTexts() {
      return chunks.stream().map(c -> new String(c, StandardCharsets.UTF_8)).toList();
    }
  }

  public final Socket socket;
  final InputStream in;
  final OutputStream out;

  public RawHttp(int port) throws IOException {
    socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setSoTimeout(20_000);
    in = new BufferedInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  /** Sends a request with a Content-Length body (none when {@code body} is null). */
  public void send(String method, String path, String body, String... headers) throws IOException {
    StringBuilder h = new StringBuilder();
    h.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (String header : headers) {
      h.append(header).append("\r\n");
    }
    byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    if (body != null) {
      h.append("Content-Type: application/json\r\nContent-Length: ")
          .append(bytes.length)
          .append("\r\n");
    }
    h.append("\r\n");
    out.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.write(bytes);
    out.flush();
  }

  /** Sends raw bytes as they are. */
  public void sendRaw(String bytes) throws IOException {
    out.write(bytes.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /** Reads the status line and headers (names lower-cased). */
  public Response readHead() throws IOException {
    String status = line();
    if (status == null || !status.startsWith("HTTP/1.1 ")) {
      throw new IOException("not an HTTP status line: line=" + status);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (String l = line(); l != null && !l.isEmpty(); l = line()) {
      int colon = l.indexOf(':');
      headers.put(l.substring(0, colon).toLowerCase(Locale.ROOT), l.substring(colon + 1).strip());
    }
    return new Response(Integer.parseInt(status.substring(9, 12)), headers, List.of(), false);
  }

  /** Reads a whole response, or as much as comes before the connection ends. */
  public Response read() throws IOException {
    return readBody(readHead(), Integer.MAX_VALUE);
  }

  /** Reads the body of {@code head}: at most {@code maxChunks} chunks when chunked. */
  public Response readBody(Response head, int maxChunks) throws IOException {
    List<byte[]> chunks = new ArrayList<>();
    String length = head.headers().get("content-length");
    if (length != null) {
      byte[] body = in.readNBytes(Integer.parseInt(length));
      chunks.add(body);
      return new Response(
          head.status(), head.headers(), chunks, body.length == Integer.parseInt(length));
    }
    while (chunks.size() < maxChunks) {
      String size = line();
      if (size == null) {
        return new Response(head.status(), head.headers(), chunks, false);
      }
      int n = Integer.parseInt(size, 16);
      if (n == 0) {
        line();
        return new Response(head.status(), head.headers(), chunks, true);
      }
      byte[] payload = in.readNBytes(n);
      chunks.add(payload);
      if (payload.length < n || line() == null) {
        return new Response(head.status(), head.headers(), chunks, false);
      }
    }
    return new Response(head.status(), head.headers(), chunks, false);
  }

  /** One line without CRLF; null at end of stream. */
  public String line() throws IOException {
    ByteArrayOutputStream l = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        return l.size() == 0 ? null : l.toString(StandardCharsets.ISO_8859_1);
      }
      if (b != '\r') {
        l.write(b);
      }
    }
    return l.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
