package org.grokcap.cli;

import org.grokcap.util.BadInputException;
import org.grokcap.run.RunOptions;
import org.grokcap.io.Json;
import org.grokcap.io.MetricsRow;
import org.grokcap.report.Comparison;
import org.grokcap.report.Report;
import org.grokcap.sweep.Shard;
import org.grokcap.sweep.Sweep;
import org.grokcap.sweep.SweepRunner;
import org.grokcap.train.Trainer;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code grokcap sweep SWEEP_FILE [--out DIR] [--shard i/N | --shards N] [--dry-run] [--max-steps N]
 * [--together [K]] [--backend B] [--threads N] [--quiet]}: runs a sweep (see {@link Sweep}), or one shard of it, into DIR (default
 * runs/&lt;sweep name&gt;), then compares its runs ({@link Comparison}) and writes the HTML report into
 * DIR/report/. {@code --shards N} takes the shard index from JOB_COMPLETION_INDEX or
 * SLURM_ARRAY_TASK_ID. Exit 1 when a run failed (the others still ran).
 * <p>
 * {@code grokcap sweep report SWEEP_DIR [--split NAME]}: that comparison and report alone, of a sweep finished
 * or not; with --split, of that split's accuracy rather than test's (comparison-NAME.md and .json).
 */
final class SweepCommand {
    private SweepCommand() {}

    static int run(Args a, PrintStream out, PrintStream err) {
        if (!a.positionals().isEmpty() && a.positionals().get(0).equals("report")) {
            return report(a, out);
        }
        a.allowFor("sweep");
        Sweep sweep = Sweep.load(Path.of(a.positional(0, "SWEEP_FILE")));
        a.noMorePositionals(1);
        if (a.has("--max-steps")) {
            sweep = sweep.withMaxSteps(a.intValue("--max-steps", 1));
        }
        Shard shard = shard(a);
        Path dir = a.has("--out") ? Path.of(a.value("--out")) : Path.of("runs", sweep.name());
        if (a.flag("--dry-run")) {
            return dryRun(sweep, shard, dir, a.has("--together"), out);
        }
        int threads = a.has("--threads") ? a.threads() : 0;
        boolean quiet = a.flag("--quiet");
        out.printf("sweep %s: %d runs, shard %s has %d, into %s%n", sweep.name(), sweep.runs().size(), shard,
                sweep.runs(shard).size(), dir);
        // --together alone: all of each group at once (0); --together K: K at a time; without it: one by one (-1)
        int together = !a.has("--together") ? -1 : a.value("--together") == null ? 0 : a.intValue("--together", 1);
        // K runs' progress lines would overwrite one another: together, each run reports when it ends
        SweepRunner.Summary s = SweepRunner.run(sweep, shard, dir, new RunOptions(null, a.value("--backend"), threads, null),
                together >= 0 ? null : () -> progress(err, quiet), out, together);
        out.printf("sweep %s shard %s: %d trained, %d resumed, %d finished earlier, %d failed, %.1f s%n", s.sweep(),
                s.shard(), s.trained(), s.resumed(), s.alreadyFinished(), s.failed().size(), s.wallSeconds());
        if (s.selected() > s.failed().size()) { // before the summary, which stays the last line
            compare(dir, Comparison.DEFAULT_SPLIT, out);
        }
        out.println(json(s));
        if (!s.failed().isEmpty()) {
            err.println("error: " + s.failed().size() + " of " + s.selected() + " runs failed, first "
                    + s.failed().get(0).get("id") + ": " + s.failed().get(0).get("error"));
            return 1;
        }
        return 0;
    }

    /** grokcap sweep report SWEEP_DIR [--split NAME]: the comparison and the HTML report of a sweep's directory. */
    private static int report(Args a, PrintStream out) {
        a.allowFor("sweep report");
        Path dir = Path.of(a.positional(1, "SWEEP_DIR"));
        a.noMorePositionals(2);
        String split = a.has("--split") ? a.value("--split") : Comparison.DEFAULT_SPLIT;
        if (!split.matches("[A-Za-z0-9_]+")) { // it becomes part of file names
            throw new BadInputException("--split = " + split + ": a split's name, letters, digits and _ only");
        }
        if (!Files.isDirectory(dir)) {
            throw new BadInputException("not a folder: " + dir);
        }
        Map<String, Object> json = compare(dir, split, out);
        out.println(json(json));
        return 0;
    }

    /**
     * Writes the comparison of split's accuracy (its .md, .json and chart) into dir and the HTML report
     * into dir/report/, printing where; returns both records.
     */
    private static Map<String, Object> compare(Path dir, String split, PrintStream out) {
        Map<String, Object> comparison = Comparison.write(dir, split);
        Map<String, Object> report = Report.write(List.of(dir), dir.resolve(Report.SWEEP_REPORT));
        out.println("compared " + comparison.get("methods") + ": " + comparison.get("comparison") + "; report of "
                + report.get("runs") + " runs: " + report.get("report"));
        Map<String, Object> json = new LinkedHashMap<>(comparison);
        json.put("report", report.get("report"));
        json.put("runs", report.get("runs"));
        json.put("finished", report.get("finished"));
        return json;
    }

    /** A run's progress display, its last line ended (on a terminal) before the sweep prints the next. */
    private static Trainer.Listener progress(PrintStream err, boolean quiet) {
        Progress progress = new Progress(err, quiet);
        return (row, total) -> {
            progress.onMetrics(row, total);
            if (row.get(MetricsRow.STEP).intValue() == total - 1) {
                progress.finish();
            }
        };
    }

    private static Shard shard(Args a) {
        if (a.has("--shard") && a.has("--shards")) {
            throw new BadInputException("give --shard i/N or --shards N, not both");
        }
        if (a.has("--shard")) {
            return Shard.parse(a.value("--shard"));
        }
        if (a.has("--shards")) {
            return Shard.fromEnvironment(System.getenv(), a.intValue("--shards", 1));
        }
        return Shard.ALL;
    }

    private static int dryRun(Sweep sweep, Shard shard, Path dir, boolean together, PrintStream out) {
        List<SweepRunner.Planned> plan = SweepRunner.plan(sweep, shard, dir);
        out.printf("sweep %s: %d runs, shard %s has %d (dry run, into %s):%n", sweep.name(), sweep.runs().size(), shard,
                plan.size(), dir);
        List<Map<String, Object>> runs = new ArrayList<>();
        Map<String, Integer> states = new LinkedHashMap<>();
        for (SweepRunner.Planned p : plan) {
            out.printf("  %-9s %s  %s%n", p.state().label(), p.run().id(), json(p.run().values()));
            states.merge(p.state().label(), 1, Integer::sum);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("id", p.run().id());
            r.put("state", p.state().label());
            if (p.run().variant() != null) {
                r.put("variant", p.run().variant());
            }
            r.put("values", p.run().values());
            runs.add(r);
        }
        if (together) { // the groups the runs still to do would train in, and why a run trains apart
            SweepRunner.groups(plan.stream().filter(p -> p.state() != SweepRunner.State.FINISHED).toList(), out);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("sweep", sweep.name());
        json.put("out", dir.toString());
        json.put("shard", shard.toString());
        json.put("runs", sweep.runs().size());
        json.put("selected", plan.size());
        json.put("states", states);
        json.put("plan", runs);
        out.println(json(json));
        return 0;
    }

    private static String json(Object o) {
        try {
            return Json.mapper().writeValueAsString(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }
}
