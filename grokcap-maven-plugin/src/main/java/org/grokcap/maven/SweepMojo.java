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
        if (dryRun) {
            args.add("--dry-run");
        }
        return args;
    }
}
