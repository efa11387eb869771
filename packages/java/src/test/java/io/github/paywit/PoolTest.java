package io.github.paywit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Many threads through one Verifier, hostile sizes, traps, and arguments outside their WIT types. */
class PoolTest {
    static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    static final Instant SIGNED_AT = Instant.ofEpochSecond(1_764_158_400L);
    static final WebhookOptions AT = WebhookOptions.DEFAULTS.withNow(SIGNED_AT);

    /** Headers paywit signs for {@code body} (Standard Webhooks, message {@code id}). */
    static Map<String, List<String>> signed(String id, byte[] body) {
        List<Types.Header> headers = Webhooks.sign(new Webhooks.Scheme.StandardWebhooks(), SECRET,
                new Webhooks.Message(new Types.Body.Bytes(body), Optional.of(id), SIGNED_AT.getEpochSecond(), Optional.empty()));
        Map<String, List<String>> out = new java.util.TreeMap<>();
        headers.forEach(h -> out.put(h.name(), List.of(h.value())));
        return out;
    }

    @Test
    void manyThreadsShareOneVerifier() throws Exception {
        Verifier verifier = new Verifier(new Webhooks.Scheme.StandardWebhooks(), List.of(SECRET));
        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < 200; i++) {
                        String id = "msg_" + thread + "_" + i;
                        byte[] body = ("{\"thread\":" + thread + ",\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8);
                        Map<String, List<String>> headers = signed(id, body);
                        Webhooks.Verified v = verifier.verify(headers, body, AT);
                        assertEquals(Optional.of(id), v.messageId(), "each thread gets its own answer");
                        byte[] tampered = body.clone();
                        tampered[tampered.length - 2] ^= 1;
                        assertThrows(Webhooks.VerifyNoMatchingSignatureException.class,
                                () -> verifier.verify(headers, tampered, AT));
                        ok++;
                    }
                    return ok;
                }));
            }
            int total = 0;
            for (Future<Integer> f : results) {
                total += f.get();
            }
            assertEquals(threads * 200, total);
        } finally {
            pool.shutdown();
        }
        assertTrue(verifier.toString().contains("1 secrets") && !verifier.toString().contains(SECRET));
    }

    @Test
    void hostileSizesAreRefusedWithTheComponentsAnswer() {
        Verifier verifier = new Verifier(new Webhooks.Scheme.StandardWebhooks(), List.of(SECRET));
        byte[] huge = new byte[20 << 20];
        Map<String, List<String>> headers = signed("msg_1", new byte[0]);
        Webhooks.VerifyLimitExceededException e = assertThrows(Webhooks.VerifyLimitExceededException.class,
                () -> verifier.verify(headers, huge, AT));
        assertEquals(Webhooks.Limit.BODY_BYTES, e.details().what());
        assertEquals(huge.length, e.details().actual());
        // The generated path refuses the same way (the body is copied in: under the 96 MiB cap).
        assertThrows(Webhooks.VerifyLimitExceededException.class, () -> Webhooks.verify(new Webhooks.Scheme.StandardWebhooks(),
                List.of(SECRET), new Webhooks.Request(List.of(), new Types.Body.Bytes(huge), Optional.empty()),
                new Webhooks.VerifyOptions(SIGNED_AT, Optional.empty())));
        // Past what one call may copy in: an invalid argument, before the guest grows.
        InvalidArgumentException big = assertThrows(InvalidArgumentException.class, () -> Webhooks.verifyPacked(new byte[100 << 20]));
        assertTrue(big.getMessage().contains("larger than one call"));
        // A 2 KiB secret and 17 secrets: the component's own answers.
        String longSecret = "whsec_" + "A".repeat(2048);
        Webhooks.VerifyUnusableSecretException unusable = assertThrows(Webhooks.VerifyUnusableSecretException.class,
                () -> new Verifier(new Webhooks.Scheme.StandardWebhooks(), List.of(SECRET, longSecret)));
        assertEquals(1, unusable.details().index());
        assertEquals(Webhooks.SecretProblem.TOO_LONG, unusable.details().problem());
        Webhooks.VerifyLimitExceededException many = assertThrows(Webhooks.VerifyLimitExceededException.class,
                () -> new Verifier(new Webhooks.Scheme.StandardWebhooks(), Collections.nCopies(17, SECRET)));
        assertEquals(Webhooks.Limit.SECRET_COUNT, many.details().what());
        // 300 headers: refused by count.
        Map<String, List<String>> crowd = new java.util.TreeMap<>(headers);
        for (int i = 0; i < 300; i++) {
            crowd.put("x-noise-" + i, List.of("v"));
        }
        assertThrows(Webhooks.VerifyLimitExceededException.class, () -> verifier.verify(crowd, new byte[1], AT));
        // Millions of values under one name: refused by count before they are listed (no heap spent).
        List<String> values = Collections.nCopies(50_000_000, "v");
        Webhooks.VerifyLimitExceededException flood = assertThrows(Webhooks.VerifyLimitExceededException.class,
                () -> verifier.verify(Map.of("x-flood", values), new byte[1], AT));
        assertEquals(Webhooks.Limit.HEADER_COUNT, flood.details().what());
        assertEquals(50_000_000L, flood.details().actual());
        // And the pool still answers.
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        assertEquals(Optional.of("msg_2"), verifier.verify(signed("msg_2", body), body, AT).messageId());
    }

    @Test
    void aTrapReplacesTheInstanceAndNeverPoisonsLaterCalls() {
        for (int i = 0; i < 3; i++) {
            Retry.apiPolicy();
        }
        long[][] traps = {{Abi.CABI_REALLOC, 0, 0, 1, 0xFFFF_FFFFL}, {Abi.POST_WEBHOOKS_VERIFY, 0xFFFF_FFF0L}};
        for (long[] trap : traps) {
            Guest m = Guest.acquire();
            long[] args = java.util.Arrays.copyOfRange(trap, 1, trap.length);
            PaywitException e = assertThrows(PaywitException.class, () -> {
                try {
                    m.call((int) trap[0], args);
                } catch (RuntimeException t) {
                    throw m.drop(t);
                }
            });
            assertTrue(e instanceof GuestFaultException, e.toString());
            assertEquals("guest-fault", e.code());
            for (int i = 0; i < 2 * Runtime.getRuntime().availableProcessors() + 2; i++) {
                Retry.Classification c = Retry.classify(new Retry.Failure(Optional.of(503), Optional.empty(),
                        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()));
                assertEquals(Retry.Category.SERVER_ERROR, c.category());
                assertTrue(c.retry());
            }
            assertThrows(Webhooks.VerifyMissingHeaderException.class, () -> Paywit.verifyWebhook(
                    new Webhooks.Scheme.Github(), List.of("k"), Map.of(), new byte[0], WebhookOptions.DEFAULTS));
        }
    }

    @Test
    void argumentsOutsideTheirWitTypesAreRefusedByPathNeverEchoed() {
        String marker = "SENSITIVE-VALUE-42";
        String lone = "\uD800" + marker;
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        Map<String, List<String>> headers = new java.util.TreeMap<>(signed("msg_1", body));
        headers.put("webhook-id", List.of(lone));
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> Paywit.verifyWebhook(new Webhooks.Scheme.StandardWebhooks(), List.of(SECRET), headers, body, AT));
        assertFalse(e.getMessage().contains(marker), e.getMessage());
        assertTrue(e.path().startsWith("headers"), e.path());

        // A bad header's NAME is not echoed either (it may be huge, or forge a log line).
        Map<String, List<String>> named = new java.util.TreeMap<>(signed("msg_1", body));
        named.put("x-" + marker + "\r\nInjected: yes", List.of(lone));
        InvalidArgumentException byName = assertThrows(InvalidArgumentException.class,
                () -> Paywit.verifyWebhook(new Webhooks.Scheme.StandardWebhooks(), List.of(SECRET), named, body, AT));
        assertFalse(byName.getMessage().contains(marker), byName.getMessage());
        assertFalse(byName.getMessage().contains("\n"), byName.getMessage());

        InvalidArgumentException secret = assertThrows(InvalidArgumentException.class,
                () -> new Verifier(new Webhooks.Scheme.StandardWebhooks(), List.of(SECRET, lone)));
        assertEquals("secrets[1]", secret.path());
        assertFalse(secret.getMessage().contains(marker));

        InvalidArgumentException nested = assertThrows(InvalidArgumentException.class, () -> Webhooks.verify(
                new Webhooks.Scheme.StandardWebhooks(), List.of(SECRET),
                new Webhooks.Request(List.of(new Types.Header("a", "b"), new Types.Header("c", lone)), new Types.Body.Bytes(body), Optional.empty()),
                new Webhooks.VerifyOptions(null, Optional.empty())));
        assertEquals("request.headers[1].value", nested.path());

        InvalidArgumentException nul = assertThrows(InvalidArgumentException.class,
                () -> Webhooks.verify(null, List.of(SECRET), null, null));
        assertEquals("scheme", nul.path());
        InvalidArgumentException range = assertThrows(InvalidArgumentException.class,
                () -> Lifecycle.confirmationStatus(-1, 3));
        assertEquals("confirmations", range.path());
        InvalidArgumentException tolerance = assertThrows(InvalidArgumentException.class,
                () -> Paywit.verifyWebhook(new Webhooks.Scheme.Stripe(), List.of(SECRET), Map.of(), body,
                        WebhookOptions.DEFAULTS.withToleranceSeconds(1L << 40)));
        assertEquals("options.toleranceSeconds", tolerance.path());
    }

    @Test
    void secretMaterialNeverPrints() {
        Webhooks.SigningKeyPair pair = Webhooks.newSigningKeyPair();
        assertFalse(pair.toString().contains(pair.signingKey()), pair.toString());
        assertTrue(pair.toString().contains(pair.publicKey()));
        Requests.ApiSecret secret = new Requests.ApiSecret("key_1", "s3cr3t-value");
        assertFalse(secret.toString().contains("s3cr3t-value"), secret.toString());
    }
}
