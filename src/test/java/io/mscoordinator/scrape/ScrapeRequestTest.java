package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mscoordinator.cluster.InstanceRegistry;
import io.mscoordinator.cluster.Role;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a node sees of a scrape: the request bytes the scraper sends through the layer. */
@Timeout(20)
class ScrapeRequestTest {
  @Test
  void shouldAskForTextThenOpenMetricsAndGzipAsMsCoordinator() throws Exception {
    try (ServerSocket node = new ServerSocket(0, 4, InetAddress.getByName("127.0.0.1"))) {
      InstanceRegistry registry = new InstanceRegistry();
      registry.refresh(List.of(Fleet.instance(0, node.getLocalPort(), Role.UNDEF, 1024, "m")));
      NodeScraper scraper = NodeScraper.start(Fleet.fast(200, 150, false), registry, null);
      try (Socket scrape = node.accept()) {
        assertEquals(
            "GET /metrics HTTP/1.1\r\n"
                + "Host: 127.0.0.1:"
                + node.getLocalPort()
                + "\r\n"
                + "Accept: text/plain;version=0.0.4;q=1,"
                + "application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.1\r\n"
                + "Accept-Encoding: gzip\r\n"
                + "User-Agent: ms-coordinator\r\n\r\n",
            head(scrape.getInputStream()));
      } finally {
        scraper.close();
      }
    }
  }

  private static String head(InputStream in) throws Exception {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.write(b);
    }
    return head.toString(StandardCharsets.US_ASCII);
  }
}
