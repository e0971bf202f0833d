package org.grokcap.cli;

import org.grokcap.bench.MatmulBenchmark;
import org.grokcap.bench.MatmulBenchmark.Product;
import org.grokcap.bench.StepBenchmark;
import org.grokcap.backend.Backend;
import org.grokcap.backend.Backends;
import org.grokcap.backend.Device;
import org.grokcap.backend.cpu.CpuDevice;
import org.grokcap.backend.cpu.GemmProvider;
import org.grokcap.backend.cpu.GemmProviders;
import org.grokcap.run.ConfigLoader;
import org.grokcap.io.Json;
import org.grokcap.util.BadInputException;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code grokcap bench matmul [--threads N] [--ms N] [--backend B] [--model M]}: every GEMM the cpu backend can run, on
 * the products the shipped models make (the grokking model, gpt2-small-cpu, a Llama-style capacity model),
 * beside the platform's sgemm on the same shapes and threads; prints a table, a summary per model and,
 * last, one JSON line. With a backend other than cpu, the same products on that backend's linear layer;
 * with --model, only that model's products.
 */
final class MatmulBenchCommand {
    /** Shipped configs whose products are timed, with the names the table uses. */
    private static final String GROKKING = "modular-addition";
    private static final String LLAMA = "profiles-probe-small";

    private MatmulBenchCommand() {}

    static int run(Args a, PrintStream out, PrintStream err, Function<String, Path> shippedConfig) throws Exception {
        a.allowFor("bench matmul");
        a.noMorePositionals(1);
        int threads = a.has("--threads") ? a.intValue("--threads", 1) : Runtime.getRuntime().availableProcessors();
        double ms = a.has("--ms") ? a.intValue("--ms", 1) : 60;
        // another backend is checked before the shapes are recorded (which takes a while)
        Backend other = a.has("--backend") && !a.value("--backend").equals("cpu") ? Backends.choose(a.value("--backend"))
                : null;
        List<String> all = List.of(GROKKING, StepBenchmark.GPT2_SMALL_CPU, LLAMA);
        List<String> models = all;
        if (a.has("--model")) {
            models = List.of(a.value("--model"));
            if (!all.contains(models.get(0))) {
                throw new BadInputException("--model " + models.get(0) + ": must be one of " + String.join(", ", all));
            }
        }
        List<GemmProvider> providers = new ArrayList<>(GemmProviders.all());
        GemmProviders.platformReference(threads).ifPresent(providers::add);
        List<Product> products = new ArrayList<>();
        try (CpuDevice device = new CpuDevice(threads)) {
            err.printf("bench matmul: recording the shapes of one step of %s...%n", String.join(", ", models));
            if (models.contains(GROKKING)) {
                products.addAll(MatmulBenchmark.shapesOf(GROKKING, ConfigLoader.load(shippedConfig.apply(GROKKING)), device));
            }
            if (models.contains(StepBenchmark.GPT2_SMALL_CPU)) {
                products.addAll(MatmulBenchmark.shapesOf(StepBenchmark.GPT2_SMALL_CPU,
                        recording -> StepBenchmark.gpt2SmallCpuOneStep(recording), device));
            }
            if (models.contains(LLAMA)) {
                products.addAll(MatmulBenchmark.shapesOf(LLAMA, ConfigLoader.load(shippedConfig.apply(LLAMA)), device));
            }
            if (other != null) {
                try (Device d = other.create(threads)) {
                    err.printf("bench matmul: %d products on %s, ≥ %.0f ms each...%n", products.size(), d.describe(), ms);
                    return printDevice(MatmulBenchmark.runOnDevice(products, d, ms), out);
                }
            }
            err.printf("bench matmul: %d products × %d GEMMs, %d threads, 2 rounds of ≥ %.0f ms each...%n",
                    products.size(), providers.size(), threads, ms);
            MatmulBenchmark.Result r = MatmulBenchmark.run(products, providers, device.pool(), ms);
            return print(r, threads, out);
        }
    }

