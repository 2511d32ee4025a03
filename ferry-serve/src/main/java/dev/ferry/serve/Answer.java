package dev.ferry.serve;

import dev.ferry.workflow.PredictionJson;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a route answers: a status, a content type, the body and any extra headers.
 *
 * @param status the HTTP status
 * @param contentType the body's media type
 * @param body the bytes sent
 * @param headers extra headers
 */
record Answer(int status, String contentType, byte[] body, Map<String, String> headers) {
    static final String JSON = "application/json";

    Answer {
        headers = Map.copyOf(headers);
    }

    /** {@code value} as JSON with status {@code status}. */
    static Answer json(int status, Object value) {
        return new Answer(status, JSON, PredictionJson.render(value).getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** The one-line error body {@code {"error": message}}. */
    static Answer error(HttpError e) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", oneLine(e.getMessage()));
        Answer a = json(e.status(), body);
        return new Answer(a.status(), a.contentType(), a.body(), e.headers());
    }

    /** Line breaks and control characters out of a message a client will read. */
    static String oneLine(String s) {
        if (s == null || s.isBlank()) {
            return "error";
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(Character.isISOControl(c) ? ' ' : c);
        }
        return sb.toString().strip();
    }
}
