package dev.ferry.weights;

import dev.ferry.InputException;
import java.net.URI;
import java.util.regex.Pattern;

/**
 * A Hugging Face hub model repository at a revision, as users name it:
 * {@code hf-hub:timm/resnet50.a1_in1k} or {@code hf-hub:timm/resnet50.a1_in1k@<revision>} (a
 * branch, a tag or a commit; {@code main} when absent), the form timm's {@code create_model}
 * accepts.
 *
 * @param organisation the repository's owner, e.g. {@code timm}
 * @param name the repository's name, e.g. {@code resnet50.a1_in1k}
 * @param revision the branch, tag or commit asked for
 */
public record HubReference(String organisation, String name, String revision) {

    /** The prefix that marks a hub reference. */
    public static final String PREFIX = "hf-hub:";

    /** The hub's revision when none is named. */
    public static final String DEFAULT_REVISION = "main";

    // The hub's own rules for repository names: letters, digits, '-', '_', '.'; never "..".
    private static final Pattern PART = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}");
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    public HubReference {
        if (organisation == null || !PART.matcher(organisation).matches() || organisation.contains("..")) {
            throw new IllegalArgumentException("not a hub organisation name: " + organisation);
        }
        if (name == null || !PART.matcher(name).matches() || name.contains("..")) {
            throw new IllegalArgumentException("not a hub repository name: " + name);
        }
        if (revision == null || !REVISION.matcher(revision).matches() || revision.contains("..")) {
            throw new IllegalArgumentException("not a hub revision: " + revision);
        }
    }

    /** True if {@code spec} is meant as a hub reference (starts with {@value #PREFIX}, any case). */
    public static boolean isHub(String spec) {
        return spec != null && spec.regionMatches(true, 0, PREFIX, 0, PREFIX.length());
    }

    /**
     * Parses {@code hf-hub:ORG/NAME[@REVISION]}.
     *
     * @throws InputException (one line) naming what is wrong with {@code spec}
     */
    public static HubReference parse(String spec) {
        if (!isHub(spec)) {
            throw new InputException("not a hub reference (hf-hub:ORG/NAME[@REVISION]): " + spec);
        }
        String rest = spec.substring(PREFIX.length()).trim();
        String revision = DEFAULT_REVISION;
        int at = rest.indexOf('@');
        if (at >= 0) {
            revision = rest.substring(at + 1);
            rest = rest.substring(0, at);
        }
        int slash = rest.indexOf('/');
        if (slash < 0 || rest.indexOf('/', slash + 1) >= 0) {
            throw new InputException("hub reference '" + spec + "' must be hf-hub:ORG/NAME[@REVISION], e.g. hf-hub:timm/resnet50.a1_in1k");
        }
        try {
            return new HubReference(rest.substring(0, slash), rest.substring(slash + 1), revision);
        } catch (IllegalArgumentException e) {
            throw new InputException("hub reference '" + spec + "': " + e.getMessage());
        }
    }

    /** {@code ORG/NAME}. */
    public String repository() {
        return organisation + "/" + name;
    }

    /** The form users type, with the revision only when it is not {@value #DEFAULT_REVISION}. */
    public String spec() {
        return PREFIX + repository() + (revision.equals(DEFAULT_REVISION) ? "" : "@" + revision);
    }

    /** This repository at another revision. */
    public HubReference at(String otherRevision) {
        return new HubReference(organisation, name, otherRevision);
    }

    /** True if the revision is a full commit hash, which never moves (a branch or a tag can). */
    public boolean pinned() {
        return revision.matches("[0-9a-f]{40}");
    }

    /**
     * {@code <endpoint>/{repo}/resolve/{revision}/{file}}: the hub answers with a redirect to the
     * content (for large files, to its storage), headed by the file's hash and the commit.
     */
    public URI fileUri(URI endpoint, String file) {
        String base = endpoint.toString().endsWith("/") ? endpoint.toString() : endpoint + "/";
        return URI.create(base + organisation + "/" + name + "/resolve/" + revision + "/" + file);
    }

    /** The cache folder's name for the repository, as the hub's own cache spells it: {@code ORG--NAME}. */
    String folderName() {
        return organisation + "--" + name;
    }
}
