package io.mscoordinator.cluster;

import io.helidon.http.HeaderValues;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.stream.JsonParser;
import jakarta.json.stream.JsonParserFactory;
import jakarta.json.stream.JsonParsingException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Reads request bodies as JSON objects within the configured size, nesting depth and with duplicate
 * keys refused, whatever Content-Type the client sent (the controller may send none).
 */
public final class JsonBodies {
  /** Deepest nesting a management request needs is 4; anything far deeper is hostile. */
  static final int MAX_DEPTH = 16;

  private static final JsonParserFactory PARSERS =
      Json.createParserFactory(
          Map.of(
              "org.eclipse.parsson.maxDepth",
              MAX_DEPTH,
              "org.eclipse.parsson.rejectDuplicateKeys",
              true,
              "org.eclipse.parsson.maxBigDecimalLength",
              64,
              "org.eclipse.parsson.maxBigIntegerScale",
              64));

  private final long limitBytes;

  JsonBodies(long limitBytes) {
    this.limitBytes = limitBytes;
  }

  /** The body is larger than the limit. */
  public static final class TooLargeException extends Exception {
    private static final long serialVersionUID = 1L;

    TooLargeException(long limit) {
      super("body too large: limit_bytes=" + limit);
    }
  }

  long limitBytes() {
    return limitBytes;
  }

  /** Reads and parses the body; the caller answers 400 or 413 from the exceptions. */
  JsonObject read(ServerRequest req) throws InvalidRequestException, TooLargeException {
    return parse(bytes(req, limitBytes));
  }

  /** A body whose framing Helidon cannot read (a bad chunk size line, for one). */
  private static InvalidRequestException unreadable(RuntimeException e) {
    return new InvalidRequestException("body", "readable framing: " + brief(e.getMessage()));
  }

  /**
   * Parses a whole body as one JSON object within the depth and duplicate-key rules (the data
   * listener reads its bodies by the same rules).
   */
  public static JsonObject parse(byte[] bytes) throws InvalidRequestException {
    if (bytes.length == 0) {
      throw new InvalidRequestException("body", "a JSON object");
    }
    try (JsonParser parser = PARSERS.createParser(new ByteArrayInputStream(bytes))) {
      if (!parser.hasNext() || parser.next() != JsonParser.Event.START_OBJECT) {
        throw new InvalidRequestException("body", "a JSON object");
      }
      JsonObject object = parser.getObject();
      if (parser.hasNext()) {
        throw new InvalidRequestException("body", "one JSON object and nothing after it");
      }
      return object;
    } catch (JsonParsingException e) {
      throw new InvalidRequestException(
          "body", "well-formed JSON (" + e.getLocation().getStreamOffset() + ")");
    } catch (RuntimeException e) {
      // Parsson reports depth (a bare RuntimeException), duplicate keys and trailing content
      // through several exception types; from the client's bytes they all mean malformed.
      throw new InvalidRequestException("body", "well-formed JSON: " + brief(e.getMessage()));
    }
  }

  /**
   * The whole body, at most {@code limitBytes}; a chunked body past the listener's payload limit
   * and one past {@code limitBytes} are too large, a body whose framing cannot be read is invalid.
   */
  public static byte[] bytes(ServerRequest req, long limitBytes)
      throws TooLargeException, InvalidRequestException {
    if (!req.content().hasEntity()) {
      return new byte[0];
    }
    try (InputStream in = req.content().inputStream()) {
      byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limitBytes + 1));
      if (bytes.length > limitBytes) {
        throw new TooLargeException(limitBytes);
      }
      return bytes;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (RequestException e) {
      // A chunked body past the listener's max payload size: Helidon says 413 from inside the
      // stream. Any other status is the client's framing (a bad chunk size line, for one).
      if (e.status() == Status.REQUEST_ENTITY_TOO_LARGE_413) {
        throw new TooLargeException(limitBytes);
      }
      throw unreadable(e);
    } catch (RuntimeException e) {
      // Helidon signals a body past the listener's max payload size from inside the stream.
      if (String.valueOf(e.getMessage()).toLowerCase().contains("payload")) {
        throw new TooLargeException(limitBytes);
      }
      // Anything else thrown from inside the stream is the client's framing (Helidon raises a
      // RequestException, which would otherwise become a 500): answer 400 with the reason.
      throw unreadable(e);
    }
  }

  private static String brief(String message) {
    if (message == null || message.isBlank()) {
      return "unreadable";
    }
    return message.length() > 120 ? message.substring(0, 120) : message;
  }

  static void sendJson(ServerResponse res, Status status, JsonObject body) {
    res.status(status)
        .header(HeaderValues.CONTENT_TYPE_JSON)
        .send(body.toString().getBytes(StandardCharsets.UTF_8));
  }

  static void sendError(ServerResponse res, InvalidRequestException e) {
    sendJson(
        res,
        Status.BAD_REQUEST_400,
        Json.createObjectBuilder()
            .add("error", "invalid request")
            .add("field", e.field())
            .add("rule", e.rule())
            .build());
  }

  static void sendTooLarge(ServerResponse res, long limit) {
    res.status(Status.REQUEST_ENTITY_TOO_LARGE_413)
        .header(HeaderValues.CONTENT_TYPE_JSON)
        .send(tooLargeBody(limit));
  }

  /** The 413 answer's body: {@code {"error":"body too large","limit_bytes":N}}. */
  static byte[] tooLargeBody(long limit) {
    return Json.createObjectBuilder()
        .add("error", "body too large")
        .add("limit_bytes", limit)
        .build()
        .toString()
        .getBytes(StandardCharsets.UTF_8);
  }
}
