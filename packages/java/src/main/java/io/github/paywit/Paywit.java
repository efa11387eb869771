package io.github.paywit;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The webhook surface a Java HTTP handler needs (hand-written), over the generated classes (one
 * per WIT interface: {@link Webhooks}, {@link Retry}, {@link Idempotency}, {@link Lifecycle}…).
 *
 * <pre>{@code
 * Webhooks.Verified delivery = Paywit.verifyWebhook(
 *         new Webhooks.Scheme.Stripe(), List.of(secret), headers, rawBody, WebhookOptions.DEFAULTS);
 * }</pre>
 *
 * <p>To verify many deliveries with the same secrets, a {@link Verifier} does the per-secret work
 * once. The component runs on Chicory, compiled to JVM bytecode when the package was built.
 */
public final class Paywit {
    private Paywit() {}

    /**
     * Verifies one delivery against {@code secrets} (one, or a rotation list, newest first).
     *
     * @param scheme the signature scheme, such as {@code new Webhooks.Scheme.Stripe()}
     * @param secrets the secrets
     * @param headers the request's headers (name to values, any case)
     * @param body the raw body exactly as received (before any JSON decoding)
     * @param options the time, window and URL ({@link WebhookOptions#DEFAULTS}: now, the scheme's)
     * @return the verified delivery
     * @throws Webhooks.VerifyException the refusal, such as
     *     {@link Webhooks.VerifyNoMatchingSignatureException}
     * @throws InvalidArgumentException a null or malformed argument
     * @throws GuestFaultException the component misbehaved (the next call gets a fresh instance)
     */
    public static Webhooks.Verified verifyWebhook(
            Webhooks.Scheme scheme,
            List<String> secrets,
            Map<String, ? extends Collection<String>> headers,
            byte[] body,
            WebhookOptions options) {
        checkSchemeAndSecrets(scheme, secrets);
        List<String> bounded = Limits.boundedSecrets(secrets);
        return verifyWith(Packed.head(scheme, bounded), scheme, bounded, headers, body, options);
    }

    /** Null and well-formedness checks on what {@code Packed.head} reads. */
    static void checkSchemeAndSecrets(Webhooks.Scheme scheme, List<String> secrets) {
        if (scheme == null) {
            throw Guest.invalid("must not be null").within("scheme");
        }
        InvalidArgumentException e = Canonical.checkWebhooksScheme(scheme);
        if (e != null) {
            throw e.within("scheme");
        }
        if (secrets == null) {
            throw Guest.invalid("must not be null").within("secrets");
        }
        for (int i = 0; i < secrets.size(); i++) {
            String s = secrets.get(i);
            if (s == null || !Guest.wellFormed(s)) {
                throw Guest.invalid(s == null ? "must not be null" : "must be valid Unicode (no lone surrogate)")
                        .within("secrets[" + i + "]");
            }
        }
    }

    /** Verifies on the fast path when the headers fit a field block, through verify otherwise. */
    static Webhooks.Verified verifyWith(
            byte[] head,
            Webhooks.Scheme scheme,
            List<String> secrets,
            Map<String, ? extends Collection<String>> headers,
            byte[] body,
            WebhookOptions options) {
        if (headers == null) {
            throw Guest.invalid("must not be null").within("headers");
        }
        if (body == null) {
            throw Guest.invalid("must not be null").within("body");
        }
        if (options == null) {
            options = WebhookOptions.DEFAULTS;
        }
        Long tolerance = options.toleranceSeconds();
        if (tolerance != null && (tolerance < 0 || tolerance > 0xFFFFFFFFL)) {
            throw Guest.invalid("must be a u32 (0 to 4294967295)").within("options.toleranceSeconds");
        }
        String url = options.url();
        if (url != null && !Guest.wellFormed(url)) {
            throw Guest.invalid("must be valid Unicode (no lone surrogate)").within("options.url");
        }
        // A header is named by its position, never by its name: a name is caller input of any
        // size and content (a CR LF in it would forge a log line).
        long position = 0;
        long values = 0;
        for (Map.Entry<String, ? extends Collection<String>> e : headers.entrySet()) {
            String at = "headers[" + position++ + "]";
            if (e.getKey() == null || !Guest.wellFormed(e.getKey())) {
                throw Guest.invalid("header names must be non-null, valid Unicode").within(at);
            }
            if (e.getValue() == null) {
                throw Guest.invalid("must not be null").within(at);
            }
            for (String v : e.getValue()) {
                if (v == null || !Guest.wellFormed(v)) {
                    throw Guest.invalid("must be non-null, valid Unicode").within(at);
                }
            }
            values += e.getValue().size();
        }
        // Refused before the list of every value is built, so a huge count cannot exhaust the heap.
        Limits.checkHeaderCount(body, values);
        List<Types.Header> list = Packed.headerList(headers);
        Limits.checkRequest(body, list, url);
        long now = Guest.unixOrNow(options.now());
        String block = Packed.fieldBlock(list);
        if (block != null) {
            try {
                return Webhooks.verifyPacked(Packed.delivery(head, block, Packed.BODY_BYTES, body, url, now, tolerance));
            } catch (Webhooks.VerifyMalformedHeaderException e) {
                if (!e.details().name().isEmpty()) {
                    throw e;
                }
                // The component refused the block itself (a name a block cannot carry): the general path.
            }
        }
        Webhooks.Request request = new Webhooks.Request(
                list, new Types.Body.Bytes(body), java.util.Optional.ofNullable(url));
        return Webhooks.verify(scheme, secrets, request, new Webhooks.VerifyOptions(
                java.time.Instant.ofEpochSecond(now), java.util.Optional.ofNullable(tolerance)));
    }
}
