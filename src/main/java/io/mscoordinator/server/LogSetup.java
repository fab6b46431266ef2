package io.mscoordinator.server;

import io.mscoordinator.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.ConsoleHandler;
import java.util.logging.FileHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.logging.StreamHandler;

/** Points java.util.logging (which Helidon uses) at stdout and/or the run log, per log_info. */
final class LogSetup {
  private static final String FORMAT = "%1$tFT%1$tT.%1$tL %4$s %3$s - %5$s%6$s%n";
  private static final int FILE_LIMIT_BYTES = 20 * 1024 * 1024;
  private static final int FILE_COUNT = 10;

  private LogSetup() {}

  static void apply(CoordinatorConfig.LogSettings settings) {
    System.setProperty("java.util.logging.SimpleFormatter.format", FORMAT);
    LogManager.getLogManager().reset();
    Logger root = Logger.getLogger("");
    Level level = Level.parse(settings.level());
    root.setLevel(level);
    if (settings.toStdout()) {
      Handler out =
          new StreamHandler(System.out, new SimpleFormatter()) {
            @Override
            public synchronized void publish(java.util.logging.LogRecord record) {
              super.publish(record);
              flush();
            }
          };
      out.setLevel(level);
      root.addHandler(out);
    } else {
      ConsoleHandler err = new ConsoleHandler();
      err.setLevel(Level.SEVERE);
      root.addHandler(err);
    }
    if (settings.file().isPresent()) {
      Path file = settings.file().get();
      try {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        FileHandler handler = new FileHandler(file.toString(), FILE_LIMIT_BYTES, FILE_COUNT, true);
        handler.setFormatter(new SimpleFormatter());
        handler.setLevel(level);
        root.addHandler(handler);
      } catch (IOException e) {
        throw new ConfigException("log_info.run_log_path", "writable file", e.getMessage());
      }
    }
  }
}
