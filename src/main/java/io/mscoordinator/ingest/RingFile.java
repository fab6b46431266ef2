package io.mscoordinator.ingest;

import static io.mscoordinator.ingest.RingFileDescriptor.*;

import java.io.File;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.agrona.BitUtil;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * A mapped ring file of {@link RingFileDescriptor} layout: its header fields and its ring.
 *
 * <p>Threadsafe: the ring is a many-to-one ring (any producer thread, one consumer); header fields
 * are read and written with acquire/release or atomic operations. The mapping is never unmapped:
 * handlers may still offer into it after the coordinator closed, and those writes must stay
 * harmless, so it lives until the JVM exits (or the buffer is collected).
 */
public final class RingFile {
  private final Path path;
  private final UnsafeBuffer header;
  private final ManyToOneRingBuffer ring;
  private final boolean reused;
  private volatile FileChannel consumerLock;

  private RingFile(Path path, MappedByteBuffer mapped, int capacity, boolean reused) {
    this.path = path;
    this.header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
    this.ring =
        new ManyToOneRingBuffer(
            new UnsafeBuffer(
                mapped, HEADER_LENGTH, capacity + RingBufferDescriptor.TRAILER_LENGTH));
    this.reused = reused;
  }

  /**
   * Maps the ring file for the consumer: reuses an existing complete file (whatever its capacity:
   * its records are kept), or creates a new one of {@code capacity}.
   *
   * @throws IllegalStateException when the file exists but is not a ring file of this layout
   */
  static RingFile openForConsumer(Path path, int capacity) {
    File file = path.toFile();
    try {
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot create ring file directory: path=" + path, e);
    }
    FileChannel lock = lockConsumer(path);
    try {
      RingFile opened = mapForConsumer(path, file, capacity);
      opened.consumerLock = lock;
      return opened;
    } catch (RuntimeException e) {
      closeQuietly(lock);
      throw e;
    }
  }

  private static RingFile mapForConsumer(Path path, File file, int capacity) {
    if (file.exists() && file.length() >= HEADER_LENGTH) {
      MappedByteBuffer mapped = IoUtil.mapExistingFile(file, "metrics ring");
      UnsafeBuffer h = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
      int version = h.getIntAcquire(VERSION_OFFSET);
      if (version != 0) {
        RingFile reused = verified(path, mapped, h, version);
        ownerOnly(path);
        return reused;
      }
      // A creator died before publishing the version: no producer can have written into it.
    }
    if (file.exists() && !file.delete()) {
      throw new IllegalStateException("cannot replace incomplete ring file: path=" + path);
    }
    long length = (long) HEADER_LENGTH + capacity + RingBufferDescriptor.TRAILER_LENGTH;
    MappedByteBuffer mapped = createOwnerOnly(path, length);
    UnsafeBuffer h = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
    h.putLong(MAGIC_OFFSET, MAGIC);
    h.putInt(HEADER_LENGTH_OFFSET, HEADER_LENGTH);
    h.putInt(CAPACITY_OFFSET, capacity);
    RingFile created = new RingFile(path, mapped, capacity, false);
    // Last, with release semantics: a producer that sees the version sees everything above.
    h.putIntRelease(VERSION_OFFSET, RecordDescriptor.LAYOUT_VERSION);
    return created;
  }

