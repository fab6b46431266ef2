package io.mscoordinator.metrics;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.mscoordinator.exposition.ExpositionFormat;
import io.mscoordinator.exposition.ExpositionWriter;
import io.mscoordinator.exposition.FamilySource;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * GET /metrics: renders every {@link FamilySource} in order into one body, in the format the {@code
 * Accept} header asks for, gzip-compressed when {@code Accept-Encoding} allows it; 503 with the
 * reason, text/plain, while a source refuses ({@link FamilySource#refusal()}).
 *
 * <p>Threadsafe: called by many request threads at once. Each render borrows a renderer (a writer
 * per format, gzip encoder, their buffers) from a small lock-free pool and returns it, so
 * steady-state renders reuse their buffers; when all are busy a request uses a fresh one and drops
 * it afterwards.
 */
public final class MetricsHandler implements Handler {
  private static final int POOL = 4;

  private final List<FamilySource> sources;
  private final AtomicReferenceArray<Renderer> pool = new AtomicReferenceArray<>(POOL);

  /**
   * @param sources rendered in list order; a live list (e.g. {@code CopyOnWriteArrayList}) lets
   *     later sources be added while serving
   */
  public MetricsHandler(List<FamilySource> sources) {
    this.sources = sources;
    for (int i = 0; i < POOL; i++) {
      pool.set(i, new Renderer());
    }
  }

  @Override
  public void handle(ServerRequest req, ServerResponse res) {
    for (int i = 0; i < sources.size(); i++) {
      String refusal = sources.get(i).refusal();
      if (refusal != null) {
        res.status(Status.SERVICE_UNAVAILABLE_503);
        res.header(HeaderValues.create(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8"));
        res.send((refusal + "\n").getBytes(StandardCharsets.UTF_8));
        return;
      }
    }
    ExpositionFormat format =
        ExpositionFormat.negotiate(req.headers().first(HeaderNames.ACCEPT).orElse(null));
    boolean gzip = acceptsGzip(req.headers().first(HeaderNames.ACCEPT_ENCODING).orElse(null));
    int slot = -1;
    Renderer renderer = null;
    for (int i = 0; i < POOL && renderer == null; i++) {
      renderer = pool.getAndSet(i, null);
      slot = i;
    }
    boolean pooled = renderer != null;
    if (!pooled) {
      renderer = new Renderer();
    }
    try {
      ExpositionWriter writer = renderer.writer(format);
      writer.render(sources);
      res.status(Status.OK_200);
      res.header(HeaderValues.create(HeaderNames.CONTENT_TYPE, writer.contentType()));
      res.header(HeaderValues.create(HeaderNames.VARY, "Accept, Accept-Encoding"));
      if (gzip) {
        renderer.gzip.encode(writer.array(), writer.length());
        res.header(HeaderValues.create(HeaderNames.CONTENT_ENCODING, "gzip"));
        res.send(renderer.gzip.array(), 0, renderer.gzip.length());
      } else {
        res.send(writer.array(), 0, writer.length());
      }
    } finally {
      if (pooled) {
        pool.set(slot, renderer);
      } else {
        renderer.gzip.end();
      }
    }
  }

  /** Whether an {@code Accept-Encoding} value allows gzip (a gzip coding with q above 0). */
  static boolean acceptsGzip(String acceptEncoding) {
    if (acceptEncoding == null) {
      return false;
    }
    for (String coding : acceptEncoding.split(",")) {
      String[] parts = coding.split(";");
      String name = parts[0].trim().toLowerCase(Locale.ROOT);
      if (!name.equals("gzip") && !name.equals("x-gzip")) {
        continue;
      }
      return ExpositionFormat.quality(parts) > 0;
    }
    return false;
  }

  /** Confined to the render that borrowed it. */
  private static final class Renderer {
    final GzipEncoder gzip = new GzipEncoder();
    private final ExpositionWriter[] writers =
        new ExpositionWriter[ExpositionFormat.values().length];

    /** The writer of {@code format}, made on first use: most scrapers only ask for one format. */
    ExpositionWriter writer(ExpositionFormat format) {
      ExpositionWriter w = writers[format.ordinal()];
      if (w == null) {
        w = format.newWriter();
        writers[format.ordinal()] = w;
      }
      return w;
    }
  }
}
