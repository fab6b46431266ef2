/**
 * Node scraping and the label-aware cluster merge: the HTTP client side, the text parser and the
 * merge of every node's families into one cluster view.
 *
 * <p>Threads: each scraped node owns one virtual thread that fetches, parses and reset-compensates
 * that node's body; its parser and counter state are confined to it, and it publishes an immutable
 * {@code NodeResult}. One merge virtual thread owns the retired-node accumulators and publishes an
 * immutable {@link io.mscoordinator.scrape.MergedSnapshot} through a volatile field. The registry
 * listener (the manage listener's request thread) only starts and stops node threads. Readers such
 * as {@code /metrics} take the snapshot and never wait on a node.
 */
package io.mscoordinator.scrape;
