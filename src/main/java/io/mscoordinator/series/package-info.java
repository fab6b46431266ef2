/**
 * The series vocabulary every other package speaks: the metric type as the exposition formats name
 * it, the sorted immutable label set, metric and label name rules (and the sanitizing of foreign
 * names), label-value and HELP escaping, and the canonical text of {@code le} and {@code quantile}
 * values. The store, the OTLP receiver, the node scraper's merge and the exposition writers all use
 * these types, so a series means the same thing, and is written the same way, everywhere.
 *
 * <p>A leaf: depends on nothing else of the project. Threads: everything here is immutable or
 * stateless and safe from any thread.
 */
package io.mscoordinator.series;
