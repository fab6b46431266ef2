/**
 * Node scraping and the label-aware cluster merge: the scrape loops, the text parser and the merge
 * of every node's families into one cluster view. The HTTP calls go through the outbound layer,
 * {@link io.mscoordinator.client}.
 *
 * <p>Threads: each scraped node owns one virtual thread that fetches (a blocking call of the
 * outbound layer), parses and reset-compensates that node's body; its call, body buffer, parser and
 * counter state are confined to it (a stopping node only aborts its call from outside), and it
 * publishes an immutable {@code NodeResult} and the node's load figures ({@code NodeLoad}, read
 * through {@code ScrapedSignals} by instance id). One merge virtual thread owns the retired-node
 * accumulators and publishes an immutable {@link io.mscoordinator.scrape.MergedSnapshot} through a
 * volatile field. The registry listener (the manage listener's request thread) only starts and
 * stops node threads and republishes the table of online nodes' figures. Readers such as {@code
 * /metrics} take the snapshot, and schedulers the figures, and never wait on a node.
 */
package io.mscoordinator.scrape;
