package io.mscoordinator.otlp;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Status;
import io.helidon.http.encoding.ContentEncodingContext;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.mscoordinator.capability.Routes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.zip.GZIPInputStream;

/**
 * POST {@code /v1/metrics}, answered as the OTLP/HTTP spec says: 200 with an {@code
 * ExportMetricsServiceResponse} (its {@code partialSuccess} when points were rejected), 400 for a
 * body that does not decode, 413 past the body limit (as sent or after gzip), 415 for a content
 * type or encoding other than {@code application/json} / {@code application/x-protobuf} and {@code
 * gzip} / {@code identity}, 503 with {@code Retry-After} when the ingest ring was full before any
 * point was taken. Answers are in the request's format; errors carry a {@code google.rpc.Status}.
 *
 * <p>Threadsafe: request threads share only the {@link ExportMapper}.
 */
final class OtlpService {
  /** Seconds a sender should wait after a 503; OTLP SDKs honour the header. */
  static final int RETRY_AFTER_SECONDS = 1;

  /** Streams kept for cumulative senders; ten times the core's default series limit. */
  static final int MAX_CUMULATIVE_STREAMS = 100_000;

  static final String JSON = "application/json";
  static final String PROTOBUF = "application/x-protobuf";

  private static final Logger LOG = Logger.getLogger(OtlpService.class.getName());

  // google.rpc.Code values of the Status body.
  private static final int INVALID_ARGUMENT = 3;
  private static final int RESOURCE_EXHAUSTED = 8;
  private static final int UNAVAILABLE = 14;

  private final long limitBytes;
  private final ExportMapper mapper;
  private final OtlpStats stats;

  /**
   * @param stats counts every answer and what became of every point
   */
  OtlpService(OtlpSettings settings, OtlpSink sink, OtlpStats stats) {
    this.limitBytes = settings.bodyLimitBytes();
    this.stats = stats;
    this.mapper =
        new ExportMapper(
            sink, new SeriesKeys(settings), new CumulativeStreams(MAX_CUMULATIVE_STREAMS));
  }

  /**
   * The content encoding context the OTLP listener needs: request bodies handed over as sent, so
   * this service bounds what gzip inflates to.
   */
  static ContentEncodingContext contentEncoding() {
    return PassThroughEncodings.context();
  }

  void routing(Routes routes) {
    routes.post("/v1/metrics", this::export);
  }

  private void export(ServerRequest req, ServerResponse res) {
    Optional<HttpMediaType> type = req.headers().contentType();
    String mediaType =
        type.map(t -> t.mediaType().text().toLowerCase(Locale.ROOT)).orElse("(none)");
    boolean json = mediaType.equals(JSON);
    if (!json && !mediaType.equals(PROTOBUF)) {
      sendStatus(
          res,
          Status.UNSUPPORTED_MEDIA_TYPE_415,
          true,
          INVALID_ARGUMENT,
          "unsupported content type: content_type="
              + mediaType
              + " supported="
              + JSON
              + ","
              + PROTOBUF);
      return;
    }
    String encoding =
        req.headers()
            .first(HeaderNames.CONTENT_ENCODING)
            .orElse("identity")
            .trim()
            .toLowerCase(Locale.ROOT);
    if (!encoding.equals("identity") && !encoding.equals("gzip")) {
      sendStatus(
          res,
          Status.UNSUPPORTED_MEDIA_TYPE_415,
          json,
          INVALID_ARGUMENT,
          "unsupported content encoding: content_encoding="
              + encoding
              + " supported=gzip,identity");
      return;
    }
    byte[] body;
    try {
      body = read(req);
      if (encoding.equals("gzip")) {
        body = gunzip(body);
      }
    } catch (TooLargeException e) {
      sendStatus(
          res, Status.REQUEST_ENTITY_TOO_LARGE_413, json, RESOURCE_EXHAUSTED, e.getMessage());
      return;
    } catch (OtlpDecodeException e) {
      refuse(req, res, json, e);
      return;
    }
    DecodedExport export;
    try {
      export =
          json
              ? JsonExportDecoder.decode(body, body.length)
              : ProtobufExportDecoder.decode(body, body.length);
    } catch (OtlpDecodeException e) {
      refuse(req, res, json, e);
      return;
    }
    ExportMapper.Outcome outcome = mapper.map(export);
    stats.mapped(outcome);
    if (outcome.retryWhole()) {
      res.header(HeaderNames.RETRY_AFTER, Integer.toString(RETRY_AFTER_SECONDS));
      sendStatus(
          res,
          Status.SERVICE_UNAVAILABLE_503,
          json,
          UNAVAILABLE,
          "ingest ring full, retry: points=" + outcome.unoffered());
      return;
    }
    if (outcome.rejected() > 0) {
      LOG.log(Level.FINE, "otlp export partly rejected: {0}", outcome.message());
    }
    byte[] answer =
        json
            ? OtlpResponses.json(outcome.rejected(), outcome.message())
            : OtlpResponses.protobuf(outcome.rejected(), outcome.message());
    stats.answered(Status.OK_200.code());
    res.status(Status.OK_200).header(HeaderNames.CONTENT_TYPE, json ? JSON : PROTOBUF).send(answer);
  }

