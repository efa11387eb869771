package io.github.paywit;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Verifies deliveries for one scheme and one rotation list of secrets. Build it once, at start-up:
 * the secrets are checked and prepared then (an unusable secret is a
 * {@link Webhooks.VerifyUnusableSecretException} from the constructor, not at the first delivery),
 * and each {@link #verify} is one call into the component.
 *
 * <p>Thread-safe: any number of threads may share one {@code Verifier} (each call borrows its own
 * instance of the component). It never shows its secrets: {@link #toString} shows the scheme and
 * how many secrets it holds.
 *
 * <pre>{@code
 * Verifier verifier = new Verifier(new Webhooks.Scheme.Stripe(), List.of(secret));
 * Webhooks.Verified delivery = verifier.verify(headers, rawBody);
 * }</pre>
 */
public final class Verifier {
    private final Webhooks.Scheme scheme;
    private final List<String> secrets;
    /** prepare-packed's answer: as secret as the secrets. */
    private final byte[] head;

    /**
     * Checks and prepares {@code scheme} and {@code secrets} (newest first while rotating; a
     * delivery verifies when any secret matches, and {@link Webhooks.Verified#secretIndex} says
     * which).
     *
     * @param scheme the signature scheme, such as {@code new Webhooks.Scheme.Stripe()}
     * @param secrets the secrets, newest first
     * @throws Webhooks.VerifyException an unusable secret, no secrets, too many
     * @throws InvalidArgumentException a null or malformed argument
     */
    public Verifier(Webhooks.Scheme scheme, List<String> secrets) {
        Paywit.checkSchemeAndSecrets(scheme, secrets);
        List<String> bounded = Limits.boundedSecrets(secrets);
        this.head = Webhooks.preparePacked(scheme, bounded);
        this.scheme = scheme;
        this.secrets = List.copyOf(bounded);
    }

    /**
     * Verifies one delivery now, with the scheme's replay window.
     *
     * @param headers the request's headers (name to values, any case)
     * @param body the raw body exactly as received (before any JSON decoding)
     * @return the verified delivery
     * @throws Webhooks.VerifyException the refusal, such as
     *     {@link Webhooks.VerifyNoMatchingSignatureException}
     * @throws InvalidArgumentException a null or malformed argument
     */
    public Webhooks.Verified verify(Map<String, ? extends Collection<String>> headers, byte[] body) {
        return verify(headers, body, WebhookOptions.DEFAULTS);
    }

    /**
     * Verifies one delivery.
     *
     * @param headers the request's headers (name to values, any case)
     * @param body the raw body exactly as received (before any JSON decoding)
     * @param options the time, window and URL
     * @return the verified delivery
     * @throws Webhooks.VerifyException the refusal, such as
     *     {@link Webhooks.VerifyNoMatchingSignatureException}
     * @throws InvalidArgumentException a null or malformed argument
     */
    public Webhooks.Verified verify(Map<String, ? extends Collection<String>> headers, byte[] body, WebhookOptions options) {
        return Paywit.verifyWith(head, scheme, secrets, headers, body, options);
    }

    /** Shows the scheme and the number of secrets, never the secrets. */
    @Override
    public String toString() {
        return "Verifier[" + scheme.caseName() + ", " + secrets.size() + " secrets]";
    }
}
