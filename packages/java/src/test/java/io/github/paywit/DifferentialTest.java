package io.github.paywit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.stripe.exception.SignatureVerificationException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * paywit against the peers' own Java SDKs, both directions: stripe-java's {@code Webhook} and
 * svix's {@code Webhook}. A peer signs and both verify, then paywit signs and both verify; each
 * case is a clean delivery or one mutation (a tampered body, another secret, an old timestamp, a
 * future one, a damaged signature). The verdicts must agree, except where docs/interfaces/webhooks.md documents a
 * difference: paywit checks the replay window in both directions, stripe-java only the past, so
 * a future-dated, authentic Stripe delivery passes stripe-java and not paywit ("a future-dated
 * Stripe delivery").
 */
class DifferentialTest {
    private static final int CASES_PER_PEER = 320;
    private static final String[] MUTATIONS = {"clean", "tampered-body", "other-secret", "old-timestamp", "future-timestamp", "damaged-signature"};

    private final Random random = new Random(25);

    private String body() {
        StringBuilder b = new StringBuilder("{\"id\":\"evt_").append(random.nextInt(1_000_000)).append("\",\"note\":\"");
        String alphabet = "abcXYZ019 _-é☃\\\"{}[]:,€😀";
        int n = random.nextInt(64);
        for (int i = 0; i < n; i++) {
            b.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0, random.nextInt(alphabet.codePointCount(0, alphabet.length())))));
        }
        return b.append("\"}").toString();
    }

    private String stripeSecret() {
        byte[] raw = new byte[24];
        random.nextBytes(raw);
        return "whsec_" + java.util.HexFormat.of().formatHex(raw);
    }

    private String svixSecret() {
        byte[] raw = new byte[24];
        random.nextBytes(raw);
        return "whsec_" + Base64.getEncoder().encodeToString(raw);
    }

    private static String flipOne(String s, int at) {
        char c = s.charAt(at);
        return s.substring(0, at) + (c == 'a' ? 'b' : 'a') + s.substring(at + 1);
    }

    private static boolean paywitAccepts(Webhooks.Scheme scheme, String secret, Map<String, List<String>> headers, String body, Instant now) {
        try {
            Paywit.verifyWebhook(scheme, List.of(secret), headers, body.getBytes(StandardCharsets.UTF_8), WebhookOptions.DEFAULTS.withNow(now));
            return true;
        } catch (Webhooks.VerifyException e) {
            return false;
        }
    }

    private static String paywitSign(Webhooks.Scheme scheme, String secret, String id, long ts, String body, String header) {
        for (Types.Header h : Webhooks.sign(scheme, secret, new Webhooks.Message(new Types.Body.Text(body), Optional.ofNullable(id), ts, Optional.empty()))) {
            if (h.name().equalsIgnoreCase(header)) {
                return h.value();
            }
        }
        throw new AssertionError("paywit signed no " + header);
    }

    @Test
    void stripeJavaAgreesBothWays() throws Exception {
        int disagreements = 0;
        int ran = 0;
        long now = 1_764_158_400L;
        Clock clock = Clock.fixed(Instant.ofEpochSecond(now), ZoneOffset.UTC);
        for (int i = 0; i < CASES_PER_PEER; i++) {
            boolean peerSigns = i % 2 == 0;
            String mutation = MUTATIONS[random.nextInt(MUTATIONS.length)];
            String secret = stripeSecret();
            String body = body();
            long ts = now - random.nextInt(200);
            if (mutation.equals("old-timestamp")) {
                ts = now - 301 - random.nextInt(10_000);
            } else if (mutation.equals("future-timestamp")) {
                ts = now + 301 + random.nextInt(10_000);
            }
            String header = peerSigns
                    ? "t=" + ts + ",v1=" + com.stripe.net.Webhook.Util.computeHmacSha256(secret, ts + "." + body)
                    : paywitSign(new Webhooks.Scheme.Stripe(), secret, null, ts, body, "Stripe-Signature");
            String verifySecret = mutation.equals("other-secret") ? stripeSecret() : secret;
            String verifyBody = mutation.equals("tampered-body") ? body + " " : body;
            if (mutation.equals("damaged-signature")) {
                header = flipOne(header, header.length() - 1 - random.nextInt(20));
            }
            boolean peer;
            try {
                peer = com.stripe.net.Webhook.Signature.verifyHeader(verifyBody, header, verifySecret, 300, clock);
            } catch (SignatureVerificationException e) {
                peer = false;
            }
            boolean ours = paywitAccepts(new Webhooks.Scheme.Stripe(), verifySecret, Map.of("Stripe-Signature", List.of(header)),
                    verifyBody, Instant.ofEpochSecond(now));
            if (peer != ours) {
                assertEquals("future-timestamp", mutation, "stripe-java and paywit disagree on " + mutation + " (" + (peerSigns ? "stripe" : "paywit") + " signed)");
                assertTrue(peer && !ours, "the documented disagreement is stripe-java accepting a future timestamp");
                disagreements++;
            } else if (mutation.equals("clean")) {
                assertTrue(ours, "a clean delivery was refused");
            }
            ran++;
        }
        assertEquals(CASES_PER_PEER, ran);
        assertTrue(disagreements > 0, "the future-timestamp class never occurred");
    }

    @Test
    void svixJavaAgreesBothWays() throws Exception {
        int ran = 0;
        for (int i = 0; i < CASES_PER_PEER; i++) {
            boolean peerSigns = i % 2 == 0;
            String mutation = MUTATIONS[random.nextInt(MUTATIONS.length)];
            String secret = svixSecret();
            String body = body();
            // svix's Webhook.verify reads the clock itself: timestamps around the real now.
            long now = Instant.now().getEpochSecond();
            long ts = now - random.nextInt(100);
            if (mutation.equals("old-timestamp")) {
                ts = now - 400 - random.nextInt(10_000);
            } else if (mutation.equals("future-timestamp")) {
                ts = now + 400 + random.nextInt(10_000);
            }
            String id = "msg_" + Integer.toHexString(random.nextInt());
            String signature = peerSigns
                    ? new com.svix.Webhook(secret).sign(id, ts, body)
                    : paywitSign(new Webhooks.Scheme.StandardWebhooks(), secret, id, ts, body, "webhook-signature");
            String verifySecret = mutation.equals("other-secret") ? svixSecret() : secret;
            String verifyBody = mutation.equals("tampered-body") ? body + " " : body;
            if (mutation.equals("damaged-signature")) {
                signature = flipOne(signature, 3 + random.nextInt(signature.length() - 6));
            }
            Map<String, List<String>> headers = new TreeMap<>();
            headers.put("svix-id", List.of(id));
            headers.put("svix-timestamp", List.of(Long.toString(ts)));
            headers.put("svix-signature", List.of(signature));
            boolean peer;
            try {
                new com.svix.Webhook(verifySecret).verify(verifyBody, headers);
                peer = true;
            } catch (com.svix.exceptions.WebhookVerificationException e) {
                peer = false;
            }
            boolean ours = paywitAccepts(new Webhooks.Scheme.StandardWebhooks(), verifySecret, headers, verifyBody, Instant.ofEpochSecond(now));
            assertEquals(peer, ours, "svix and paywit disagree on " + mutation + " (" + (peerSigns ? "svix" : "paywit") + " signed)");
            assertEquals(mutation.equals("clean"), ours, mutation);
            ran++;
        }
        assertEquals(CASES_PER_PEER, ran);
    }
}
