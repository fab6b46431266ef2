package io.mscoordinator.testing.engine;

import java.io.ByteArrayOutputStream;
import java.util.List;

/**
 * What the fake engine wrote for one request: immutable, shared with any test thread.
 *
 * @param request the request answered
 * @param status the status line's code, 0 when no status line was written (a hang before the first
 *     token, garbage)
 * @param chunked whether the body was sent with chunked transfer coding
 * @param chunks the body as written: one entry per HTTP chunk when chunked, else the bytes of the
 *     body in the pieces they were written
 * @param complete whether the answer ended as HTTP says it should (final chunk, or all of its
 *     Content-Length); false when a fault, a stopped connection or {@link FakeEngine#close()} cut
 *     it
 * @param fault the fault that shaped the answer, {@code null} for a normal answer
 * @param headNanos {@link System#nanoTime()} when the status line was written, 0 when none was
 */
public record WrittenAnswer(
    SeenRequest request,
    int status,
    boolean chunked,
    List<byte[]> chunks,
    boolean complete,
    Fault fault,
    long headNanos) {

  /** The body bytes the client should have received, in order: the chunks' payloads joined. */
  public byte[] body() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    chunks.forEach(out::writeBytes);
    return out.toByteArray();
  }

  @Override
  public String toString() {
    return "WrittenAnswer[sequence="
        + request.sequence()
        + " "
        + request.path()
        + " status="
        + status
        + " chunks="
        + chunks.size()
        + " complete="
        + complete
        + " fault="
        + fault
        + "]";
  }
}
