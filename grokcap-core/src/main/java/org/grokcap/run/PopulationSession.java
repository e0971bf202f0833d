package org.grokcap.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.grokcap.backend.Backend;
import org.grokcap.backend.Backends;
import org.grokcap.backend.Device;
import org.grokcap.backend.Lockstep;
import org.grokcap.io.Json;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.train.Population;
import org.grokcap.train.Trainer;
import org.grokcap.train.TrainingDivergedException;
import org.grokcap.util.BadInputException;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Ordinary runs trained together as a {@link Population}: each member is {@link TrainingSession#train}
 * or {@link TrainingSession#resume} on a single-threaded device, so each writes its own run directory
 * (run.json, metrics, checkpoints, weights), resumes on its own, stops on its own when it diverges, and
 * ends bit-identical to the same run trained alone on the same backend.
 */
public final class PopulationSession {
    private PopulationSession() {}

    /**
     * What runs must share to train together: the model, the task and the batch sizes, which fix the
     * work of a step (the seeds and the optimizer's settings do not). Members of equal work hand their
     * slots round evenly.
     */
    public static JsonNode shape(ExperimentSpec spec) {
        JsonNode config = Json.mapper().valueToTree(spec);
        ObjectNode shape = Json.mapper().createObjectNode();
        shape.set("model", config.get("model"));
        shape.set("task", config.get("task"));
        ObjectNode train = shape.putObject("train");
        for (String field : new String[]{"batchSize", "evalBatchSize", "evalMaxPerSplit"}) {
            train.set(field, config.get("train").get(field));
        }
        return shape;
    }

    /** Why b cannot train together with a ("model.dModel is 64, not 128"), or null when it can. */
    public static String whyApart(ExperimentSpec a, ExperimentSpec b) {
        Json.Difference d = Json.firstDifference("", shape(a), shape(b));
        return d == null ? null : d.path() + " is " + d.second() + ", not " + d.first();
    }

    /**
     * Whether backend trains a population in {@link Lockstep}, all K models on one shared device (a GPU,
     * where one pass over K models replaces K passes), rather than each model on a device of its own
     * with the cores handed round (cpu and reference, where single-model operations are too short to
     * split well but K whole models keep the cores busy; see {@link Population}).
     */
    public static boolean inLockstep(Backend backend) {
        return !backend.name().equals("cpu") && !backend.name().equals("reference");
    }

    /**
     * Where a population trains with options, as the log says it: "in lockstep on one tornado device"
     * or "on 2 threads".
     */
    public static String where(RunOptions options) {
        Backend backend = Backends.choose(options.backend());
        if (inLockstep(backend)) {
            return "in lockstep on one " + backend.name() + " device";
        }
        int threads = threads(options);
        return "on " + threads + " thread" + (threads == 1 ? "" : "s");
    }

    /** The threads a population shares: options' threads, or all cores. */
    public static int threads(RunOptions options) {
        return options.threads() > 0 ? options.threads() : Runtime.getRuntime().availableProcessors();
    }

    /**
     * The threads of each member's device when members runs share threads: one when there are at least as
     * many members as threads (the slots are the parallelism), else the threads shared out, so that
     * fewer members than cores still use every core (1 member on 2 threads: a 2-thread device).
     */
    public static int threadsPerMember(int threads, int members) {
        return Math.max(1, threads / Math.max(1, members));
    }

    /**
     * A member's options: threads for its device (see {@link #threadsPerMember}) and the user's listener
     * followed by the hand-over of the member's slot after each update.
     */
    public static RunOptions memberOptions(RunOptions options, int threads, Population.Turn turn) {
        Trainer.Listener user = options.listener();
        return options.withThreads(threads).withListener(new Trainer.Listener() {
            @Override
            public void onMetrics(Map<String, Double> row, int totalSteps) {
                if (user != null) {
                    user.onMetrics(row, totalSteps);
                }
            }

            @Override
            public void afterUpdate(int updates, int totalSteps) {
                if (user != null) {
                    user.afterUpdate(updates, totalSteps);
                }
                turn.handOver();
            }
        });
    }

    /**
     * Trains specs together, each into DIR/NAME-i (i its index in specs; DIR is options' outDir, default
     * runs/together-TIME), sharing options' threads (see {@link #threadsPerMember}); options' listener hears
     * every member (from the members' threads). Bad input, before any run starts, when two specs differ
     * in what {@link #shape} compares. The outcomes are in specs' order; a failed member's failure names
     * its run directory.
     */
    public static List<Population.Outcome<RunResult>> train(List<ExperimentSpec> specs, RunOptions options,
                                                           ProgressHook hook) {
        return train(specs, options, hook, inLockstep(Backends.choose(options.backend())));
    }

    /** {@link #train(List, RunOptions, ProgressHook)}, in lockstep or not as asked (tests run the cpu both ways). */
    static List<Population.Outcome<RunResult>> train(List<ExperimentSpec> specs, RunOptions options, ProgressHook hook,
                                                    boolean lockstep) {
        if (specs.isEmpty()) {
            throw new BadInputException("training together: no specs given");
        }
        for (int i = 1; i < specs.size(); i++) {
            String why = whyApart(specs.get(0), specs.get(i));
            if (why != null) {
                throw new BadInputException("training together: spec " + i + " cannot share a pass with spec 0: " + why);
            }
        }
        Path dir = options.outDir() != null ? options.outDir()
                : Path.of("runs", "together-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        return run(specs.size(), options, lockstep, (i, mine) -> {
            Path out = memberDir(dir, specs.get(i), i);
            try {
                return TrainingSession.train(specs.get(i), mine.withOutDir(out), hook);
            } catch (RuntimeException e) {
                throw named(out, e);
            }
        });
    }

    /** One member's run, given the options to run it with (its device or threads, and its listener). */
    public interface MemberRun<R> {
        R run(int member, RunOptions mine) throws Exception;
    }

    /**
     * Runs members runs as a population on options' backend and returns their outcomes in order: in
     * {@link Lockstep} on one shared device where {@link #inLockstep} says so, else each on a device of
     * its own with the threads handed round ({@link #memberOptions}).
     */
    public static <R> List<Population.Outcome<R>> run(int members, RunOptions options, MemberRun<R> run) {
        return run(members, options, inLockstep(Backends.choose(options.backend())), run);
    }

    private static <R> List<Population.Outcome<R>> run(int members, RunOptions options, boolean lockstep,
                                                      MemberRun<R> run) {
        Backend backend = Backends.choose(options.backend());
        List<Population.Member<R>> list = new ArrayList<>();
        if (!lockstep) {
            int threads = threads(options);
            int perMember = threadsPerMember(threads, members);
            for (int i = 0; i < members; i++) {
                int index = i;
                list.add(turn -> run.run(index, memberOptions(options, perMember, turn)));
            }
            return Population.run(list, threads / perMember);
        }
        try (Lockstep shared = new Lockstep(backend.create(options.threads()), members)) {
            for (int i = 0; i < members; i++) {
                int index = i;
                Device view = shared.member(i);
                list.add(turn -> {
                    try (view) { // leaves the lockstep however the run ends (also when it never opens the device)
                        return run.run(index, options.withDevice(view));
                    }
                });
            }
            return Population.run(list, members);
        }
    }

    private static Path memberDir(Path dir, ExperimentSpec spec, int i) {
        return dir.resolve((spec.name() == null ? TrainingSession.UNNAMED : spec.name()) + "-" + i);
    }

    /** e with its message prefixed by the run directory it belongs to (same exception type where it is one of ours). */
    private static RuntimeException named(Path out, RuntimeException e) {
        String message = "run " + out + ": " + e.getMessage();
        if (e instanceof TrainingDivergedException) {
            return new TrainingDivergedException(message);
        }
        if (e instanceof RunStoppedException) {
            return new RunStoppedException(message);
        }
        if (e instanceof BadInputException) {
            return new BadInputException(message, e);
        }
        return new IllegalStateException(message, e);
    }
}
