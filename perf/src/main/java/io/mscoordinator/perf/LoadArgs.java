package io.mscoordinator.perf;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;

/** {@code --key value} arguments of a load generator, with the lab's safety bounds. */
final class LoadArgs {
  /** No load run may last longer than this, whatever is asked. */
  static final int MAX_SECONDS = 3600;

  private final Map<String, String> values = new HashMap<>();

  LoadArgs(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --key value pairs, got: " + args[i]);
      }
      values.put(args[i].substring(2), args[++i]);
    }
  }

  int integer(String key, int fallback, int min, int max) {
    String text = values.get(key);
    int value = text == null ? fallback : Integer.parseInt(text);
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          "out of range: key=--" + key + " value=" + value + " range=[" + min + "," + max + "]");
    }
    return value;
  }

  String text(String key, String fallback) {
    return values.getOrDefault(key, fallback);
  }

  /** A target URI, refused unless it is on this machine's loopback. */
  URI loopbackTarget(String key) {
    String text = values.get(key);
    if (text == null) {
      return null;
    }
    URI uri = URI.create(text);
    try {
      if (!InetAddress.getByName(uri.getHost()).isLoopbackAddress()) {
        throw new IllegalArgumentException("load targets loopback only: --" + key + "=" + text);
      }
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("unknown host: --" + key + "=" + text, e);
    }
    return uri;
  }
}
