package dev.ferry.serve;

/**
 * One image a client sent: the name it goes by in answers and errors, and its bytes.
 *
 * @param label the uploaded file's name (or {@code body} for a raw body), made safe to print
 * @param data the encoded image
 */
record Upload(String label, byte[] data) {
    /** The most characters of a client's file name kept in answers. */
    static final int MAX_LABEL = 200;

    /**
     * A client's file name as ferry names it back: the last path segment only, control characters
     * replaced, at most {@value #MAX_LABEL} characters; {@code fallback} when nothing is left.
     */
    static String label(String clientName, String fallback) {
        if (clientName == null) {
            return fallback;
        }
        String s = clientName;
        int slash = Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\'));
        s = s.substring(slash + 1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < MAX_LABEL; i++) {
            char c = s.charAt(i);
            sb.append(Character.isISOControl(c) ? '_' : c);
        }
        String out = sb.toString().strip();
        return out.isEmpty() || out.equals(".") || out.equals("..") ? fallback : out;
    }
}
