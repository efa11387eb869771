package io.github.paywit;

import java.util.ArrayList;
import java.util.List;

/**
 * The component's input limits (from abi.properties, written by {@code cargo xtask build} from
 * paywit's own), checked before a large input is copied into it: a refused 200 MiB body must not
 * grow an instance's memory at all. The checks run in the component's order (secret count, body
 * bytes, header count, header bytes, URL bytes) and throw exactly the component's
 * {@link Webhooks.VerifyLimitExceededException}, so a caller cannot tell which side refused.
 */
final class Limits {
    /** Below this many input bytes in all, the component checks the limits itself. */
    static final long CHECK_ABOVE = 1 << 20;

    private Limits() {}

    private static Webhooks.VerifyLimitExceededException exceeded(Webhooks.Limit what, long actual) {
        return new Webhooks.VerifyLimitExceededException(
                new Webhooks.LimitExceeded(what, Guest.limit(what.witName()), actual));
    }

    /**
     * Refuses a delivery with more header values than the component takes, before they are
     * listed, in the component's order (a body over its limit is named first).
     */
    static void checkHeaderCount(byte[] body, long count) {
        if (count <= Guest.limit("header-count")) {
            return;
        }
        if (body.length > Guest.limit("body-bytes")) {
            throw exceeded(Webhooks.Limit.BODY_BYTES, body.length);
        }
        throw exceeded(Webhooks.Limit.HEADER_COUNT, count);
    }

    /** Refuses a delivery over a limit, as the component would, when it is large to copy. */
    static void checkRequest(byte[] body, List<Types.Header> headers, String url) {
        long size = (long) body.length + (url == null ? 0 : url.length());
        for (Types.Header h : headers) {
            size += h.name().length() + h.value().length();
        }
        if (size < CHECK_ABOVE) {
            return;
        }
        if (body.length > Guest.limit("body-bytes")) {
            throw exceeded(Webhooks.Limit.BODY_BYTES, body.length);
        }
        if (headers.size() > Guest.limit("header-count")) {
            throw exceeded(Webhooks.Limit.HEADER_COUNT, headers.size());
        }
        for (Types.Header h : headers) {
            long n = utf8Length(h.name()) + utf8Length(trim(h.value()));
            if (n > Guest.limit("header-bytes")) {
                throw exceeded(Webhooks.Limit.HEADER_BYTES, n);
            }
        }
        if (url != null && utf8Length(url) > Guest.limit("url-bytes")) {
            throw exceeded(Webhooks.Limit.URL_BYTES, utf8Length(url));
        }
    }

    /**
     * {@code secrets} as the component will see them: more than the secret-count limit is its
     * limit-exceeded answer, and each over-long secret is replaced by a short stand-in it refuses
     * alike (unusable-secret, too-long, at the same index: it checks a secret's length first).
     */
    static List<String> boundedSecrets(List<String> secrets) {
        if (secrets.size() > Guest.limit("secret-count")) {
            throw exceeded(Webhooks.Limit.SECRET_COUNT, secrets.size());
        }
        long max = Guest.limit("secret-bytes");
        List<String> out = null;
        for (int i = 0; i < secrets.size(); i++) {
            String s = secrets.get(i);
            if (s != null && s.length() > max / 3 && utf8Length(s) > max) {
                if (out == null) {
                    out = new ArrayList<>(secrets);
                }
                out.set(i, "x".repeat((int) max + 1));
            }
        }
        return out == null ? secrets : out;
    }

    /** Trimmed of spaces and tabs, as the component trims a header value. */
    private static String trim(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && (s.charAt(start) == ' ' || s.charAt(start) == '\t')) {
            start++;
        }
        while (end > start && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == '\t')) {
            end--;
        }
        return s.substring(start, end);
    }

    /** The UTF-8 length of a well-formed string. */
    static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
