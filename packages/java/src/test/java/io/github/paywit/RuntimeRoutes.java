package io.github.paywit;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.InterpreterMachine;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import io.github.paywit.internal.PaywitCore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Which way to run the core module on the JVM is worth taking (issue 25): the same Stripe
 * {@code verify-packed} call on each route, in one JVM run, as a markdown table of medians and
 * ratios against the JDK's own HMAC-SHA256 of the same bytes (the floor, measured in the same run).
 *
 * <p>Routes: Chicory's build-time compiler (the package's default, {@code PaywitCore}), Chicory's
 * runtime compiler ({@code MachineFactoryCompiler}, the same bytecode made when the module loads)
 * and Chicory's interpreter, each on the scalar core module the package ships; and any other core
 * module given as {@code name=path} arguments (the SIMD build, say), on the runtime compiler and
 * the interpreter ({@code -Dinterpreter=false} leaves the interpreter rows out, {@code -Dshipped=false} the
 * shipped module's). A route that cannot load a module is a row saying why. Each route gets a
 * time-based warm-up ({@code -Dwarmup.seconds}, default 8) before its medians: the compiled routes
 * make JVM methods far larger than HotSpot likes, and their speed depends on when C2 gets to them,
 * so the table also shows the first call and the median over the first second.
 *
 * <p>Run it as {@code Bench} is run (see its Javadoc), with {@code io.github.paywit.RuntimeRoutes}
 * and {@code -XX:-DontCompileHugeMethods}.
 */
public final class RuntimeRoutes {
    private static final String SECRET = "whsec_bench_0123456789abcdef0123456789";
    private static final int[] SIZES = {2, 1024, 64 * 1024};
    private static volatile long sink;

    private RuntimeRoutes() {}

    /** One core instance driven through verify-packed by hand (the generated bindings' path). */
    private static final class Core {
        final Instance instance;
        final ExportFunction realloc;
        final ExportFunction verify;
        final ExportFunction post;

        Core(WasmModule module, Function<Instance, Machine> machine) {
            HostFunction random = new HostFunction("wasi:random/random@0.2.0", "get-random-u64",
                    FunctionType.of(List.of(), List.of(ValType.I64)), (inst, args) -> new long[] {42});
            instance = Instance.builder(module)
                    .withImportValues(ImportValues.builder().addFunction(random).build())
                    .withMachineFactory(machine)
                    .withMemoryFactory(ByteArrayMemory::new)
                    .withStart(false)
                    .build();
            realloc = instance.export("cabi_realloc");
            verify = instance.export("paywit:gateway/webhooks@0.1.0#verify-packed");
            post = instance.export("cabi_post_paywit:gateway/webhooks@0.1.0#verify-packed");
        }

        /** Verifies {@code packed}; throws unless the component said ok. */
        long verify(byte[] packed) {
            int p = (int) realloc.apply(0, 0, 1, packed.length)[0];
            instance.memory().write(p, packed);
            long ret = verify.apply(p, packed.length)[0];
            int tag = instance.memory().read((int) ret);
            if (tag != 0) {
                throw new IllegalStateException("verify-packed refused the delivery (tag " + tag + ")");
            }
            post.apply(ret);
            return ret;
        }
    }

    /** A packed Stripe delivery of {@code size} bytes, signed now. */
    static byte[] delivery(byte[] head, int size) throws Exception {
        byte[] body = new byte[size];
        Arrays.fill(body, (byte) 'a');
        long ts = System.currentTimeMillis() / 1000;
        String sig = hex(hmac().doFinal((ts + "." + new String(body, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8)));
        String block = "Stripe-Signature: t=" + ts + ",v1=" + sig + "\r\n";
        return Packed.delivery(head, block, Packed.BODY_BYTES, body, null, ts, null);
    }

    static Mac hmac() throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return mac;
    }

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x));
        }
        return s.toString();
    }

    /** Median nanoseconds per call over 15 batches of about {@code seconds} in all. */
    static double median(Runnable op, double seconds) {
        long n = 0;
        long t0 = System.nanoTime();
        long end = t0 + (long) (seconds * 0.2e9);
        while (System.nanoTime() < end || n == 0) {
            op.run();
            n++;
        }
        double perCall = (System.nanoTime() - t0) / (double) n;
        long batch = Math.max(1, (long) (seconds * 0.8e9 / perCall / 15));
        double[] samples = new double[15];
        for (int s = 0; s < samples.length; s++) {
            long b0 = System.nanoTime();
            for (long i = 0; i < batch; i++) {
                op.run();
            }
            samples[s] = (System.nanoTime() - b0) / (double) batch;
        }
        Arrays.sort(samples);
        return samples[samples.length / 2];
    }

    static String micros(double ns) {
        return ns >= 1e6 ? String.format("%.1f ms", ns / 1e6) : String.format("%.1f µs", ns / 1e3);
    }

    /**
     * One row: load (making the machine factory, a runtime compiler's work, and the instance), the
     * first call, the first second, then warmed-up medians at each size.
     */
    static String row(String name, WasmModule module, Supplier<Function<Instance, Machine>> machine, byte[][] packed,
            double[] floor, double warmup) {
        try {
            long t0 = System.nanoTime();
            Core core = new Core(module, machine.get());
            long loaded = System.nanoTime();
            core.verify(packed[0]);
            long first = System.nanoTime();
            double firstSecond = median(() -> sink = core.verify(packed[0]), 1.0);
            long end = System.nanoTime() + (long) (warmup * 1e9);
            while (System.nanoTime() < end) {
                for (byte[] p : packed) {
                    sink = core.verify(p);
                }
            }
            StringBuilder r = new StringBuilder("| " + name + " | " + micros(loaded - t0) + " | " + micros(first - loaded)
                    + " | " + micros(firstSecond) + " |");
            for (int i = 0; i < packed.length; i++) {
                byte[] p = packed[i];
                double m = median(() -> sink = core.verify(p), 1.0);
                r.append(String.format(" %s (%.0fx) |", micros(m), m / floor[i]));
            }
            return r.toString();
        } catch (RuntimeException | LinkageError e) {
            String why = String.valueOf(e.getMessage()).replace('|', '/').replace('\n', ' ');
            return "| " + name + " | fails: " + e.getClass().getSimpleName() + ": "
                    + why.substring(0, Math.min(100, why.length())) + " | | | | | |";
        }
    }

    public static void main(String[] args) throws Exception {
        double warmup = Double.parseDouble(System.getProperty("warmup.seconds", "8"));
        byte[] head = Webhooks.preparePacked(new Webhooks.Scheme.Stripe(), List.of(SECRET));
        byte[][] packed = new byte[SIZES.length][];
        double[] floor = new double[SIZES.length];
        Mac mac = hmac();
        for (int i = 0; i < SIZES.length; i++) {
            packed[i] = delivery(head, SIZES[i]);
            byte[] signed = new byte[SIZES[i] + 11];
            floor[i] = median(() -> sink = mac.doFinal(signed).length, 1.5);
        }
        // The build-time compiler's module has no code (its classes have it): the others read the file.
        WasmModule scalar = Parser.parse(Files.readAllBytes(Path.of(System.getProperty("core", "src/main/wasm/paywit.core.wasm"))));
        List<String> rows = new ArrayList<>();
        boolean interpreter = Boolean.parseBoolean(System.getProperty("interpreter", "true"));
        boolean shipped = Boolean.parseBoolean(System.getProperty("shipped", "true"));
        if (shipped) {
            rows.add(row("build-time compiler (default)", PaywitCore.load(), () -> PaywitCore::create, packed, floor, warmup));
            rows.add(row("runtime compiler", scalar, () -> MachineFactoryCompiler.compile(scalar), packed, floor, warmup));
        }
        if (shipped && interpreter) {
            rows.add(row("interpreter", scalar, () -> InterpreterMachine::new, packed, floor, Math.min(warmup, 3)));
        }
        for (String arg : args) {
            String[] nameAndPath = arg.split("=", 2);
            WasmModule parsed;
            try {
                parsed = Parser.parse(Files.readAllBytes(Path.of(nameAndPath[1])));
            } catch (RuntimeException e) {
                rows.add("| " + nameAndPath[0] + " | fails to parse: " + e.getMessage() + " | | | | | |");
                continue;
            }
            WasmModule module = parsed;
            rows.add(row(nameAndPath[0] + ", runtime compiler", module, () -> MachineFactoryCompiler.compile(module),
                    packed, floor, warmup));
            if (interpreter) {
                rows.add(row(nameAndPath[0] + ", interpreter", module, () -> InterpreterMachine::new, packed, floor, Math.min(warmup, 3)));
            }
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format("JDK HMAC-SHA256 of the same bytes (the floor): %s at 2 B, %s at 1 KiB, %s at 64 KiB.%n%n",
                micros(floor[0]), micros(floor[1]), micros(floor[2])));
        out.append("| route (Stripe verify-packed, one instance) | load | first call | median, first second (2 B) "
                + "| 2 B, warm (x floor) | 1 KiB, warm | 64 KiB, warm |\n");
        out.append("|---|---|---|---|---|---|---|\n");
        for (String r : rows) {
            out.append(r).append('\n');
        }
        System.out.print(out);
    }
}
