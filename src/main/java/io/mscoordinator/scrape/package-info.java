/**
 * Node scraping and the label-aware cluster merge: the HTTP/1.1 scrape client, the text parser and
 * the merge of every node's families into one cluster view.
 *
 * <p>Threads: each scraped node owns one virtual thread that fetches (blocking HTTP/1.1 through the
 * node's {@code ScrapeClient}), parses and reset-compensates that node's body; its connection, body
 * buffers, parser and counter state are confined to it (a stopping node only closes its socket from
 * outside), and it publishes an immutable {@code NodeResult}. One merge virtual thread owns the
 * retired-node accumulators and publishes an immutable {@link
 * io.mscoordinator.scrape.MergedSnapshot} through a volatile field. The registry listener (the
 * manage listener's request thread) only starts and stops node threads. Readers such as {@code
 * /metrics} take the snapshot and never wait on a node.
 */
package io.mscoordinator.scrape;
