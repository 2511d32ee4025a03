package dev.ferry.serve;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** A loopback HTTP client for the serving tests. */
final class Http {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final URI base;
    private final String token;

    Http(URI base) {
        this(base, null);
    }

    Http(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    Http withToken(String t) {
        return new Http(base, t);
    }

    HttpResponse<String> get(String path) {
        return send(builder(path).GET().build());
    }

    HttpResponse<String> post(String path, byte[] body, String contentType) {
        return send(builder(path).header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    HttpResponse<String> postImage(String path, byte[] image) {
        return post(path, image, "application/octet-stream");
    }

    /** A multipart/form-data body with one file part per (name, bytes). */
    HttpResponse<String> postFiles(String path, List<String> names, List<byte[]> files) {
        return post(path, multipart(names, files), MULTIPART);
    }

    /** The content type of {@link #multipart}'s bodies. */
    static final String MULTIPART = "multipart/form-data; boundary=ferry-test-boundary-7d1f";

    /** The bytes of a multipart/form-data body with one file part per (name, bytes). */
    static byte[] multipart(List<String> names, List<byte[]> files) {
        String boundary = MULTIPART.substring(MULTIPART.indexOf('=') + 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            for (int i = 0; i < names.size(); i++) {
                out.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + names.get(i)
                        + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
                out.write(files.get(i));
                out.write("\r\n".getBytes(StandardCharsets.UTF_8));
            }
            out.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpRequest.Builder builder(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }
}
