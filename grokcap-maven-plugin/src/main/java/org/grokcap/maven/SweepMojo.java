package org.grokcap.maven;

import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a sweep, or one shard of it ({@code grokcap sweep SWEEP_FILE --out DIR}): every run goes to
 * OUTPUT_DIRECTORY/RUN_ID with a stable id from its varied values; finished runs are skipped, so an
 * interrupted sweep resumes when the goal runs again.
 */
@Mojo(name = "sweep", defaultPhase = LifecyclePhase.INTEGRATION_TEST, threadSafe = true)
public class SweepMojo extends AbstractGrokcapMojo {
    /** The sweep file (JSON or YAML): a base config and a grid or random draws over its fields. */
    @Parameter(property = "grokcap.sweepFile", required = true)
    protected File sweepFile;

    /** Run only this shard, as i/N (i from 0 to N-1). */
    @Parameter(property = "grokcap.shard")
    protected String shard;

    /**
     * Run one of this many shards, its index taken from JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or
     * SLURM_ARRAY_TASK_ID (Slurm array).
     */
    @Parameter(property = "grokcap.shards")
    protected Integer shards;

    /** Only list the runs of the shard and what each needs (new, finished, resume, restart). */
    @Parameter(property = "grokcap.dryRun", defaultValue = "false")
    protected boolean dryRun;

    /** Train each run at most this many steps (fewer than its config's train.steps, e.g. for a quick check). */
    @Parameter(property = "grokcap.maxSteps")
    protected Integer maxSteps;

    /**
     * Train the runs that share model, task and batch sizes together ({@code grokcap sweep --together}):
     * {@code true} for all of a group at once, a whole number K for K at a time; empty or {@code false}
     * for one run after another.
     */
    @Parameter(property = "grokcap.together")
    protected String together;

    /** CPU threads per run; default all cores. */
    @Parameter(property = "grokcap.threads")
    protected Integer threads;

    @Override
    protected List<String> arguments() throws MojoFailureException {
        List<String> args = new ArrayList<>(List.of("sweep", sweepFile.getPath(), "--out", outputDirectory.getPath()));
        option(args, "--shard", shard);
        option(args, "--shards", shards);
        option(args, "--max-steps", maxSteps);
        option(args, "--threads", threads);
        if (together != null && !together.isBlank() && !together.equals("false")) {
            args.add("--together");
            if (!together.equals("true")) {
                if (!together.matches("[1-9][0-9]*")) {
                    throw new MojoFailureException("grokcap: grokcap.together = " + together
                            + ": must be true, false or a whole number of runs at a time (at least 1)");
                }
                args.add(together);
            }
        }
        if (dryRun) {
            args.add("--dry-run");
        }
        return args;
    }
}
