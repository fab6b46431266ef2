package io.mscoordinator.capability;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import org.junit.jupiter.api.Test;

/** Routes declared through {@link Routes}, over a real socket: 405 with Allow, 404 otherwise. */
@ServerTest
class RoutesTest {
  private final Http1Client client;

  RoutesTest(Http1Client client) {
    this.client = client;
  }

  @SetUpRoute
  static void route(HttpRouting.Builder routing) {
    Routes.bind(
        routing,
        routes ->
            routes
                .get("/read", (req, res) -> res.send("read"))
                .post("/write", (req, res) -> res.send("written"))
                .get("/models/{name}/ready", (req, res) -> res.send("ready"))
                .post("/both", (req, res) -> res.send("posted"))
                .get("/both", (req, res) -> res.send("got")));
  }

  private HttpClientResponse call(Method method, String path) {
    return client.method(method).path(path).request();
  }

  @Test
  void shouldServeEachDeclaredRouteWithItsMethod() {
    try (HttpClientResponse res = call(Method.GET, "/read")) {
      assertThat(res.status().code(), is(200));
      assertThat(res.as(String.class), is("read"));
    }
    try (HttpClientResponse res = call(Method.POST, "/both")) {
      assertThat(res.as(String.class), is("posted"));
    }
    try (HttpClientResponse res = call(Method.GET, "/models/m1/ready")) {
      assertThat(res.as(String.class), is("ready"));
    }
  }

  @Test
  void shouldAnswer405ToHeadOfAGetRouteSinceOnlyGetIsDeclared() {
    try (HttpClientResponse res = call(Method.HEAD, "/read")) {
      assertThat(res.status().code(), is(405));
      assertThat(res.headers().get(HeaderNames.ALLOW).get(), is("GET"));
    }
  }

  @Test
  void shouldAnswer405WithAllowWhenAKnownPathIsAskedWithAnotherMethod() {
    try (HttpClientResponse res = call(Method.POST, "/read")) {
      assertThat(res.status().code(), is(405));
      assertThat(res.headers().get(HeaderNames.ALLOW).get(), is("GET"));
      assertThat(res.as(String.class), is("method not allowed: allow=GET\n"));
    }
    try (HttpClientResponse res = call(Method.GET, "/write")) {
      assertThat(res.status().code(), is(405));
      assertThat(res.headers().get(HeaderNames.ALLOW).get(), is("POST"));
    }
    try (HttpClientResponse res = call(Method.DELETE, "/both")) {
      assertThat(res.status().code(), is(405));
      assertThat(res.headers().get(HeaderNames.ALLOW).get(), is("POST, GET"));
    }
    try (HttpClientResponse res = call(Method.PUT, "/models/m1/ready")) {
      assertThat(res.status().code(), is(405));
      assertThat(res.headers().get(HeaderNames.ALLOW).get(), is("GET"));
    }
  }

  @Test
  void shouldAnswer404ForAPathNobodyDeclared() {
    try (HttpClientResponse res = call(Method.GET, "/nothing")) {
      assertThat(res.status().code(), is(404));
    }
    try (HttpClientResponse res = call(Method.POST, "/models/m1/other")) {
      assertThat(res.status().code(), is(404));
    }
  }
}
