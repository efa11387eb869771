package io.github.paywit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code verify-packed} fast path (see {@code verify-packed} in wit/webhooks.wit): the headers
 * as one field block and the whole delivery in one buffer, one call into the component. Pinned byte
 * for byte by conformance/golden/verify-packed.json.
 */
final class Packed {
    /** Layout 1's version byte. */
    static final int VERSION = 1;

    /** The case index of body.bytes. */
    static final int BODY_BYTES = Canonical.caseTypesBody(new Types.Body.Bytes(new byte[0]));

    private Packed() {}

    /** Layout 1's head for {@code scheme} and {@code secrets}: the version, the scheme, the secrets. */
    static byte[] head(Webhooks.Scheme scheme, List<String> secrets) {
        Buffer out = new Buffer(64);
        out.u8(VERSION).u8(Canonical.caseWebhooksScheme(scheme));
        if (scheme instanceof Webhooks.Scheme.Hmac h) {
            out.u8(h.value().algorithm().ordinal()).u8(h.value().encoding().ordinal()).text(h.value().header());
            if (h.value().prefix().isPresent()) {
                out.u8(1).text(h.value().prefix().get());
            } else {
                out.u8(0);
            }
        }
        out.u32(secrets.size());
        for (String s : secrets) {
            out.text(s);
        }
        return out.bytes();
    }

    /**
     * {@code head} followed by the delivery: the field block, the body (its case, then its bytes),
     * the url, now and the tolerance.
     */
    static byte[] delivery(byte[] head, String block, int bodyCase, byte[] body, String url, long now, Long tolerance) {
        byte[] blockBytes = block.getBytes(StandardCharsets.UTF_8);
        Buffer out = new Buffer(head.length + blockBytes.length + body.length + 32 + (url == null ? 0 : url.length() * 3));
        out.raw(head).u32(blockBytes.length).raw(blockBytes).u8(bodyCase).u32(body.length).raw(body);
        if (url == null) {
            out.u8(0);
        } else {
            out.u8(1).text(url);
        }
        out.u64(now);
        if (tolerance == null) {
            out.u8(0);
        } else {
            out.u8(1).u32(tolerance.intValue());
        }
        return out.bytes();
    }

    /**
     * {@code headers} as WIT headers, each value of a repeated name its own header, the names in
     * sorted order (a map's order may change from call to call; an answer must not).
     */
    static List<Types.Header> headerList(Map<String, ? extends Collection<String>> headers) {
        List<Types.Header> out = new ArrayList<>();
        for (Map.Entry<String, ? extends Collection<String>> e : new TreeMap<>(headers).entrySet()) {
            for (String value : e.getValue()) {
                out.add(new Types.Header(e.getKey(), value));
            }
        }
        return out;
    }

    /**
     * The headers as {@code name: value\r\n} lines, or null when a block might not carry them
     * exactly (a CR or LF anywhere, a colon in a name).
     */
    static String fieldBlock(List<Types.Header> headers) {
        StringBuilder b = new StringBuilder(headers.size() * 48);
        for (Types.Header h : headers) {
            if (h.name().indexOf(':') >= 0 || hasLineBreak(h.name()) || hasLineBreak(h.value())) {
                return null;
            }
            b.append(h.name()).append(": ").append(h.value()).append("\r\n");
        }
        return b.toString();
    }

    private static boolean hasLineBreak(String s) {
        return s.indexOf('\r') >= 0 || s.indexOf('\n') >= 0;
    }

    /** A little-endian byte buffer. */
    private static final class Buffer extends ByteArrayOutputStream {
        Buffer(int size) {
            super(size);
        }

        Buffer u8(int v) {
            write(v);
            return this;
        }

        Buffer u32(int v) {
            write(v);
            write(v >>> 8);
            write(v >>> 16);
            write(v >>> 24);
            return this;
        }

        Buffer u64(long v) {
            u32((int) v);
            return u32((int) (v >>> 32));
        }

        Buffer raw(byte[] b) {
            write(b, 0, b.length);
            return this;
        }

        Buffer text(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return u32(b.length).raw(b);
        }

        byte[] bytes() {
            return count == buf.length ? buf : toByteArray();
        }
    }
}
