package io.mscoordinator.perf;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.HdrHistogram.Histogram;

/**
 * Latency by percentile as a PNG, in the style of HdrHistogram's plotter: the x axis spreads the
 * tail (0%, 90%, 99%, 99.9%, 99.99% equally spaced, i.e. log10 of 1 / (1 - p)), the y axis is the
 * latency in milliseconds, one line per series. Also writes each series' percentile distribution as
 * HdrHistogram's text {@code .hgrm} beside the PNG, which the online HdrHistogram plotter reads.
 *
 * <p>Headless AWT only (no display needed); values are microseconds.
 */
final class PercentilePlot {
  private static final int WIDTH = 960;
  private static final int HEIGHT = 560;
  private static final int LEFT = 80;
  private static final int RIGHT = 30;
  private static final int TOP = 50;
  private static final int BOTTOM = 60;
  private static final double MAX_NINES = 4; // 99.99%
  private static final Color[] COLORS = {
    new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e)
  };

  private PercentilePlot() {}

  /**
   * Writes {@code png} and one {@code <png stem>-<series>.hgrm} per series.
   *
   * @param series label to latencies in microseconds, drawn in insertion order
   */
  static void write(Path png, String title, Map<String, Histogram> series) throws IOException {
    System.setProperty("java.awt.headless", "true");
    double maxMs = 0.001;
    for (Histogram h : series.values()) {
      if (h.getTotalCount() > 0) {
        maxMs = Math.max(maxMs, h.getValueAtPercentile(100.0 * (1 - Math.pow(10, -MAX_NINES))));
      }
    }
    maxMs = niceCeiling(maxMs / 1000.0);
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      int plotW = WIDTH - LEFT - RIGHT;
      int plotH = HEIGHT - TOP - BOTTOM;
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
      g.setColor(Color.BLACK);
      g.drawString(title, LEFT, 30);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      // Grid and axes.
      for (int nines = 0; nines <= MAX_NINES; nines++) {
        int x = LEFT + (int) Math.round(plotW * nines / MAX_NINES);
        g.setColor(new Color(0xdddddd));
        g.drawLine(x, TOP, x, TOP + plotH);
        g.setColor(Color.BLACK);
        String label = percentLabel(nines);
        g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, TOP + plotH + 18);
      }
      for (int i = 0; i <= 5; i++) {
        int y = TOP + plotH - (int) Math.round(plotH * i / 5.0);
        g.setColor(new Color(0xdddddd));
        g.drawLine(LEFT, y, LEFT + plotW, y);
        g.setColor(Color.BLACK);
        String label = format(maxMs * i / 5.0);
        g.drawString(label, LEFT - 8 - g.getFontMetrics().stringWidth(label), y + 4);
      }
      g.drawRect(LEFT, TOP, plotW, plotH);
      g.drawString("percentile", LEFT + plotW / 2 - 30, HEIGHT - 15);
      g.rotate(-Math.PI / 2);
      g.drawString("latency (ms)", -(TOP + plotH / 2 + 35), 20);
      g.rotate(Math.PI / 2);
      // One line per series: 400 points spread evenly on the x axis.
      int colour = 0;
      int legendY = TOP + 20;
      for (Map.Entry<String, Histogram> e : series.entrySet()) {
        Histogram h = e.getValue();
        Color c = COLORS[colour++ % COLORS.length];
        g.setColor(c);
        g.setStroke(new BasicStroke(2f));
        if (h.getTotalCount() > 0) {
          int px = -1;
          int py = -1;
          for (int step = 0; step <= 400; step++) {
            double nines = MAX_NINES * step / 400.0;
            double percentile = 100.0 * (1 - Math.pow(10, -nines));
            double ms = h.getValueAtPercentile(percentile) / 1000.0;
            int x = LEFT + (int) Math.round(plotW * nines / MAX_NINES);
            int y = TOP + plotH - (int) Math.round(plotH * Math.min(ms, maxMs) / maxMs);
            if (px >= 0) {
              g.drawLine(px, py, x, y);
            }
            px = x;
            py = y;
          }
        }
        g.setStroke(new BasicStroke(1f));
        g.fillRect(LEFT + 15, legendY - 9, 14, 10);
        g.setColor(Color.BLACK);
        g.drawString(
            String.format(
                Locale.ROOT,
                "%s  (n=%d, p50 %s ms, p99 %s ms, max %s ms)",
                e.getKey(),
                h.getTotalCount(),
                format(h.getValueAtPercentile(50) / 1000.0),
                format(h.getValueAtPercentile(99) / 1000.0),
                format(h.getMaxValue() / 1000.0)),
            LEFT + 35,
            legendY);
        legendY += 18;
      }
    } finally {
      g.dispose();
    }
    Files.createDirectories(png.toAbsolutePath().getParent());
    ImageIO.write(image, "png", png.toFile());
    String stem = png.getFileName().toString().replaceFirst("\\.png$", "");
    for (Map.Entry<String, Histogram> e : series.entrySet()) {
      Path hgrm =
          png.resolveSibling(stem + "-" + e.getKey().replaceAll("[^A-Za-z0-9_.-]", "_") + ".hgrm");
      try (PrintStream out = new PrintStream(Files.newOutputStream(hgrm), false, "UTF-8")) {
        // Microseconds in, milliseconds out, as the plotter expects.
        e.getValue().outputPercentileDistribution(out, 1000.0);
      }
    }
  }

  private static String percentLabel(int nines) {
    return new String[] {"0%", "90%", "99%", "99.9%", "99.99%"}[nines];
  }

  /** 1, 2 or 5 times a power of ten, at least {@code v}. */
  private static double niceCeiling(double v) {
    double power = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (m * power >= v) {
        return m * power;
      }
    }
    return 10 * power;
  }

  private static String format(double ms) {
    if (ms >= 100 || (ms >= 1 && Math.abs(ms - Math.rint(ms)) < 1e-9)) {
      return String.format(Locale.ROOT, "%.0f", ms);
    }
    if (ms >= 10) {
      return String.format(Locale.ROOT, "%.1f", ms);
    }
    return String.format(Locale.ROOT, "%.2f", ms);
  }
}
