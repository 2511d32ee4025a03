package dev.ferry.eval;

/** HTML text escaping shared by the HTML renderers. */
final class Html {
    private Html() {}

    /**
     * Escapes text for use in element content and in double- or single-quoted attribute values.
     * Control characters other than tab and newline are dropped: they are invalid in HTML and only
     * reach here from odd folder names.
     */
    static String escape(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> {
                    if (c >= 0x20 || c == '\t' || c == '\n') {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }
}
