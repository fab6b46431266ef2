/**
 * Helpers every test package shares: where the test data lives ({@link TestData}), the reference
 * tools that judge an exposition body ({@link ReferenceTools}), the one reader of exposition bodies
 * for assertions ({@link Samples}) and the one comparison with golden files ({@link Golden}). They
 * hold no state between calls; any test thread may use them.
 */
package io.mscoordinator.testing;
