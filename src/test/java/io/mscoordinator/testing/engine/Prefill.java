package io.mscoordinator.testing.engine;

import io.mscoordinator.testing.engine.Plan.Generation;
import jakarta.json.Json;
import jakarta.json.JsonObjectBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A prefill engine's side of data-plane.md section 5: the checks of the coordinator's headers, P's
 * JSON answer, and the hand-off to D. Stateless; any connection thread calls it.
 */
final class Prefill {
  private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]+");
  private static final Pattern IPV4 =
      Pattern.compile(
          "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
  private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");

  /**
   * P's answer to one request.
   *
   * @param json the {@code 200 application/json} body
   * @param last whether P answered the whole request ({@code isLastResp}): nothing to hand over
   */
  record Answer(byte[] json, boolean last) {}

  private Prefill() {}

  /**
   * Why the coordinator's headers are wrong, as MindIE-LLM's P checks them, or null when they are
   * right: {@code req-type} {@code prefill}, {@code req-id} hex digits (a decimal id is too),
   * {@code d-target} an IPv4 or IPv6 literal, {@code d-port} in 1..65535. Streams that are not SSE
   * (vLLM's NUL-terminated objects) are refused too: their pieces cannot travel in {@code
   * /dresult}.
   */
  static String refusal(SeenRequest request, Generation g) {
    String type = request.header("req-type").orElse(null);
    if (!"prefill".equals(type)) {
      return "invalid header: req-type is not prefill: req-type=" + type;
    }
    String id = request.header("req-id").orElse(null);
    if (id == null || !HEX.matcher(id).matches()) {
      return "invalid header: req-id is not hex digits: req-id=" + id;
    }
    String target = request.header("d-target").orElse(null);
    if (!isIpLiteral(target)) {
      return "invalid header: d-target is not an IP address: d-target=" + target;
    }
    String port = request.header("d-port").orElse(null);
    if (port == null
        || !PORT.matcher(port).matches()
        || Integer.parseInt(port) < 1
        || Integer.parseInt(port) > 65535) {
      return "invalid header: d-port is not in 1..65535: d-port=" + port;
    }
    if (g.stream && !g.contentType().equals(Dialects.SSE)) {
      return "prefill/decode cannot stream this route: path="
          + request.path()
          + " contentType="
          + g.contentType();
    }
    return null;
  }

  static boolean isIpLiteral(String s) {
    if (s == null || s.isEmpty()) {
      return false;
    }
    if (s.indexOf(':') < 0) {
      return IPV4.matcher(s).matches();
    }
    if (s.startsWith("[")) {
      return false;
    }
    try {
      return InetAddress.ofLiteral(s) instanceof Inet6Address;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Whether the request is a recompute ({@code is-recompute: true}). */
  static boolean recompute(SeenRequest request) {
    return request.header("is-recompute").map(v -> v.equalsIgnoreCase("true")).orElse(false);
  }

  /**
   * P's answer after the first token: the whole answer when it is at most one token long (or the
   * request was stopped), else for a stream every event a single node writes at first-token time
   * (the dialect's opening events and token 0's), for a non-stream nothing.
   */
  static Answer answer(String reqId, Generation g, boolean stopped) {
    boolean last = stopped || g.outputTokens <= 1;
    JsonObjectBuilder o =
        Json.createObjectBuilder()
            .add("reqId", reqId)
            .add("isStream", g.stream)
            .add("isLastResp", last);
    byte[] output = null;
    if (g.stream) {
      ByteArrayOutputStream s = new ByteArrayOutputStream();
      g.open().forEach(s::writeBytes);
      int produced = stopped ? 0 : Math.min(1, g.outputTokens);
      if (produced == 1) {
        s.writeBytes(g.token(0, last));
      }
      if (last) {
        g.close(produced).forEach(s::writeBytes);
      }
      output = s.toByteArray();
    } else if (last) {
      output = g.whole();
    }
    if (output != null) {
      o.add("output", new String(output, StandardCharsets.UTF_8));
    }
    return new Answer(o.build().toString().getBytes(StandardCharsets.UTF_8), last);
  }

  /**
   * Posts {@code handoff} to D at {@code host:port}; returns D's status, or throws when there was
   * none (connection refused, reset, 10 s without a status line).
   */
  static int send(Handoff handoff, String host, int port) throws IOException {
    byte[] body = handoff.json();
    String authority = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.ofLiteral(host), port), 5_000);
      s.setSoTimeout(10_000);
      s.setTcpNoDelay(true);
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST "
                  + Handoff.PATH
                  + " HTTP/1.1\r\nHost: "
                  + authority
                  + "\r\nContent-Type: application/json\r\nContent-Length: "
                  + body.length
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      String status = statusLine(s.getInputStream());
      List<String> parts = List.of(status.split(" ", 3));
      if (parts.size() < 2 || !parts.get(0).startsWith("HTTP/1.")) {
        throw new IOException("hand-off answer not HTTP: line=" + status);
      }
      try {
        return Integer.parseInt(parts.get(1));
      } catch (NumberFormatException e) {
        throw new IOException("hand-off answer not HTTP: line=" + status, e);
      }
    }
  }

  private static String statusLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("hand-off connection ended before a status line");
      }
      if (line.size() > 1024) {
        throw new IOException("hand-off status line too long");
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }
}