  /**
   * Takes the consumer's exclusive lock on {@code <ring file>.lock}. A many-to-one ring has one
   * consumer: a second coordinator draining the same file would corrupt its head. The operating
   * system drops the lock when the holder dies, so a restart after a crash gets it back.
   */
  private static FileChannel lockConsumer(Path path) {
    Path lockPath = path.resolveSibling(path.getFileName() + ".lock");
    FileChannel channel;
    try {
      channel = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new IllegalStateException("cannot open ring lock file: path=" + lockPath, e);
    }
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException | IOException e) {
      lock = null;
    }
    if (lock == null) {
      closeQuietly(channel);
      throw new IllegalStateException(
          "ring file in use by another coordinator: path=" + path + " lock=" + lockPath);
    }
    return channel;
  }

  /**
   * Creates and maps a zero-filled file that is the owner's alone (0600) from its first moment,
   * whatever the umask: any process that can write the ring can feed the coordinator's metrics, and
   * one that opened the file before a later chmod would keep its access. Writers run as the
   * coordinator's user.
   */
  private static MappedByteBuffer createOwnerOnly(Path path, long length) {
    try {
      Files.createFile(
          path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
        // Writing the last byte grows the file with zeros: the version stays 0 until published.
        channel.write(java.nio.ByteBuffer.allocate(1), length - 1);
      }
    } catch (IOException | UnsupportedOperationException e) {
      throw new IllegalStateException("cannot create ring file: path=" + path, e);
    }
    return IoUtil.mapExistingFile(path.toFile(), "metrics ring");
  }

  /** A file from an earlier run (or another tool) may be wider open; the consumer narrows it. */
  private static void ownerOnly(Path path) {
    try {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException | UnsupportedOperationException e) {
      throw new IllegalStateException("cannot make ring file owner-only: path=" + path, e);
    }
  }

  /** Releases the consumer lock; the mapping stays (see the class comment). */
  void releaseConsumer() {
    FileChannel lock = consumerLock;
    consumerLock = null;
    if (lock != null) {
      closeQuietly(lock);
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // Closing releases the lock; there is nothing more to do if the close itself fails.
    }
  }

  /**
   * Maps an existing, complete ring file for a producer.
   *
   * @throws IllegalStateException when the file is missing, incomplete or of another layout
   */
  public static RingFile openForProducer(Path path) {
    File file = path.toFile();
    if (!file.isFile() || file.length() < HEADER_LENGTH) {
      throw new IllegalStateException("no ring file: path=" + path);
    }
    MappedByteBuffer mapped = IoUtil.mapExistingFile(file, "metrics ring");
    UnsafeBuffer h = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
    return verified(path, mapped, h, h.getIntAcquire(VERSION_OFFSET));
  }

  private static RingFile verified(
      Path path, MappedByteBuffer mapped, UnsafeBuffer h, int version) {
    long magic = h.getLong(MAGIC_OFFSET);
    int headerLength = h.getInt(HEADER_LENGTH_OFFSET);
    int capacity = h.getInt(CAPACITY_OFFSET);
    long expected = (long) HEADER_LENGTH + capacity + RingBufferDescriptor.TRAILER_LENGTH;
    if (magic != MAGIC
        || version != RecordDescriptor.LAYOUT_VERSION
        || headerLength != HEADER_LENGTH
        || !BitUtil.isPowerOfTwo(capacity)
        || mapped.capacity() != expected) {
      throw new IllegalStateException(
          "not a ring file of this layout: path="
              + path
              + " magic=0x"
              + Long.toHexString(magic)
              + " version="
              + version
              + " header_length="
              + headerLength
              + " capacity="
              + capacity
              + " file_length="
              + mapped.capacity());
    }
    return new RingFile(path, mapped, capacity, true);
  }

  /** The file path. */
  public Path path() {
    return path;
  }

  /** Whether an existing file was reused rather than created. */
  public boolean reused() {
    return reused;
  }

  /** The ring inside the file. */
  public ManyToOneRingBuffer ring() {
    return ring;
  }

  /** The consumer epoch (acquire). */
  public long consumerEpoch() {
    return header.getLongAcquire(CONSUMER_EPOCH_OFFSET);
  }

  /** The consumer heartbeat in epoch ms, 0 after a clean stop (acquire). */
  public long consumerHeartbeat() {
    return header.getLongAcquire(HEARTBEAT_OFFSET);
  }

  /** Records dropped by producers because the ring was full. */
  public long droppedRingFull() {
    return header.getLongAcquire(DROPPED_FULL_OFFSET);
  }

  /** A producer counts one record dropped on a full ring (atomic: many producers). */
  void countRingFull() {
    header.getAndAddLong(DROPPED_FULL_OFFSET, 1);
  }

  /** The consumer announces a start or a stop: a new epoch. */
  void bumpEpoch(long pid, long heartbeatMs) {
    header.putLongRelease(CONSUMER_PID_OFFSET, pid);
    header.putLongRelease(HEARTBEAT_OFFSET, heartbeatMs);
    header.getAndAddLong(CONSUMER_EPOCH_OFFSET, 1);
  }

  /** The consumer's heartbeat. */
  void heartbeat(long nowMs) {
    header.putLongRelease(HEARTBEAT_OFFSET, nowMs);
  }
}
