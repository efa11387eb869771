package io.github.paywit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The shared conformance files through the Java package's public API: every interface table
 * (conformance/tables), every webhook vector through five paths that must agree, the address
 * vectors, and the golden verify-packed buffers byte for byte.
 */
class ConformanceTest {
    private static final String[] TABLES = {"alerts", "credentials", "idempotency", "lifecycle", "reconciliation", "retry"};

    /** The public static method of {@code iface}'s class for WIT function {@code call} (the full overload). */
    static Method method(String iface, String call, int params) throws ClassNotFoundException {
        Class<?> c = Class.forName("io.github.paywit." + Character.toUpperCase(iface.charAt(0)) + iface.substring(1));
        String name = lowerCamel(call);
        for (Method m : c.getMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == params && Modifier.isStatic(m.getModifiers())) {
                return m;
            }
        }
        throw new AssertionError(c.getSimpleName() + " has no method " + name + " with " + params + " parameters");
    }

    static String lowerCamel(String kebab) {
        StringBuilder b = new StringBuilder();
        boolean up = false;
        for (char ch : kebab.toCharArray()) {
            if (ch == '-') {
                up = true;
            } else {
                b.append(up ? Character.toUpperCase(ch) : ch);
                up = false;
            }
        }
        String s = b.toString();
        return s.equals("default") ? "default_" : s;
    }

    @TestFactory
    Stream<DynamicTest> everyTableCase() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (String iface : TABLES) {
            JsonNode table = Wire.read("tables/" + iface + ".json");
            assertEquals(iface, table.get("interface").asText());
            assertFalse(table.get("cases").isEmpty(), iface + " has no cases");
            int n = 0;
            for (JsonNode c : table.get("cases")) {
                String call = c.get("call").asText();
                tests.add(DynamicTest.dynamicTest(iface + "." + call + "-" + n++, () -> runCase(iface, c)));
            }
        }
        assertTrue(tests.size() >= 80, tests.size() + " table cases");
        return tests.stream();
    }

    private static void runCase(String iface, JsonNode c) throws Exception {
        String call = c.get("call").asText();
        String key = iface + "." + call;
        String[] declared = Guest.abi().getProperty("function." + key).split(" ");
        int params = Integer.parseInt(declared[0]);
        boolean isResult = declared.length > 1 && declared[1].equals("result");
        Method m = method(iface, call, params);
        Type[] types = m.getGenericParameterTypes();
        JsonNode args = c.get("args");
        assertEquals(params, args.size(), key + ": argument count");
        Object[] values = new Object[params];
        for (int i = 0; i < params; i++) {
            values[i] = Wire.decode(types[i], args.get(i));
        }
        JsonNode got;
        try {
            Object out = m.invoke(null, values);
            got = Wire.encode(out);
            if (isResult) {
                got = Wire.JSON.createObjectNode().set("ok", got);
            }
        } catch (InvocationTargetException e) {
            if (!(e.getCause() instanceof PaywitException pe) || pe instanceof InvalidArgumentException
                    || pe instanceof GuestFaultException) {
                throw e;
            }
            assertTrue(isResult, key + " threw " + pe + " but does not answer a result");
            got = Wire.JSON.createObjectNode().set("err", Wire.encodeError(pe));
        }
        JsonNode want = c.get("expect");
        if (!Wire.matches(want, got)) {
            fail(key + Wire.JSON.writeValueAsString(args) + ": want " + want + ", got " + got);
        }
    }

    /** The vector's scheme as a Java value. */
    static Webhooks.Scheme scheme(JsonNode v) throws Exception {
        if (v.get("scheme").asText().equals("hmac")) {
            JsonNode h = v.get("hmac");
            return new Webhooks.Scheme.Hmac(new Webhooks.HmacScheme(
                    h.get("header").asText(),
                    Webhooks.HashAlgorithm.fromWitName(h.get("algorithm").asText()),
                    Webhooks.SignatureEncoding.fromWitName(h.get("encoding").asText()),
                    h.get("prefix") == null || h.get("prefix").isNull()
                            ? Optional.empty()
                            : Optional.of(h.get("prefix").asText())));
        }
        return (Webhooks.Scheme) Wire.decode(Webhooks.Scheme.class, v.get("scheme"));
    }

    private record Outcome(Webhooks.Verified verified, String error) {}

    private static Outcome outcome(java.util.concurrent.Callable<Webhooks.Verified> call) throws Exception {
        try {
            return new Outcome(call.call(), null);
        } catch (Webhooks.VerifyException e) {
            return new Outcome(null, e.code() + ":" + e.details());
        }
    }

    @TestFactory
    Stream<DynamicTest> everyWebhookVector() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        JsonNode published = Wire.read("vectors/webhook-signatures.json");
        JsonNode derived = Wire.read("vectors/webhook-derived.json");
        for (JsonNode v : published.get("vectors")) {
            JsonNode expect = derived.get("published_expected").get(v.get("name").asText());
            tests.add(DynamicTest.dynamicTest(v.get("name").asText(), () -> runVector(v, expect)));
        }
        for (JsonNode v : derived.get("vectors")) {
            tests.add(DynamicTest.dynamicTest(v.get("name").asText(), () -> runVector(v, v.get("expect"))));
        }
        assertTrue(tests.size() >= 39, tests.size() + " webhook vectors");
        return tests.stream();
    }

    private static void runVector(JsonNode v, JsonNode expect) throws Exception {
        Webhooks.Scheme scheme = scheme(v);
        List<String> secrets = new ArrayList<>();
        if (v.has("secrets")) {
            v.get("secrets").forEach(s -> secrets.add(s.asText()));
        } else if (v.has("signing_key_seed_base64")) {
            secrets.add("whsk_" + v.get("signing_key_seed_base64").asText());
        } else {
            secrets.add(v.get("secret").asText());
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        List<Types.Header> list = new ArrayList<>();
        v.get("headers").fields().forEachRemaining(e -> {
            headers.put(e.getKey(), List.of(e.getValue().asText()));
            list.add(new Types.Header(e.getKey(), e.getValue().asText()));
        });
        list.sort((a, b) -> a.name().compareTo(b.name()));
        Instant now = Instant.ofEpochSecond(v.has("now") ? v.get("now").asLong() : 0);
        Long tolerance = v.has("tolerance") && !v.get("tolerance").isNull() ? v.get("tolerance").asLong() : null;
        String url = v.has("url") && !v.get("url").isNull() ? v.get("url").asText() : null;
        byte[] body = v.get("body").asText().getBytes(StandardCharsets.UTF_8);
        WebhookOptions options = new WebhookOptions(now, tolerance, url);
        Webhooks.VerifyOptions verifyOptions = new Webhooks.VerifyOptions(now, Optional.ofNullable(tolerance));

        Map<String, Outcome> paths = new LinkedHashMap<>();
        paths.put("verifyWebhook", outcome(() -> Paywit.verifyWebhook(scheme, secrets, headers, body, options)));
        paths.put("Verifier", outcome(() -> new Verifier(scheme, secrets).verify(headers, body, options)));
        paths.put("verify (text)", outcome(() -> Webhooks.verify(scheme, secrets,
                new Webhooks.Request(list, new Types.Body.Text(v.get("body").asText()), Optional.ofNullable(url)), verifyOptions)));
        paths.put("verify (bytes)", outcome(() -> Webhooks.verify(scheme, secrets,
                new Webhooks.Request(list, new Types.Body.Bytes(body), Optional.ofNullable(url)), verifyOptions)));
        StringBuilder block = new StringBuilder();
        list.forEach(h -> block.append(h.name()).append(": ").append(h.value()).append("\r\n"));
        paths.put("verifyFields", outcome(() -> Webhooks.verifyFields(scheme, secrets, block.toString(),
                new Types.Body.Text(v.get("body").asText()), Optional.ofNullable(url), verifyOptions)));
        Outcome reference = paths.get("verify (text)");
        paths.forEach((name, got) -> assertEquals(reference, got, name + " disagrees with verify"));
        if (v.get("valid").asBoolean()) {
            assertEquals(null, reference.error(), "a valid vector was refused");
            Webhooks.Verified got = reference.verified();
            assertEquals(expect.get("secret_index").asLong(), got.secretIndex());
            JsonNode id = expect.get("message_id");
            assertEquals(id == null || id.isNull() ? Optional.empty() : Optional.of(id.asText()), got.messageId());
            JsonNode at = expect.get("signed_at");
            assertEquals(at == null || at.isNull() ? Optional.empty() : Optional.of(at.asLong()), got.signedAt());
        } else {
            assertTrue(reference.error() != null, "an invalid vector verified");
            if (v.has("error")) {
                assertEquals(v.get("error").asText(), reference.error().split(":")[0]);
            }
        }
    }

    @Test
    void everyAddressVector() throws Exception {
        JsonNode vectors = Wire.read("vectors/addresses.json");
        int ran = 0;
        for (JsonNode v : vectors.get("valid")) {
            Addresses.Network network = Addresses.Network.fromWitName(v.get("network").asText());
            Addresses.AddressInfo info = Addresses.validateAddress(network, v.get("address").asText());
            assertEquals(v.get("kind").asText(), info.kind().witName(), v.get("address").asText());
            ran++;
        }
        for (JsonNode v : vectors.get("invalid")) {
            Addresses.Network network = Addresses.Network.fromWitName(v.get("network").asText());
            try {
                Addresses.validateAddress(network, v.get("address").asText());
                fail("an invalid address was accepted: " + v.get("address").asText());
            } catch (Addresses.AddressException expected) {
                ran++;
            }
        }
        assertTrue(ran >= 20, ran + " address vectors");
    }

    @Test
    void theFastPathEncoderMatchesTheGoldenBuffersByteForByte() throws Exception {
        JsonNode golden = Wire.read("golden/verify-packed.json");
        int checked = 0;
        for (JsonNode c : golden.get("cases")) {
            String name = c.get("name").asText();
            Webhooks.Scheme scheme = (Webhooks.Scheme) Wire.decode(Webhooks.Scheme.class, c.get("scheme"));
            List<String> secrets = new ArrayList<>();
            c.get("secrets").forEach(s -> secrets.add(s.asText()));
            List<Types.Header> headers = new ArrayList<>();
            c.get("headers").forEach(h -> headers.add(new Types.Header(h.get(0).asText(), h.get(1).asText())));
            String fields = Packed.fieldBlock(headers);
            if (c.get("fields").isNull()) {
                assertEquals(null, fields, name + ": these headers cannot travel as a field block");
                continue;
            }
            assertEquals(c.get("fields").asText(), fields, name);
            Types.Body body = (Types.Body) Wire.decode(Types.Body.class, c.get("body"));
            int bodyCase = Canonical.caseTypesBody(body);
            byte[] bytes = body instanceof Types.Body.Text t ? t.value().getBytes(StandardCharsets.UTF_8) : ((Types.Body.Bytes) body).value();
            String url = c.get("url").isNull() ? null : c.get("url").asText();
            Long tolerance = c.get("tolerance-seconds").isNull() ? null : c.get("tolerance-seconds").asLong();
            byte[] head = Packed.head(scheme, secrets);
            byte[] packed = Packed.delivery(head, fields, bodyCase, bytes, url, c.get("now").asLong(), tolerance);
            assertEquals(c.get("packed").asText(), HexFormat.of().formatHex(packed), name + ": packed");
            byte[] delivery = Packed.delivery(new byte[0], fields, bodyCase, bytes, url, c.get("now").asLong(), tolerance);
            assertEquals(c.get("delivery").asText(), HexFormat.of().formatHex(delivery), name + ": delivery");
            JsonNode got;
            try {
                got = Wire.JSON.createObjectNode().set("ok", Wire.encode(Webhooks.verifyPacked(packed)));
            } catch (Webhooks.VerifyException e) {
                got = Wire.JSON.createObjectNode().put("err", e.code());
            }
            JsonNode want = c.get("expect");
            if (want.has("err") && !want.get("err").isTextual()) {
                want = Wire.JSON.createObjectNode().put("err", want.get("err").fieldNames().next());
            }
            assertTrue(Wire.matches(want, got), name + ": want " + want + ", got " + got);
            checked++;
        }
        assertTrue(checked >= 10, checked + " golden buffers");
    }
}
