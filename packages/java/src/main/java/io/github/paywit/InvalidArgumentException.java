package io.github.paywit;

/**
 * An argument that does not fit its WIT type (null, a string with a lone surrogate, a number out
 * of range), thrown before anything reaches the component. It names the argument by its path
 * ({@code request.headers[2].value}) and never shows its value.
 */
public final class InvalidArgumentException extends PaywitException {
    private static final long serialVersionUID = 1L;

    private final String path;
    private final String reason;

    /**
     * An invalid argument with no path yet.
     *
     * @param reason what the argument must be
     */
    public InvalidArgumentException(String reason) {
        this("", reason);
    }

    private InvalidArgumentException(String path, String reason) {
        super("invalid-argument", "paywit: invalid argument " + (path.isEmpty() ? "" : path + ": ") + reason, null);
        this.path = path;
        this.reason = reason;
    }

    /**
     * The argument's path, such as {@code request.headers[2].value} (empty when it has none).
     *
     * @return the path
     */
    public String path() {
        return path;
    }

    /**
     * What the argument must be.
     *
     * @return the reason
     */
    public String reason() {
        return reason;
    }

    /**
     * This error with {@code segment} (a parameter, a field or an index such as {@code [2]})
     * in front of its path.
     *
     * @param segment the enclosing parameter, field or index
     * @return the error with the longer path
     */
    InvalidArgumentException within(String segment) {
        String joined;
        if (path.isEmpty()) {
            joined = segment;
        } else if (path.startsWith("[")) {
            joined = segment + path;
        } else {
            joined = segment + "." + path;
        }
        return new InvalidArgumentException(joined, reason);
    }
}
