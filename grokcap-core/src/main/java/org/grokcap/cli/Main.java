package org.grokcap.cli;

import org.grokcap.util.BadInputException;
import org.grokcap.Grokcap;
import org.grokcap.run.RunOptions;
import org.grokcap.run.RunResult;
import org.grokcap.run.RunStoppedException;
import org.grokcap.analysis.Analyzer;
import org.grokcap.backend.Backend;
import org.grokcap.backend.Backends;
import org.grokcap.backend.Device;
import org.grokcap.backend.TornadoSdk;
import org.grokcap.backend.cpu.CpuDevice;
import org.grokcap.backend.cpu.GemmProviders;
import org.grokcap.bench.EpochBenchmark;
import org.grokcap.bench.PopulationBenchmark;
import org.grokcap.bench.StepBenchmark;
import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.analysis.QaAnswerer;
import org.grokcap.data.qa.QaVocabulary;
import org.grokcap.run.HuggingFaceGpt2;
import org.grokcap.io.Json;
import org.grokcap.io.MetricsRow;
import org.grokcap.run.Provenance;
import org.grokcap.run.RunDirectory;
import org.grokcap.model.Decoder;
import org.grokcap.report.Report;
import org.grokcap.util.Messages;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code grokcap train|generate|capacity|analyze|export|import|answer|info|bench}. Exit 0 on success, 2 for bad input (usage, config, files), 1 for any
 * other failure (a run stopped by SIGTERM or SIGINT ends with the signal's status, 143 or 130, after its checkpoint); errors are one line on stderr, with the stack trace only under {@code --debug}.
 * A command that computes a result prints it last, as one JSON line on stdout. {@code grokcap COMMAND --help}
 * (or {@code -h}) prints the command's own help, {@code grokcap --version} the version; the commands, their
 * options and their help are in one table, {@link Commands}, which also suggests the nearest command or
 * option for a mistyped one.
 */
public final class Main {
    /** The general usage, every command's usage lines (from {@link Commands}, as is each command's --help). */
    static final String USAGE = Commands.usage();

    private Main() {}

    /** How long SIGTERM or SIGINT waits for a run to reach its next step boundary and write its checkpoint. */
    static final long STOP_WAIT_SECONDS = 120;

    public static void main(String[] args) {
        // SIGTERM and SIGINT run the shutdown hooks: this one asks the run to stop at its next step
        // boundary and waits until run() has returned (its checkpoint written, its line printed);
        // the JVM then exits with the signal's status. Without a run in progress it waits for nothing.
        CountDownLatch finished = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Grokcap.requestStop();
            try {
                finished.await(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "grokcap-stop"));
        int code = run(args, System.out, System.err);
        finished.countDown();
        System.exit(code);
    }

    /** Runs a command and returns its exit code (no System.exit, for tests and embedding). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        boolean debug = List.of(args).contains("--debug");
        try {
            Args a = new Args(args);
            if (a.flag("--version")) {
                out.println("grokcap " + Provenance.version());
                return 0;
            }
            if (a.command == null) {
                out.println(USAGE);
                return a.flag("--help") ? 0 : 2;
            }
            if (!Commands.topLevel().contains(a.command)) {
                String hint = Commands.didYouMean(a.command, Commands.topLevel(), true);
                throw new BadInputException("unknown command '" + a.command + "'"
                        + (hint.isEmpty() ? "; grokcap --help lists the commands" : hint));
            }
            if (a.flag("--help")) {
                String name = a.command;
                if (!a.positionals().isEmpty() && Commands.find(name + " " + a.positionals().get(0)) != null) {
                    name += " " + a.positionals().get(0); // capacity plan --help, bench matmul --help
                }
                out.println(Commands.help(name));
                return 0;
            }
            return switch (a.command) {
                case "train" -> train(a, out, err);
                case "generate" -> generate(a, out);
                case "capacity" -> CapacityCommand.run(a, out);
                case "analyze" -> analyze(a, out);
                case "info" -> info(a, out);
                case "export" -> export(a, out);
                case "import" -> importGpt2(a, out);
                case "bench" -> bench(a, out, err);
                case "answer" -> answer(a, out);
                case "sweep" -> SweepCommand.run(a, out, err);
                case "probe" -> ProbeCommand.run(a, out);
                case "report" -> report(a, out);
                case "jvm-flags" -> jvmFlags(a, out);
                default -> throw new IllegalStateException("command " + a.command + " is in Commands.ALL but not here");
            };
        } catch (RunStoppedException e) {
            err.println(Messages.cap(e.getMessage())); // not an error: nothing is lost, and the line says how to go on
            return 130;
        } catch (BadInputException e) {
            err.println("error: " + Messages.cap(e.getMessage()));
            if (debug) {
                e.printStackTrace(err);
            }
            return 2;
        } catch (Throwable e) {
            err.println("error: " + Messages.cap(describe(e)));
            if (debug) {
                e.printStackTrace(err);
            }
            return 1;
        }
    }

    private static int train(Args a, PrintStream out, PrintStream err) throws Exception {
        int threads = a.has("--threads") ? a.threads() : 0;
        int every = a.has("--checkpoint-every") ? a.intValue("--checkpoint-every", 1) : 0;
        Progress progress = new Progress(err, a.flag("--quiet"));
        a.allowFor("train");
        Integer steps = a.has("--steps") ? a.intValue("--steps", 1) : null;
        if (a.has("--resume")) {
            for (String o : List.of("--out", "--max-steps", "--seed", "--analysis-every")) {
                if (a.has(o)) {
                    throw new BadInputException("option " + o + " applies to a new run, not to train --resume"
                            + (o.equals("--max-steps") ? "; --steps N sets a resumed run's total" : ""));
                }
            }
            a.noMorePositionals(0);
            RunResult result = Grokcap.resume(Path.of(a.value("--resume")),
                    new RunOptions(null, a.value("--backend"), threads, progress, every, 0), steps);
            progress.finish();
            printSummary(result, out);
            return 0;
        }
        String config = a.positional(0, "CONFIG");
        a.noMorePositionals(1);
        ExperimentSpec spec = ConfigLoader.load(Path.of(config));
        if (a.has("--seed")) {
            spec = spec.withTrain(spec.train().withSeed(a.longValue("--seed")));
        }
        if (steps != null) {
            spec = spec.withTrain(spec.train().withSteps(steps)); // the total, over the config's
        }
        if (a.has("--max-steps")) {
            int max = a.intValue("--max-steps", 1);
            if (max < spec.train().steps()) {
                spec = spec.withTrain(spec.train().withSteps(max));
            }
        }
        Path outDir = a.has("--out") ? Path.of(a.value("--out")) : null;
        if (outDir != null) {
            RunDirectory.requireNoForeignFiles(outDir);
        }
        for (String w : spec.train().optimizer().warnings()) {
            err.println("warning: " + w);
        }
        int analysisEvery = a.has("--analysis-every") ? a.intValue("--analysis-every", 1) : 0;
        RunResult result = Grokcap.train(spec, new RunOptions(outDir, a.value("--backend"), threads, progress, every,
                analysisEvery));
        progress.finish();
        printSummary(result, out);
        return 0;
    }

    private static int generate(Args a, PrintStream out) throws Exception {
        a.allowFor("generate");
        String config = a.positional(0, "CONFIG");
        a.noMorePositionals(1);
        Path dir = Path.of(required(a, "--out"));
        ExperimentSpec spec = ConfigLoader.load(Path.of(config));
        if (a.has("--seed")) {
            spec = spec.withTrain(spec.train().withSeed(a.longValue("--seed")));
        }
        out.println(Json.mapper().writeValueAsString(Grokcap.generate(spec, dir)));
        return 0;
    }

    private static int export(Args a, PrintStream out) throws Exception {
        a.allowFor("export");
        Path run = Path.of(a.positional(0, "RUN_DIR"));
        a.noMorePositionals(1);
        String format = a.has("--format") ? a.value("--format") : "gpt2";
        if (!format.equals("gpt2") && !format.equals("llama")) {
            throw new BadInputException("--format " + format + ": must be gpt2 or llama");
        }
        Path dir = Path.of(required(a, "--out"));
        Path source = format.equals("llama") ? Grokcap.exportLlama(run, dir) : Grokcap.exportGpt2(run, dir);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("source", source.toString());
        json.put("format", format);
        json.put("weights", dir.resolve(HuggingFaceGpt2.WEIGHTS).toString());
        json.put("config", dir.resolve(HuggingFaceGpt2.CONFIG).toString());
        out.println(Json.mapper().writeValueAsString(json));
        return 0;
    }

    private static int importGpt2(Args a, PrintStream out) throws Exception {
        a.allowFor("import");
        Path dir = Path.of(a.positional(0, "HF_DIR"));
        a.noMorePositionals(1);
        Path file = Path.of(required(a, "--out"));
        boolean llama = "llama".equals(HuggingFaceGpt2.modelType(dir));
        HuggingFaceGpt2.Imported imported = llama ? Grokcap.importLlama(dir, file) : Grokcap.importGpt2(dir, file);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("weights", file.toString());
        json.put("format", llama ? "llama" : "gpt2");
        json.put("parameters", imported.params().length);
        json.put("model", imported.config());
        out.println(Json.mapper().writeValueAsString(json));
        return 0;
    }

    private static String required(Args a, String option) {
        if (!a.has(option)) {
            throw new BadInputException("missing " + option);
        }
        return a.value(option);
    }

    private static void printSummary(RunResult r, PrintStream out) throws Exception {
        out.println();
        out.printf("run directory  %s%n", r.runDir());
        out.printf("steps          %d (%d parameters)%n", r.steps(), r.parameters());
        out.printf("wall time      %.1f s (%.2f ms/step over this session's %d steps)%n", r.wallSeconds(),
                r.msPerStep(), r.sessionSteps());
        for (Map.Entry<String, Double> e : r.finalMetrics().entrySet()) {
            if (!e.getKey().equals("step")) {
                out.printf("%-14s %.6g%n", e.getKey(), e.getValue());
            }
        }
        for (Map.Entry<String, Integer> e : r.milestones().entrySet()) {
            out.printf("first step with %s: %d%n", e.getKey().replace(MetricsRow.ACCURACY + "_", " accuracy ≥ ")
                    .replace("≥ 99", "≥ 0.99").replace("≥ 100", "= 1"), e.getValue());
        }
        if (r.plotsNotWritten() != null) {
            out.printf("warning: the plots were not drawn (%s); metrics.jsonl has every number%n", r.plotsNotWritten());
        } else {
            out.printf("plots in %s; next: grokcap report %s (one page of this run's curves), grokcap analyze %s%n",
                    r.runDir().resolve(RunDirectory.PLOTS), r.runDir(), r.runDir());
        }
        out.println(Json.mapper().writeValueAsString(r));
    }

    private static int analyze(Args a, PrintStream out) throws Exception {
        a.allowFor("analyze");
        Path runDir = Path.of(a.positional(0, "RUN_DIR"));
        a.noMorePositionals(1);
        Map<String, Object> summary = Analyzer.analyze(runDir, a.value("--input"), a.value("--backend"));
        out.println(Json.mapper().writeValueAsString(summary));
        return 0;
    }

    /** Answers a question with a question–answer run: greedy by default, or sampled with --sample. */
    private static int answer(Args a, PrintStream out) throws Exception {
        a.allowFor("answer");
        Path runDir = Path.of(a.positional(0, "RUN_DIR"));
        String question = a.positional(1, "QUESTION");
        a.noMorePositionals(2);
        Decoder.Sampling sampling = null;
        if (a.flag("--sample")) {
            double temperature = 1.0;
            if (a.has("--temperature")) {
                try {
                    temperature = Double.parseDouble(a.value("--temperature"));
                } catch (NumberFormatException e) {
                    throw new BadInputException("--temperature = " + a.value("--temperature") + ": not a number");
                }
                if (!(temperature > 0) || !Double.isFinite(temperature)) {
                    throw new BadInputException("--temperature = " + a.value("--temperature") + ": must be > 0");
                }
            }
            int topK = a.has("--top-k") ? a.intValue("--top-k", 0) : 0;
            long seed = a.has("--seed") ? a.longValue("--seed") : 0L;
            sampling = new Decoder.Sampling(temperature, topK, seed);
        } else {
            for (String o : List.of("--temperature", "--top-k", "--seed")) {
                if (a.has(o)) {
                    throw new BadInputException(o + " applies to sampling; add --sample");
                }
            }
        }
        Integer maxTokens = a.has("--max-tokens") ? a.intValue("--max-tokens", 1) : null;
        try (Device device = Backends.choose(a.value("--backend")).create(1)) {
            QaAnswerer.Answer answer = QaAnswerer.load(runDir, device)
                    .answer(a.value("--context"), question, new QaAnswerer.Options(maxTokens, sampling));
            if (!answer.unknownWords().isEmpty()) {
                out.println("unknown words (read as " + QaVocabulary.UNK + "): " + String.join(" ", answer.unknownWords()));
            }
            out.println("prompt: " + String.join(" ", answer.prompt()));
            out.println("answer: " + answer.answer() + (answer.stop().equals("end") ? ""
                    : "   (stopped: " + answer.stop() + ", no end token)"));
            out.println(Json.mapper().writeValueAsString(answer));
        }
        return 0;
    }

    /** grokcap report DIR... [--out DIR]: one HTML report (with PNG/SVG charts) over every run found under DIRs. */
    private static int report(Args a, PrintStream out) throws Exception {
        a.allowFor("report");
        a.positional(0, "DIR (a run directory or a folder of them)");
        Path dir = Path.of(a.has("--out") ? a.value("--out") : "report");
        Map<String, Object> json = Report.write(a.positionals().stream().map(Path::of).toList(), dir);
        out.println("report of " + json.get("runs") + " runs: " + json.get("report"));
        out.println(Json.mapper().writeValueAsString(json));
        return 0;
    }

    /**
     * grokcap jvm-flags BACKEND: the JVM flags a JVM needs to run that backend, one per line, then as a
     * JSON list. For launchers that cannot call {@link TornadoSdk} themselves, such as the Maven plugin,
     * whose classes load in Maven's JVM (perhaps a JDK 17, too old for grokcap-core's classes).
     */
    private static int jvmFlags(Args a, PrintStream out) throws Exception {
        a.allowFor("jvm-flags");
        String backend = a.positional(0, "BACKEND");
        a.noMorePositionals(1);
        List<String> flags = backend.equals("tornado") ? TornadoSdk.jvmFlags(TornadoSdk.home(System.getenv())) : List.of();
        flags.forEach(out::println);
        out.println(Json.mapper().writeValueAsString(flags));
        return 0;
    }

    private static int info(Args a, PrintStream out) throws Exception {
        a.allowFor("info");
        a.noMorePositionals(0);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("grokcap", Provenance.version());
        info.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")");
        info.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        info.put("cpu", Provenance.cpuModel());
        info.put("cores", Runtime.getRuntime().availableProcessors());
        info.put("maxHeapMiB", Runtime.getRuntime().maxMemory() >> 20);
        info.put("vectorApi", CpuDevice.vectorApiPresent());
        List<Map<String, Object>> backends = new ArrayList<>();
        String chosen = null;
        try {
            chosen = Backends.choose(null).name();
        } catch (RuntimeException e) {
            chosen = "none: " + e.getMessage();
        }
        out.printf("grokcap %s on Java %s, %s%n", info.get("grokcap"), info.get("java"), info.get("os"));
        out.printf("cpu: %s, %d cores, max heap %d MiB, Vector API %s%n", info.get("cpu"), info.get("cores"),
                info.get("maxHeapMiB"), CpuDevice.vectorApiPresent() ? "present" : "absent");
        out.println("backends (best first):");
        for (Backend b : Backends.all()) {
            Backend.Availability av = b.availability();
            out.printf("  %-10s rank %3d  %-11s %s%n", b.name(), b.rank(), av.available() ? "available" : "UNAVAILABLE",
                    av.reason());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", b.name());
            m.put("rank", b.rank());
            m.put("available", av.available());
            m.put("reason", av.reason());
            backends.add(m);
        }
        if (backends.stream().noneMatch(m -> "tornado".equals(m.get("name")))) {
            String why = TornadoSdk.missingReason(System.getenv());
            out.printf("  %-10s rank %3s  %-11s %s%n", "tornado", "-", "UNAVAILABLE", why);
            backends.add(Map.of("name", "tornado", "available", false, "reason", why));
        }
        out.println("default backend: " + chosen);
        out.println("cpu matmuls (" + GemmProviders.PROPERTY + " or " + GemmProviders.ENV + "; auto takes blas where installed):");
        Map<String, String> gemms = GemmProviders.available();
        gemms.forEach((name, what) -> out.printf("  %-10s %s%n", name, what));
        String gemm;
        try {
            gemm = GemmProviders.choose().describe();
        } catch (RuntimeException e) {
            gemm = "none: " + e.getMessage();
        }
        out.println("cpu matmul used: " + gemm);
        String coretype = System.getenv("OPENBLAS_CORETYPE");
        if (coretype != null && gemm.startsWith("OpenBLAS")) {
            out.println("  (OPENBLAS_CORETYPE=" + coretype + " picks OpenBLAS's kernels; unset it to let OpenBLAS choose for this CPU)");
        }
        Map<String, String> ops = new LinkedHashMap<>();
        try (CpuDevice cpu = new CpuDevice(1)) {
            cpu.accelerated().forEach((op, where) -> {
                if (!where.equals("host")) {
                    ops.put(op, where);
                }
            });
        } catch (RuntimeException e) {
            // the matmul asked for is unavailable: said above
        }
        if (!ops.isEmpty()) {
            out.println("cpu operations (parallel: split across threads; +vector: on Vector API lanes; +blas: the platform BLAS):");
            Map<String, List<String>> byWhere = new LinkedHashMap<>();
            ops.forEach((op, where) -> byWhere.computeIfAbsent(where, k -> new ArrayList<>()).add(op));
            byWhere.forEach((where, list) -> out.printf("  %-16s %s%n", where, String.join(", ", list)));
        }
        info.put("backends", backends);
        info.put("defaultBackend", chosen);
        info.put("gemms", gemms);
        info.put("gemm", gemm);
        info.put("cpuOperations", ops);
        out.println(Json.mapper().writeValueAsString(info));
        return 0;
    }

    private static int bench(Args a, PrintStream out, PrintStream err) throws Exception {
        if (!a.positionals().isEmpty() && a.positionals().get(0).equals("matmul")) {
            return MatmulBenchCommand.run(a, out, err, Main::shippedConfig);
        }
        a.allowFor("bench");
        List<String> names = new ArrayList<>(EpochBenchmark.names());
        names.addAll(StepBenchmark.names());
        names.add("matmul");
        String name = a.positional(0, "benchmark name (" + String.join(", ", names) + ")");
        a.noMorePositionals(1);
        if (!names.contains(name)) {
            throw new BadInputException("unknown benchmark '" + name + "'; have " + names
                    + Commands.didYouMean(name, names, true));
        }
        if (a.flag("--together-only") && !a.has("--models")) {
            throw new BadInputException("--together-only goes with --models K");
        }
        int threads = a.has("--threads") ? a.threads() : Runtime.getRuntime().availableProcessors();
        int epochs = a.has("--epochs") ? a.intValue("--epochs", 1) : 100;
        int warmup = a.has("--warmup") ? a.intValue("--warmup", 0) : 30;
        boolean steps = name.equals(StepBenchmark.GPT2_SMALL_CPU);
        ExperimentSpec spec = steps ? null : ConfigLoader.load(shippedConfig(name));
        Backend backend = Backends.choose(a.value("--backend"));
        if (a.has("--models")) {
            if (steps) {
                throw new BadInputException("--models: bench " + name + " times steps of one large model; give "
                        + String.join(" or ", EpochBenchmark.names()));
            }
            return populationBench(name, spec, backend, a.intValue("--models", 1), !a.flag("--together-only"), threads,
                    warmup, epochs, out, err);
        }
        String unit = steps ? "step" : "epoch";
        err.printf("bench %s: %d warm-up + %d timed %ss on %s, %d threads...%n", name, warmup, epochs, unit,
                backend.name(), threads);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("bench", name);
        json.put("backend", backend.name());
        double gflopPer;
        double gflops;
        double peak;
        try (Device device = backend.create(threads)) {
            json.put("device", device.describe());
            json.put("threads", threads);
            if (steps) {
                StepBenchmark.Result r = StepBenchmark.gpt2SmallCpu(device, threads, warmup, epochs);
                out.printf("%s on %s: %.2f ms/step (median of %d), %.0f tokens/s%n", name, r.device(),
                        r.msPerStep(), r.steps(), r.tokensPerS());
                json.put("steps", r.steps());
                json.put("ms_per_step", r.msPerStep());
                json.put("tokens_per_s", r.tokensPerS());
                gflopPer = r.gflopPerStep();
                gflops = r.gflops();
                peak = r.peakGflops();
            } else {
                EpochBenchmark.Result r = EpochBenchmark.run(name, spec, device, threads, warmup, epochs);
                out.printf("%s on %s: %.2f ms/epoch (median of %d; min %.2f, max %.2f)%n", name, r.device(),
                        r.msPerEpoch(), r.epochs(), r.msMin(), r.msMax());
                json.put("epochs", r.epochs());
                json.put("ms_per_epoch", r.msPerEpoch());
                gflopPer = r.gflopPerEpoch();
                gflops = r.gflops();
                peak = r.peakGflops();
            }
        }
        out.printf("%.3f GFLOP/%s of matmul work -> %.1f GFLOP/s, %.0f%% of the measured matmul peak %.1f GFLOP/s%n",
                gflopPer, unit, gflops, 100 * gflops / peak, peak);
        json.put("gflop_per_" + unit, gflopPer);
        json.put("gflops", gflops);
        json.put("peak_gflops", peak);
        json.put("fraction_of_peak", gflops / peak);
        if (backend.name().equals("cpu")) {
            java.util.OptionalDouble sgemm = EpochBenchmark.platformSgemmPeak(threads);
            if (sgemm.isPresent()) {
                out.printf("the platform sgemm's peak on the same threads: %.1f GFLOP/s; this %s reached %.0f%% of it%n",
                        sgemm.getAsDouble(), unit, 100 * gflops / sgemm.getAsDouble());
                json.put("sgemm_peak_gflops", sgemm.getAsDouble());
                json.put("fraction_of_sgemm_peak", gflops / sgemm.getAsDouble());
            }
        }
        out.println(Json.mapper().writeValueAsString(json));
        return 0;
    }

    /**
     * bench NAME --models K: K seeds trained together beside the same K one after another (alone false:
     * together only).
     */
    private static int populationBench(String name, ExperimentSpec spec, Backend backend, int models, boolean alone,
                                       int threads, int warmup, int epochs, PrintStream out, PrintStream err)
            throws Exception {
        err.printf("bench %s --models %d: %d warm-up + %d timed epochs of each model on %s, %d threads, the %d models "
                + "%s...%n", name, models, warmup, epochs, backend.name(), threads, models,
                alone ? "one after another, then together" : "together");
        PopulationBenchmark.Result r = PopulationBenchmark.run(spec, backend, models, threads, warmup, epochs, alone);
        if (alone) {
            out.printf("one after another: %.2f ms per epoch of all %d models, %.2f ms per model-epoch%n",
                    r.aloneMsPerEpoch(), models, r.aloneMsPerEpoch() / models);
        }
        out.printf("together:          %.2f ms per epoch of all %d models, %.2f ms per model-epoch%n",
                r.togetherMsPerEpoch(), models, r.togetherMsPerEpoch() / models);
        if (alone) {
            out.printf("together is %.2fx the throughput of one after another (%d threads)%n", r.speedup(), threads);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("bench", name);
        json.put("backend", backend.name());
        json.put("models", models);
        json.put("threads", threads);
        json.put("epochs", epochs);
        json.put("together_ms_per_epoch", r.togetherMsPerEpoch());
        json.put("together_ms_per_model_epoch", r.togetherMsPerEpoch() / models);
        if (alone) {
            json.put("one_after_another_ms_per_epoch", r.aloneMsPerEpoch());
            json.put("one_after_another_ms_per_model_epoch", r.aloneMsPerEpoch() / models);
            json.put("speedup", r.speedup());
        }
        out.println(Json.mapper().writeValueAsString(json));
        return 0;
    }

    /** conf/NAME from the working directory, else from the grokcap checkout the launcher names. */
    private static Path shippedConfig(String name) {
        Path local = Path.of("conf", name);
        String home = System.getProperty("grokcap.home");
        if (home != null && !ConfigLoader.exists(local)) {
            return Path.of(home, "conf", name);
        }
        return local;
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        if (e instanceof OutOfMemoryError) {
            return "out of memory (" + m + "); give the JVM more heap with GROKCAP_JAVA_OPTS=-Xmx...";
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