  /**
   * The answer to a body Helidon refuses before routing, from a Content-Length past the limit: the
   * same 413 and {@code google.rpc.Status} the route sends for a body that grows past it, counted
   * with the route's answers.
   */
  DirectHandler tooLargeHandler() {
    String message = TooLargeException.message("as_sent", limitBytes);
    byte[] json = OtlpResponses.statusJson(RESOURCE_EXHAUSTED, message);
    byte[] protobuf = OtlpResponses.statusProtobuf(RESOURCE_EXHAUSTED, message);
    return (req, type, status, headers, ignored) -> {
      stats.answered(status.code());
      boolean asJson =
          req.headers()
              .contentType()
              .map(t -> t.mediaType().text().equalsIgnoreCase(JSON))
              .orElse(false);
      return DirectHandler.TransportResponse.builder()
          .status(status)
          .headers(headers)
          .header(HeaderNames.CONTENT_TYPE, asJson ? JSON : PROTOBUF)
          .entity(asJson ? json : protobuf)
          .keepAlive(false)
          .build();
    };
  }

  private void refuse(ServerRequest req, ServerResponse res, boolean json, OtlpDecodeException e) {
    LOG.log(Level.INFO, "otlp export refused: path={0} {1}", new Object[] {req.path(), e});
    sendStatus(res, Status.BAD_REQUEST_400, json, INVALID_ARGUMENT, e.getMessage());
  }

  private void sendStatus(
      ServerResponse res, Status status, boolean json, int code, String message) {
    stats.answered(status.code());
    if (json) {
      res.status(status)
          .header(HeaderValues.CONTENT_TYPE_JSON)
          .send(OtlpResponses.statusJson(code, message));
    } else {
      res.status(status)
          .header(HeaderNames.CONTENT_TYPE, PROTOBUF)
          .send(OtlpResponses.statusProtobuf(code, message));
    }
  }

  /** The body is larger than the limit, as sent or decompressed. */
  private static final class TooLargeException extends Exception {
    private static final long serialVersionUID = 1L;

    TooLargeException(String what, long limit) {
      super(message(what, limit));
    }

    static String message(String what, long limit) {
      return "body too large: " + what + " limit_bytes=" + limit;
    }
  }

  private byte[] read(ServerRequest req) throws TooLargeException {
    if (!req.content().hasEntity()) {
      return new byte[0];
    }
    try (InputStream in = req.content().inputStream()) {
      return readAtMost(in, "as_sent");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (RuntimeException e) {
      // Helidon signals a body past the listener's max payload size from inside the stream.
      if (String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("payload")) {
        throw new TooLargeException("as_sent", limitBytes);
      }
      throw e;
    }
  }

  private byte[] gunzip(byte[] gzipped) throws TooLargeException, OtlpDecodeException {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped), 8192)) {
      return readAtMost(in, "decompressed");
    } catch (IOException e) {
      throw new OtlpDecodeException("malformed gzip body: " + e.getMessage());
    }
  }

  /** Reads at most the limit, in chunks, so a bomb costs at most the limit in memory. */
  private byte[] readAtMost(InputStream in, String what) throws IOException, TooLargeException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    byte[] chunk = new byte[8192];
    long total = 0;
    int n;
    while ((n = in.read(chunk)) > 0) {
      total += n;
      if (total > limitBytes) {
        throw new TooLargeException(what, limitBytes);
      }
      out.write(chunk, 0, n);
    }
    return out.toByteArray();
  }
}
