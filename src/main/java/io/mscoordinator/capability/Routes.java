package io.mscoordinator.capability;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The routes of one listener, as capabilities declare them: each is bound on Helidon's routing at
 * once and remembered, so that {@link #bind} can answer a known path asked with another method with
 * {@code 405 Method Not Allowed} and an {@code Allow} header listing the methods it has, as HTTP
 * says (RFC 9110, 15.5.6), instead of Helidon's 404. A path nobody declared stays 404.
 *
 * <p>Confined to the thread that binds the routes.
 */
public final class Routes {
  private final HttpRules rules;
  private final Map<String, Set<Method>> methods = new LinkedHashMap<>();

  private Routes(HttpRules rules) {
    this.rules = rules;
  }

  /**
   * Binds what {@code declare} declares on {@code rules}, then the 405 answers for its paths. Every
   * listener's routing goes through here once (tests with Helidon's in-memory routing too).
   */
  public static void bind(HttpRules rules, Consumer<Routes> declare) {
    Routes routes = new Routes(rules);
    declare.accept(routes);
    routes.methodNotAllowed();
  }

  /** {@code GET path}; {@code path} may hold Helidon path parameters such as {@code {name}}. */
  public Routes get(String path, Handler handler) {
    return route(Method.GET, path, handler);
  }

  /** {@code POST path}. */
  public Routes post(String path, Handler handler) {
    return route(Method.POST, path, handler);
  }

  /** {@code method path}. */
  public Routes route(Method method, String path, Handler handler) {
    rules.route(method, path, handler);
    methods.computeIfAbsent(path, p -> new LinkedHashSet<>()).add(method);
    return this;
  }

  private void methodNotAllowed() {
    methods.forEach(
        (path, allowed) -> {
          StringBuilder allow = new StringBuilder();
          for (Method m : allowed) {
            allow.append(allow.length() == 0 ? "" : ", ").append(m.text());
          }
          String header = allow.toString();
          byte[] body =
              ("method not allowed: allow=" + header.replace(" ", "") + "\n")
                  .getBytes(StandardCharsets.UTF_8);
          rules.any(
              path,
              (req, res) -> {
                res.status(Status.METHOD_NOT_ALLOWED_405);
                res.header(HeaderValues.create(HeaderNames.ALLOW, header));
                res.header(HeaderValues.CONTENT_TYPE_TEXT_PLAIN);
                res.send(body);
              });
        });
  }
}
