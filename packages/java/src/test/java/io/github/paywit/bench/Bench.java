package io.github.paywit.bench;

import io.github.paywit.Verifier;
import io.github.paywit.Webhooks;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The Java package's speed against its peers, in one JVM run (a warmed-up harness, not JMH):
 * paywit's {@link Verifier} on Chicory against stripe-java's and svix's {@code Webhook} and the
 * JDK's own HMAC-SHA256 of the same bytes (the floor), at 2 B, 1 KiB and 64 KiB bodies; then cold
 * start, JVM start to the first verification, in fresh JVMs. Prints a markdown table of medians
 * and ratios against the floor measured in the same run.
 *
 * <p>Run: {@code mvn -q test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * -Dmdep.includeScope=test}, then {@code java -cp target/classes:target/test-classes:$(cat
 * target/cp.txt) io.github.paywit.bench.Bench} (add {@code -XX:-DontCompileHugeMethods}, as the README
 * advises, for the figures a tuned JVM gets). {@link io.github.paywit.RuntimeRoutes} compares the ways
 * to run the core module.
 */
public final class Bench {
    private static final String STRIPE_SECRET = "whsec_bench_0123456789abcdef0123456789";
    private static final String SVIX_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static volatile Object sink;

    private Bench() {}

    /**
     * Warm-up per measurement, {@code -Dwarmup.seconds} (default 3): HotSpot takes seconds to
     * JIT-compile the component's largest methods, and a median taken before that measures its
     * bytecode interpreter (hundreds of µs per call).
     */
    private static final long WARMUP_NANOS = (long) (Double.parseDouble(System.getProperty("warmup.seconds", "3")) * 1e9);

    /** Median nanoseconds per call of {@code op}, after warming up. */
    static double median(LongSupplier op) {
        long end = System.nanoTime() + WARMUP_NANOS;
        long n = 0;
        while (System.nanoTime() < end) {
            sink = op.getAsLong();
            n++;
        }
        long batch = Math.max(1, n / 15 / 10);
        double[] samples = new double[15];
        for (int s = 0; s < samples.length; s++) {
            long t0 = System.nanoTime();
            for (long i = 0; i < batch; i++) {
                sink = op.getAsLong();
            }
            samples[s] = (System.nanoTime() - t0) / (double) batch;
        }
        Arrays.sort(samples);
        return samples[samples.length / 2];
    }

    static String hmacHex(String secret, byte[] message) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        StringBuilder b = new StringBuilder();
        for (byte x : mac.doFinal(message)) {
            b.append(String.format("%02x", x));
        }
        return b.toString();
    }

    /** One verification in a fresh JVM: prints milliseconds from JVM start to its end. */
    static void cold() throws Exception {
        byte[] body = "{\"id\":\"evt_1\"}".getBytes(StandardCharsets.UTF_8);
        long ts = System.currentTimeMillis() / 1000;
        String header = "t=" + ts + ",v1=" + hmacHex(STRIPE_SECRET, (ts + "." + new String(body, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        new Verifier(new Webhooks.Scheme.Stripe(), List.of(STRIPE_SECRET)).verify(Map.of("Stripe-Signature", List.of(header)), body);
        System.out.println(System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime());
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("cold")) {
            cold();
            return;
        }
        StringBuilder out = new StringBuilder();
        out.append("| body | JDK HMAC (floor) | paywit Stripe | stripe-java | paywit Standard Webhooks | svix |\n");
        out.append("|---|---|---|---|---|---|\n");
        Verifier stripe = new Verifier(new Webhooks.Scheme.Stripe(), List.of(STRIPE_SECRET));
        Verifier standard = new Verifier(new Webhooks.Scheme.StandardWebhooks(), List.of(SVIX_SECRET));
        com.svix.Webhook svix = new com.svix.Webhook(SVIX_SECRET);
        Mac floor = Mac.getInstance("HmacSHA256");
        floor.init(new SecretKeySpec(STRIPE_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        for (int size : new int[] {2, 1024, 64 * 1024}) {
            byte[] body = new byte[size];
            Arrays.fill(body, (byte) 'a');
            String text = new String(body, StandardCharsets.UTF_8);
            long ts = System.currentTimeMillis() / 1000;
            byte[] signed = (ts + "." + text).getBytes(StandardCharsets.UTF_8);
            String stripeHeader = "t=" + ts + ",v1=" + hmacHex(STRIPE_SECRET, signed);
            Map<String, List<String>> stripeHeaders = Map.of("Stripe-Signature", List.of(stripeHeader));
            String id = "msg_bench";
            Map<String, List<String>> svixHeaders = Map.of(
                    "svix-id", List.of(id),
                    "svix-timestamp", List.of(Long.toString(ts)),
                    "svix-signature", List.of(svix.sign(id, ts, text)));
            double f = median(() -> floor.doFinal(signed).length);
            double ps = median(() -> stripe.verify(stripeHeaders, body).secretIndex());
            double sj = median(() -> {
                try {
                    return com.stripe.net.Webhook.Signature.verifyHeader(text, stripeHeader, STRIPE_SECRET, 300) ? 1 : 0;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            double pw = median(() -> standard.verify(svixHeaders, body).secretIndex());
            double sv = median(() -> {
                try {
                    svix.verify(text, svixHeaders);
                    return 1;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            String label = size < 1024 ? size + " B" : (size / 1024) + " KiB";
            out.append(String.format("| %s | %.1f µs | %.1f µs (%.1fx) | %.1f µs (%.1fx) | %.1f µs (%.1fx) | %.1f µs (%.1fx) |%n",
                    label, f / 1e3, ps / 1e3, ps / f, sj / 1e3, sj / f, pw / 1e3, pw / f, sv / 1e3, sv / f));
        }
        List<Long> cold = new ArrayList<>();
        String java = ProcessHandle.current().info().command().orElse("java");
        for (int i = 0; i < 5; i++) {
            Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Bench.class.getName(), "cold")
                    .redirectErrorStream(true).start();
            String ms = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("the cold-start JVM failed: " + ms);
            }
            cold.add(Long.parseLong(ms));
        }
        cold.sort(null);
        out.append(String.format("%nCold start (JVM start to the first Stripe verification, median of 5 fresh JVMs): %d ms (min %d, max %d).%n",
                cold.get(2), cold.get(0), cold.get(4)));
        System.out.print(out);
    }
}
