package io.mscoordinator.dataplane;

import io.helidon.http.DirectHandler;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.mscoordinator.capability.Routes;
import io.mscoordinator.client.BodyBuffer;
import io.mscoordinator.client.Call;
import io.mscoordinator.client.CallException;
import io.mscoordinator.client.CallLimits;
import io.mscoordinator.client.Destination;
import io.mscoordinator.client.DestinationKind;
import io.mscoordinator.client.OutboundClient;
import io.mscoordinator.client.Request;
import io.mscoordinator.client.Response;
import io.mscoordinator.cluster.Instance;
import io.mscoordinator.cluster.InstanceRegistry;
import io.mscoordinator.cluster.InvalidRequestException;
import io.mscoordinator.cluster.JsonBodies;
import io.mscoordinator.cluster.RequestTracker;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The data listener's routes: admission (data-plane.md section 3, in its order), placement, and
 * single-node forwarding (section 4): the request goes to the chosen instance with its {@code
 * req-id}, the answer comes back as it arrives, chunk by chunk, never buffered or re-framed, and
 * every phase is timed.
 *
 * <p>Threadsafe: each request runs on its own virtual thread, which owns its exchange; the timeouts
 * fire on the clock's thread and only abort the exchange's call.
 */
final class InferenceService {
  private static final Logger LOG = Logger.getLogger(InferenceService.class.getName());

  static final String NOT_READY = "MindIE-MS Coordinator is not ready\r\n";
  static final String TOO_MANY = "Too many requests\r\n";
  static final String SCHEDULE_TIMEOUT = "Request schedule timeout\r\n";
  static final String CONNECT_FAILED = "Connect to MindIE-Server failed\r\n";
  static final String READ_FAILED = "Read messages from instance failed\r\n";
  static final String FIRST_TOKEN_TIMEOUT = "Request first token timeout\r\n";
  static final String INFER_TIMEOUT = "Request infer timeout\r\n";
  static final String TOKENIZER_TIMEOUT = "Request tokenizer timeout\r\n";
  static final String P_ERROR = "P instance error\r\n";
  static final String RETRY_FAILED = "Request retry failed\r\n";

  /** The largest answer taken from a prefill instance (the whole answer when P finished it). */
  static final int PREFILL_ANSWER_LIMIT = 64 * 1024 * 1024;

  /** Connects tried on the chosen instance before the request fails (MindIE's count). */
  static final int CONNECT_ATTEMPTS = 4;

  /** How long a {@code stopInfer} may take; it is sent from a thread of its own. */
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

  /** No limit where the data plane's own timeouts (off) or the clock's bound it instead. */
  private static final Duration UNBOUNDED = Duration.ofDays(365);

