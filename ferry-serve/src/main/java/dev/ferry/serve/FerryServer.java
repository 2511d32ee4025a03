package dev.ferry.serve;

import dev.ferry.FerryException;
import dev.ferry.InputException;
import dev.ferry.platform.DaemonThreads;
import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A running {@code ferry serve}: the models loaded onto the inference engine, then Jetty listening.
 *
 * <pre>{@code
 * try (FerryServer s = FerryServer.start(ServeOptions.defaults(List.of(new ServeOptions.Model("cats", dir))), log)) {
 *     System.out.println(s.uri());   // http://127.0.0.1:8080/
 *     s.join();
 * }
 * }</pre>
 *
 * <p>{@link #close()} is the graceful stop: the port closes at once, requests in flight are
 * answered (each within its timeout), then the batchers and engines stop.
 */
public final class FerryServer implements AutoCloseable {
    private static final String PAGE = "page/index.html";
    /** See where it is set. */
    static final long SHUTDOWN_IDLE_MS = 3_000;

    private final Server server;
    private final ServerConnector connector;
    private final GracefulHandler graceful;
    private final Map<String, ServedModel> models;
    private final ExecutorService decode;
    private final java.util.concurrent.atomic.AtomicBoolean ready;
    private boolean closed;

    private FerryServer(Server server, ServerConnector connector, GracefulHandler graceful,
                        Map<String, ServedModel> models, ExecutorService decode,
                        java.util.concurrent.atomic.AtomicBoolean ready) {
        this.server = server;
        this.connector = connector;
        this.graceful = graceful;
        this.models = models;
        this.decode = decode;
        this.ready = ready;
    }

    /**
     * Loads every model, then listens.
     *
     * @param log one line per model loaded
     * @throws InputException if a model directory is unusable or the address cannot be bound
     */
    public static FerryServer start(ServeOptions o, Consumer<String> log) {
        ServeMetrics metrics = new ServeMetrics();
        Semaphore permit = new Semaphore(1);
        Map<String, ServedModel> models = new LinkedHashMap<>();
        try {
            for (ServeOptions.Model m : o.models()) {
                long t0 = System.nanoTime();
                ServedModel sm = ServedModel.load(m, o, permit, metrics);
                models.put(m.name(), sm);
                log.accept(String.format(java.util.Locale.ROOT, "model '%s': %s%s, %d classes, crop %d (%s), loaded in %.1f s",
                        m.name(), sm.info().arch(), m.int8() ? " int8" : "", sm.labels().size(), sm.preset().crop(), m.dir(),
                        (System.nanoTime() - t0) / 1e9));
            }
        } catch (RuntimeException e) {
            models.values().forEach(ServedModel::close);
            throw e;
        }
        Map<String, ServedModel> view = Collections.unmodifiableMap(models);
        metrics.watch(view::values);

        ExecutorService decode = DaemonThreads.fixedPool("ferry-serve-decode", o.decodeThreads());
        // Jetty's selector and acceptor threads come out of the same pool: a few on top of the
        // request threads.
        QueuedThreadPool threads = new QueuedThreadPool(o.httpThreads() + 4, Math.min(8, o.httpThreads() + 4));
        threads.setName("ferry-http");
        threads.setDaemon(true);
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setRequestHeaderSize(16 * 1024);
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(o.host());
        connector.setPort(o.port());
        // A client that stops sending mid-body is dropped after this long (a slow-loris defence).
        connector.setIdleTimeout(30_000);
        connector.setAcceptQueueSize(256);
        server.addConnector(connector);
        java.util.concurrent.atomic.AtomicBoolean ready = new java.util.concurrent.atomic.AtomicBoolean();
        Routes routes = new Routes(o, view, decode, metrics, ready::get, page());
        GracefulHandler graceful = new GracefulHandler(routes);
        // While stopping, Jetty closes connections once idle for this long (1 s by default): long
        // enough for a client still uploading its image when the stop begins to go on and be
        // answered, short enough that an idle keep-alive connection (a browser tab, a pooled
        // client) holds the stop up for no more than that.
        graceful.setShutdownIdleTimeout(SHUTDOWN_IDLE_MS);
        server.setHandler(graceful);
        server.setErrorHandler(FerryServer::jettyError);
        // Long enough for a request in flight to meet its own timeout.
        server.setStopTimeout(o.requestTimeout().toMillis() + 5_000);
        server.setStopAtShutdown(false);
        FerryServer self = new FerryServer(server, connector, graceful, models, decode, ready);
        try {
            server.start();
        } catch (Exception e) {
            self.close();
            if (e instanceof BindException || e.getCause() instanceof BindException) {
                throw new InputException("cannot listen on " + o.host() + ":" + o.port() + " (" + Routes.describe(e) + ")", e);
            }
            throw new FerryException("the HTTP server did not start (" + Routes.describe(e) + ")", e);
        }
        ready.set(true);
        return self;
    }

    /** The port listened on (the one chosen when port 0 was asked). */
    public int port() {
        return connector.getLocalPort();
    }

    /** {@code http://host:port/}. */
    public URI uri() {
        String host = connector.getHost() == null ? "127.0.0.1" : connector.getHost();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + port() + "/");
    }

    /** The names of the models served, in order. */
    public List<String> models() {
        return new ArrayList<>(models.keySet());
    }

    /** Requests being answered now. */
    public long inFlight() {
        return graceful.getCurrentRequestCount();
    }

    /** Blocks until the server has stopped. */
    public void join() throws InterruptedException {
        server.join();
    }

    /**
     * Stops gracefully: readiness turns false and the port closes, requests in flight are
     * answered, then the batchers and engines are released. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        ready.set(false);
        try {
            server.stop();
        } catch (Exception e) {
            // Stopping failed part way (a request outlived the stop timeout): the models are
            // released below all the same.
        }
        decode.shutdownNow();
        try {
            decode.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        models.values().forEach(ServedModel::close);
    }

    /** Jetty's own errors (a malformed request line, headers too large) as one-line JSON too. */
    private static boolean jettyError(Request request, org.eclipse.jetty.server.Response response,
                                      org.eclipse.jetty.util.Callback callback) {
        Object status = request.getAttribute(ErrorHandler.ERROR_STATUS);
        Object message = request.getAttribute(ErrorHandler.ERROR_MESSAGE);
        int code = status instanceof Integer i ? i : response.getStatus();
        String text = message != null ? message.toString() : org.eclipse.jetty.http.HttpStatus.getMessage(code);
        Answer a = Answer.error(new HttpError(code, text));
        response.setStatus(code);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Answer.JSON);
        response.write(true, ByteBuffer.wrap(a.body()), callback);
        return true;
    }

    private static byte[] page() {
        try (InputStream in = FerryServer.class.getResourceAsStream(PAGE)) {
            if (in == null) {
                throw new FerryException("the page is missing from ferry's jar (" + PAGE + ")");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new FerryException("cannot read the page from ferry's jar (" + e.getMessage() + ")", e);
        }
    }
}
