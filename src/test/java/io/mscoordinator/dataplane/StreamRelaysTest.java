package io.mscoordinator.dataplane;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.sameInstance;
import static org.hamcrest.Matchers.startsWith;

import io.helidon.webserver.CloseConnectionException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Where a streamed answer is relayed, and how the request's thread waits for it. */
class StreamRelaysTest {
  private final StreamRelays relays = StreamRelays.platform();

  @AfterEach
  void close() {
    relays.close();
  }

  @Test
  void shouldRelayOnAPlatformThreadOfItsOwnAndReturnOnlyAfterTheRelayEnded() throws Exception {
    AtomicReference<Thread> ran = new AtomicReference<>();
    AtomicBoolean ended = new AtomicBoolean();
    CompletableFuture<Boolean> endedWhenReturned = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              relays.run(
                  () -> {
                    ran.set(Thread.currentThread());
                    ended.set(true);
                  },
                  () -> {});
              endedWhenReturned.complete(ended.get());
            })
        .join();

    assertThat(endedWhenReturned.get(), is(true));
    assertThat(ran.get().isVirtual(), is(false));
    assertThat(ran.get().isDaemon(), is(true));
    assertThat(ran.get().getName(), startsWith("dataplane-relay-"));
  }

  @Test
  void shouldRethrowWhatTheRelayThrew() {
    CloseConnectionException thrown = new CloseConnectionException("instance failed mid-answer");
    AtomicReference<Throwable> caught = new AtomicReference<>();
    try {
      relays.run(
          () -> {
            throw thrown;
          },
          () -> {});
    } catch (RuntimeException e) {
      caught.set(e);
    }
    assertThat(caught.get(), sameInstance(thrown));
  }

  @Test
  void shouldCancelTheRelayAndWaitForItWhenTheRequestThreadIsInterrupted() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean relayEnded = new AtomicBoolean();
    AtomicBoolean endedBeforeReturn = new AtomicBoolean();
    AtomicReference<Throwable> caught = new AtomicReference<>();
    AtomicBoolean stillInterrupted = new AtomicBoolean();
    Thread request =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    relays.run(
                        () -> {
                          started.countDown();
                          try {
                            // a blocked read, ended by the cancel (an aborted call)
                            release.await();
                          } catch (InterruptedException e) {
                            throw new AssertionError("the relay thread is not interrupted", e);
                          }
                          relayEnded.set(true);
                        },
                        release::countDown);
                  } catch (RuntimeException e) {
                    caught.set(e);
                  }
                  endedBeforeReturn.set(relayEnded.get());
                  stillInterrupted.set(Thread.currentThread().isInterrupted());
                });
    assertThat(started.await(10, TimeUnit.SECONDS), is(true));

    request.interrupt();
    request.join();

    assertThat(endedBeforeReturn.get(), is(true));
    assertThat(caught.get(), instanceOf(CloseConnectionException.class));
    assertThat(stillInterrupted.get(), is(true));
  }

  @Test
  void shouldRelayOnTheCallingThreadWhenTheSystemRefusesAThread() {
    StreamRelays refused =
        StreamRelays.platform(
            r -> {
              throw new OutOfMemoryError("unable to create native thread: possibly out of memory");
            },
            4);
    AtomicReference<Thread> ran = new AtomicReference<>();
    try {
      refused.run(() -> ran.set(Thread.currentThread()), () -> {});
    } finally {
      refused.close();
    }
    assertThat(ran.get(), sameInstance(Thread.currentThread()));
  }

  @Test
  void shouldRelayOnTheRequestsThreadPastTheMostPlatformThreadsAndOnOneAgainOnceOneIsFree()
      throws Exception {
    StreamRelays two = StreamRelays.platform(Thread.ofPlatform().daemon().factory(), 2);
    CountDownLatch running = new CountDownLatch(2);
    CountDownLatch release = new CountDownLatch(1);
    List<Thread> holders = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        holders.add(
            Thread.ofVirtual()
                .start(
                    () ->
                        two.run(
                            () -> {
                              running.countDown();
                              try {
                                release.await();
                              } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                              }
                            },
                            () -> {})));
      }
      assertThat(running.await(10, TimeUnit.SECONDS), is(true));
      AtomicReference<Thread> third = new AtomicReference<>();
      two.run(() -> third.set(Thread.currentThread()), () -> {});
      assertThat(third.get(), sameInstance(Thread.currentThread()));

      release.countDown();
      for (Thread t : holders) {
        t.join();
      }
      two.run(() -> third.set(Thread.currentThread()), () -> {});
      assertThat(third.get().isVirtual(), is(false));
      assertThat(third.get(), not(sameInstance(Thread.currentThread())));
    } finally {
      release.countDown();
      two.close();
    }
  }

  @Test
  void shouldRelayOnTheCallingThreadWhenInlineOrClosed() {
    AtomicReference<Thread> ran = new AtomicReference<>();
    StreamRelays.inline().run(() -> ran.set(Thread.currentThread()), () -> {});
    assertThat(ran.get(), sameInstance(Thread.currentThread()));

    relays.close();
    ran.set(null);
    relays.run(() -> ran.set(Thread.currentThread()), () -> {});
    assertThat(ran.get(), sameInstance(Thread.currentThread()));
  }
}
