/**
 * Helpers every test package shares: where the test data lives ({@link TestData}) and the reference
 * tools that judge an exposition body ({@link ReferenceTools}). They hold no state between calls;
 * any test thread may use them.
 */
package io.mscoordinator.testing;
