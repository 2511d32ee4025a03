/**
 * The machine ferry runs on and what its native libraries can safely do there: processor
 * identification ({@link dev.ferry.platform.CpuInfo}), how 1x1 convolutions run
 * ({@link dev.ferry.platform.ConvPaths}) with its child-JVM probe, the one entry to DJL's engine
 * ({@link dev.ferry.platform.Engines}) and libtorch's log level, the versions of the bundled native
 * libraries ({@link dev.ferry.platform.BuildInfo}), atomic file writing
 * ({@link dev.ferry.platform.AtomicFiles}), free-space checks ({@link dev.ferry.platform.DiskSpace}),
 * worker threads ({@link dev.ferry.platform.DaemonThreads}) and the cache directory.
 *
 * <p>A bottom layer: it uses the JDK, DJL, JNA, Gson and {@code dev.ferry}'s error types; every
 * other ferry package may use it, it uses none of them.
 */
package dev.ferry.platform;
