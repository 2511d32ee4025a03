/**
 * Speed and memory benchmarks that print numbers (each case in a child JVM so its peak memory is
 * its own). A front end over the library layers; only {@code cli} uses it.
 */
package dev.ferry.bench;
