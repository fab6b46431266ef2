/**
 * A fake LLM inference node for the data plane's tests and the perf lab ({@link
 * io.mscoordinator.testing.engine.FakeEngine}): the routes of data-plane.md section 2 on plain
 * sockets, a token-timing model, {@code /metrics} in MindIE's or vLLM's names, fault modes and
 * records of what it saw and wrote; as a prefill or a decode engine, the two sides of data-plane.md
 * section 5. Threads: each engine's virtual acceptor and one virtual thread per connection own
 * their connection's reading and writing (a decode engine's {@code /dresult} link is written by its
 * connection's thread alone), one virtual thread per decode hand-off offers its messages to the
 * engine's outbox; the records ({@link io.mscoordinator.testing.engine.EngineRecords}) and the load
 * are shared under their monitors; tests read, set faults and close from their own threads.
 */
package io.mscoordinator.testing.engine;
