package dev.ferry.serve;

import java.util.Map;

/**
 * A request that cannot be answered with a result: the status, the one line the client reads in
 * {@code {"error": ...}}, and any headers the status needs ({@code Retry-After} on 503,
 * {@code WWW-Authenticate} on 401).
 */
public final class HttpError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final transient Map<String, String> headers;

    /** An error with no extra headers. */
    public HttpError(int status, String message) {
        this(status, message, Map.of());
    }

    /** An error with headers to send along. */
    public HttpError(int status, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.headers = Map.copyOf(headers);
    }

    /** The HTTP status. */
    public int status() {
        return status;
    }

    /** Headers to send with it. */
    public Map<String, String> headers() {
        return headers;
    }
}