  /** Client headers never forwarded: hop-by-hop, set by the outbound layer, or ours to set. */
  private static final Set<String> NOT_FORWARDED =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "proxy-authenticate",
          "proxy-authorization",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade",
          "host",
          "content-length",
          "content-type",
          "user-agent",
          "expect",
          // the answer is relayed byte for byte: it must not come back in an encoding the client
          // would not be told about
          "accept-encoding",
          // prefill/decode control headers are the coordinator's to set, never a client's
          "req-id",
          "req-type",
          "d-target",
          "d-port",
          "is-recompute");

  private final DataPlaneSettings settings;
  private final BooleanSupplier ready;
  private final InstanceRegistry registry;
  private final RequestTracker tracker;
  private final Dispatcher dispatcher;
  private final Scheduler scheduler;
  private final Scheduler tokenizer = new FewestInFlight();
  private final OutboundClient client;
  private final RequestMetrics metrics;
  private final Clock clock;
  private final StreamRelays relays;
  private final DecodeLinks links;
  private final CallLimits prefillLimits;
  private final RequestIds ids = new RequestIds();
  private final CallLimits limits;

  InferenceService(
      DataPlaneSettings settings,
      BooleanSupplier ready,
      InstanceRegistry registry,
      RequestTracker tracker,
      Dispatcher dispatcher,
      Scheduler scheduler,
      OutboundClient client,
      RequestMetrics metrics,
      Clock clock,
      StreamRelays relays,
      DecodeLinks links) {
    this.settings = settings;
    this.ready = ready;
    this.registry = registry;
    this.tracker = tracker;
    this.dispatcher = dispatcher;
    this.scheduler = scheduler;
    this.client = client;
    this.metrics = metrics;
    this.clock = clock;
    this.relays = relays;
    this.links = links;
    Duration head = settings.httpTimeout().isZero() ? UNBOUNDED : settings.httpTimeout();
    // the body runs as long as the infer timeout lets it; the clock ends it, not the socket
    this.limits = new CallLimits(head, head, UNBOUNDED, Integer.MAX_VALUE);
    this.prefillLimits = new CallLimits(head, head, UNBOUNDED, PREFILL_ANSWER_LIMIT);
  }

  void routing(Routes routes) {
    for (Route route : Route.values()) {
      routes.post(route.path(), (req, res) -> handle(route, req, res));
    }
    routes.get("/v1/models", (req, res) -> models(res));
  }

  /** Requests admitted and not finished. */
  int inFlight() {
    return (int) metrics.inFlight();
  }

  /** Helidon's 413 for a declared length past the body limit, with the routes' text. */
  DirectHandler tooLargeHandler() {
    byte[] body = tooLargeText().getBytes(StandardCharsets.UTF_8);
    return (req, type, status, headers, message) ->
        DirectHandler.TransportResponse.builder()
            .status(status)
            .headers(headers)
            .header(HeaderValues.CONTENT_TYPE_TEXT_PLAIN)
            .entity(body)
            .keepAlive(false)
            .build();
  }

  private String tooLargeText() {
    return "Request body too large: limit_bytes=" + settings.limits().maxPayloadBytes() + "\r\n";
  }

  // ------------------------------------------------------------------ admission

  private void handle(Route route, ServerRequest req, ServerResponse res) {
    long arrival = System.nanoTime();
    long arrivalTick = clock.nanoTime();
    String dialect = nominalDialect(route);
    tracker.requestReceived();
    if (!ready.getAsBoolean()) {
      text(res, Status.SERVICE_UNAVAILABLE_503, NOT_READY);
      metrics.answered(dialect, "", 503);
      return;
    }
    // The body is read whole before the request takes an admission slot, as MindIE's server
    // does: clients trickling their bodies must not hold every slot while others get 429.
    byte[] body;
    try {
      body = JsonBodies.bytes(req, settings.limits().maxPayloadBytes());
    } catch (JsonBodies.TooLargeException e) {
      text(res, Status.REQUEST_ENTITY_TOO_LARGE_413, tooLargeText());
      metrics.answered(dialect, "", 413);
      return;
    } catch (InvalidRequestException e) {
      text(res, Status.BAD_REQUEST_400, "Invalid request format: " + e.rule() + "\r\n");
      metrics.answered(dialect, "", 400);
      return;
    }
    // the requests-in-flight gauge is the admission count itself
    if (metrics.started() > settings.maxRequests()) {
      metrics.finished();
      text(res, Status.TOO_MANY_REQUESTS_429, TOO_MANY);
      metrics.answered(dialect, "", 429);
      return;
    }
    try {
      admitted(route, dialect, req, res, body, arrival, arrivalTick);
    } finally {
      metrics.finished();
    }
  }

  private void admitted(
      Route route,
      String dialect,
      ServerRequest req,
      ServerResponse res,
      byte[] body,
      long arrival,
      long arrivalTick) {
    InferenceRequest request;
    try {
      String pathModel =
          route.path().contains("{model}") ? req.path().pathParameters().get("model") : null;
      request = BodyChecks.check(route, pathModel, body);
    } catch (BodyChecks.BadRequestException e) {
      text(res, Status.BAD_REQUEST_400, e.getMessage() + "\r\n");
      metrics.answered(dialect, "", 400);
      return;
    }
    Fleet fleet = dispatcher.fleet();
    if (request.model() != null && !fleet.serves(request.model())) {
      String reason =
          Json.createObjectBuilder()
              .add(
                  "error",
                  Json.createObjectBuilder()
                      .add("message", "The model `" + request.model() + "` does not exist.")
                      .add("type", "invalid_request_error")
                      .add("code", "model_not_found"))
              .build()
              .toString();
      res.status(Status.NOT_FOUND_404)
          .header(HeaderValues.CONTENT_TYPE_JSON)
          .send(reason.getBytes(StandardCharsets.UTF_8));
      // not the unknown name: a client naming random models must not grow the series
      metrics.answered(request.dialect(), "", 404);
      return;
    }
    String session =
        settings
            .scheduler()
            .sessionHeader()
            .flatMap(h -> req.headers().first(HeaderNames.create(h)))
            .orElse(null);
    if (session != null) {
      request = request.inSession(session);
    }
    String id = ids.next();
    new Exchange(route, req, res, request, body, id, arrival, arrivalTick).run();
  }

  /** The dialect a route's counters carry before its body is read. */
  private static String nominalDialect(Route route) {
    return switch (route) {
      case CHAT_COMPLETIONS, COMPLETIONS -> "openai";
      case GENERATE, GENERATE_STREAM, TGI_ROOT -> "tgi";
      case TRITON_GENERATE, TRITON_GENERATE_STREAM, TRITON_INFER -> "triton";
      case MINDIE_INFER, MINDIE_INFER_TOKEN -> "mindie";
      case TOKENIZER -> "tokenizer";
    };
  }

  private static void text(ServerResponse res, Status status, String text) {
    res.status(status)
        .header(HeaderValues.CONTENT_TYPE_TEXT_PLAIN)
        .send(text.getBytes(StandardCharsets.UTF_8));
  }

  /** GET /v1/models: the models of the online instances, in OpenAI's list format. */
  private void models(ServerResponse res) {
    Set<String> names = new LinkedHashSet<>();
    for (Instance instance : registry.view().onlineInstances()) {
      names.add(instance.modelName());
    }
    JsonArrayBuilder data = Json.createArrayBuilder();
    for (String name : names) {
      data.add(
          Json.createObjectBuilder()
              .add("id", name)
              .add("object", "model")
              .add("created", 0)
              .add("owned_by", "mindie"));
    }
    res.header(HeaderValues.CONTENT_TYPE_JSON)
        .send(
            Json.createObjectBuilder()
                .add("object", "list")
                .add("data", data)
                .build()
                .toString()
                .getBytes(StandardCharsets.UTF_8));
  }

  // ------------------------------------------------------------------ one exchange

  /** Why an exchange's call was aborted by the coordinator itself. */
  private enum Abort {
    NONE,
    FIRST_TOKEN,
    INFER,
    TOKENIZER
  }

  /**
   * One request's way through placement and forwarding. Confined to the request's thread, except
   * the timeouts, which set {@link #abort} and abort {@link #call} from the clock's thread.
   */
  private final class Exchange {
    private final Route route;
    private final ServerRequest req;
    private final ServerResponse res;
    private final InferenceRequest request;
    private final byte[] body;
    private final String id;
    private final long arrival;
    private final long arrivalTick;

    private volatile Call call;
    private volatile DecodeLink.Inbox inbox;
    private volatile Abort abort = Abort.NONE;
    private volatile boolean answering;

    Exchange(
        Route route,
        ServerRequest req,
        ServerResponse res,
        InferenceRequest request,
        byte[] body,
        String id,
        long arrival,
        long arrivalTick) {
      this.route = route;
      this.req = req;
      this.res = res;
      this.request = request;
      this.body = body;
      this.id = id;
      this.arrival = arrival;
      this.arrivalTick = arrivalTick;
    }

    void run() {
      String model = request.model() != null ? request.model() : "";
      DataPlaneSettings.Timeouts t = settings.timeouts();
      long waitStart = System.nanoTime();
      Placement placement;
      try {
        placement =
            dispatcher.place(
                request, route == Route.TOKENIZER ? tokenizer : scheduler, remaining(t.schedule()));
      } catch (Dispatcher.ScheduleTimeoutException e) {
        text(res, Status.REQUEST_TIMEOUT_408, SCHEDULE_TIMEOUT);
        metrics.failed("schedule_timeout", model);
        metrics.answered(request.dialect(), model, 408);
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CloseConnectionException("stopping", e);
      }
      long dispatched = System.nanoTime();
      Instance instance = placement.prefill();
      String modelName = request.model() != null ? request.model() : instance.modelName();
      RequestMetrics.Timings timings =
          metrics.timings(modelName, instance.id(), instance.role().label());
      timings.queue(dispatched - arrival);
      Clock.Cancel firstToken = Clock.Cancel.NONE;
      Clock.Cancel whole = Clock.Cancel.NONE;
      if (request.stream() && !t.firstToken().isZero()) {
        firstToken = clock.schedule(remaining(t.firstToken()), () -> timeout(Abort.FIRST_TOKEN));
      }
      Duration wholeBound = route == Route.TOKENIZER ? t.tokenizer() : t.infer();
      if (!wholeBound.isZero()) {
        Abort kind = route == Route.TOKENIZER ? Abort.TOKENIZER : Abort.INFER;
        whole = clock.schedule(remaining(wholeBound), () -> timeout(kind));
      }
      // the controller asks query_tasks before it removes an instance: a single-node request is a
      // task of its instance with itself until it ends
      RequestTracker.Task task = tracker.begin(instance.id(), placement.decode().id());
      try {
        if (placement.single()) {
          forward(instance, placement.prefillLoad(), modelName, timings, dispatched - waitStart);
        } else {
          forwardPd(placement, modelName, timings, dispatched - waitStart);
        }
      } finally {
        task.close();
        firstToken.cancel();
        whole.cancel();
        placement.release();
      }
    }

    /** The server is stopping: end the call, so that its relay ends. */
    private void cancel() {
      Call c = call;
      if (c != null) {
        c.abort();
      }
    }

    /** What is left of {@code bound} from arrival, in clock nanoseconds; 0 for none. */
    private long remaining(Duration bound) {
      if (bound.isZero()) {
        return 0;
      }
      return Math.max(1, bound.toNanos() - (clock.nanoTime() - arrivalTick));
    }

    /** A timeout fired (clock thread): abort the call unless the timeout no longer applies. */
    private void timeout(Abort kind) {
      if (kind == Abort.FIRST_TOKEN && answering) {
        return;
      }
      if (abort == Abort.NONE) {
        abort = kind;
      }
      Call c = call;
      if (c != null) {
        c.abort();
      }
      DecodeLink.Inbox box = inbox;
      if (box != null) {
        box.wake(DecodeLink.Inbox.LINK_DOWN);
      }
    }

    private void forward(
        Instance instance,
        Load load,
        String modelName,
        RequestMetrics.Timings timings,
        long waitedNanos) {
      Response response =
          send(instance, load, upstreamRequest().build(), limits, modelName, timings, waitedNanos);
      if (response == null) {
        return;
      }
      try (Response r = response) {
        if (request.stream()) {
          relays.run(() -> relay(r, instance, load, modelName, timings), this::cancel);
        } else {
          relay(r, instance, load, modelName, timings);
        }
      }
    }

    /**
     * Sends {@code upstream} to {@code instance}, connecting up to {@link #CONNECT_ATTEMPTS} times;
     * its response, or null when the request failed and was answered.
     */
    private Response send(
        Instance instance,
        Load load,
        Request upstream,
        CallLimits callLimits,
        String modelName,
        RequestMetrics.Timings timings,
        long waitedNanos) {
      Destination destination =
          client.destination(DestinationKind.INSTANCE, instance.ip(), instance.port());
      Response response = null;
      for (int attempt = 1; response == null; attempt++) {
        Call c = client.call(destination, upstream, callLimits);
        call = c;
        if (abort != Abort.NONE) {
          c.abort();
        }
        try {
          response = c.execute();
          timings.dispatchOverhead(c.sentNanos() - arrival - waitedNanos);
        } catch (CallException e) {
          if (abort != Abort.NONE) {
            timedOut(instance, modelName, false);
            return null;
          }
          if (e.connecting() && attempt < CONNECT_ATTEMPTS) {
            metrics.retried("reconnect", modelName);
            continue;
          }
          if (e.connecting()) {
            dispatcher.failed(instance, load);
            fail(Status.INTERNAL_SERVER_ERROR_500, CONNECT_FAILED, "connect", modelName);
            LOG.fine(() -> "connect failed: req_id=" + id + " reason=" + e.getMessage());
          } else {
            dispatcher.failed(instance, load);
            fail(Status.INTERNAL_SERVER_ERROR_500, READ_FAILED, "read", modelName);
            LOG.fine(() -> "read failed: req_id=" + id + " reason=" + e.getMessage());
          }
          return null;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new CloseConnectionException("stopping", e);
        }
      }
      return response;
    }

    private Request.Builder upstreamRequest() {
      String query = req.query().rawValue();
      String path = req.path().rawPath() + (query.isEmpty() ? "" : "?" + query);
      Request.Builder b = Request.post(path);
      String contentType = "application/json";
      for (Header h : req.headers()) {
        String name = h.name().toLowerCase(Locale.ROOT);
        if (name.equals("content-type")) {
          contentType = h.get();
        }
        if (NOT_FORWARDED.contains(name)) {
          continue;
        }
        for (String value : h.allValues()) {
          try {
            b.header(h.name(), value);
          } catch (IllegalArgumentException e) {
            // a header the outbound layer cannot write safely is dropped, not passed on
          }
        }
      }
      b.header("req-id", id);
      return b.body(contentType, body).resendOnStaleConnection();
    }

    /** The answer, from the instance to the client as it arrives. */
    private void relay(
        Response response,
        Instance instance,
        Load load,
        String modelName,
        RequestMetrics.Timings timings) {
      int status = response.status();
      String contentType = response.header("Content-Type");
      long length = response.contentLength();
      boolean sse =
          contentType != null
              && contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
      OutputStream out = null;
      EventBoundaries events = new EventBoundaries();
      long lastEvent = 0;
      while (true) {
        int n;
        try {
          // the bytes stay in the connection's buffer: no buffer of the relay's own per stream
          n = response.lend();
        } catch (IOException e) {
          if (abort != Abort.NONE) {
            timedOut(instance, modelName, out != null);
            return;
          }
          dispatcher.failed(instance, load);
          if (out == null) {
            fail(Status.INTERNAL_SERVER_ERROR_500, READ_FAILED, "read", modelName);
            return;
          }
          metrics.failed("read", modelName);
          metrics.answered(request.dialect(), modelName, status);
          // the client must see a broken answer, not a complete one: no final chunk
          throw new CloseConnectionException("instance failed mid-answer: req_id=" + id);
        }
        if (n < 0) {
          break;
        }
        long read = System.nanoTime();
        boolean first;
        try {
          if (out == null) {
            head(status, contentType, length);
            out = res.outputStream();
          }
          // before the bytes go out: once the client may have them, the first-token timeout must
          // not cut the answer (it did when it fired between the flush and this flag)
          first = !answering;
          answering = true;
          out.write(response.lentArray(), response.lentOffset(), n);
          out.flush();
        } catch (IOException | UncheckedIOException e) {
          clientGone(instance, modelName);
          return;
        }
        long written = System.nanoTime();
        timings.relay(written - read);
        if (first && request.stream()) {
          timings.timeToFirstToken(written - arrival);
        }
        int ends = sse ? events.count(response.lentArray(), response.lentOffset(), n) : 1;
        for (int e = 0; e < ends; e++) {
          if (lastEvent != 0) {
            timings.interToken(written - lastEvent);
          }
          lastEvent = written;
        }
      }
      try {
        if (out == null) {
          head(status, contentType, length);
          res.send();
        } else {
          out.close();
        }
      } catch (UncheckedIOException | IOException e) {
        clientGone(instance, modelName);
        return;
      }
      timings.e2e(System.nanoTime() - arrival);
      dispatcher.succeeded(load);
      metrics.answered(request.dialect(), modelName, status);
    }

    /** The instance's status, {@code Content-Type} and length, as the client's answer's head. */
    private void head(int status, String contentType, long length) {
      res.status(status);
      if (contentType != null) {
        res.header(HeaderNames.CONTENT_TYPE, contentType);
      }
      if (length >= 0) {
        res.contentLength(length);
      }
    }

    /** One of the coordinator's timeouts ended the call. */
    private void timedOut(Instance instance, String modelName, boolean answerStarted) {
      Abort kind = abort;
      String reason =
          switch (kind) {
            case FIRST_TOKEN -> "first_token_timeout";
            case TOKENIZER -> "tokenizer_timeout";
            default -> "infer_timeout";
          };
      stopInfer(instance);
      if (answerStarted) {
        metrics.failed(reason, modelName);
        metrics.answered(request.dialect(), modelName, res.status().code());
        throw new CloseConnectionException("timed out mid-answer: req_id=" + id);
      }
      String text =
          switch (kind) {
            case FIRST_TOKEN -> FIRST_TOKEN_TIMEOUT;
            case TOKENIZER -> TOKENIZER_TIMEOUT;
            default -> INFER_TIMEOUT;
          };
      fail(Status.REQUEST_TIMEOUT_408, text, reason, modelName);
    }

    /** The client went away: cancel upstream at once and tell the instance to stop. */
    private void clientGone(Instance instance, String modelName) {
      Call c = call;
      if (c != null) {
        c.abort();
      }
      stopInfer(instance);
      metrics.failed("client_disconnect", modelName);
      metrics.answered(request.dialect(), modelName, 499);
      throw new CloseConnectionException("client disconnected: req_id=" + id);
    }

    private void fail(Status status, String text, String reason, String modelName) {
      metrics.failed(reason, modelName);
      metrics.answered(request.dialect(), modelName, status.code());
      if (!res.isSent()) {
        text(res, status, text);
      }
    }

    // ---------------------------------------------------------------- prefill/decode (section 5)

    /**
     * The request to P with D as its target; P's answer; then D's messages from the decode link,
     * assembled into the client's answer as section 5 says. A {@code retry:} from D (recompute) is
     * not built yet: it fails the request with 500 {@code Request retry failed}.
     */
    private void forwardPd(
        Placement placement, String modelName, RequestMetrics.Timings timings, long waitedNanos) {
      Instance p = placement.prefill();
      Instance d = placement.decode();
      DecodeLink link = links == null ? null : links.link(d.id());
      if (link == null) {
        fail(Status.INTERNAL_SERVER_ERROR_500, READ_FAILED, "d_error", modelName);
        return;
      }
      // open before P is asked: D's first messages may come before P's answer
      try (DecodeLink.Inbox box = link.open(id)) {
        inbox = box;
        if (abort != Abort.NONE) {
          box.wake(DecodeLink.Inbox.LINK_DOWN);
        }
        Request upstream =
            upstreamRequest()
                .header("req-type", "prefill")
                .header("d-target", d.ip())
                .header("d-port", Integer.toString(d.port()))
                .build();
        long sent = System.nanoTime();
        Response response =
            send(
                p,
                placement.prefillLoad(),
                upstream,
                prefillLimits,
                modelName,
                timings,
                waitedNanos);
        if (response == null) {
          stopInfer(d);
          return;
        }
        JsonObject answer;
        try (Response r = response) {
          if (r.status() != 200) {
            // P's status and body go to the client; the request ends as failed
            metrics.failed("p_error", modelName);
            stopInfer(d);
            relay(r, p, placement.prefillLoad(), modelName, timings);
            return;
          }
          answer = prefillAnswer(r);
        } catch (CallException e) {
          answer = null;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new CloseConnectionException("stopping", e);
        }
        if (answer == null) {
          if (abort != Abort.NONE) {
            stopInfer(d);
            timedOut(p, modelName, false);
            return;
          }
          stopInfer(d);
          fail(Status.INTERNAL_SERVER_ERROR_500, P_ERROR, "p_error", modelName);
          return;
        }
        long prefilled = System.nanoTime();
        timings.prefill(prefilled - sent);
        dispatcher.succeeded(placement.prefillLoad());
        placement.releasePrefill();
        String output = answer.getString("output", null);
        boolean last = answer.getBoolean("isLastResp", false);
        if (!id.equals(answer.getString("reqId", ""))) {
          LOG.warning(
              "prefill answer for another request ignored: req_id="
                  + id
                  + " answer_req_id="
                  + answer.getString("reqId", ""));
          output = null;
          last = false;
        }
        new Assembly(p, d, modelName, timings, prefilled).run(box, output, last);
      }
    }

    /** P's JSON answer, or null when it is not one (500 {@code P instance error}). */
    private JsonObject prefillAnswer(Response r) throws CallException, InterruptedException {
      BodyBuffer buffer = new BodyBuffer();
      int n = r.readBody(buffer);
      try (JsonReader reader = Json.createReader(new ByteArrayInputStream(buffer.array(), 0, n))) {
        return reader.readObject();
      } catch (JsonException e) {
        LOG.fine(() -> "prefill answer unparsable: req_id=" + id + " reason=" + e);
        return null;
      }
    }

    /** The client's answer from P's output and D's messages. Confined to the request's thread. */
    private final class Assembly {
      private final Instance p;
      private final Instance d;
      private final String modelName;
      private final RequestMetrics.Timings timings;
      private final long prefilled;
      private final EventBoundaries events = new EventBoundaries();
      private OutputStream out;
      private long lastEvent;
      private boolean handedOff;

      Assembly(
          Instance p,
          Instance d,
          String modelName,
          RequestMetrics.Timings timings,
          long prefilled) {
        this.p = p;
        this.d = d;
        this.modelName = modelName;
        this.timings = timings;
        this.prefilled = prefilled;
      }

      void run(DecodeLink.Inbox box, String output, boolean last) {
        boolean stream = request.stream();
        if (last && output != null) {
          // P finished the request alone
          whole(200, stream ? "text/event-stream" : "application/json", output);
          succeeded();
          return;
        }
        if (stream && output != null) {
          write(output.getBytes(StandardCharsets.UTF_8));
        }
        while (true) {
          DecodeLink.Inbox.Piece piece;
          try {
            piece = box.poll(Long.MAX_VALUE);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopBoth();
            throw new CloseConnectionException("stopping", e);
          }
          if (piece == null || piece == DecodeLink.Inbox.LINK_DOWN) {
            linkDown();
            return;
          }
          byte[] payload = piece.payload();
          switch (piece.kind()) {
            case DATA -> {
              if (stream) {
                write(payload);
                handedOff();
              }
            }
            case LAST_DATA -> {
              if (stream) {
                write(payload);
                end();
              } else {
                whole(200, "application/json", new String(payload, StandardCharsets.UTF_8));
              }
              handedOff();
              succeeded();
              return;
            }
            case ERROR -> {
              metrics.failed("d_error", modelName);
              if (out != null) {
                write(payload);
                end();
                metrics.answered(request.dialect(), modelName, 200);
              } else {
                String text = new String(payload, StandardCharsets.UTF_8);
                whole(500, "text/plain", text);
                metrics.answered(request.dialect(), modelName, 500);
              }
              return;
            }
            default -> {
              // RETRY: the recompute (a new P/D choice with is-recompute) is not built yet
              stopBoth();
              if (out != null) {
                metrics.failed("retry_exhausted", modelName);
                metrics.answered(request.dialect(), modelName, 200);
                throw new CloseConnectionException("recompute not supported: req_id=" + id);
              }
              fail(Status.INTERNAL_SERVER_ERROR_500, RETRY_FAILED, "retry_exhausted", modelName);
              return;
            }
          }
        }
      }

      /** The link failed, or a timeout woke the request. */
      private void linkDown() {
        stopInfer(p);
        if (abort != Abort.NONE) {
          timedOut(d, modelName, out != null);
          return;
        }
        stopInfer(d);
        if (out != null) {
          metrics.failed("d_error", modelName);
          metrics.answered(request.dialect(), modelName, 200);
          // the client must see a broken answer, not a complete one: no final chunk
          throw new CloseConnectionException("decode link failed mid-answer: req_id=" + id);
        }
        fail(Status.INTERNAL_SERVER_ERROR_500, READ_FAILED, "d_error", modelName);
      }

      /** stopInfer to P and D: the request ends before D's answer did. */
      private void stopBoth() {
        stopInfer(p);
        stopInfer(d);
      }

      /** The client went away: P and D stop, the connection ends. */
      private void clientGone() {
        stopInfer(p);
        Exchange.this.clientGone(d, modelName);
      }

      /** D's first piece of the answer went out: the hand-off from P is timed, once. */
      private void handedOff() {
        if (!handedOff) {
          handedOff = true;
          timings.pdHandoff(System.nanoTime() - prefilled);
        }
      }

      /** One piece of a streamed answer, as a chunk, the head first. */
      private void write(byte[] bytes) {
        long now;
        boolean first = out == null;
        try {
          if (first) {
            head(200, "text/event-stream", -1);
            out = res.outputStream();
          }
          answering = true;
          out.write(bytes);
          out.flush();
          now = System.nanoTime();
        } catch (IOException | UncheckedIOException e) {
          clientGone();
          return;
        }
        if (first) {
          timings.timeToFirstToken(now - arrival);
        }
        int ends = events.count(bytes, bytes.length);
        for (int e = 0; e < ends; e++) {
          if (lastEvent != 0) {
            timings.interToken(now - lastEvent);
          }
          lastEvent = now;
        }
      }

      private void end() {
        try {
          out.close();
        } catch (IOException | UncheckedIOException e) {
          clientGone();
        }
      }

      /** A whole answer with its length. */
      private void whole(int status, String contentType, String text) {
        try {
          answering = true;
          head(status, contentType, -1);
          res.send(text.getBytes(StandardCharsets.UTF_8));
        } catch (UncheckedIOException e) {
          clientGone();
          return;
        }
        if (request.stream()) {
          timings.timeToFirstToken(System.nanoTime() - arrival);
        }
      }

      private void succeeded() {
        timings.e2e(System.nanoTime() - arrival);
        metrics.answered(request.dialect(), modelName, 200);
      }
    }

    /**
     * {@code POST /v2/models/{model}/stopInfer} with the request's id, from a thread of its own so
     * that the request's slot is free at once.
     */
    private void stopInfer(Instance instance) {
      String path = "/v2/models/" + instance.modelName() + "/stopInfer";
      byte[] stop =
          Json.createObjectBuilder()
              .add("id", id)
              .build()
              .toString()
              .getBytes(StandardCharsets.UTF_8);
      Destination d = client.destination(DestinationKind.INSTANCE, instance.ip(), instance.port());
      Thread.ofVirtual()
          .name("stop-infer-" + id)
          .start(
              () -> {
                try (Response r =
                    client
                        .call(
                            d,
                            Request.post(path).body("application/json", stop).build(),
                            CallLimits.of(STOP_TIMEOUT, 64 * 1024))
                        .execute()) {
                  if (r.status() != 200) {
                    LOG.fine("stopInfer answered " + r.status() + ": req_id=" + id);
                  }
                } catch (CallException | RuntimeException e) {
                  LOG.log(Level.FINE, "stopInfer failed: req_id=" + id + " reason=" + e, e);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
    }
  }

  /** The request ids: decimal uint64, unique within the process. Threadsafe. */
  static final class RequestIds {
    // started from the clock so that a restarted coordinator does not reuse the ids an instance
    // may still be running
    private final AtomicLong next = new AtomicLong(System.currentTimeMillis() << 20);

    String next() {
      return Long.toUnsignedString(next.getAndIncrement());
    }
  }
}
