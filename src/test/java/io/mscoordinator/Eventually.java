package io.mscoordinator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Polls a value that another thread or process moves on, until it is as awaited or time is up. */
public final class Eventually {
  private static final Duration PAUSE = Duration.ofMillis(10);

  private Eventually() {}

  /**
   * Reads every 10 ms until {@code done} holds on the value read or {@code within} has passed;
   * returns the last value read, for the caller to assert on.
   */
  public static <T> T poll(Supplier<T> read, Predicate<? super T> done, Duration within)
      throws InterruptedException {
    return poll(read, done, within, PAUSE);
  }

  /**
   * Polls {@code done} until it holds; fails the test, saying {@code what}, when it did not in
   * time.
   */
  public static void await(BooleanSupplier done, String what, Duration within)
      throws InterruptedException {
    assertThat(what, poll(done::getAsBoolean, b -> b, within), is(true));
  }

  /** As {@link #poll(Supplier, Predicate, Duration)}, pausing {@code pause} between reads. */
  public static <T> T poll(
      Supplier<T> read, Predicate<? super T> done, Duration within, Duration pause)
      throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    T value = read.get();
    while (!done.test(value) && System.nanoTime() - deadline < 0) {
      Thread.sleep(pause);
      value = read.get();
    }
    return value;
  }
}