    private static int print(MatmulBenchmark.Result r, int threads, PrintStream out) throws Exception {
        List<String> names = r.providers();
        int platform = names.indexOf("platform");
        for (int g = 0; g < names.size(); g++) {
            out.printf("%-9s %s%n", names.get(g), r.descriptions().get(g));
        }
        out.printf("%n%-21s %-30s", "model", "product (M×K→N)");
        for (String n : names) {
            out.printf(" %9s", n);
        }
        out.printf(" %s%n", platform >= 0 ? " best grokcap / platform" : "");
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, double[]> seconds = new LinkedHashMap<>(); // per model: Σ GFLOP / GFLOP/s per provider
        Map<String, Double> gflopOf = new LinkedHashMap<>();
        double worst = Double.MAX_VALUE;
        for (int i = 0; i < r.products().size(); i++) {
            Product p = r.products().get(i);
            double[] g = r.gflops()[i];
            out.printf("%-21s %-30s", p.model(), p.label());
            Map<String, Object> row = productRow(p);
            Map<String, Double> rates = new LinkedHashMap<>();
            double[] s = seconds.computeIfAbsent(p.model(), k -> new double[names.size()]);
            gflopOf.merge(p.model(), p.gflop(), Double::sum);
            for (int k = 0; k < names.size(); k++) {
                out.printf(" %9.1f", g[k]);
                rates.put(names.get(k), g[k]);
                s[k] += p.gflop() / g[k];
            }
            row.put("gflops", rates);
            if (platform >= 0) {
                double ratio = bestOwn(g, platform) / g[platform];
                worst = Math.min(worst, ratio);
                row.put("ratio", ratio);
                out.printf("  %5.0f%%", 100 * ratio);
            }
            out.println();
            rows.add(row);
        }
        out.printf("%nper model, all its products (GFLOP/s = Σ GFLOP / Σ time):%n");
        Map<String, Object> models = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : seconds.entrySet()) {
            double[] rate = new double[names.size()];
            Map<String, Object> m = new LinkedHashMap<>();
            Map<String, Double> rates = new LinkedHashMap<>();
            out.printf("%-21s %-30s", e.getKey(), String.format("%.3f GFLOP", gflopOf.get(e.getKey())));
            for (int k = 0; k < names.size(); k++) {
                rate[k] = gflopOf.get(e.getKey()) / e.getValue()[k];
                rates.put(names.get(k), rate[k]);
                out.printf(" %9.1f", rate[k]);
            }
            m.put("gflops", rates);
            if (platform >= 0) {
                double ratio = bestOwn(rate, platform) / rate[platform];
                m.put("ratio", ratio);
                out.printf("  %5.0f%%", 100 * ratio);
            }
            out.println();
            models.put(e.getKey(), m);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("bench", "matmul");
        json.put("threads", threads);
        Map<String, String> described = new LinkedHashMap<>();
        for (int k = 0; k < names.size(); k++) {
            described.put(names.get(k), r.descriptions().get(k));
        }
        json.put("gemms", described);
        json.put("models", models);
        if (platform >= 0) {
            json.put("min_ratio", worst);
        } else {
            out.println("no platform BLAS found: nothing to compare with (on Debian/Ubuntu: apt-get install libopenblas0-pthread)");
        }
        json.put("products", rows);
        out.println(Json.mapper().writeValueAsString(json));
        return 0;
    }

    /** One column per product: GFLOP/s of the device's linear layer, then per model, then one JSON line. */
    private static int printDevice(MatmulBenchmark.DeviceResult r, PrintStream out) throws Exception {
        out.println("device: " + r.device());
        out.printf("%n%-21s %-30s %9s%n", "model", "product (M×K→N)", "GFLOP/s");
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, double[]> perModel = new LinkedHashMap<>(); // Σ GFLOP, Σ seconds
        for (int i = 0; i < r.products().size(); i++) {
            Product p = r.products().get(i);
            double g = r.gflops()[i];
            out.printf("%-21s %-30s %9.2f%n", p.model(), p.label(), g);
            double[] m = perModel.computeIfAbsent(p.model(), k -> new double[2]);
            m[0] += p.gflop();
            m[1] += p.gflop() / g;
            Map<String, Object> row = productRow(p);
            row.put("gflops", g);
            rows.add(row);
        }
        out.printf("%nper model, all its products (GFLOP/s = Σ GFLOP / Σ time):%n");
        Map<String, Object> models = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : perModel.entrySet()) {
            double rate = e.getValue()[0] / e.getValue()[1];
            out.printf("%-21s %-30s %9.2f%n", e.getKey(), String.format("%.3f GFLOP", e.getValue()[0]), rate);
            models.put(e.getKey(), Map.of("gflops", rate));
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("bench", "matmul");
        json.put("device", r.device());
        json.put("models", models);
        json.put("products", rows);
        out.println(Json.mapper().writeValueAsString(json));
        return 0;
    }

    /** A product's row of the JSON line, before its figures. */
    private static Map<String, Object> productRow(Product p) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("model", p.model());
        row.put("pass", p.pass());
        row.put("M", p.M());
        row.put("N", p.N());
        row.put("K", p.K());
        return row;
    }

    /** The fastest of grokcap's own providers (every column but the platform's). */
    private static double bestOwn(double[] g, int platform) {
        double best = 0;
        for (int k = 0; k < g.length; k++) {
            if (k != platform) {
                best = Math.max(best, g[k]);
            }
        }
        return best;
    }
}
